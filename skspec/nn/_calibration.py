"""Temperature scaling: one scalar that calibrates a network's probabilities.

A network trained with cross-entropy to the point of early stopping is
usually over- or under-confident by a roughly constant factor on its logits.
Dividing the logits by a temperature ``T`` fitted to minimise the negative
log-likelihood on held-out spectra (Guo et al. 2017, "On calibration of
modern neural networks") fixes most of that without changing a single
prediction: the ranking of the classes, hence ``predict``, is unchanged.
"""

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import logsumexp

#: Bounds on the fitted temperature: a small validation split that the
#: network separates perfectly would otherwise drive T towards 0.
TEMPERATURE_BOUNDS = (0.1, 10.0)


def fit_temperature(logits, y):
    """The temperature minimising the mean negative log-likelihood.

    Parameters
    ----------
    logits : ndarray of shape (n_spectra, n_classes)
        Network outputs before the softmax.
    y : ndarray of shape (n_spectra,)
        Encoded true classes (column indices of ``logits``).

    Returns
    -------
    temperature : float
        In ``TEMPERATURE_BOUNDS``.
    """
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)
    z_true = z[np.arange(len(y)), np.asarray(y)]

    def nll(log_t):
        t = np.exp(log_t)
        return float(np.mean(logsumexp(z / t, axis=1) - z_true / t))

    lo, hi = np.log(TEMPERATURE_BOUNDS)
    result = minimize_scalar(nll, bounds=(lo, hi), method="bounded", options={"xatol": 1e-4})
    return float(np.exp(result.x))
