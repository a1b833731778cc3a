"""Fill bad pixels (NaN/inf flux) inside a pipeline."""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin

from ..utils._masking import interpolate_bad_pixels
from ..utils._sklearn_compat import Interval, validate_params
from ..utils._validation import validate_spectra


class BadPixelInterpolator(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Replace NaN and inf flux by linear interpolation between good neighbours.

    Real spectra arrive with bad pixels: cosmic rays, dead columns, the
    dichroic gap, pixels the pipeline masked. :func:`~skspec.datasets.load_sdss_spectra`
    fills those it knows of (``ivar == 0`` and the ``and_mask`` bits); for
    arrays from elsewhere, set the bad pixels to NaN (for instance
    ``flux[ivar == 0] = np.nan``) and put this transformer first in the
    pipeline. Every other skspec estimator refuses NaN and inf with an error
    that names the rows, rather than guessing.

    Runs of bad pixels are bridged linearly; runs that touch an edge take the
    nearest good value. The whole batch is filled with one vectorised
    interpolation.

    Parameters
    ----------
    max_bad_fraction : float in [0, 1], default=0.5
        A spectrum with a larger fraction of bad pixels carries too little
        information to be filled honestly: :meth:`transform` raises a
        ValueError naming it (drop such rows first). 1 accepts anything
        but a spectrum with no good pixel at all.

    Attributes
    ----------
    n_features_in_ : int
        Pixels per spectrum seen in ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names seen in ``fit``, when ``X`` has string column names.

    See Also
    --------
    skspec.utils.interpolate_bad_pixels : The function behind it, with an
        explicit mask.
    ContinuumNormalizer : Often the next step.

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.preprocessing import BadPixelInterpolator
    >>> X = np.array([[1.0, np.nan, 3.0, 4.0], [2.0, 2.0, np.inf, 2.0]])
    >>> BadPixelInterpolator().fit_transform(X)
    array([[1., 2., 3., 4.],
           [2., 2., 2., 2.]])
    """

    _parameter_constraints = {
        "max_bad_fraction": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, max_bad_fraction=0.5):
        self.max_bad_fraction = max_bad_fraction

    def fit(self, X, y=None):
        """Validate ``X`` and record its width.

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels)
            Flux; NaN and inf mark bad pixels.
        y : None
            Ignored.

        Returns
        -------
        self : BadPixelInterpolator
        """
        validate_params(self)
        validate_spectra(self, X, dtype=[np.float64, np.float32], ensure_all_finite=False)
        return self

    def transform(self, X):
        """Fill the bad pixels.

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels)
            Flux; NaN and inf mark bad pixels.

        Returns
        -------
        X_new : ndarray of shape (n_spectra, n_pixels)
            A copy with every bad pixel filled; float32 stays float32.

        Raises
        ------
        ValueError
            If a spectrum has more than ``max_bad_fraction`` bad pixels or
            none good, naming the rows.
        """
        validate_params(self)
        X = validate_spectra(
            self, X, reset=False, dtype=[np.float64, np.float32], ensure_all_finite=False
        )
        bad = ~np.isfinite(X)
        if not bad.any():
            return X.copy()
        fraction = bad.mean(axis=1)
        hopeless = np.flatnonzero((fraction > self.max_bad_fraction) | bad.all(axis=1))
        if hopeless.size:
            shown = ", ".join(f"{r} ({100 * fraction[r]:.0f}% bad)" for r in hopeless[:10])
            raise ValueError(
                f"BadPixelInterpolator: {hopeless.size} spectra have too many bad (NaN/inf) "
                f"pixels to fill (over max_bad_fraction={self.max_bad_fraction}): rows "
                f"{shown}{', ...' if hopeless.size > 10 else ''}; drop them"
            )
        return interpolate_bad_pixels(X, bad)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
