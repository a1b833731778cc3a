"""Published numbers behind the synthetic M dwarf spectra and the spectral indices.

Only literature values live here (wavelengths in **air** Angstrom unless a name
says ``_VAC``); the constants tuned to reproduce real SDSS spectra live in
:mod:`skspec.datasets._generator`. Each block names its source.

References
----------
.. [PM13] Pecaut, M. J. & Mamajek, E. E. 2013, ApJS 208, 9, Table 5 (the
   "Modern Mean Dwarf Stellar Color and Effective Temperature Sequence",
   version 2019.3.22).
.. [KHM91] Kirkpatrick, J. D., Henry, T. J. & McCarthy, D. W. 1991, ApJS 77,
   417: band-head identifications in K5-M9 dwarf spectra (after Pearse &
   Gaydon 1976, "The Identification of Molecular Spectra").
.. [RHG95] Reid, I. N., Hawley, S. L. & Gizis, J. E. 1995, AJ 110, 1838:
   TiO5, CaH1, CaH2, CaH3 indices; SpT = -10.775 TiO5 + 8.2.
.. [L07] Lepine, S., Rich, R. M. & Shara, M. M. 2007, ApJ 669, 1235: the
   zeta parameter and the solar-metallicity TiO5(CaH2 + CaH3) relation.
.. [L03] Lepine, S., Rich, R. M. & Shara, M. M. 2003, AJ 125, 1598:
   SpT = 1.4 C^2 - 10 C + 12.4 (C = CaH2 + CaH3) isn't used by the
   generator, kept for the documentation of the indices.
.. [H02] Hawley, S. L. et al. 2002, AJ 123, 3409 (VO1 window as used by
   PyHammer / Covey et al. 2007).
.. [M99] Martin, E. L. et al. 1999, AJ 118, 2466: PC3 index.
.. [W11] West, A. A. et al. 2011, AJ 141, 97: H-alpha activity fraction of
   SDSS M dwarfs as a function of spectral type.
.. [NIST] NIST Atomic Spectra Database (air wavelengths of the lines).
.. [O96] Osterbrock, D. E. et al. 1996, PASP 108, 277: night-sky emission
   lines (OH, [O I], Na I) in air.
.. [C89] Cardelli, J. A., Clayton, G. C. & Mathis, J. S. 1989, ApJ 345, 245,
   with the optical coefficients of O'Donnell, J. E. 1994, ApJ 422, 158.
.. [SDSS] SDSS DR14 data model (spec-PLATE-MJD-FIBER, SN_MEDIAN_ALL) and
   the resolution R ~ 1800-2200 of the SDSS/BOSS spectrographs
   (Smee et al. 2013, AJ 146, 32).
"""

# --- Spectral type scale --------------------------------------------------------------

#: Numerical subtype of each spectral type: K7 = -1, M0 = 0, ..., M9 = 9 (its one
#: home is skspec.utils._subtypes; re-exported here for the generator).
from ..utils._subtypes import SUBTYPE_NUMBER  # noqa: F401

#: Effective temperature of dwarfs in K [PM13].
TEFF = {
    "K7": 4050.0,
    "M0": 3850.0,
    "M1": 3660.0,
    "M2": 3560.0,
    "M3": 3430.0,
    "M4": 3210.0,
    "M5": 3060.0,
    "M6": 2810.0,
    "M7": 2680.0,
    "M8": 2570.0,
    "M9": 2380.0,
}

#: Fraction of dwarfs with H-alpha in emission per subtype [W11, their Fig. 4;
#: read off to about +-0.05]. K7 is an extrapolation.
ACTIVE_FRACTION = {
    "K7": 0.03,
    "M0": 0.05,
    "M1": 0.05,
    "M2": 0.05,
    "M3": 0.15,
    "M4": 0.30,
    "M5": 0.45,
    "M6": 0.60,
    "M7": 0.75,
    "M8": 0.85,
    "M9": 0.80,
}

#: Typical H-alpha emission equivalent width range of active M dwarfs in A
#: [W11: ~1-10 A, rising with later type].
HALPHA_EW_RANGE = (1.0, 10.0)

# --- Molecular bands [KHM91] ---------------------------------------------------------
# Heads are sharp on the blue side and the absorption fades to the red
# ("degraded to the red"), which is how every TiO, CaH and VO head listed here
# appears in low-resolution M dwarf spectra.

#: TiO band heads, grouped by system/sequence (air A).
TIO_HEADS = {
    # alpha (C3Delta - X3Delta) system
    "alpha": (4584.0, 4626.0, 4761.0, 4804.0, 4848.0, 4954.0, 5167.0, 5448.0, 5497.0),
    # beta (c1Phi - a1Delta) and alpha Delta v = -2 heads of the yellow
    "beta": (5597.0, 5629.0, 5759.0, 5810.0, 5847.0),
    # gamma' (B3Pi - X3Delta) Delta v = 0
    "gamma_prime": (6159.0, 6187.0, 6215.0),
    # gamma (A3Phi - X3Delta) Delta v = +1, 0, -1
    "gamma": (
        6651.0,
        6681.0,
        6714.0,
        6747.0,
        6781.0,
        7054.0,
        7088.0,
        7126.0,
        7159.0,
        7197.0,
        7589.0,
        7628.0,
        7666.0,
    ),
    # delta (b1Pi - a1Delta)
    "delta": (8432.0, 8442.0, 8452.0, 8859.0, 8868.0),
}

#: CaH band heads (A - X system) near 6382-6389 A [KHM91, RHG95].
CAH_HEADS = (6382.0, 6389.0)

#: Broad CaH (B - X) absorption region measured by CaH2 and CaH3 [RHG95].
CAH_BAND = (6750.0, 7050.0)

#: MgH (A - X) band heads near 4780 and 5211 A, degraded to the violet
#: (the absorption extends blueward of the head) [KHM91].
MGH_HEADS = (4780.0, 5211.0)

#: VO band heads and regions, visible from about M5-M6 [KHM91].
VO_HEADS = (7334.0, 7851.0)
VO_BANDS = ((7334.0, 7534.0), (7851.0, 7973.0))

# --- Atomic lines [NIST] ---------------------------------------------------------------
#: (species, air wavelength A, family). Families scale differently with
#: subtype and gravity in the generator: "alkali" lines are pressure
#: broadened (gravity sensitive), "metal" lines are the strong neutral metal
#: lines of K/M dwarfs, "caii" is the Ca II infrared triplet, "balmer" are
#: the hydrogen lines (absorption in quiet early M dwarfs, emission when
#: active).
ATOMIC_LINES = (
    ("Mn I", 4030.8, "metal"),
    ("Fe I", 4045.8, "metal"),
    ("Fe I", 4063.6, "metal"),
    ("Fe I", 4071.7, "metal"),
    ("Ca I", 4226.7, "alkali"),  # strongly pressure broadened like the alkalis
    ("Cr I", 4254.3, "metal"),
    ("Cr I", 4274.8, "metal"),
    ("Cr I", 4289.7, "metal"),
    ("Ca I", 4318.7, "metal"),
    ("Fe I", 4383.5, "metal"),
    ("Fe I", 4404.8, "metal"),
    ("Ca I", 4434.9, "metal"),
    ("Ca I", 4454.8, "metal"),
    ("Ti I", 4533.2, "metal"),
    ("H I", 4861.3, "balmer"),
    ("Mg I", 5167.3, "alkali"),
    ("Mg I", 5172.7, "alkali"),
    ("Mg I", 5183.6, "alkali"),
    ("Cr I", 5206.0, "metal"),
    ("Ca I", 5264.2, "metal"),
    ("Fe I", 5269.5, "metal"),
    ("Fe I", 5328.0, "metal"),
    ("Fe I", 5371.5, "metal"),
    ("Fe I", 5405.8, "metal"),
    ("Fe I", 5429.7, "metal"),
    ("Mg I", 5528.4, "metal"),
    ("Na I", 5890.0, "alkali"),
    ("Na I", 5895.9, "alkali"),
    ("Ca I", 6102.7, "metal"),
    ("Ca I", 6122.2, "metal"),
    ("Ca I", 6162.2, "metal"),
    ("Ca I", 6439.1, "metal"),
    ("Ca I", 6462.6, "metal"),
    ("Ca I", 6493.8, "metal"),
    ("H I", 6562.8, "balmer"),
    ("Ca I", 6717.7, "metal"),
    ("K I", 7664.9, "alkali"),
    ("K I", 7699.0, "alkali"),
    ("Na I", 8183.3, "alkali"),
    ("Na I", 8194.8, "alkali"),
    ("Fe I", 8327.1, "metal"),
    ("Ca II", 8498.0, "caii"),
    ("Ca II", 8542.1, "caii"),
    ("Ca II", 8662.1, "caii"),
    ("Fe I", 8688.6, "metal"),
    ("Mg I", 8806.8, "metal"),
)

#: H-alpha and H-beta rest wavelengths (air A) for the emission of active stars.
HALPHA = 6562.8
HBETA = 4861.3

# --- Night sky and atmosphere -----------------------------------------------------------
#: Strong night-sky emission lines in air A with rough relative peak
#: strengths (continuum = 1 per pixel at SDSS resolution) [O96]. OH lines are
#: listed individually only where they are the brightest of their band.
SKY_LINES = (
    (5577.3, 30.0),  # [O I]
    (5889.95, 4.0),  # Na I D (lamps + mesosphere)
    (5895.9, 3.0),
    (6300.3, 12.0),  # [O I]
    (6363.8, 4.0),  # [O I]
    (6863.9, 4.0),  # OH 6-1
    (6923.2, 3.0),
    (7276.4, 4.0),  # OH 8-3
    (7316.3, 5.0),
    (7340.9, 5.0),
    (7369.2, 3.0),
    (7401.7, 3.0),
    (7524.1, 3.0),
    (7794.1, 5.0),  # OH 5-1
    (7821.5, 6.0),
    (7853.3, 4.0),
    (7913.7, 6.0),
    (7964.6, 7.0),
    (7993.3, 8.0),
    (8344.6, 10.0),  # OH 6-2
    (8399.2, 10.0),
    (8430.2, 10.0),
    (8465.4, 8.0),
    (8504.6, 6.0),
    (8827.1, 14.0),  # OH 7-3
    (8885.9, 12.0),
    (8919.6, 10.0),
    (8958.1, 10.0),
    (8988.4, 12.0),
)

#: Telluric absorption bands in air A: O2 B and A bands, H2O bands.
TELLURIC_BANDS = (
    ("O2", 6867.0, 6884.0),
    ("O2", 7594.0, 7630.0),
    ("H2O", 7160.0, 7340.0),
    ("H2O", 8130.0, 8350.0),
)

# --- Spectral indices ---------------------------------------------------------------------
#: Index windows in air A: (numerator windows, denominator windows). An index
#: is the mean flux over the numerator windows divided by the mean over the
#: denominator windows, where a list of several windows is averaged with
#: equal weight per window [RHG95, H02, M99].
INDEX_WINDOWS = {
    "TiO5": (((7126.0, 7135.0),), ((7042.0, 7046.0),)),
    "CaH1": (((6380.0, 6390.0),), ((6345.0, 6355.0), (6410.0, 6420.0))),
    "CaH2": (((6814.0, 6846.0),), ((7042.0, 7046.0),)),
    "CaH3": (((6960.0, 6990.0),), ((7042.0, 7046.0),)),
    "VO1": (((7430.0, 7470.0),), ((7550.0, 7570.0),)),
    "PC3": (((8230.0, 8270.0),), ((7540.0, 7580.0),)),
}

#: Lepine et al. (2007) solar-metallicity TiO5 as a cubic in C = CaH2 + CaH3,
#: coefficients of C^3, C^2, C, 1 [L07].
TIO5_SOLAR_POLY = (-0.164, 0.670, -0.118, -0.050)

#: Reid, Hawley & Gizis (1995) subtype from TiO5: slope and intercept [RHG95].
RHG95_TIO5 = (-10.775, 8.2)
