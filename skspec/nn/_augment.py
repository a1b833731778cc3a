"""Training-time re-observation of spectra: what changes between two observations of a star.

Every epoch a network sees each training spectrum anew: a different
flux-calibration wobble (a smooth multiplicative curve, what separates two
instruments or two calibrations of one), a sub-pixel wavelength shift (radial
velocity, wavelength solution), extra noise at a random S/N, a run of bad
pixels filled linearly (what a loader hands over) and an overall flux scale
(distance, exposure, units). None of these carries
type information, so a network that has to see through them cannot learn
them as features. Applied to the batch tensors inside the training loop,
never at prediction; the draws come from torch's RNG, which the networks
seed from ``random_state``.
"""

import functools
import math
from numbers import Integral, Real

import numpy as np
import torch

from ..utils import LOGLAM0, N_PIXELS, air_to_vacuum, ccm_extinction, sdss_loglam

#: Named settings for a network's ``augment``. "calibration": only a
#: flux-calibration curve (Legendre P1-P3 coefficients of sd 0.05, about
#: +-10 % in the red/blue flux ratio), what differs between two instruments'
#: flux calibrations; measured on the real-data check (BENCHMARKS.md, "Real
#: spectra"), where it makes EMCCNN robust to another instrument's colour.
#: "coverage": the same curve, and a fifth of the spectra (a quarter of the
#: re-observed ones) lose up to half the grid at the blue end (a spectrum
#: that starts as late as 6000 A) and a fifth up to 15 % at the red end (one
#: that stops at about 7970 A), held at the
#: nearest kept pixel as the loaders fill them: what another spectrograph's
#: wavelength coverage does (BENCHMARKS.md, "Partial wavelength coverage").
#: "reddening": the coverage preset and a colour excess E(B-V) uniform in
#: -0.15 .. +0.15 (CCM law) relative to the training spectrum's own, what
#: interstellar dust between the star and the observer changes; centred on
#: 0, so that the mean colour of a type stays where the training data put
#: it (BENCHMARKS.md, "Robustness to the observing conditions").
_CALIBRATION = {
    "wobble": 0.05,
    "shift": 0.0,
    "snr": None,
    "bad_run": 0,
    "blur": 0.0,
    "scale": 0.0,
}
_COVERAGE = {**_CALIBRATION, "blue_cut": 0.5, "red_cut": 0.15, "cut_probability": 0.25}
#: ``emission``: H-alpha equivalent widths (A, log-uniform) and the Gaussian
#: sigma of the lines (A, about SDSS's resolution at H-alpha), with H-beta at
#: 0.3-0.7 times the H-alpha width, as the generator draws active stars.
_EMISSION_EW = (1.0, 10.0)
_EMISSION_SIGMA = 1.5
AUGMENT_PRESETS = {
    "calibration": _CALIBRATION,
    "coverage": _COVERAGE,
    "reddening": {**_COVERAGE, "reddening": (-0.15, 0.15)},
}


def make_augmenter(augment):
    """The :class:`SpectrumAugmenter` a network's ``augment`` value stands for.

    Parameters
    ----------
    augment : bool, str, SpectrumAugmenter or None
        False or None: none; True: the defaults; a name of
        ``AUGMENT_PRESETS``; an instance: itself.

    Returns
    -------
    augmenter : SpectrumAugmenter or None
    """
    if isinstance(augment, SpectrumAugmenter):
        return augment
    if isinstance(augment, str):
        if augment not in AUGMENT_PRESETS:
            raise ValueError(
                f"augment={augment!r} is not a preset; choose from {sorted(AUGMENT_PRESETS)}, "
                "a bool or a SpectrumAugmenter"
            )
        return SpectrumAugmenter(**AUGMENT_PRESETS[augment])
    return SpectrumAugmenter() if augment is True else None


class SpectrumAugmenter:
    """Random re-observation of a batch of spectra (torch, vectorised).

    Parameters
    ----------
    wobble : float, default=0.1
        Standard deviation of the coefficients ``c_j`` of the calibration
        curve ``exp(sum_j c_j P_j(x))``, Legendre polynomials ``P_1 ..
        P_degree`` of the pixel position scaled to [-1, 1]. 0.1 tilts the
        blue end against the red by about +-20 %.
    degree : int, default=3
        Highest Legendre degree of the calibration curve.
    shift : float, default=1.0
        Standard deviation (pixels) of the wavelength shift, applied by
        linear interpolation (1 pixel of the SDSS grid is 69 km/s).
    snr : (float, float) or None, default=(5.0, 60.0)
        Range of the S/N (log-uniform) of the Gaussian noise added on top of
        the spectrum's own, with a variance proportional to the flux (photon
        noise); None adds none.
    bad_run : int, default=20
        Longest run of bad pixels (one run per spectrum, length uniform in
        0 .. ``bad_run``), filled by linear interpolation.
    blur : float, default=0.0
        Largest extra Gaussian broadening (sigma, pixels; uniform in 0 ..
        ``blur``): a resolution that differs from the training spectra's.
    blue_cut, red_cut : float, default=0.0
        Largest fraction of the pixels lost at the blue and the red end (a
        spectrograph that covers less than the grid; the loaders mark those
        pixels bad and fill them with the nearest good value, as done here).
        Each end is cut with probability ``cut_probability``, by a fraction
        uniform in 0 .. its largest. 0.5 at the blue end of the SDSS grid is a spectrum that
        starts at 6000 A; 0.15 at the red end one that stops at about 7970 A.
    cut_probability : float, default=0.5
        Probability that a re-observed spectrum loses pixels at a given end.
    reddening : float or (float, float), default=0.0
        Interstellar colour excess ``E(B-V)`` (mag), drawn uniformly in
        0 .. ``reddening`` (at most 5), or in ``low .. high`` given a pair
        (-1 <= low <= high <= 5); the flux is
        multiplied by ``10 ** (-0.4 * E(B-V) * A(lambda) / E(B-V))`` of the
        CCM law (:func:`skspec.utils.ccm_extinction`, R_V = 3.1). A negative
        ``low`` is a spectrum less reddened than the training one (the
        generator reddens its stars by 0-0.08 already): a pair centred on 0
        teaches the colour law without moving the mean colour of a type.
        The pixels are taken to span the paper's SDSS grid, 4000-9000 A
        evenly in log wavelength, as the 3522-pixel grid, the 5000-point
        resampling and their folded images do. 0.2 dims 4000 A against
        9000 A by 0.59 mag, a colour a network trained without it reads as
        about a third of a subtype later (BENCHMARKS.md, "Robustness to the
        observing conditions"). On another wavelength range the colour law
        is stretched onto it: use 0 there. Drawn only when not 0.
    emission : float, default=0.0
        Probability that a re-observed spectrum gets H-alpha emission (EW
        log-uniform in 1-10 A on its local continuum, and H-beta with 0.3-0.7
        times its line flux), whatever its type: the generator makes stars active
        with the fraction SDSS measures per subtype (5 % at M0-M2, 30 % at
        M4), so that a network may read strong emission as a later type
        (BENCHMARKS.md, "The template classifier's outlier rejection": one
        EMCCNN seed in three typed the held-out library with 10 A of H-alpha
        a tenth late). Pixels are placed on the paper's grid as for
        ``reddening``. Drawn only when > 0.
    scale : float, default=1.0
        Largest ``|log10|`` of an overall flux factor, drawn uniformly in
        ``[-scale, scale]`` (1.0: a factor of 0.1 to 10). The networks
        normalise each spectrum by its median by default, which makes them
        blind to it; it matters with ``normalization=None``. Drawn last, and
        only when > 0.
    probability : float, default=0.8
        Probability that a spectrum is re-observed at all in a given batch
        (the others pass unchanged, so the network also sees the data as
        they are).

    Examples
    --------
    >>> import torch
    >>> from skspec.nn import SpectrumAugmenter
    >>> x = torch.ones(4, 100)
    >>> y = SpectrumAugmenter(snr=None, bad_run=0, shift=0.0)(x)
    >>> y.shape, bool((y > 0).all())
    (torch.Size([4, 100]), True)
    """

    def __init__(
        self,
        *,
        wobble=0.1,
        degree=3,
        shift=1.0,
        snr=(5.0, 60.0),
        bad_run=20,
        blur=0.0,
        blue_cut=0.0,
        red_cut=0.0,
        cut_probability=0.5,
        reddening=0.0,
        emission=0.0,
        scale=1.0,
        probability=0.8,
    ):
        self.wobble = wobble
        self.degree = degree
        self.shift = shift
        self.snr = snr
        self.bad_run = bad_run
        self.blur = blur
        self.blue_cut = blue_cut
        self.red_cut = red_cut
        self.cut_probability = cut_probability
        self.reddening = reddening
        self.emission = emission
        self.scale = scale
        self.probability = probability

    def check(self):
        """Validate the settings; raises ValueError naming the bad one."""
        for name, value, ok in (
            ("wobble", self.wobble, isinstance(self.wobble, Real) and self.wobble >= 0),
            ("degree", self.degree, isinstance(self.degree, Integral) and self.degree >= 0),
            ("shift", self.shift, isinstance(self.shift, Real) and self.shift >= 0),
            ("bad_run", self.bad_run, isinstance(self.bad_run, Integral) and self.bad_run >= 0),
            ("blur", self.blur, isinstance(self.blur, Real) and self.blur >= 0),
            ("blue_cut", self.blue_cut, isinstance(self.blue_cut, Real) and 0 <= self.blue_cut < 1),
            ("red_cut", self.red_cut, isinstance(self.red_cut, Real) and 0 <= self.red_cut < 1),
            (
                "cut_probability",
                self.cut_probability,
                isinstance(self.cut_probability, Real) and 0 <= self.cut_probability <= 1,
            ),
            (
                "emission",
                self.emission,
                isinstance(self.emission, Real) and 0 <= self.emission <= 1,
            ),
            ("scale", self.scale, isinstance(self.scale, Real) and self.scale >= 0),
            (
                "probability",
                self.probability,
                isinstance(self.probability, Real) and 0 <= self.probability <= 1,
            ),
        ):
            if not ok:
                raise ValueError(f"SpectrumAugmenter: invalid {name}={value!r}")
        if self.snr is not None:
            try:
                lo, hi = (float(v) for v in self.snr)
            except (TypeError, ValueError):
                raise ValueError(
                    f"SpectrumAugmenter: snr must be None or (low, high), got {self.snr!r}"
                ) from None
            if not 0 < lo <= hi:
                raise ValueError(
                    f"SpectrumAugmenter: snr must satisfy 0 < low <= high, got {self.snr!r}"
                )
        _reddening_range(self.reddening)  # raises ValueError naming it
        if self.blue_cut + self.red_cut >= 1:
            raise ValueError(
                "SpectrumAugmenter: blue_cut + red_cut must be below 1 (some pixels must "
                f"remain), got {self.blue_cut!r} + {self.red_cut!r}"
            )
        return self

    def __setstate__(self, state):
        # Augmenters pickled before ``scale``, the cuts or ``reddening`` existed drew none.
        defaults = {
            "scale": 0.0,
            "blue_cut": 0.0,
            "red_cut": 0.0,
            "cut_probability": 0.5,
            "reddening": 0.0,
            "emission": 0.0,
        }
        self.__dict__.update({**defaults, **state})

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"SpectrumAugmenter({args})"

    def __eq__(self, other):
        return type(other) is type(self) and vars(other) == vars(self)

    def __call__(self, x):
        """Return re-observed copies of the spectra ``x`` of shape (B, L) or (B, H, W).

        Folded spectra are unfolded row by row (the order of
        :class:`skspec.preprocessing.Folder2D`), re-observed and folded back.
        """
        shape = x.shape
        x = x.reshape(shape[0], -1)
        n, m = x.shape
        dtype, device = x.dtype, x.device
        keep = torch.rand(n, 1, device=device) >= self.probability
        out = x
        pos = torch.linspace(-1.0, 1.0, m, device=device, dtype=dtype)
        if self.shift > 0:
            delta = torch.randn(n, 1, device=device, dtype=dtype) * self.shift
            src = (torch.arange(m, device=device, dtype=dtype)[None, :] - delta).clamp(0, m - 1)
            lo = src.floor().long().clamp(max=m - 2) if m > 1 else src.floor().long()
            w = src - lo
            hi = (lo + 1).clamp(max=m - 1)
            out = (1 - w) * out.gather(1, lo) + w * out.gather(1, hi)
        if self.blur > 0 and m > 1:
            out = _blur(out, torch.rand(n, device=device, dtype=dtype) * self.blur)
        if self.wobble > 0 and self.degree > 0:
            coef = torch.randn(n, self.degree, device=device, dtype=dtype) * self.wobble
            out = out * torch.exp(coef @ _legendre(pos, self.degree))
        low, high = _reddening_range(self.reddening)
        if (low, high) != (0.0, 0.0):
            ebv = low + torch.rand(n, 1, device=device, dtype=dtype) * (high - low)
            # A copy: the cached array stays untouched whatever is done to ``out``.
            curve = torch.tensor(_extinction_per_pixel(m), device=device, dtype=dtype)
            out = out * torch.pow(10.0, -0.4 * ebv * curve)
        if self.emission > 0:
            out = _add_emission(out, self.emission)
        if self.snr is not None:
            lo_snr, hi_snr = (math.log(float(v)) for v in self.snr)
            snr = torch.exp(
                lo_snr + (hi_snr - lo_snr) * torch.rand(n, 1, device=device, dtype=dtype)
            )
            level = out.abs().median(dim=1, keepdim=True).values.clamp_min(1e-30)
            sigma = torch.sqrt(out.abs() * level) / snr
            out = out + sigma * torch.randn_like(out)
        if self.bad_run > 0 and m > 2:
            length = torch.randint(0, self.bad_run + 1, (n, 1), device=device)
            start = torch.randint(1, m - 1, (n, 1), device=device)
            stop = (start + length).clamp(max=m - 1)
            idx = torch.arange(m, device=device)[None, :]
            bad = (idx >= start) & (idx < stop)
            left = out.gather(1, start - 1)
            right = out.gather(1, stop)
            frac = ((idx - start + 1) / (stop - start + 1).clamp_min(1)).to(dtype)
            out = torch.where(bad, left + (right - left) * frac, out)
        if (self.blue_cut > 0 or self.red_cut > 0) and m > 2:
            out = _cut_ends(out, self.blue_cut, self.red_cut, self.cut_probability)
        if self.scale > 0:
            log_factor = (2 * torch.rand(n, 1, device=device, dtype=dtype) - 1) * self.scale
            out = out * torch.pow(10.0, log_factor)
        out = torch.where(keep, x, out)
        return out.reshape(shape)


def _reddening_range(reddening):
    """``(low, high)`` of E(B-V) from a number (0 .. it) or a pair; ValueError if invalid."""

    def number(v):
        return isinstance(v, Real) and not isinstance(v, bool) and math.isfinite(v)

    if number(reddening):
        low, high = 0.0, float(reddening)
    else:
        try:
            low, high = reddening
        except (TypeError, ValueError):
            low = high = None
        if not (number(low) and number(high)):
            low = high = math.nan
    if not -1.0 <= low <= high <= 5.0:
        raise ValueError(
            "SpectrumAugmenter: reddening must be a number in [0, 5] or a pair "
            f"-1 <= low <= high <= 5, got {reddening!r}"
        )
    return float(low), float(high)


@functools.lru_cache(maxsize=8)
def _extinction_per_pixel(m):
    """``A(lambda) / E(B-V)`` at ``m`` pixels spanning the paper's grid evenly in log lambda."""
    first, last = LOGLAM0, sdss_loglam(N_PIXELS)[-1]
    return ccm_extinction(10.0 ** np.linspace(first, last, m))


@functools.lru_cache(maxsize=8)
def _emission_lines(m):
    """H-alpha and H-beta profiles (per A of EW) and the H-alpha continuum window at ``m`` pixels.

    The pixels span the paper's grid evenly in log wavelength. Returns
    ``(halpha, hbeta, side)``: two profiles of unit area in A, the flux each
    adds per A of EW on a unit continuum, and a mask of the pixels 15-40 A
    from H-alpha, where its continuum is measured.
    """
    wave = 10.0 ** np.linspace(LOGLAM0, sdss_loglam(N_PIXELS)[-1], m)
    halpha, hbeta = air_to_vacuum(np.array([6562.8, 4861.3]))
    norm = _EMISSION_SIGMA * np.sqrt(2.0 * np.pi)
    profiles = [np.exp(-0.5 * ((wave - c) / _EMISSION_SIGMA) ** 2) / norm for c in (halpha, hbeta)]
    side = (np.abs(wave - halpha) > 15.0) & (np.abs(wave - halpha) < 40.0)
    return profiles[0], profiles[1], side


def _add_emission(x, probability):
    """H-alpha and H-beta emission on a random share ``probability`` of the rows of ``x``."""
    n, m = x.shape
    halpha, hbeta, side = _emission_lines(m)
    if not side.any():  # too few pixels to place a line: nothing to add
        return x
    dtype, device = x.dtype, x.device
    active = (torch.rand(n, 1, device=device) < probability).to(dtype)
    lo, hi = (math.log(v) for v in _EMISSION_EW)
    ew = torch.exp(lo + (hi - lo) * torch.rand(n, 1, device=device, dtype=dtype)) * active
    ratio = 0.3 + 0.4 * torch.rand(n, 1, device=device, dtype=dtype)
    continuum = x[:, torch.as_tensor(side, device=device)].median(dim=1, keepdim=True).values
    lines = torch.as_tensor(halpha, device=device, dtype=dtype) + ratio * torch.as_tensor(
        hbeta, device=device, dtype=dtype
    )
    return x + ew * continuum.clamp_min(0.0) * lines


def _cut_ends(x, blue, red, probability):
    """Replace a random share of each end of the rows of ``x`` with the nearest kept pixel.

    Each end is cut with ``probability``, by a fraction uniform in 0 ..
    ``blue`` (start) or ``red`` (end); at least one pixel stays.
    """
    n, m = x.shape
    device = x.device

    def lengths(largest):
        on = torch.rand(n, 1, device=device) < probability
        size = (torch.rand(n, 1, device=device) * (largest * m)).long()
        return torch.where(on, size, torch.zeros_like(size))

    first = lengths(blue).clamp(max=m - 1)  # index of the first kept pixel
    last = torch.maximum(m - 1 - lengths(red), first)  # and of the last
    idx = torch.arange(m, device=device)[None, :]
    x = torch.where(idx < first, x.gather(1, first), x)
    return torch.where(idx > last, x.gather(1, last), x)


def _blur(x, sigma):
    """Convolve row i of ``x`` (B, L) with a unit Gaussian of width ``sigma[i]`` pixels."""
    half = max(1, math.ceil(3 * float(sigma.max())))
    offsets = torch.arange(-half, half + 1, device=x.device, dtype=x.dtype)
    kernel = torch.exp(-0.5 * (offsets[None, :] / sigma.clamp_min(1e-3)[:, None]) ** 2)
    kernel = kernel / kernel.sum(dim=1, keepdim=True)
    # One group per spectrum; edge pixels repeated so the ends keep their level.
    padded = torch.nn.functional.pad(x[None], (half, half), mode="replicate")
    return torch.nn.functional.conv1d(padded, kernel[:, None, :], groups=x.shape[0])[0]


def _legendre(x, degree):
    """Legendre polynomials P_1 .. P_degree at x, shape (degree, len(x))."""
    rows = [torch.ones_like(x), x]
    for k in range(1, degree):
        rows.append(((2 * k + 1) * x * rows[k] - k * rows[k - 1]) / (k + 1))
    return torch.stack(rows[1 : degree + 1])
