"""Train one of the paper's pipelines and save it: what ``skspec train`` runs."""

import logging
import warnings
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch

from ..metrics import within_one_subtype_accuracy
from ._registry import MODELS, make_model
from ._runner import load_experiment_data

__all__ = ["train"]

logger = logging.getLogger("skspec.experiments")


def train(
    model,
    out=None,
    *,
    data="synthetic",
    dim=None,
    n_samples=3000,
    bins=None,
    test_size=0.2,
    seed=0,
    quick=False,
    device="cpu",
    max_epochs=None,
    recipe=None,
    per_bin=False,
    overwrite=False,
    verbose=0,
    progress=None,
    log=None,
    warn=None,
):
    """Fit one of the paper's pipelines, score it on held-out spectra and save it.

    The workflow of ``skspec train``: load the data (:func:`load_experiment_data`),
    hold out a stratified test split, build the pipeline (:func:`make_model`),
    optionally wrap it to fit one model per S/N bin
    (:class:`~skspec.models.SNRBinnedClassifier`), fit, score the held-out
    spectra and write a model file (:func:`skspec.io.save_model`) whose
    metadata records all of it.

    Parameters
    ----------
    model : str
        Model name (see :func:`available_models`).
    out : str or Path, default=None
        Model file to write; None writes nothing (the fitted model is
        returned).
    data : "synthetic", "sdss-dr14" or path-like, default="synthetic"
        See :func:`load_experiment_data`.
    dim : {"1d", "2d"}, default=None
        Input form; the model's own by default.
    n_samples : int, default=3000
        Synthetic spectra (ignored for a directory).
    bins : list of str, default=None
        S/N bins of the training spectra; the paper's three by default.
    test_size : float, default=0.2
        Fraction held out (stratified by subtype) to report an accuracy; 0
        trains on everything and reports none.
    seed : int, default=0
        Seed of the data, the split and the estimator.
    quick : bool, default=False
        Narrow network, few epochs.
    device : str, default="cpu"
        Torch device of a network.
    max_epochs : int, default=None
        Training epochs of a network (default: the model's).
    recipe : {"default", "paper"}, default=None
        Training recipe of a network (default: the model's).
    per_bin : bool, default=False
        The paper's scheme: one model per S/N bin, each spectrum routed to
        its bin's model by its S/N (the data's ``snr``) at fit and predict
        time.
    overwrite : bool, default=False
        Replace an existing ``out`` file.
    verbose : int, default=0
        ``verbose`` of a network: 1 prints skorch's table of losses per epoch
        (on stdout) and a progress bar per epoch (on stderr). The model file
        records the value; ``set_params(clf__verbose=0)`` silences a refit.
        Ignored by the SVM and the template classifier.
    progress : bool or None, default=None
        Progress bar of the downloads for ``data="sdss-dr14"`` (see
        :func:`~skspec.datasets.fetch_sdss_mdwarfs`).
    log : callable, default=None
        Called with one-line status messages; by default they go to the
        ``skspec.experiments`` :mod:`logging` logger at INFO level.
    warn : callable, default=None
        Called with one line per unreadable input file that was skipped;
        ``log`` by default.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``model`` (the fitted estimator), ``metadata`` (dict written into the
        model file: the settings, ``n_train``, ``dim`` and, with a test split,
        ``n_test``, ``test_accuracy``, ``test_within_one``; per bin,
        ``bin_models``), ``path`` (the file written, or None) and
        ``data_errors`` (``(path, reason)`` of the unreadable input files).

    Raises
    ------
    FileExistsError
        If ``out`` exists and ``overwrite`` is False.
    ValueError
        If the data hold fewer than two subtypes, or for invalid settings.

    See Also
    --------
    reproduce : Train and score every model per S/N bin (the paper's tables).
    skspec.io.load_model : Read the model file back.

    Examples
    --------
    >>> from skspec.experiments import train
    >>> result = train("svm", n_samples=150)
    >>> sorted(result.model.classes_)
    ['M0', 'M1', 'M2', 'M3', 'M4']
    >>> result.metadata["model"], result.metadata["dim"], result.path is None
    ('svm', '1d', True)
    >>> 0.0 <= result.metadata["test_accuracy"] <= 1.0
    True
    """
    say = log or logger.info
    warn = warn or (log or logger.warning)
    if out is not None:
        out = Path(out)
        if out.exists() and not overwrite:
            raise FileExistsError(f"{out} exists; choose another path or pass overwrite=True")
    # A saved SVM should give probabilities to `skspec predict` (Platt scaling).
    params = {"probability": True} if model == "svm" else {}
    if model in MODELS and MODELS[model].network and verbose:
        params["verbose"] = int(verbose)  # skorch's epoch log and progress bar
    estimator = make_model(
        model,
        dim=dim,
        quick=quick,
        random_state=seed,
        device=device,
        max_epochs=max_epochs,
        recipe=recipe,
        params=params,
    )
    with warnings.catch_warnings():  # skipped files are reported below, one line each
        warnings.simplefilter("ignore", UserWarning)
        ds = load_experiment_data(
            data, n_samples=n_samples, bins=bins, random_state=seed, progress=progress
        )
    for path, reason in ds.errors:
        warn(f"skipped unreadable file {path}: {reason}")
    if len(np.unique(ds.target)) < 2:
        raise ValueError(
            f"need spectra of at least two subtypes to train, found "
            f"{len(ds.target)} spectra of {len(np.unique(ds.target))}"
        )
    X, y, snr = ds.data, ds.target, np.asarray(ds.snr, dtype=float)
    X_test = y_test = snr_test = None
    if test_size > 0:
        _, counts = np.unique(y, return_counts=True)
        X, X_test, y, y_test, snr, snr_test = train_test_split(
            X,
            y,
            snr,
            test_size=test_size,
            random_state=seed,
            stratify=y if counts.min() >= 2 else None,
        )
    form = "2d" if "fold" in estimator.named_steps else "1d"
    if per_bin:
        from ..models import SNRBinnedClassifier
        from ..preprocessing import SNRBinner

        # The paper's scheme: one model per S/N bin, spectra routed by their S/N.
        estimator = SNRBinnedClassifier(estimator, binner=SNRBinner())
    say(f"fitting {model}{' per S/N bin' if per_bin else ''} on {len(y)} spectra")
    estimator.fit(X, y, **({"snr": snr} if per_bin else {}))
    metadata = {
        "model": model,
        "dim": form,
        "per_bin": per_bin,
        "quick": quick,
        "data": ds.source,
        "bins": list(ds.bins),
        "seed": seed,
        "n_train": len(y),
        "max_epochs": max_epochs,
        "recipe": recipe,
    }
    if per_bin:
        labels = estimator.binner_.bin_labels_  # labels[0] is "<5": bin b is labels[b + 1]
        metadata["bin_models"] = {
            labels[b + 1]: (labels[src + 1] if src >= 0 else "global")
            for b, src in enumerate(estimator.bin_source_)
        }
    if X_test is not None:
        pred = np.asarray(
            estimator.predict(X_test, **({"snr": snr_test} if per_bin else {})), dtype=object
        )
        metadata.update(
            n_test=len(y_test),
            test_accuracy=float(np.mean(pred == y_test)),
            test_within_one=float(within_one_subtype_accuracy(y_test, pred)),
        )
    if out is not None:
        from ..io import save_model

        save_model(estimator, out, metadata=metadata)
    return Bunch(model=estimator, metadata=metadata, path=out, data_errors=list(ds.errors))
