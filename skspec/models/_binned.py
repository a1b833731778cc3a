"""One model per S/N bin, as in the EMCCNN paper."""

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.metrics import accuracy_score
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ..metrics import per_bin_scores, subtype_to_number
from ..preprocessing import SNRBinner
from ..utils._sklearn_compat import HasMethods, Interval, fit_context, safe_indexing
from ..utils._validation import check_known_labels, validate_spectra


def _estimator_has(attr):
    """Whether the wrapped estimator (or every fitted one) offers ``attr``."""

    def check(self):
        if hasattr(self, "estimators_"):
            return all(hasattr(e, attr) for e in self.estimators_.values())
        return hasattr(self.estimator, attr)

    return check


def _slice_params(params, n_samples, rows):
    """Index the sample-aligned entries of ``params`` (e.g. ``ivar``) by ``rows``."""
    out = {}
    for key, value in params.items():
        if (
            value is not None
            and hasattr(value, "__len__")
            and not isinstance(value, str)
            and len(value) == n_samples
        ):
            out[key] = safe_indexing(value, rows)
        else:
            out[key] = value
    return out


class SNRBinnedClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Fit one clone of a classifier per S/N bin and route spectra to their bin.

    The EMCCNN paper trains and scores a separate model in each S/N bin
    (5-10, 10-15, >15): a noisy spectrum is best read by a model that learned
    from noisy spectra. This meta-estimator does that inside one estimator, so
    the per-bin scheme works in ``Pipeline``, ``GridSearchCV`` and
    ``cross_val_score``.

    Parameters
    ----------
    estimator : classifier
        Cloned and fitted once per populated S/N bin.
    binner : SNRBinner, default=None
        Assigns spectra to bins; ``SNRBinner()`` (the paper's edges 5, 10, 15)
        when None. Any object with ``fit(X)``, ``estimate_snr(X)``,
        ``assign(snr)`` and ``bin_labels_`` will do.
    min_samples_bin : int, default=10
        A bin gets its own model only with at least this many training
        spectra of at least two classes.

    Attributes
    ----------
    binner_ : SNRBinner
        The fitted binner.
    estimators_ : dict of {int: estimator}
        Model of each bin index ``0 .. n_bins - 1`` (see ``binner_.bin_labels_``
        for the names). Bins that borrow a model share the object.
    bin_counts_ : ndarray of shape (n_bins,)
        Training spectra routed to each bin.
    bin_source_ : ndarray of shape (n_bins,)
        Bin whose own model serves each bin; ``-1`` for the global model.
    classes_ : ndarray of shape (n_classes,)
        All training labels; ``predict_proba`` columns follow it.
    n_features_in_ : int
        Number of pixels seen in :meth:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen in :meth:`fit`, when ``X`` has string column
        names.

    See Also
    --------
    skspec.preprocessing.SNRBinner : The S/N estimate and bins.
    skspec.metrics.per_bin_scores : Scores per S/N bin of any predictions.

    Notes
    -----
    S/N: pass the measured S/N (e.g. the ``snr`` of a skspec dataset, the
    SDSS ``SN_MEDIAN_ALL``) as ``snr=`` to :meth:`fit`, :meth:`predict`,
    :meth:`predict_proba` and :meth:`score_per_bin` to bin exactly as the
    paper; without it the S/N is estimated from the flux by the binner
    (DER_SNR, which reads somewhat low on clean M dwarf spectra; rows of
    fewer than 5 pixels use an RMS noise). ``GridSearchCV.fit(X, y,
    snr=snr)`` routes ``snr`` to :meth:`fit`, but scoring inside the search
    calls :meth:`predict` without it, i.e. with estimated S/N.

    Routing rules:

    - Spectra below the first edge (and NaN S/N) go with the lowest bin, at
      fit and at predict time: they are closest to its noise level.
    - A bin without enough training data (``min_samples_bin``, two classes)
      borrows the model of the nearest bin that has its own; between two
      equally near bins the lower-S/N one, whose model has learned to cope
      with more noise.
    - If no bin qualifies, one global model is fitted on all spectra and
      serves every bin.

    Other keyword arguments of :meth:`fit`, :meth:`predict` and
    :meth:`predict_proba` (e.g. ``ivar`` for a
    :class:`~skspec.models.TemplateClassifier`) are passed on to the bin
    models, with sample-aligned arrays split by bin.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skspec.models import SNRBinnedClassifier
    >>> rng = np.random.default_rng(0)
    >>> y = np.array(["M0", "M1"] * 60)
    >>> X = 1.0 + 0.3 * (y == "M1")[:, None] * np.linspace(0, 1, 50)
    >>> snr = rng.uniform(5, 30, size=120)
    >>> X = X + rng.normal(size=X.shape) / snr[:, None]
    >>> clf = SNRBinnedClassifier(LogisticRegression()).fit(X, y, snr=snr)
    >>> clf.bin_counts_.tolist()
    [24, 17, 79]
    >>> clf.score_per_bin(X, y, snr=snr)["n"].tolist()
    [24, 17, 79]
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"])],
        "binner": [None, HasMethods(["fit", "estimate_snr", "assign"])],
        "min_samples_bin": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, estimator, binner=None, min_samples_bin=10):
        self.estimator = estimator
        self.binner = binner
        self.min_samples_bin = min_samples_bin

    @fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, snr=None, **fit_params):
        """Fit one model per populated S/N bin.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training spectra.
        y : array-like of shape (n_samples,)
            Class labels.
        snr : array-like of shape (n_samples,), default=None
            Measured S/N; estimated from ``X`` by the binner when None.
        **fit_params : dict
            Passed to the bin models' ``fit``; arrays with one entry per
            sample are split by bin.

        Returns
        -------
        self : SNRBinnedClassifier
            Fitted estimator.
        """
        X, y = validate_spectra(self, X, y)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        binner = SNRBinner() if self.binner is None else self.binner
        self.binner_ = clone(binner).fit(X)
        bins = self._route(X, snr)
        n_bins = len(self.binner_.bin_labels_) - 1
        self.bin_counts_ = np.bincount(bins, minlength=n_bins)
        n_classes = np.array([np.unique(y[bins == b]).size for b in range(n_bins)])
        own = (self.bin_counts_ >= self.min_samples_bin) & (n_classes >= 2)

        self.estimators_ = {}
        if not own.any():
            model = clone(self.estimator).fit(X, y, **fit_params)
            self.bin_source_ = np.full(n_bins, -1)
            self.estimators_ = {b: model for b in range(n_bins)}
            return self
        for b in np.flatnonzero(own):  # a loop over the few bins
            rows = np.flatnonzero(bins == b)
            self.estimators_[int(b)] = clone(self.estimator).fit(
                X[rows], y[rows], **_slice_params(fit_params, X.shape[0], rows)
            )
        owners = np.flatnonzero(own)
        # Nearest bin with its own model; argmin picks the lower bin on ties.
        self.bin_source_ = owners[
            np.argmin(np.abs(np.arange(n_bins)[:, None] - owners[None]), axis=1)
        ]
        for b in range(n_bins):
            self.estimators_.setdefault(b, self.estimators_[int(self.bin_source_[b])])
        return self

    def _route(self, X, snr):
        """Bin index (0 .. n_bins - 1) of each spectrum; below-range goes to 0."""
        if snr is None:
            snr = self.binner_.estimate_snr(X)
        else:
            snr = np.asarray(snr, dtype=float)
            if snr.shape != (X.shape[0],):
                raise ValueError(
                    f"snr must have one value per spectrum ({X.shape[0]},), got shape {snr.shape}"
                )
        return np.maximum(np.asarray(self.binner_.assign(snr)), 0)

    def _groups(self, X, snr):
        """Yield (model, rows) for each distinct model that serves some spectra."""
        bins = self._route(X, snr)
        models = {}
        for b in np.unique(bins):
            model = self.estimators_[int(b)]
            models.setdefault(id(model), (model, []))[1].append(b)
        for model, served in models.values():
            yield model, np.flatnonzero(np.isin(bins, served))

    def predict(self, X, snr=None, **predict_params):
        """Predict each spectrum with the model of its S/N bin.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Spectra.
        snr : array-like of shape (n_samples,), default=None
            Measured S/N; estimated from ``X`` when None.
        **predict_params : dict
            Passed to the bin models' ``predict`` (split by bin).

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_spectra(self, X, reset=False)
        out = np.empty(X.shape[0], dtype=self.classes_.dtype)
        for model, rows in self._groups(X, snr):
            out[rows] = model.predict(X[rows], **_slice_params(predict_params, X.shape[0], rows))
        return out

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X, snr=None, **predict_params):
        """Class probabilities from the model of each spectrum's S/N bin.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Spectra.
        snr : array-like of shape (n_samples,), default=None
            Measured S/N; estimated from ``X`` when None.
        **predict_params : dict
            Passed to the bin models' ``predict_proba`` (split by bin).

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``; a class that a bin's model never saw
            gets probability 0 there.
        """
        check_is_fitted(self)
        X = validate_spectra(self, X, reset=False)
        out = np.zeros((X.shape[0], self.classes_.size))
        for model, rows in self._groups(X, snr):
            proba = model.predict_proba(X[rows], **_slice_params(predict_params, X.shape[0], rows))
            cols = np.searchsorted(self.classes_, model.classes_)
            out[np.ix_(rows, cols)] = proba
        return out

    def score(self, X, y, sample_weight=None, snr=None, **predict_params):
        """Mean accuracy of :meth:`predict` on ``X`` against ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Spectra.
        y : array-like of shape (n_samples,)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.
        snr : array-like of shape (n_samples,), default=None
            Measured S/N; estimated from ``X`` when None.
        **predict_params : dict
            Passed to :meth:`predict`.

        Returns
        -------
        score : float
        """
        y_pred = self.predict(X, snr=snr, **predict_params)
        check_known_labels(y, self.classes_, estimator=self)
        return accuracy_score(y, y_pred, sample_weight=sample_weight)

    def score_per_bin(self, X, y, snr=None, **predict_params):
        """Accuracy (and within-one-subtype accuracy) in each S/N bin.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Spectra.
        y : array-like of shape (n_samples,)
            True labels.
        snr : array-like of shape (n_samples,), default=None
            Measured S/N; estimated from ``X`` when None.
        **predict_params : dict
            Passed to :meth:`predict`.

        Returns
        -------
        scores : pandas.DataFrame
            Columns ``bin`` (names from ``binner_.bin_labels_``, lowest first,
            only populated bins; spectra below the first edge are reported
            as such, e.g. ``"<5"``, though the lowest bin's model read them),
            ``n``, ``accuracy`` and ``within_one`` (NaN when the labels are
            not spectral types).
        """
        check_is_fitted(self)
        X = validate_spectra(self, X, reset=False)
        y = np.asarray(y).reshape(-1)
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"X has {X.shape[0]} spectra but y has {y.shape[0]} labels")
        if snr is None:
            snr = self.binner_.estimate_snr(X)
        y_pred = self.predict(X, snr=snr, **predict_params)
        labels = np.asarray(self.binner_.bin_labels_, dtype=object)
        names = labels[np.asarray(self.binner_.assign(np.asarray(snr, dtype=float))) + 1]
        order = [name for name in labels if name in set(names)]
        try:
            subtype_to_number(np.concatenate([y, y_pred]))
        except ValueError:
            # Not spectral types: exact accuracy only.
            rows = [
                {
                    "bin": b,
                    "n": int((names == b).sum()),
                    "accuracy": float(np.mean(y[names == b] == y_pred[names == b])),
                    "within_one": np.nan,
                }
                for b in order
            ]
            return pd.DataFrame(rows, columns=["bin", "n", "accuracy", "within_one"])
        return per_bin_scores(y, y_pred, names, bin_order=order)
