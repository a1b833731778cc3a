"""Continuum-normalised spectra: TemplateClassifier and the indices (issue 12).

A flux-calibrated spectrum divided by a smooth pseudo-continuum (a cubic in
log flux, as ``ContinuumNormalizer(method="polynomial")`` fits) loses its
colour. The numbers asserted here are those measured on 600 synthetic
spectra, the Bochanski templates and four SDSS M dwarfs (user guide, "Working
with real SDSS spectra", "Continuum-normalised spectra"), with a margin.
"""

import numpy as np
import pytest

from skspec.datasets import load_kesseli_templates, make_mdwarf_spectra
from skspec.models import TemplateClassifier
from skspec.preprocessing import ContinuumNormalizer, measure_indices

INDICES = ("TiO5", "CaH2", "CaH3", "zeta")


@pytest.fixture(scope="module")
def spectra():
    ds = make_mdwarf_spectra(150, snr=(15.0, 40.0), random_state=3)
    X, ivar = ds.data.astype(float), ds.ivar.astype(float)
    Xn = ContinuumNormalizer(method="polynomial", degree=3).fit_transform(X)
    # The inverse variance of the normalised flux: ivar * continuum^2.
    return X, ivar, Xn, ivar * (X / Xn) ** 2


@pytest.fixture(scope="module")
def templates():
    return load_kesseli_templates(subtypes=("M0", "M1", "M2", "M3", "M4"))


def _median_abs(a, b):
    return (a - b).abs().median()


def test_indices_of_normalised_flux_change(spectra):
    """Measured as is, the indices move by the continuum ratio of their windows."""
    X, _, Xn, _ = spectra
    diff = _median_abs(measure_indices(Xn, indices=INDICES), measure_indices(X, indices=INDICES))
    # measured: TiO5 0.013, CaH2 0.035, CaH3 0.014, zeta 0.17
    assert diff["TiO5"] > 0.008
    assert diff["CaH2"] > 0.02
    assert diff["zeta"] > 0.1


def test_recalibrate_restores_the_indices(spectra, templates):
    X, ivar, Xn, ivar_n = spectra
    clf = TemplateClassifier(templates=templates, poly_degree=8).fit(
        templates.data, templates.target
    )
    truth = measure_indices(X, indices=INDICES)
    restored = measure_indices(clf.recalibrate(Xn, ivar_n), indices=INDICES)
    diff = _median_abs(restored, truth)
    # measured: TiO5 0.0019, CaH2 0.0046, CaH3 0.0019, zeta 0.022
    assert diff["TiO5"] < 0.004
    assert diff["CaH2"] < 0.01
    assert diff["CaH3"] < 0.004
    assert diff["zeta"] < 0.05
    # the same route on the flux-calibrated spectra costs as much (the floor)
    floor = _median_abs(measure_indices(clf.recalibrate(X, ivar), indices=INDICES), truth)
    assert diff["CaH2"] < 1.5 * floor["CaH2"] + 1e-3


def test_poly_degree_8_absorbs_the_normalisation(spectra, templates):
    """With the normalised ivar, degree 8 types normalised spectra as the originals."""
    X, ivar, Xn, ivar_n = spectra
    agree = {}
    for degree in (2, 8):
        clf = TemplateClassifier(templates=templates, poly_degree=degree, temperature=1.0)
        clf.fit(templates.data, templates.target)
        agree[degree] = np.mean(clf.predict(Xn, ivar=ivar_n) == clf.predict(X, ivar=ivar))
    # measured on 600 spectra: 0.72 at degree 2, 0.995 at degree 8
    assert agree[8] >= 0.95
    assert agree[8] > agree[2]


def test_recalibrate_is_scale_free_and_shaped(spectra, templates):
    X, ivar, _, _ = spectra
    clf = TemplateClassifier(templates=templates, poly_degree=8).fit(
        templates.data, templates.target
    )
    out = clf.recalibrate(X[:5], ivar[:5])
    assert out.shape == (5, X.shape[1])
    np.testing.assert_allclose(clf.recalibrate(7.0 * X[:5], ivar[:5] / 49.0), out, rtol=1e-6)
    assert np.all(np.abs(np.median(out, axis=1) - 1) < 0.5)
