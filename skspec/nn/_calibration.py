"""Temperature scaling: one scalar that calibrates a network's probabilities.

A network trained with cross-entropy to the point of early stopping is
usually over- or under-confident by a roughly constant factor on its logits.
Dividing the logits by a temperature ``T`` fitted to minimise the negative
log-likelihood on held-out spectra (Guo et al. 2017, "On calibration of
modern neural networks") fixes most of that without changing a single
prediction: the ranking of the classes, hence ``predict``, is unchanged.
The networks fit it with a normal prior on log(T) (:data:`TEMPERATURE_PRIOR_SD`),
centred on T = 1, which keeps a small validation split from
over-sharpening the probabilities.
"""

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import logsumexp

#: Bounds on the fitted temperature: a small validation split that the
#: network separates perfectly would otherwise drive T towards 0.
TEMPERATURE_BOUNDS = (0.1, 10.0)

#: Standard deviation of the normal prior on log(T) (centred on T = 1) that
#: the networks' temperature is fitted with, on the labels or the subtypes.
#: Why a prior: the validation split that fits T also chose the
#: early-stopping epoch, so the network looks better on it than on new
#: spectra, and with the 57-145
#: spectra of a per-bin fit the plain maximum-likelihood T came out 0.3-1.0
#: (median 0.7) and over-sharpened the test probabilities (mean ECE 0.033
#: over 18 fits of the accuracy study against 0.023 with this prior, and
#: 0.031 against 0.024 on 6 fits not used to choose it; BENCHMARKS.md,
#: "Calibration"). With hundreds of validation spectra the data dominate.
TEMPERATURE_PRIOR_SD = 0.25


def fit_temperature(logits, y, *, prior_sd=TEMPERATURE_PRIOR_SD, prior_centre=1.0):
    """The temperature that best explains the labels: maximum a posteriori.

    Minimises, over ``log(T)``, the summed negative log-likelihood of ``y``
    under ``softmax(logits / T)`` plus
    ``(log(T) - log(prior_centre))**2 / (2 * prior_sd**2)``: the mode of the
    posterior of ``log(T)`` under a normal prior centred on
    ``log(prior_centre)`` (by default ``T = 1``).

    Parameters
    ----------
    logits : ndarray of shape (n_spectra, n_classes)
        Network outputs before the softmax.
    y : ndarray of shape (n_spectra,)
        Encoded true classes (column indices of ``logits``).
    prior_sd : float or None, default=TEMPERATURE_PRIOR_SD
        Standard deviation of ``log(T)`` under the prior; None fits the
        plain maximum-likelihood temperature (Guo et al. 2017).
    prior_centre : float > 0, default=1.0
        The temperature the prior expects: 1 for a network trained on the
        labels' own probabilities; ``(s / w)**2`` for one trained on
        Gaussian targets of width ``w`` about subtypes whose labels scatter
        by ``s`` (under-confident by design when ``w > s``; see
        ``benchmarks/calibration_prior.py --prior-centre``). The networks
        always use 1.

    Returns
    -------
    temperature : float
        In ``TEMPERATURE_BOUNDS``.
    """
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)
    z_true = z[np.arange(len(y)), np.asarray(y)]
    penalty = 0.0 if prior_sd is None else 1.0 / (2.0 * float(prior_sd) ** 2)
    log_centre = np.log(float(prior_centre))

    def neg_log_posterior(log_t):
        t = np.exp(log_t)
        nll = float(np.sum(logsumexp(z / t, axis=1) - z_true / t))
        return nll + penalty * (log_t - log_centre) ** 2

    lo, hi = np.log(TEMPERATURE_BOUNDS)
    result = minimize_scalar(
        neg_log_posterior, bounds=(lo, hi), method="bounded", options={"xatol": 1e-4}
    )
    return float(np.exp(result.x))
