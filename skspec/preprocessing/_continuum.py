"""Per-spectrum flux normalisation and continuum removal."""

from numbers import Integral, Real

import numpy as np
from numpy.polynomial import legendre
from scipy import ndimage
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin

from ..utils._sklearn_compat import Interval, StrOptions, validate_params
from ..utils._stats import row_median
from ..utils._validation import validate_spectra


class ContinuumNormalizer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Normalise each spectrum by its own flux level or continuum.

    Spectra come on arbitrary flux scales (distance, calibration, the
    generator's overall scale); every method here makes the output independent
    of that scale, spectrum by spectrum, so the transformer learns nothing.

    Parameters
    ----------
    method : {"median", "log_median", "running_median", "polynomial"}, \
            default="median"
        - ``"median"``: ``flux / median(flux)``. Keeps the broad spectral
          shape (colour, band depths).
        - ``"log_median"``: ``log(flux / median(flux))``, the ratio clipped
          below at ``floor`` so that zero or negative (noise) pixels stay
          finite.
        - ``"running_median"``: ``flux / continuum`` with the continuum a
          running median ``window`` pixels wide: removes the broad shape and
          keeps features narrower than the window.
        - ``"polynomial"``: ``flux / continuum`` with the continuum
          ``median * exp(P)``, ``P`` a least-squares Legendre polynomial of
          degree ``degree`` fitted to ``log(flux / median)`` (clipped at
          ``floor``); positive by construction.
    window : int, default=201
        Odd width in pixels of the running median (201 pixels of the SDSS grid
        are about 14,000 km/s, ~300 A at 6500 A). Used by
        ``"running_median"``.
    degree : int, default=3
        Degree of the continuum polynomial. Used by ``"polynomial"``.
    floor : float, default=1e-3
        Smallest value, relative to the spectrum's median flux, that a flux
        ratio (``"log_median"``, ``"polynomial"``) or a running-median
        continuum may take. Protects against division by zero and logarithms
        of negative noise.

    Attributes
    ----------
    n_features_in_ : int
        Number of pixels seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during ``fit``, when ``X`` has string
        column names.

    See Also
    --------
    QuadraticResampler : Resamples the normalised spectra.
    sklearn.preprocessing.Normalizer : Per-sample normalisation to unit norm.

    Notes
    -----
    Every method divides by (a multiple of) the median flux, so a spectrum
    whose median flux is zero or negative cannot be normalised: it raises a
    ``ValueError`` naming the rows rather than flipping or exploding them.

    Which method transfers from synthetic to real spectra is an empirical
    matter: a prototype of the synthetic M dwarf generator kept its accuracy
    on real SDSS spectra with ``"median"`` or ``"log_median"``, and lost it
    with a running-median continuum removal, which throws away the broad shape
    the generator reproduces well and keeps the fine structure it reproduces
    less well (see the design notes of ``skspec.datasets``). Measure before
    choosing.

    The running median is exact and vectorised: the spectra, each padded with
    ``window // 2`` copies of its end pixels (``mode="nearest"``), are laid end
    to end and filtered in one call of :func:`scipy.ndimage.median_filter`,
    whose 1-D path is much faster than its 2-D one.

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.preprocessing import ContinuumNormalizer
    >>> X = np.array([[1.0, 2.0, 4.0], [10.0, 20.0, 40.0]])
    >>> ContinuumNormalizer().fit_transform(X)
    array([[0.5, 1. , 2. ],
           [0.5, 1. , 2. ]])
    >>> ContinuumNormalizer(method="log_median").fit_transform(X)[0].round(3)
    array([-0.693,  0.   ,  0.693])
    """

    _parameter_constraints = {
        "method": [StrOptions({"median", "log_median", "running_median", "polynomial"})],
        "window": [Interval(Integral, 1, None, closed="left")],
        "degree": [Interval(Integral, 0, None, closed="left")],
        "floor": [Interval(Real, 0, 1, closed="neither")],
    }

    def __init__(self, method="median", window=201, degree=3, floor=1e-3):
        self.method = method
        self.window = window
        self.degree = degree
        self.floor = floor

    def fit(self, X, y=None):
        """Validate the parameters and the input; record the number of pixels.

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels)
            Finite flux.
        y : None
            Ignored.

        Returns
        -------
        self : ContinuumNormalizer
        """
        self._check_params()
        validate_spectra(self, X, dtype=[np.float64, np.float32])
        return self

    def transform(self, X):
        """Normalise every spectrum.

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels)
            Finite flux; each spectrum must have a positive median.

        Returns
        -------
        X_new : ndarray of shape (n_spectra, n_pixels)
            float32 for float32 input, float64 otherwise.
        """
        self._check_params()
        X = validate_spectra(self, X, reset=False, dtype=[np.float64, np.float32])
        median = row_median(X)[:, None]
        bad = np.flatnonzero(median[:, 0] <= 0)
        if bad.size:
            rows = bad[:10].tolist() + (["..."] if bad.size > 10 else [])
            raise ValueError(
                f"{type(self).__name__} cannot normalise {bad.size} spectra whose median "
                f"flux is zero or negative (rows {rows}); remove them or check the input"
            )
        floor = X.dtype.type(self.floor)
        if self.method == "median":
            return X / median
        if self.method == "log_median":
            return np.log(np.maximum(X / median, floor))
        if self.method == "running_median":
            continuum = _running_median(X, self.window)
            return X / np.maximum(continuum, floor * median)
        # polynomial
        log_ratio = np.log(np.maximum(X / median, floor))
        u = np.linspace(-1.0, 1.0, X.shape[1])
        basis = legendre.legvander(u, self.degree)  # (n_pixels, degree + 1)
        # One least-squares solve for the whole batch: the basis is shared.
        coef = log_ratio @ np.linalg.pinv(basis).T.astype(X.dtype)  # (n, degree + 1)
        fit = coef @ basis.T.astype(X.dtype)
        return X / (median * np.exp(fit))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    def _check_params(self):
        validate_params(self)
        if self.window % 2 == 0:
            raise ValueError(
                f"{type(self).__name__} window must be odd (a centred running median), "
                f"got {self.window}"
            )


def _running_median(X, window):
    """Running median of each row, ``mode="nearest"``, in one 1-D filter call."""
    half = window // 2
    n, m = X.shape
    padded = np.pad(X, ((0, 0), (half, half)), mode="edge")
    # A window centred on a real pixel never leaves its own padded row, so the
    # concatenation equals filtering each row on its own.
    med = ndimage.median_filter(padded.ravel(), size=window, mode="nearest")
    return med.reshape(n, m + 2 * half)[:, half : half + m]
