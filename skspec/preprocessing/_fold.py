"""Fold 1-D spectra into 2-D images (the paper's 5000 points -> 50 x 100)."""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from ..utils._sklearn_compat import validate_params
from ..utils._validation import validate_spectra


class Folder2D(TransformerMixin, BaseEstimator):
    """Fold each spectrum into an image, row after row, and unfold it back.

    The EMCCNN paper reshapes each 5000-point spectrum into a 50 x 100 image
    for its 2-D convolutions: row ``r`` holds pixels ``r * W .. (r + 1) * W - 1``
    (C order, as :func:`numpy.reshape`). :meth:`inverse_transform` flattens
    the images back.

    The stateless transformer learns nothing: :meth:`fit` only validates the
    input and records its width.

    Parameters
    ----------
    shape : tuple of two int, default=(50, 100)
        Image height and width ``(H, W)``; one of them may be ``-1``, to be
        inferred from the number of pixels as in :func:`numpy.reshape`.

    Attributes
    ----------
    n_features_in_ : int
        Number of pixels seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during ``fit``, when ``X`` has string
        column names.
    shape_ : tuple of two int
        The image shape with any ``-1`` resolved.

    See Also
    --------
    QuadraticResampler : Brings 3522-pixel spectra to the 5000 points folded
        by the paper.

    Notes
    -----
    The output is a 3-D array ``(n_spectra, H, W)``, which scikit-learn
    estimators do not accept: put the folder just before a 2-D network. Like
    :func:`numpy.reshape`, :meth:`transform` returns a view of a C-ordered
    input rather than a copy. NaN passes through unchanged (folding does not
    look at values).

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.preprocessing import Folder2D
    >>> X = np.arange(12.0).reshape(2, 6)
    >>> folder = Folder2D(shape=(2, -1)).fit(X)
    >>> folder.transform(X)[0]
    array([[0., 1., 2.],
           [3., 4., 5.]])
    >>> folder.shape_
    (2, 3)
    >>> np.array_equal(folder.inverse_transform(folder.transform(X)), X)
    True
    """

    _parameter_constraints = {"shape": [tuple, list]}

    def __init__(self, shape=(50, 100)):
        self.shape = shape

    def fit(self, X, y=None):
        """Check that the spectra fold into ``shape``.

        Parameters
        ----------
        X : array-like of shape (n_spectra, H * W)
            Spectra.
        y : None
            Ignored.

        Returns
        -------
        self : Folder2D
        """
        validate_params(self)
        X = self._validate_flat(X, reset=True)
        self.shape_ = self._resolve(X.shape[1])
        return self

    def transform(self, X):
        """Fold each spectrum into an ``(H, W)`` image.

        Parameters
        ----------
        X : array-like of shape (n_spectra, H * W)
            Spectra.

        Returns
        -------
        images : ndarray of shape (n_spectra, H, W)
            Same dtype as ``X`` (a view of it when possible).
        """
        validate_params(self)
        X = self._validate_flat(X, reset=False)
        return X.reshape((X.shape[0],) + self._resolve(X.shape[1]))

    def inverse_transform(self, X):
        """Flatten images back into spectra.

        Parameters
        ----------
        X : array-like of shape (n_spectra, H, W)
            Images, e.g. from :meth:`transform`.

        Returns
        -------
        X_flat : ndarray of shape (n_spectra, H * W)
        """
        validate_params(self)
        images = np.asarray(X)
        if images.ndim != 3:
            raise ValueError(
                f"{type(self).__name__}.inverse_transform expects images of shape "
                f"(n_spectra, H, W), got an array of shape {images.shape}"
            )
        height, width = images.shape[1:]
        expected = self._resolve(height * width)
        if images.shape[1:] != expected:
            raise ValueError(
                f"{type(self).__name__}.inverse_transform expects images of shape "
                f"{expected}, got {images.shape[1:]}"
            )
        flat = images.reshape(images.shape[0], -1)
        if hasattr(self, "n_features_in_") and flat.shape[1] != self.n_features_in_:
            raise ValueError(
                f"images hold {flat.shape[1]} pixels, but {type(self).__name__} was "
                f"fitted on {self.n_features_in_}"
            )
        return flat

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    def _validate_flat(self, X, reset):
        # Folding never looks at values: NaN and inf pass through.
        return validate_spectra(self, X, reset=reset, ensure_all_finite=False)

    def _resolve(self, n_pixels):
        """Return ``shape`` with ``-1`` resolved, or raise if it cannot hold ``n_pixels``."""
        shape = tuple(self.shape)
        name = type(self).__name__
        if (
            len(shape) != 2
            or not all(
                isinstance(s, Integral) and not isinstance(s, bool) and (s > 0 or s == -1)
                for s in shape
            )
            or shape == (-1, -1)
        ):
            raise ValueError(
                f"{name} shape must be two positive integers, one of which may be -1; "
                f"got {self.shape!r}"
            )
        height, width = (int(s) for s in shape)
        if height == -1 or width == -1:
            known = width if height == -1 else height
            if n_pixels % known:
                raise ValueError(
                    f"{name} cannot fold {n_pixels} pixels into shape {shape}: "
                    f"{n_pixels} is not a multiple of {known}"
                )
            return (n_pixels // known, width) if height == -1 else (height, n_pixels // known)
        if height * width != n_pixels:
            raise ValueError(
                f"{name} cannot fold {n_pixels} pixels into shape {shape}, which holds "
                f"{height * width}; resample the spectra to {height * width} points first "
                "(QuadraticResampler) or change shape"
            )
        return height, width
