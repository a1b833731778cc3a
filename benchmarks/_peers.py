"""General-purpose peers of the paper's models, for the benchmarks only.

Issue 11 asks for "the general-purpose peer that a machine-learning user
would try first" beside EMCCNN in the accuracy study and the real-data
check: aeon's ``MiniRocketClassifier`` (random convolution features and a
ridge classifier). aeon is an optional *benchmark* dependency, never a
dependency of skspec: it is imported only when a peer is built, and a
missing aeon raises an ``ImportError`` that says how to get it. aeon 1.6
needs older pandas/numba than skspec's environment may have, so a separate
virtual environment is the usual way (see the message below).

The pipeline works on the spectra as given (the SDSS grid, 3522 pixels, no
resampling): each spectrum divided by its median flux
(``ContinuumNormalizer("median")``, what the issue measured), then handed to
aeon as a one-channel series ``(n, 1, n_pixels)`` in float32.
"""

import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

#: Peer name -> label in the tables.
PEERS = {"minirocket": "MiniRocket"}

_AEON_MISSING = (
    "the 'minirocket' peer needs aeon (an optional benchmark dependency, not one "
    "of skspec). aeon 1.6 needs pandas<3.1 and numba<0.64, so install it into a "
    "separate environment: python -m venv --system-site-packages /tmp/aeonenv && "
    "/tmp/aeonenv/bin/pip install aeon, then run this script with "
    "/tmp/aeonenv/bin/python"
)


def _to_series(X):
    """(n, n_pixels) -> (n, 1, n_pixels) float32, aeon's collection layout."""
    return np.asarray(X, dtype=np.float32)[:, None, :]


def make_peer(name, *, random_state=None, n_jobs=1):
    """Build the (unfitted) pipeline of a peer model.

    Parameters
    ----------
    name : str
        One of :data:`PEERS` ("minirocket").
    random_state : int, default=None
        Seed of the random kernels.
    n_jobs : int, default=1
        aeon's threads (numba) for the transform.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline

    Raises
    ------
    ValueError
        For an unknown name.
    ImportError
        When aeon is not installed.
    """
    if name not in PEERS:
        raise ValueError(f"unknown peer {name!r}; choose from {', '.join(PEERS)}")
    try:
        from aeon.classification.convolution_based import MiniRocketClassifier
    except ImportError as exc:
        raise ImportError(_AEON_MISSING) from exc
    from skspec.preprocessing import ContinuumNormalizer

    return make_pipeline(
        ContinuumNormalizer("median"),
        FunctionTransformer(_to_series),
        MiniRocketClassifier(random_state=random_state, n_jobs=n_jobs),
    )


def aeon_version():
    """aeon's version, or None when it is not installed."""
    try:
        import aeon
    except ImportError:
        return None
    return aeon.__version__
