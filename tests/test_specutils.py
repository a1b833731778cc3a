"""Spectra handed over as astropy Quantities or specutils objects (issue 12, interoperability).

``from_quantity`` needs only astropy; the ``from_specutils`` tests skip when
the optional specutils is not installed (``pip install skspec[specutils]``).
"""

import warnings

import numpy as np
import pytest
from _spec_files import write_spec
from astropy import units as u

from skspec.datasets import from_quantity, from_specutils, load_sdss_spectra
from skspec.utils import N_PIXELS, sdss_loglam, sdss_wavelength, vacuum_to_air

SDSS = u.Unit("1e-17 erg / (s cm2 Angstrom)")
FLOAT32_RTOL = 2 * np.finfo(np.float32).eps  # one rounding each way


def _spectrum_class():
    specutils = pytest.importorskip("specutils")
    return getattr(specutils, "Spectrum", None) or specutils.Spectrum1D


@pytest.fixture
def sdss_like(tmp_path):
    """An SDSS-like file on disk, loaded: the original of the round trips."""
    rng = np.random.default_rng(0)
    n = 3840
    ivar = rng.uniform(1.0, 9.0, n).astype(np.float32)
    ivar[[100, 2000, 2001]] = 0  # bad pixels stay bad
    path = write_spec(tmp_path / "spec-4000-55500-0017.fits", start=-200, n=n, ivar=ivar)
    return load_sdss_spectra(path)


def _sigma(ivar):
    """Standard deviation (float64) of an ivar row, inf where ivar is 0."""
    with np.errstate(divide="ignore"):
        return 1 / np.sqrt(ivar.astype(np.float64))


def _good(ds):
    return ds.ivar[0] > 0


def test_quantity_round_trip_is_exact_in_sdss_units(sdss_like):
    from astropy.nddata import InverseVariance

    ds = from_quantity(
        sdss_like.data[0] * SDSS,
        sdss_like.wavelength * u.AA,
        uncertainty=InverseVariance(sdss_like.ivar[0], unit=SDSS**-2),
    )
    np.testing.assert_array_equal(ds.data, sdss_like.data)
    np.testing.assert_array_equal(ds.ivar, sdss_like.ivar)
    # a standard deviation Quantity: ivar within float32 rounding
    sigma = _sigma(sdss_like.ivar[0]) * SDSS
    again = from_quantity(sdss_like.data[0] * SDSS, sdss_like.wavelength * u.AA, uncertainty=sigma)
    np.testing.assert_allclose(again.ivar, sdss_like.ivar, rtol=FLOAT32_RTOL)
    assert list(ds.keys()) == list(sdss_like.keys())
    assert list(ds.frame.columns) == list(sdss_like.frame.columns)
    assert ds.frame.loc[0, "format"] == "quantity"
    assert ds.frame.loc[0, "coverage"] == 1.0
    assert ds.data.dtype == ds.ivar.dtype == np.float32


@pytest.mark.parametrize(
    "flux_unit, axis_unit",
    [(u.Jy, u.nm), (u.erg / u.s / u.cm**2 / u.Hz, u.THz), (u.W / u.m**2 / u.um, u.eV)],
)
def test_quantity_round_trip_in_other_units(sdss_like, flux_unit, axis_unit):
    """Per-frequency flux and a frequency/energy axis come back within float32 rounding."""
    wave = sdss_like.wavelength * u.AA
    density = u.spectral_density(wave)
    flux = (sdss_like.data[0].astype(np.float64) * SDSS).to(flux_unit, equivalencies=density)
    sigma = (_sigma(sdss_like.ivar[0]) * SDSS).to(flux_unit, equivalencies=density)
    axis = wave.to(axis_unit, equivalencies=u.spectral())
    ds = from_quantity(flux, axis, uncertainty=sigma)
    good = _good(sdss_like)
    np.testing.assert_array_equal(_good(ds), good)
    np.testing.assert_allclose(ds.data[0], sdss_like.data[0], rtol=FLOAT32_RTOL)
    np.testing.assert_allclose(ds.ivar[0][good], sdss_like.ivar[0][good], rtol=2 * FLOAT32_RTOL)


def test_specutils_round_trip(sdss_like):
    """An SDSS-like spectrum as a specutils object converts back to the original."""
    from astropy.nddata import InverseVariance, StdDevUncertainty

    spectrum_cls = _spectrum_class()
    good = _good(sdss_like)
    spec = spectrum_cls(
        flux=sdss_like.data[0] * SDSS,
        spectral_axis=sdss_like.wavelength * u.AA,
        uncertainty=InverseVariance(sdss_like.ivar[0]),
        mask=~good,
    )
    ds = from_specutils(spec, names="spec-4000-55500-0017")
    np.testing.assert_array_equal(ds.data, sdss_like.data)
    np.testing.assert_array_equal(ds.ivar, sdss_like.ivar)
    assert ds.frame.loc[0, "path"] == "spec-4000-55500-0017"
    assert ds.frame.loc[0, "format"] == "specutils"
    assert ds.snr[0] == pytest.approx(
        float(np.median(sdss_like.data[0][good] * np.sqrt(sdss_like.ivar[0][good])))
    )
    # The same in Jy with a standard deviation, and a list of two.
    wave = sdss_like.wavelength * u.AA
    jy = spectrum_cls(
        flux=(sdss_like.data[0].astype(float) * SDSS).to(u.mJy, u.spectral_density(wave)),
        spectral_axis=wave.to(u.um),
        uncertainty=StdDevUncertainty(
            (_sigma(sdss_like.ivar[0]) * SDSS).to(u.mJy, u.spectral_density(wave)).value
        ),
    )
    both = from_specutils([spec, jy])
    assert both.data.shape == (2, N_PIXELS)
    np.testing.assert_allclose(both.data[1], sdss_like.data[0], rtol=FLOAT32_RTOL)
    np.testing.assert_allclose(both.ivar[1][good], sdss_like.ivar[0][good], rtol=2 * FLOAT32_RTOL)
    assert list(both.frame["path"]) == ["spectrum[0]", "spectrum[1]"]


def test_specutils_reads_a_real_sdss_file(sdss_dir):
    """specutils' own SDSS reader, converted, equals load_sdss_spectra (and the types)."""
    spectrum_cls = _spectrum_class()
    path = sdss_dir / "spec-0618-52049-0372.fits"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # astropy's UnitsWarning on the BUNIT
        spec = spectrum_cls.read(path, format="SDSS-III/IV spec")
    ds = from_specutils(spec)
    ref = load_sdss_spectra(path)
    both = _good(ds) & _good(ref)
    # specutils masks every and_mask bit, skspec only the four bad ones.
    assert both.sum() >= N_PIXELS - 5
    np.testing.assert_array_equal(ds.data[0][both], ref.data[0][both])
    np.testing.assert_array_equal(ds.ivar[0][both], ref.ivar[0][both])
    row = ds.frame.iloc[0]
    assert (row["plate"], row["mjd"], row["fiber"]) == (618, 52049, 372)
    assert row["ra"] == pytest.approx(ref.frame.loc[0, "ra"])


def test_rebinning_conserves_flux_and_scales_ivar():
    """Off-grid input (linear, ~4x finer) is averaged: a smooth flux and ivar * n."""
    wave = np.linspace(3700.0, 9500.0, 40001)
    flux = 100.0 + 10.0 * np.sin(wave / 300.0)
    sigma = np.full_like(wave, 2.0)
    ds = from_quantity(flux * SDSS, wave * u.AA, uncertainty=sigma * SDSS)
    grid = sdss_wavelength()
    np.testing.assert_allclose(ds.data[0], 100.0 + 10.0 * np.sin(grid / 300.0), atol=2e-3)
    # a grid pixel of width lambda ln(10) 1e-4 holds that many input pixels
    n_inputs = grid * np.log(10) * 1e-4 / (wave[1] - wave[0])
    np.testing.assert_allclose(ds.ivar[0], n_inputs / 4.0, rtol=0.15)
    assert ds.frame.loc[0, "coverage"] == 1.0


def test_per_frequency_flux_is_converted_with_the_wavelength():
    """Constant f_nu is f_lambda proportional to lambda^-2, not a constant."""
    wave = np.linspace(3800.0, 9200.0, 30000)
    ds = from_quantity(np.full(wave.size, 1.0) * u.mJy, wave * u.AA)
    grid = sdss_wavelength()
    expected = (1 * u.mJy).to_value(SDSS, u.spectral_density(grid * u.AA))
    np.testing.assert_allclose(ds.data[0], expected, rtol=1e-3)
    assert ds.frame.loc[0, "snr_source"] == "DER_SNR"


def test_air_wavelengths_are_converted_to_vacuum():
    """A line at vacuum 6564.6 A given in air lands on the same grid pixel."""
    wave_vac = np.linspace(3900.0, 9100.0, 50000)
    line = 6564.6
    flux = 10.0 - 5.0 * np.exp(-0.5 * ((wave_vac - line) / 3.0) ** 2)
    vac = from_quantity(flux * SDSS, wave_vac * u.AA)
    air = from_quantity(flux * SDSS, vacuum_to_air(wave_vac) * u.AA, medium="air")
    shifted = from_quantity(flux * SDSS, vacuum_to_air(wave_vac) * u.AA)  # taken as vacuum
    where = [sdss_wavelength()[np.argmin(d.data[0])] for d in (vac, air, shifted)]
    assert where[0] == pytest.approx(line, abs=1.0)
    assert where[1] == where[0]
    assert where[0] - where[2] == pytest.approx(line - vacuum_to_air(line), abs=1.6)


def test_specutils_medium_from_the_object():
    spectrum_cls = _spectrum_class()
    from astropy.io import fits

    wave_vac = np.linspace(3900.0, 9100.0, 20000)
    flux = 10.0 - 5.0 * np.exp(-0.5 * ((wave_vac - 6564.6) / 3.0) ** 2)
    header = fits.Header({"AIRORVAC": "air"})
    air = spectrum_cls(
        flux=flux * SDSS, spectral_axis=vacuum_to_air(wave_vac) * u.AA, meta={"header": header}
    )
    as_said = from_specutils(air)
    forced = from_specutils(air, medium="vacuum")
    vac = from_quantity(flux * SDSS, wave_vac * u.AA)
    assert np.argmin(as_said.data[0]) == np.argmin(vac.data[0]) != np.argmin(forced.data[0])


def test_mask_nan_and_bad_uncertainty_give_ivar_zero():
    wave = sdss_wavelength()
    flux = np.full(N_PIXELS, 50.0)
    sigma = np.full(N_PIXELS, 1.0)
    mask = np.zeros(N_PIXELS, bool)
    mask[10] = True
    flux[20] = np.nan  # NaN flux with a finite sigma: invalid
    sigma[30] = np.nan  # NaN sigma: invalid
    sigma[40] = np.inf  # infinite sigma: bad, not invalid
    with pytest.warns(UserWarning, match="invalid pixels"):
        ds = from_quantity(flux * SDSS, wave * u.AA, uncertainty=sigma * SDSS, mask=mask)
    assert set(np.flatnonzero(ds.ivar[0] == 0)) == {10, 20, 30, 40}
    assert ds.frame.loc[0, "n_invalid"] == 2
    assert ds.frame.loc[0, "n_bad_pixels"] == 4
    assert np.all(np.isfinite(ds.data)) and ds.data[0, 20] == 50.0


def test_partial_coverage_warns_and_low_coverage_is_refused():
    wave = np.linspace(5000.0, 9500.0, 20000)
    with pytest.warns(UserWarning, match="do not cover the whole"):
        ds = from_quantity(np.full(wave.size, 5.0) * SDSS, wave * u.AA)
    blue = sdss_wavelength() < 4999
    red = sdss_wavelength() > 5001
    assert np.all(ds.ivar[0][blue] == 0)
    assert np.all(ds.ivar[0][red] > 0)
    assert ds.frame.loc[0, "coverage"] == pytest.approx(np.mean(red), abs=2 / N_PIXELS)
    narrow = np.linspace(7000.0, 9500.0, 20000)
    with pytest.raises(
        ValueError, match=r"covers 31\.0% .* missing 4000-7000 A \(69\.0% of the grid\)"
    ):
        from_quantity(np.full(narrow.size, 5.0) * SDSS, narrow * u.AA)
    with pytest.warns(UserWarning, match="do not cover"):
        from_quantity(np.full(narrow.size, 5.0) * SDSS, narrow * u.AA, min_coverage=0.2)
    outside = np.linspace(10000.0, 12000.0, 100)
    with pytest.raises(ValueError, match="no good pixel inside 4000-9000 A .*10000-12000 A"):
        from_quantity(np.ones(100) * SDSS, outside * u.AA, min_coverage=0)


@pytest.mark.parametrize(
    "flux, axis, exc, match",
    [
        (np.ones(N_PIXELS) * u.ct, sdss_wavelength() * u.AA, ValueError, "ct.*flux-calibrated"),
        (np.ones(N_PIXELS) * u.electron / u.s, sdss_wavelength() * u.AA, ValueError, "calibrated"),
        (np.ones(N_PIXELS), sdss_wavelength() * u.AA, TypeError, "Quantity"),
        (np.ones(N_PIXELS) * SDSS, sdss_wavelength(), TypeError, "spectral axis.*Quantity"),
        (np.ones(N_PIXELS) * SDSS, np.arange(N_PIXELS) * u.pix, ValueError, "pix"),
        (np.ones(N_PIXELS) * u.one, sdss_wavelength() * u.AA, ValueError, "normalised=True"),
        (np.ones(N_PIXELS) * SDSS, sdss_wavelength()[:-1] * u.AA, ValueError, "shape"),
        (np.full(N_PIXELS, np.nan) * SDSS, sdss_wavelength() * u.AA, ValueError, "no good pixel"),
        (np.ones(N_PIXELS) * SDSS, np.ones(N_PIXELS) * u.AA, ValueError, "repeated"),
    ],
)
def test_bad_input_is_refused_with_the_reason(flux, axis, exc, match):
    with pytest.raises(exc, match=match):
        from_quantity(flux, axis)


def test_normalised_flux_is_kept():
    ds = from_quantity(np.full(N_PIXELS, 0.8) * u.one, sdss_wavelength() * u.AA, normalised=True)
    np.testing.assert_allclose(ds.data, 0.8)
    with pytest.raises(ValueError, match="dimensionless"):
        from_quantity(np.ones(N_PIXELS) * SDSS, sdss_wavelength() * u.AA, normalised=True)


def test_two_dimensional_flux_and_names():
    flux = np.vstack([np.full(N_PIXELS, 1.0), np.full(N_PIXELS, 2.0)]) * SDSS
    ds = from_quantity(flux, 10 ** sdss_loglam() * u.AA, names=["a", "b"])
    np.testing.assert_array_equal(ds.data[:, 0], [1.0, 2.0])
    assert list(ds.frame["path"]) == ["a", "b"]
    with pytest.raises(ValueError, match="names has 1 entries for 2"):
        from_quantity(flux, 10 ** sdss_loglam() * u.AA, names=["a"])


def test_from_specutils_refuses_other_objects():
    with pytest.raises(TypeError, match="not a specutils spectrum"):
        from_specutils([np.ones(3)])
    with pytest.raises(ValueError, match="medium"):
        from_specutils([], medium="water")
