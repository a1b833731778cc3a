"""The TiO5 against CaH2 + CaH3 diagram of M dwarf spectroscopy."""

import numpy as np

from ..preprocessing._indices import TIO5_SOLAR_POLY, measure_indices
from ..preprocessing._scope import INDEX_SUBTYPE_COEF
from ..utils._subtypes import subtype_to_number
from ._base import axes_or_new, check_matplotlib

#: Lepine et al. (2007): zeta below this is a subdwarf (sdM), above a dwarf.
SUBDWARF_ZETA = 0.825

_NEEDED = ("TiO5", "CaH2", "CaH3")


def dwarf_sequence(cah, zeta=1.0):
    """TiO5 of the dwarf sequence at given CaH2 + CaH3 (Lepine et al. 2007).

    Parameters
    ----------
    cah : array-like
        CaH2 + CaH3.
    zeta : float, default=1.0
        Metallicity class: 1 is the solar-metallicity dwarf sequence,
        ``SUBDWARF_ZETA`` (0.825) the dwarf/subdwarf boundary.

    Returns
    -------
    tio5 : ndarray
        ``1 - zeta * (1 - [TiO5]_sun(cah))``: the points whose zeta
        parameter (as :func:`~skspec.preprocessing.measure_indices` computes
        it) equals ``zeta``.
    """
    tio5_sun = np.polyval(TIO5_SOLAR_POLY, np.asarray(cah, dtype=float))
    return 1.0 - zeta * (1.0 - tio5_sun)


def sequence_subtypes(subtypes=range(10), cah_range=(0.3, 2.1)):
    """Where integer subtypes fall on the dwarf sequence, by skspec's index relation.

    The relation of :func:`skspec.preprocessing.index_subtype`,
    ``subtype = c0 + c1 TiO5 + c2 (CaH2 + CaH3)``, evaluated along the
    zeta = 1 sequence (on which it decreases monotonically with CaH2 + CaH3).

    Parameters
    ----------
    subtypes : iterable of float, default=range(10)
        Numerical subtypes (M0 = 0).
    cah_range : (float, float), default=(0.3, 2.1)
        Range of CaH2 + CaH3 searched; subtypes outside it are dropped.

    Returns
    -------
    positions : dict
        ``{subtype: (cah, tio5)}``.
    """
    c0, c1, c2 = INDEX_SUBTYPE_COEF
    cah = np.linspace(*cah_range, 2001)
    along = c0 + c1 * dwarf_sequence(cah) + c2 * cah  # decreasing in cah
    out = {}
    for k in subtypes:
        if along[-1] <= k <= along[0]:
            c = float(np.interp(k, along[::-1], cah[::-1]))
            out[k] = (c, float(dwarf_sequence(c)))
    return out


def _class_order(labels):
    """Distinct labels, by subtype number where they parse, then by name."""
    distinct = list(dict.fromkeys(labels))

    def number(label):
        try:
            return float(subtype_to_number([label])[0])
        except ValueError:
            return np.nan

    key = {d: (np.isnan(number(d)), np.nan_to_num(number(d)), str(d)) for d in distinct}
    return sorted(distinct, key=key.__getitem__)


def _index_values(X, indices, wavelength):
    if indices is not None:
        if X is not None:
            raise ValueError("give spectra X or measured indices, not both")
        missing = [name for name in _NEEDED if name not in indices]
        if missing:
            raise ValueError(f"indices lacks {missing}; it needs TiO5, CaH2 and CaH3")
        return {name: np.asarray(indices[name], dtype=float).reshape(-1) for name in _NEEDED}
    if X is None:
        raise ValueError("give spectra X or measured indices")
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[None, :]
    return measure_indices(X, wavelength, _NEEDED, as_frame=False)


def plot_index_diagram(
    X=None,
    y=None,
    *,
    indices=None,
    wavelength=None,
    sequence=True,
    ax=None,
    title="TiO5 against CaH2 + CaH3",
    **scatter_kwargs,
):
    """Plot TiO5 against CaH2 + CaH3 over the dwarf sequence, coloured by type.

    The classic diagram of M dwarf spectroscopy (Reid et al. 1995; Lepine
    et al. 2007): along the solar-metallicity dwarf sequence both band
    indices fall as the type gets later; subdwarfs (weak TiO for their CaH)
    lie above it, beyond the zeta = 0.825 line. Integer subtypes are marked
    on the sequence by the index relation of
    :func:`skspec.preprocessing.index_subtype`.

    Parameters
    ----------
    X : array-like of shape (n_spectra, n_pixels), default=None
        Spectra (finite flux, any scale) whose indices are measured with
        :func:`~skspec.preprocessing.measure_indices`.
    y : array-like of shape (n_spectra,), default=None
        Type of each spectrum (e.g. predicted), for the colours; one colour
        when None.
    indices : DataFrame or dict, default=None
        Measured ``TiO5``, ``CaH2`` and ``CaH3`` instead of ``X`` (e.g. the
        columns of ``skspec predict``'s output).
    wavelength : None, "span" or array-like, default=None
        Grid of ``X``, as for :func:`~skspec.preprocessing.measure_indices`
        (None: the SDSS grid).
    sequence : bool, default=True
        Draw the dwarf sequence (zeta = 1), the subdwarf boundary and the
        subtype marks.
    ax : matplotlib Axes, default=None
        Draw into it; a new figure when None.
    title : str, default="TiO5 against CaH2 + CaH3"
    **scatter_kwargs
        Passed to :meth:`~matplotlib.axes.Axes.scatter`.

    Returns
    -------
    ax : matplotlib Axes

    See Also
    --------
    dwarf_sequence : The curve drawn.
    plot_spectrum : The windows these indices are measured in.

    References
    ----------
    Reid, Hawley & Gizis 1995, AJ 110, 1838; Lepine, Rich & Shara 2007,
    ApJ 669, 1235.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skspec.datasets import make_mdwarf_spectra
    >>> from skspec.plotting import plot_index_diagram
    >>> ds = make_mdwarf_spectra(50, random_state=0)
    >>> ax = plot_index_diagram(ds.data, ds.target)
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('CaH2 + CaH3', 'TiO5')
    """
    mpl = check_matplotlib("plot_index_diagram")
    values = _index_values(X, indices, wavelength)
    cah = values["CaH2"] + values["CaH3"]
    tio5 = values["TiO5"]
    if y is not None:
        y = np.asarray(y, dtype=object).reshape(-1)
        if y.shape != tio5.shape:
            raise ValueError(f"y has {y.size} labels for {tio5.size} spectra")
    ax = axes_or_new(ax, "plot_index_diagram", (6.5, 5))
    kwargs = {"s": 12, "alpha": 0.8, "linewidths": 0, **scatter_kwargs}
    if y is None:
        ax.scatter(cah, tio5, color="tab:blue", gid="points", **kwargs)
    else:
        classes = _class_order(y)
        cmap = mpl.colormaps["viridis"]
        colours = cmap(np.linspace(0.0, 0.9, len(classes))) if len(classes) > 1 else [cmap(0.4)]
        for cls, colour in zip(classes, colours):
            sel = y == cls
            ax.scatter(
                cah[sel],
                tio5[sel],
                color=colour,
                label=f"{cls} ({int(sel.sum())})",
                gid=f"points {cls}",
                **kwargs,
            )
    if sequence:
        finite = cah[np.isfinite(cah)]
        lo, hi = (finite.min() - 0.1, finite.max() + 0.1) if finite.size else (0.6, 2.0)
        lo, hi = max(lo, 0.3), min(max(hi, lo + 0.2), 2.1)
        grid = np.linspace(lo, hi, 200)
        ax.plot(grid, dwarf_sequence(grid), color="black", lw=1.2, label="dwarf sequence (ζ = 1)")
        ax.plot(
            grid,
            dwarf_sequence(grid, SUBDWARF_ZETA),
            color="black",
            lw=0.8,
            ls="--",
            label=f"ζ = {SUBDWARF_ZETA} (subdwarfs above)",
        )
        for k, (c, t) in sequence_subtypes(cah_range=(lo, hi)).items():
            ax.plot(c, t, "k|", ms=8, mew=1.2)
            ax.annotate(f"M{k}", (c, t), xytext=(4, -10), textcoords="offset points", fontsize=7)
    ax.set_xlabel("CaH2 + CaH3")
    ax.set_ylabel("TiO5")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=7, loc="upper left", title="type (count)" if y is not None else None)
    return ax
