"""The model shipped with skspec: ``skspec predict`` types spectra without training first.

The file is an ordinary skspec model file (see :mod:`skspec.io`) in
``skspec/models/data/``, loaded through :func:`skspec.io.load_model`, whose
SHA-256 check refuses a truncated or altered file before unpickling it.
``skspec/models/data/README.txt`` gives the command that rebuilds it.
"""

from importlib import resources
from pathlib import Path

__all__ = ["PRETRAINED_MODELS", "load_pretrained", "pretrained_path"]

#: Bundled models by name: file in ``skspec/models/data`` and what it is.
#: ``default`` is the best transferring model of BENCHMARKS.md's "Real
#: spectra" section: EMCCNNClassifier at its defaults, trained on 4000
#: spectra of ``make_mdwarf_spectra`` (empirical photosphere) by
#: ``benchmarks/build_pretrained.py``.
PRETRAINED_MODELS = {
    "default": {
        "file": "emccnn_default.skspec",
        "description": "EMCCNNClassifier (defaults, at most 40 epochs) trained on 4000 "
        "synthetic spectra from the empirical photosphere (make_mdwarf_spectra, "
        "seed 0), S/N 5-40, classes M0-M4",
        "command": "skspec train --model emccnn --n-samples 4000 --max-epochs 40 --seed 0 "
        "--out skspec/models/data/emccnn_default.skspec",
    },
}


def _check_name(name):
    if name not in PRETRAINED_MODELS:
        raise ValueError(
            f"no pretrained model named {name!r}; available: {', '.join(sorted(PRETRAINED_MODELS))}"
        )


def pretrained_path(name="default"):
    """Path of a bundled model file, e.g. for :func:`skspec.distributed.predict_files`.

    Parameters
    ----------
    name : str, default="default"
        A key of :data:`PRETRAINED_MODELS`.

    Returns
    -------
    path : pathlib.Path
        The ``*.skspec`` file inside the installed package.

    Raises
    ------
    ValueError
        If ``name`` is not a bundled model.
    FileNotFoundError
        If the package was installed without its data files.
    """
    _check_name(name)
    path = Path(str(resources.files("skspec.models") / "data" / PRETRAINED_MODELS[name]["file"]))
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: the bundled model file is missing (skspec was installed without its "
            "package data); reinstall skspec, or rebuild it with "
            "'python benchmarks/build_pretrained.py'"
        )
    return path


def load_pretrained(name="default"):
    """Load a model bundled with skspec, fitted and ready to ``predict``.

    The default model is an :class:`~skspec.models.EMCCNNClassifier` trained
    on synthetic spectra generated from real SDSS M dwarf templates; it is
    what ``skspec predict`` uses when no ``--model`` is given. Its header
    (:func:`skspec.io.read_model_metadata` on :func:`pretrained_path`) records
    the training command, data and held-out accuracy.

    Parameters
    ----------
    name : str, default="default"
        Which bundled model; see :data:`PRETRAINED_MODELS`.

    Returns
    -------
    estimator : EMCCNNClassifier
        Fitted on the SDSS 3522-pixel grid (log10 wavelength 3.6021 + 1e-4 i),
        with ``classes_`` ``["M0", "M1", "M2", "M3", "M4"]``.

    Raises
    ------
    ValueError
        If ``name`` is unknown, or the file fails the SHA-256 check of
        :func:`skspec.io.load_model` (nothing is unpickled then).

    See Also
    --------
    skspec.io.load_model : load a model file of your own.
    pretrained_path : where the bundled file lies.

    Notes
    -----
    The classes are M0-M4 only: every spectrum gets one of them. Judge the
    answer with ``skspec predict``'s flags (low S/N, out of scope, partial
    coverage) or :func:`skspec.preprocessing.out_of_scope_score`. On the real
    SDSS spectra of BENCHMARKS.md's "Real spectra" section this model is
    exact for about two in three spectra and within one subtype for all,
    typing about a third of a subtype early on average.

    Examples
    --------
    >>> from skspec.datasets import make_mdwarf_spectra
    >>> from skspec.models import load_pretrained
    >>> clf = load_pretrained()
    >>> ds = make_mdwarf_spectra(5, snr=(30, 40), random_state=1)
    >>> clf.predict_proba(ds.data).shape
    (5, 5)
    """
    from ..io import load_model

    # The file ships with the package: a skspec version mismatch means that it
    # was not rebuilt for this release (tests/test_pretrained.py checks that
    # it was), so it loads with a warning rather than failing.
    return load_model(pretrained_path(name), allow_version_mismatch=True)
