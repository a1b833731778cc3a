"""
Resampling and folding: the paper's preprocessing
=================================================

The EMCCNN paper prepares every spectrum in two steps: it interpolates the
3522 SDSS pixels quadratically onto 5000 points, then, for its 2-D networks,
folds those 5000 points into a 50 x 100 image. This example shows what the two
transformers, :class:`~skspec.preprocessing.QuadraticResampler` and
:class:`~skspec.preprocessing.Folder2D`, do to a spectrum, and how far each
can be undone.
"""

# %%
# One spectrum on the SDSS grid
# -----------------------------
# Every skspec dataset holds flux on the paper's grid: ``log10(lambda) =
# 3.6021 + 1e-4 i`` for ``i = 0 ... 3521`` (4000-9000 Å in vacuum), which
# :func:`skspec.utils.sdss_loglam` returns.
import matplotlib.pyplot as plt
import numpy as np

from skspec.datasets import make_mdwarf_spectra
from skspec.preprocessing import Folder2D, QuadraticResampler
from skspec.utils import sdss_loglam

ds = make_mdwarf_spectra(5, subtypes=["M0", "M1", "M2", "M3", "M4"], snr=30.0, random_state=0)
order = np.argsort(ds.target)  # one spectrum per subtype, M0 first
X, y = ds.data[order], ds.target[order]
loglam = sdss_loglam()
print(X.shape, X.dtype, y)

# %%
# Quadratic resampling to 5000 points
# -----------------------------------
# The resampler fits the global quadratic spline through all pixels of each
# spectrum (what ``scipy.interpolate.interp1d(kind="quadratic")`` computes)
# and evaluates it at ``n_points`` evenly spaced positions. The SDSS pixels are
# evenly spaced in ``log10(lambda)``, so the new points are too:
# :meth:`~skspec.preprocessing.QuadraticResampler.transform_grid` gives their
# coordinates. The output has 5000 / 3522 = 1.42 points per original pixel.
resampler = QuadraticResampler(n_points=5000)
X5000 = resampler.fit_transform(X)
loglam5000 = resampler.transform_grid(loglam)
print(X5000.shape, X5000.dtype)

# %%
# Around the TiO band heads near 7050-7130 Å the spline passes through every
# original pixel and adds smooth points in between: no information is added,
# the spectrum is only sampled more densely.
star = 3  # the M3 dwarf
window = (10**loglam > 7000) & (10**loglam < 7200)
window5000 = (10**loglam5000 > 7000) & (10**loglam5000 < 7200)

fig, ax = plt.subplots(figsize=(8, 3.5), layout="constrained")
ax.plot(
    10 ** loglam5000[window5000],
    X5000[star, window5000],
    "-",
    lw=1,
    color="tab:orange",
    label="5000 points (quadratic spline)",
)
ax.plot(
    10 ** loglam[window], X[star, window], "o", ms=3, color="tab:blue", label="3522 SDSS pixels"
)
ax.set(
    xlabel="vacuum wavelength [Å]",
    ylabel="flux [1e-17 erg/s/cm²/Å]",
    title=f"{y[star]} dwarf around the TiO band heads",
)
ax.legend()
plt.show()

# %%
# Folding into a 50 x 100 image
# -----------------------------
# :class:`~skspec.preprocessing.Folder2D` cuts each 5000-point spectrum into
# 50 rows of 100 points (row ``r`` holds points ``100 r ... 100 r + 99``), the
# paper's input for its 2-D CNN, VGG16 and ResNet. Each row spans 0.007 dex of
# wavelength (65 Å at the blue end, 145 Å at the red end), so a 2-D kernel
# mixes each pixel with pixels 65-145 Å away: whether that helps is the
# question of the paper's Table 3 (its answer: folding alone does not make
# spectra easier to classify).
folder = Folder2D(shape=(50, 100))
images = folder.fit_transform(X5000)
print(images.shape)

fig, axes = plt.subplots(1, 5, figsize=(10, 3.2), layout="constrained", sharey=True)
for ax, image, label in zip(axes, images, y):
    # log10(flux / median): one colour scale for all subtypes.
    ax.imshow(np.log10(image / np.median(image)), aspect="auto", cmap="magma", vmin=-1.0, vmax=0.7)
    ax.set_title(label)
    ax.set_xlabel("column")
axes[0].set_ylabel("row (4000 Å at the top)")
fig.suptitle("The 50 x 100 images of one spectrum per subtype")
plt.show()

# %%
# From M0 to M4 the TiO bands between 5000 and 7700 Å (rows 14-40) deepen
# into dark stripes, and the red end (bottom rows) brightens relative to the
# median: the star is cooler.
#
# Going back
# ----------
# Folding is a reshape, so
# :meth:`~skspec.preprocessing.Folder2D.inverse_transform` restores the
# 5000 points exactly.
back = folder.inverse_transform(images)
print("fold round trip exact:", np.array_equal(back, X5000))

# %%
# Resampling has no exact inverse, but resampling the 5000 points back onto
# 3522 evenly spaced points lands on the original pixel positions, where the
# spline of the dense samples reproduces the original flux closely: the loss
# is about 40 times smaller than the noise of these S/N 30 spectra (1/30 of
# the flux), largest where the flux changes sharply (band heads, noise
# spikes).
X3522 = QuadraticResampler(n_points=3522).fit_transform(X5000)
rel = np.abs(X3522 - X) / np.median(X, axis=1, keepdims=True)
print(
    f"resampling round trip: median |error| = {np.median(rel):.2e}, "
    f"max = {rel.max():.2e} (in units of the median flux)"
)

fig, ax = plt.subplots(figsize=(8, 3), layout="constrained")
ax.semilogy(10**loglam, rel[star] + 1e-9, lw=0.6, label="round-trip error")
ax.axhline(1 / 30, color="k", ls="--", lw=1, label="noise (1 / S/N)")
ax.legend(loc="lower right")
ax.set(
    ylim=(1e-6, 1),
    xlabel="vacuum wavelength [Å]",
    ylabel="|error| / median flux",
    title="3522 -> 5000 -> 3522 points: what is lost",
)
plt.show()
