"""The EMCCNN paper's SVM baseline as a ready-made pipeline."""

import inspect

from sklearn.calibration import CalibratedClassifierCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from ..preprocessing import ContinuumNormalizer

#: Defaults of the SVC step; every other SVC parameter keeps sklearn's default.
SVM_DEFAULTS = {"C": 10.0, "kernel": "rbf", "gamma": "scale", "cache_size": 500}


def make_svm_classifier(*, probability=False, **params):
    """Build the SVM baseline: median normalisation, standardisation, RBF SVC.

    Each spectrum is divided by its median flux (removing the arbitrary flux
    scale while keeping the broad spectral shape, which carries much of the
    subtype), every pixel is standardised over the training set, and an
    RBF-kernel support vector classifier is fitted.

    Parameters
    ----------
    probability : bool, default=False
        Whether the pipeline offers ``predict_proba``. When True, the SVC is
        wrapped in ``CalibratedClassifierCV(SVC(...), ensemble=False)``
        (Platt scaling on 5-fold cross-validated decision values, the
        replacement for the deprecated ``SVC(probability=True)``), which makes
        ``fit`` about six times slower; SVC parameters are then reached as
        ``svc__estimator__C`` instead of ``svc__C``.
    **params : dict
        Parameters of :class:`sklearn.svm.SVC`, overriding the defaults
        ``C=10.0, kernel="rbf", gamma="scale", cache_size=500`` (e.g.
        ``C=1.0``, ``class_weight="balanced"``). ``gamma="scale"`` is
        ``1 / (n_pixels * X.var())``, i.e. ``1 / n_pixels`` after
        standardisation.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Unfitted, with steps ``"normalize"``, ``"scale"`` and ``"svc"``.

    Raises
    ------
    TypeError
        If a parameter is not a parameter of ``SVC``.

    See Also
    --------
    skspec.models.TemplateClassifier : Chi-square matching to templates.

    Notes
    -----
    The normalisation is :class:`skspec.preprocessing.ContinuumNormalizer`
    with ``method="median"``; it rejects spectra whose median flux is not
    positive. Kernel SVMs scale quadratically or worse
    with the number of training spectra: tens of thousands are the practical
    limit.

    Examples
    --------
    >>> from skspec.models import make_svm_classifier
    >>> clf = make_svm_classifier(C=3.0)
    >>> [name for name, _ in clf.steps]
    ['normalize', 'scale', 'svc']
    >>> clf.named_steps["svc"].C
    3.0
    """
    valid = set(inspect.signature(SVC).parameters) - {"probability"}
    unknown = sorted(set(params) - valid)
    if unknown:
        raise TypeError(
            f"make_svm_classifier got parameter(s) {unknown} that SVC does not "
            f"take; valid ones: {sorted(valid)}"
        )
    svc = SVC(**{**SVM_DEFAULTS, **params})
    if probability:
        svc = CalibratedClassifierCV(svc, ensemble=False)
    return Pipeline(
        [
            ("normalize", ContinuumNormalizer(method="median")),
            ("scale", StandardScaler()),
            ("svc", svc),
        ]
    )
