"""Assign spectra to the EMCCNN paper's signal-to-noise bins."""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from ..utils import SNR_EDGES, snr_bin_index, snr_bin_labels
from ..utils._sklearn_compat import validate_params
from ..utils._snr import snr_estimate
from ..utils._validation import validate_spectra


class SNRBinner(TransformerMixin, BaseEstimator):
    """Assign each spectrum to an S/N bin, estimating the S/N from the flux.

    The EMCCNN paper trains and scores its models separately in the S/N bins
    5-10, 10-15 and >15. This transformer reproduces the binning inside a
    :class:`~sklearn.pipeline.Pipeline`, where only the flux is available: the
    S/N is estimated with DER_SNR (:func:`skspec.utils.der_snr`) and binned with
    :func:`skspec.utils.snr_bin_index`. Callers that already know the SDSS
    S/N (``SN_MEDIAN_ALL``, the ``snr`` of a skspec dataset) bin it with
    :meth:`assign`; :meth:`split` yields the rows of each populated bin for
    per-bin experiments.

    The transformer is stateless: :meth:`fit` only validates the input and
    records its width, and every method also works on an unfitted instance.

    Parameters
    ----------
    edges : sequence of float, default=(5.0, 10.0, 15.0)
        Strictly increasing bin edges. Bins are closed on the left; spectra
        below ``edges[0]`` get bin index ``-1``.

    Attributes
    ----------
    n_features_in_ : int
        Number of pixels seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during ``fit``, when ``X`` has string
        column names.
    bin_labels_ : list of str
        Name of each bin index ``i`` at position ``i + 1``:
        ``["<5", "5-10", "10-15", ">15"]`` for the default edges.

    See Also
    --------
    skspec.utils.der_snr : The S/N estimate used on flux alone.
    skspec.utils.sdss_snr : The SDSS ``SN_MEDIAN_ALL`` measure from flux and ivar.
    skspec.utils.snr_bin_label : Bin names from known S/N values.

    Notes
    -----
    DER_SNR (Stoehr et al. 2008) is ``median(flux)`` over a noise estimated
    from second differences two pixels apart; SDSS ``SN_MEDIAN_ALL`` is the
    median of the per-pixel ``flux * sqrt(ivar)`` (over 3800-9200 A for
    legacy spectra, 3600-10400 A for BOSS; :func:`skspec.utils.sdss_snr`
    computes it on whatever grid it is given). They agree for white noise on a
    smooth spectrum and differ otherwise:

    - real structure on the two-pixel scale (M dwarf band heads, lines, sky
      residuals) counts as noise for DER_SNR, which therefore underestimates
      the S/N, most at high S/N;
    - a ratio of medians is not a median of per-pixel ratios when the S/N
      varies along the spectrum (M dwarfs are faint in the blue);
    - pixels interpolated over bad data are smooth and lower the DER_SNR
      noise; SDSS skips them (``ivar == 0``).

    Measured with ``benchmarks/bench_preprocessing.py`` on the paper's
    4000-9000 A grid, DER_SNR is lower than the SDSS S/N, increasingly so as
    the S/N grows:

    - four real SDSS M dwarfs of the reference data: DER_SNR / SDSS S/N is
      0.75-0.87 at their own S/N (10-50); degraded with white noise to an
      SDSS S/N of 4-25, 0.86-0.94 per star, and 77-90 % of them land in the
      same bin, the others one bin lower;
    - 2000 spectra of ``make_mdwarf_spectra``: median ratio 0.92 at S/N
      5-10, 0.90 at 10-15, 0.86 at 15-25 and 0.80 above 25; 91 %, 77 % and
      74 % of the 5-10, 10-15 and 15-25 spectra land in the same bin, nearly
      all others one bin lower.

    Binning on DER_SNR is therefore a usable stand-in inside a pipeline, not
    a reproduction of the paper's bins: when the SDSS S/N is known (the
    ``snr`` of skspec's datasets), bin it with :meth:`assign` or pass it to
    :meth:`split`.

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.preprocessing import SNRBinner
    >>> rng = np.random.default_rng(0)
    >>> X = 1.0 + rng.normal(scale=[[0.5], [0.08], [0.01]], size=(3, 500))
    >>> binner = SNRBinner().fit(X)
    >>> binner.transform(X).ravel().tolist()
    [-1, 1, 2]
    >>> binner.label([-1, 1, 2]).tolist()
    ['<5', '10-15', '>15']
    >>> [(name, idx.tolist()) for name, idx in binner.split(X)]
    [('<5', [0]), ('10-15', [1]), ('>15', [2])]
    """

    _parameter_constraints = {"edges": ["array-like"]}

    def __init__(self, edges=SNR_EDGES):
        self.edges = edges

    def fit(self, X, y=None):
        """Validate the input and record the number of pixels.

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels)
            Flux.
        y : None
            Ignored.

        Returns
        -------
        self : SNRBinner
        """
        validate_params(self)
        self._validate_flux(X, reset=True)
        self.bin_labels_ = self._labels()
        return self

    def transform(self, X):
        """Return the S/N bin index of each spectrum.

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels)
            Flux.

        Returns
        -------
        bins : ndarray of int of shape (n_spectra, 1)
            ``-1`` below ``edges[0]``, then ``0 .. len(edges) - 1``; name them
            with :meth:`label`.
        """
        return self.assign(self.estimate_snr(X))[:, None]

    def estimate_snr(self, X):
        """Estimate the S/N of each spectrum from its flux (DER_SNR).

        Rows of fewer than 5 pixels, too narrow for DER_SNR, use the RMS of
        their flux as the noise (as :class:`~skspec.models.TemplateClassifier`
        does).

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels)
            Flux.

        Returns
        -------
        snr : ndarray of shape (n_spectra,)
            Independent of the flux scale.
        """
        return snr_estimate(self._validate_flux(X, reset=False))

    def assign(self, snr):
        """Bin known S/N values (e.g. the SDSS ``SN_MEDIAN_ALL``).

        Parameters
        ----------
        snr : array-like of shape (n_spectra,)
            S/N values; NaN goes to bin ``-1``.

        Returns
        -------
        bins : ndarray of int of shape (n_spectra,)
        """
        snr = np.asarray(snr, dtype=float)
        if snr.ndim != 1:
            raise ValueError(f"snr must be 1-D, got an array of shape {snr.shape}")
        return snr_bin_index(snr, self._edges())

    def label(self, bin_index):
        """Name bin indices (``-1`` -> ``"<5"``, ``0`` -> ``"5-10"``, ...).

        Parameters
        ----------
        bin_index : int or array-like of int
            Indices from :meth:`transform` or :meth:`assign`.

        Returns
        -------
        labels : str or ndarray of object
            A string for a scalar index, else an array of the input's shape.
        """
        labels = np.asarray(self._labels(), dtype=object)
        index = np.asarray(bin_index)
        if index.dtype.kind not in "iu" and not (
            index.dtype.kind == "f" and np.all(index == np.round(index))
        ):
            raise TypeError(f"bin indices must be integers, got dtype {index.dtype}")
        index = index.astype(np.int64)
        bad = (index < -1) | (index > len(labels) - 2)
        if np.any(bad):
            raise ValueError(
                f"bin indices must lie in [-1, {len(labels) - 2}] for edges "
                f"{tuple(self._edges())}, got {np.unique(index[bad]).tolist()}"
            )
        # A scalar index gives a plain str, an array an object array.
        return labels[index + 1]

    def split(self, X, snr=None):
        """Yield the rows of each populated S/N bin, lowest bin first.

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels) or None
            Flux; its S/N is estimated with :meth:`estimate_snr` unless ``snr``
            is given. May be None when ``snr`` is given.
        snr : array-like of shape (n_spectra,), default=None
            Known S/N values (e.g. the SDSS ``snr`` of a dataset), used instead
            of the estimate.

        Yields
        ------
        label : str
            Bin name, e.g. ``"5-10"``; ``"<5"`` (below the first edge) is
            yielded too when populated, for the caller to keep or skip.
        indices : ndarray of int
            Row indices of the spectra in that bin, increasing.
        """
        if snr is None:
            if X is None:
                raise ValueError("split needs X or snr")
            snr = self.estimate_snr(X)
        elif X is not None:
            n = self._validate_flux(X, reset=False).shape[0]
            if len(snr) != n:
                raise ValueError(f"X has {n} spectra but snr has {len(snr)} values")
        bins = self.assign(snr)
        labels = self._labels()
        # Computed eagerly so that bad input raises at the call, not mid-loop.
        pairs = [(labels[b + 1], np.flatnonzero(bins == b)) for b in np.unique(bins)]
        return iter(pairs)

    def get_feature_names_out(self, input_features=None):
        """Name of the single output column.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored: the output is one column whatever the input.

        Returns
        -------
        feature_names_out : ndarray of str of shape (1,)
        """
        return np.asarray(["snr_bin"], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        # Integer bin indices, whatever the float dtype of the flux.
        tags.transformer_tags.preserves_dtype = []
        return tags

    # -- helpers ------------------------------------------------------------

    def _edges(self):
        # snr_bin_index validates the edges (strictly increasing, 1-D).
        snr_bin_index(np.empty(0), self.edges)
        edges = np.asarray(self.edges, dtype=float)
        if not np.all(np.isfinite(edges)):
            raise ValueError(f"S/N bin edges must be finite, got {edges}")
        return edges

    def _labels(self):
        return snr_bin_labels(self._edges())

    def _validate_flux(self, X, reset):
        return validate_spectra(self, X, reset=reset, dtype=[np.float64, np.float32])
