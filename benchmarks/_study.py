"""The accuracy study's data and splits, for the scripts that reuse them.

``bench_accuracy.py`` draws ``make_mdwarf_spectra(6000, random_state=seed)``,
keeps the paper's S/N bins and splits each bin 50/50, stratified, with
``run_experiments``' own split function and the same seed. The analysis
scripts (``emccnn_variants.py``, ``calibration_prior.py``,
``accuracy_ceiling.py``) fit on exactly those halves, so that their numbers
pair with the study's. Its name does not match ``bench_*.py``, so
``run_all.py`` does not run it as a benchmark.
"""

import numpy as np

from skspec.datasets import make_mdwarf_spectra
from skspec.experiments import resolve_bins
from skspec.experiments._runner import _split_bin

#: Spectra drawn per seed, as in ``bench_accuracy.py``.
STUDY_N_SAMPLES = 6000


def study_splits(seed, *, clean=False, train_subtype=False):
    """The study's training and test halves of each S/N bin for one seed.

    The spectra are drawn once per seed.

    Parameters
    ----------
    seed : int
    clean : bool, default=False
        Also yield the noiseless version of the training half
        (``make_mdwarf_spectra(..., return_clean=True)``, which leaves the
        data as they are) and the noise's standard deviation per pixel
        (``1 / sqrt(ivar)``, 0 at bad pixels), last.
    train_subtype : bool, default=False
        Also yield the training half's continuous subtypes, right after the
        test half's.

    Yields
    ------
    bin : str
        The S/N bin ("5-10", "10-15", ">15").
    X_train, X_test : ndarray of shape (n, 3522)
    y_train, y_test : ndarray of object
    subtype_true_test : ndarray of float
        The continuous subtype of each test star (``frame["subtype_true"]``).
    subtype_true_train : ndarray of float
        Only with ``train_subtype``: the same for the training half.
    X_clean_train, noise_sd_train : ndarray of shape (n, 3522)
        Only with ``clean``.
    """
    data = make_mdwarf_spectra(STUDY_N_SAMPLES, random_state=seed, return_clean=clean)
    X, y = data.data, np.asarray(data.target, dtype=object)
    snr_bin = np.asarray(data.frame["snr_bin"], dtype=object)
    subtype_true = data.frame["subtype_true"].to_numpy()
    for b in resolve_bins(None):
        rows = np.flatnonzero(snr_bin == b)
        X_tr, X_te, y_tr, y_te, r_tr, r_te = _split_bin(X[rows], y[rows], 0.5, seed, rows)
        out = (b, X_tr, X_te, y_tr, y_te, subtype_true[r_te])
        if train_subtype:
            out += (subtype_true[r_tr],)
        if clean:
            ivar = data.ivar[r_tr].astype(float)
            with np.errstate(divide="ignore"):
                noise_sd = np.where(ivar > 0, 1.0 / np.sqrt(ivar), 0.0).astype(np.float32)
            out += (data.clean[r_tr], noise_sd)
        yield out
