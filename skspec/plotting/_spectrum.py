"""One spectrum over its best-matching template: what a type is based on."""

import functools

import numpy as np

from ..datasets._physics import ATOMIC_LINES, CAH_BAND, CAH_HEADS, TIO_HEADS
from ..preprocessing._indices import INDEX_WINDOWS
from ..utils import air_to_vacuum, der_noise, der_snr, sdss_snr, sdss_wavelength
from ._base import new_figure

#: Indices whose windows :func:`plot_spectrum` shades by default.
SHADED_INDICES = ("TiO5", "CaH2", "CaH3")

#: Atomic lines marked by :func:`plot_spectrum`: (label, air wavelengths), the
#: wavelengths taken from the generator's line list.
MARKED_LINES = (
    ("Hα", ("H I", (6562.8,))),
    ("K I", ("K I", (7664.9, 7699.0))),
    ("Na I", ("Na I", (8183.3, 8194.8))),
)

#: Molecular bands marked by :func:`plot_spectrum`: (label, air band heads).
MARKED_BANDS = (
    ("TiO", (TIO_HEADS["gamma_prime"][0], TIO_HEADS["gamma"][5])),
    ("TiO", (TIO_HEADS["gamma"][10], TIO_HEADS["delta"][0])),
    ("CaH", (CAH_HEADS[0], CAH_BAND[0])),
)

_WINDOW_COLOURS = {"TiO5": "tab:orange", "CaH2": "tab:green", "CaH3": "tab:purple"}


def _line_wavelengths(species, air):
    """Vacuum wavelengths of the listed lines of ``species`` (checked against ATOMIC_LINES)."""
    known = {w for s, w, _ in ATOMIC_LINES if s == species}
    missing = [w for w in air if w not in known]
    if missing:  # pragma: no cover - guards the table above against the line list
        raise RuntimeError(f"{species} {missing} not in the generator's line list")
    return air_to_vacuum(np.asarray(air, dtype=float))


def index_windows_vacuum(names=SHADED_INDICES):
    """The windows of spectral indices in vacuum Angstrom, as the indices use them.

    Parameters
    ----------
    names : sequence of str, default=("TiO5", "CaH2", "CaH3")
        Index names (keys of the index definitions of
        :func:`skspec.preprocessing.measure_indices`).

    Returns
    -------
    windows : dict
        ``{name: {"numerator": [(lo, hi), ...], "denominator": [(lo, hi), ...]}}``,
        the air windows of the definitions converted to vacuum.
    """
    out = {}
    for name in names:
        if name not in INDEX_WINDOWS:
            raise ValueError(f"unknown index {name!r}; choose among {list(INDEX_WINDOWS)}")
        num, den = INDEX_WINDOWS[name]
        out[name] = {
            part: [tuple(air_to_vacuum(np.asarray(w, dtype=float))) for w in windows]
            for part, windows in (("numerator", num), ("denominator", den))
        }
    return out


@functools.lru_cache(maxsize=1)
def _bundled_classifier():
    from ..datasets import load_kesseli_templates
    from ..models import TemplateClassifier

    tpl = load_kesseli_templates()
    return TemplateClassifier(templates=tpl).fit(tpl.data, tpl.target)


def bundled_template_classifier():
    """A template classifier on the templates shipped with skspec.

    :class:`~skspec.models.TemplateClassifier` with the 23 Kesseli et al.
    (2017) SDSS templates of :func:`~skspec.datasets.load_kesseli_templates`
    (M0-M5, several [Fe/H] bins each), its temperature calibrated leave one
    template out. It needs no training data, so it types any spectrum on the
    SDSS grid out of the box; it is what :func:`plot_spectrum` and
    ``skspec plot`` use unless given another classifier.

    Returns
    -------
    classifier : TemplateClassifier
        Fitted; a new copy at each call (built once, then cloned cheaply).

    Examples
    --------
    >>> from skspec.plotting import bundled_template_classifier
    >>> clf = bundled_template_classifier()
    >>> clf.classes_.tolist()
    ['M0', 'M1', 'M2', 'M3', 'M4', 'M5']
    """
    import copy

    return copy.deepcopy(_bundled_classifier())


def _as_spectrum(spectrum, ivar, wavelength):
    """``(flux, ivar, wavelength, meta)`` from an array or a reader's Bunch."""
    meta = {}
    if isinstance(spectrum, dict):  # e.g. read_sdss_spectrum's Bunch
        if "flux" not in spectrum:
            raise ValueError("a spectrum given as a Bunch/dict needs a 'flux' entry")
        if ivar is None:
            ivar = spectrum.get("ivar")
        if wavelength is None:
            wavelength = spectrum.get("wavelength")
        meta = dict(spectrum.get("meta") or {})
        spectrum = spectrum["flux"]
    flux = np.asarray(spectrum, dtype=float)
    if flux.ndim == 2 and flux.shape[0] == 1:
        flux = flux[0]
    if flux.ndim != 1:
        raise ValueError(f"plot_spectrum draws one spectrum: flux of shape {flux.shape}")
    if ivar is not None:
        ivar = np.asarray(ivar, dtype=float).reshape(-1)
        if ivar.shape != flux.shape:
            raise ValueError(f"ivar has shape {ivar.shape} but flux has {flux.shape}")
    elif not np.all(np.isfinite(flux)):
        raise ValueError("flux has NaN or infinite pixels: give ivar (0 at bad pixels)")
    if wavelength is None:
        wavelength = sdss_wavelength()
        if wavelength.size != flux.size:
            raise ValueError(
                f"flux has {flux.size} pixels, not the 3522 of the SDSS grid: give wavelength"
            )
    wavelength = np.asarray(wavelength, dtype=float)
    if wavelength.shape != flux.shape:
        raise ValueError(f"wavelength has shape {wavelength.shape} but flux has {flux.shape}")
    return flux, ivar, wavelength, meta


def _type_of(model, X, ivar, snr):
    """Predicted type and its probability (NaN when the model has no probabilities)."""
    from ..models import SNRBinnedClassifier, TemplateClassifier

    kwargs = {}
    if isinstance(model, TemplateClassifier):
        kwargs["ivar"] = ivar
    elif isinstance(model, SNRBinnedClassifier):
        kwargs["snr"] = np.array([snr], dtype=float)
    if not isinstance(model, TemplateClassifier) and ivar is not None:
        # Other models read filled flux, as skspec predict gives them.
        X = _filled(X, ivar)
    classes = np.asarray(model.classes_, dtype=object)
    if hasattr(model, "predict_proba"):
        proba = np.asarray(model.predict_proba(X, **kwargs))[0]
        best = int(np.argmax(proba))
        return str(classes[best]), float(proba[best])
    return str(np.asarray(model.predict(X, **kwargs))[0]), float("nan")


def _filled(X, ivar):
    from ..utils import interpolate_bad_pixels

    bad = (ivar <= 0) | ~np.isfinite(X)
    return interpolate_bad_pixels(X, bad) if bad.any() else X


def _title_name(meta, name):
    if name is not None:
        return name
    if meta.get("path"):
        from pathlib import Path

        return Path(str(meta["path"])).name
    parts = [meta.get(k) for k in ("plate", "mjd", "fiber")]
    if all(p is not None and p != -1 for p in parts):
        return "-".join(str(p) for p in parts)
    return None


def _mark_features(ax):
    """Lines (top row) and band heads (second row) along the top of ``ax``.

    x in data units, y in axes units; a band head gets a short stub to the
    red, the side its absorption extends to.
    """
    trans = ax.get_xaxis_transform()
    for label, (species, air) in MARKED_LINES:
        vac = _line_wavelengths(species, air)
        for w in vac:
            ax.axvline(w, ymin=0.9, ymax=0.96, color="0.3", lw=0.8, gid=f"line {label}")
        ax.text(vac.mean(), 0.965, label, transform=trans, ha="center", va="bottom", fontsize=8)
    for label, air in MARKED_BANDS:
        vac = air_to_vacuum(np.asarray(air, dtype=float))
        for w in vac:
            ax.axvline(w, ymin=0.8, ymax=0.86, color="0.3", lw=0.8, gid=f"band {label}")
            ax.plot([w, w + 40], [0.83, 0.83], transform=trans, color="0.3", lw=1.0)
            ax.text(w, 0.865, label, transform=trans, ha="center", va="bottom", fontsize=7)


def plot_spectrum(
    spectrum,
    ivar=None,
    *,
    wavelength=None,
    classifier=None,
    model=None,
    snr=None,
    name=None,
    indices=SHADED_INDICES,
    mark_lines=True,
    fig=None,
    axes=None,
):
    """Draw a spectrum over its best-matching template, with the residuals.

    The top panel shows the observed flux and the best template of a
    :class:`~skspec.models.TemplateClassifier` multiplied by the continuum
    fitted to this spectrum (:meth:`~skspec.models.TemplateClassifier.best_fit`),
    the windows of the TiO5, CaH2 and CaH3 indices shaded exactly as
    :func:`~skspec.preprocessing.measure_indices` uses them, and the main
    lines and bands marked (Hα, K I 7665/7699, Na I 8183/8195, CaH, TiO). The
    bottom panel shows observed minus template with the 1-sigma noise. The
    title gives the type, its probability and the S/N.

    Parameters
    ----------
    spectrum : array-like of shape (n_pixels,) or Bunch
        Flux, or what :func:`skspec.datasets.read_sdss_spectrum` returns
        (``flux``, ``ivar``, ``wavelength``, ``meta``; the arguments below
        take precedence).
    ivar : array-like of shape (n_pixels,), default=None
        Inverse variances, 0 at bad pixels (their flux may be NaN; they are
        left out of the fit and drawn as gaps). Without it the noise is the
        DER_SNR estimate.
    wavelength : array-like of shape (n_pixels,), default=None
        Vacuum wavelengths in Angstrom; the 3522-pixel SDSS grid when None.
    classifier : TemplateClassifier, default=None
        Fitted, on the grid of ``spectrum``; its best template is drawn. By
        default :func:`bundled_template_classifier` (Kesseli et al. 2017
        templates, SDSS grid).
    model : classifier, default=None
        Fitted classifier that gives the type and probability in the title
        (e.g. one loaded with :func:`skspec.io.load_model`); ``classifier``
        by default.
    snr : float, default=None
        S/N for the title; by default ``meta["snr"]`` of a reader's Bunch,
        else the SDSS statistic (median of ``flux * sqrt(ivar)``) or, without
        ``ivar``, the DER_SNR estimate.
    name : str, default=None
        Name for the title; by default the file name in ``meta``.
    indices : sequence of str, default=("TiO5", "CaH2", "CaH3")
        Indices whose windows are shaded (numerator windows in colour, the
        pseudo-continuum in grey); empty for none.
    mark_lines : bool, default=True
        Mark the lines and bands.
    fig : matplotlib Figure or SubFigure, default=None
        Draw into it (two new axes); a new figure when None and ``axes`` is None.
    axes : pair of matplotlib Axes, default=None
        Draw into these (spectrum, residuals) instead.

    Returns
    -------
    fig : matplotlib Figure
    axes : tuple of 2 Axes
        The spectrum panel and the residual panel.

    See Also
    --------
    skspec.models.TemplateClassifier.best_fit : The template and continuum drawn.
    plot_index_diagram : Where the spectra sit in TiO5 against CaH2 + CaH3.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skspec.datasets import make_mdwarf_spectra
    >>> from skspec.plotting import plot_spectrum
    >>> ds = make_mdwarf_spectra(1, random_state=0)
    >>> fig, (top, bottom) = plot_spectrum(ds.data[0], ds.ivar[0])
    >>> top.get_ylabel()
    'flux'
    """
    flux, ivar, wave, meta = _as_spectrum(spectrum, ivar, wavelength)
    if classifier is None:
        classifier = bundled_template_classifier()
    X = flux[None, :]
    iv = None if ivar is None else ivar[None, :]
    fit = classifier.best_fit(X, iv)
    label, probability = _type_of(classifier if model is None else model, X, iv, snr)

    if snr is None:
        snr = meta.get("snr")
    if snr is None or not np.isfinite(snr):
        snr = float((sdss_snr(X, iv) if iv is not None else der_snr(X))[0])
    if ivar is None:
        sigma = np.full(flux.shape, float(der_noise(X)[0]))
        good = np.ones(flux.shape, dtype=bool)
    else:
        good = (ivar > 0) & np.isfinite(flux)
        with np.errstate(divide="ignore"):
            sigma = np.where(good, 1.0 / np.sqrt(np.where(good, ivar, 1.0)), np.nan)
    shown = np.where(good, flux, np.nan)
    template = fit.model[0]

    if axes is not None:
        top, bottom = axes
        fig = top.figure
    else:
        if fig is None:
            fig = new_figure("plot_spectrum", (10, 5.5))
        top, bottom = fig.subplots(
            2, 1, sharex=True, gridspec_kw={"height_ratios": (3, 1), "hspace": 0.05}
        )

    for k, (index, parts) in enumerate(index_windows_vacuum(indices).items()):
        colour = _WINDOW_COLOURS.get(index, f"C{k + 3}")
        for lo, hi in parts["numerator"]:
            for ax in (top, bottom):
                ax.axvspan(
                    lo,
                    hi,
                    color=colour,
                    alpha=0.3,
                    lw=0,
                    gid=f"{index} numerator",
                    label=index if ax is top else None,
                )
        for lo, hi in parts["denominator"]:
            for ax in (top, bottom):
                ax.axvspan(lo, hi, color="0.3", alpha=0.4, lw=0, gid=f"{index} denominator")
    top.plot(wave, shown, color="black", lw=0.5, label="observed", gid="observed")
    top.plot(
        wave,
        template,
        color="tab:red",
        lw=0.8,
        alpha=0.85,
        label=f"template {fit.label[0]} × continuum",
        gid="template",
    )
    if mark_lines:
        _mark_features(top)
    finite = shown[np.isfinite(shown)]
    if finite.size:
        lo, hi = np.percentile(finite, [0.5, 99.5])
        pad = 0.08 * (hi - lo)
        top.set_ylim(min(lo, 0) - pad, hi + 4.5 * pad)  # room for the marks
    top.set_ylabel("flux")
    # Upper left, under the marks: where an M dwarf, faint in the blue, leaves room.
    top.legend(loc="upper left", bbox_to_anchor=(0, 0.8), fontsize=7, ncol=2, framealpha=0.8)
    top.tick_params(labelbottom=False)

    resid = shown - template
    bottom.fill_between(wave, -sigma, sigma, color="0.8", lw=0, step="mid", label="±1σ noise")
    bottom.plot(wave, resid, color="black", lw=0.4, gid="residuals")
    bottom.axhline(0, color="tab:red", lw=0.8)
    finite = resid[np.isfinite(resid)]
    if finite.size:
        lim = 1.2 * np.percentile(np.abs(finite), 99)
        if lim > 0:
            bottom.set_ylim(-lim, lim)
    bottom.set_ylabel("observed −\ntemplate")
    bottom.set_xlabel("vacuum wavelength (Å)")
    bottom.set_xlim(wave[0], wave[-1])

    name = _title_name(meta, name)
    headline = f"{label}" + ("" if np.isnan(probability) else f" (p = {probability:.2f})")
    headline += f", S/N {snr:.1f}"
    if name:
        headline = f"{name}: {headline}"
    top.set_title(
        f"{headline}\nbest template {fit.label[0]}, reduced χ² {fit.reduced_chi2[0]:.2f}",
        fontsize=10,
    )
    return fig, (top, bottom)
