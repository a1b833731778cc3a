"""
Supervised denoising of noisy spectra
=====================================

The first stage of EMCCNN is a *supervised denoising encoder*: a small
convolutional autoencoder trained, with the labels' help, to turn a noisy
spectrum into a clean one. :class:`~skspec.preprocessing.SupervisedDenoiser`
is that encoder as a stand-alone transformer. Synthetic data let us check it
against the truth: the generator can return the same stars without noise.
"""

# %%
# Noisy spectra and their noiseless twins
# ---------------------------------------
# ``noise=False`` keeps every other effect of the observation (radial
# velocity, reddening, sky and telluric residuals, calibration wobble) and
# leaves out only the random noise. With the same ``random_state`` the stars
# are the same ones.
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from skspec.datasets import make_mdwarf_spectra
from skspec.preprocessing import SupervisedDenoiser

FAST = os.environ.get("SKSPEC_DOC_FAST", "0") == "1"
n_samples, max_epochs = (300, 15) if FAST else (600, 30)

noisy = make_mdwarf_spectra(n_samples, snr=(5.0, 10.0), random_state=4)
clean = make_mdwarf_spectra(n_samples, snr=(5.0, 10.0), random_state=4, noise=False)
assert np.allclose(noisy.frame["teff"], clean.frame["teff"])  # the same stars

idx_train, idx_test = train_test_split(
    np.arange(n_samples), test_size=0.3, stratify=noisy.target, random_state=0
)

# %%
# Training
# --------
# ``fit(X, y)`` trains the autoencoder to map each spectrum onto the *clean
# target of its class*: the mean of the (median-normalised) training spectra
# of that subtype. Averaging many spectra removes their noise, so no clean
# spectrum is ever needed, only labels. ``transform`` then returns denoised
# spectra with the width and flux scale of its input.
denoiser = SupervisedDenoiser(max_epochs=max_epochs, batch_size=32, random_state=0)
denoiser.fit(noisy.data[idx_train], noisy.target[idx_train])
denoised = denoiser.transform(noisy.data[idx_test])
print(denoised.shape, denoised.dtype)


# %%
# How close to the truth?
# -----------------------
# We compare each test spectrum, before and after denoising, with its
# noiseless twin, all divided by the median of the noiseless flux.
def rms_error(X, truth):
    scale = np.median(truth, axis=1, keepdims=True)
    return np.sqrt(np.mean(((X - truth) / scale) ** 2, axis=1))


truth = clean.data[idx_test]
before = rms_error(noisy.data[idx_test], truth)
after = rms_error(denoised, truth)
print(f"median RMS error: noisy {np.median(before):.3f}, denoised {np.median(after):.3f}")

# %%
# One typical test spectrum around the TiO and CaH bands: most of the noise
# is gone and the band heads are kept. Where the star differs from the mean
# of its class (often the slope of the red continuum), the denoised spectrum
# leans towards the class: see the last section.
i = int(np.argsort(before)[len(before) // 2])  # a typical spectrum
window = (noisy.wavelength > 6000) & (noisy.wavelength < 7600)
scale = np.median(truth[i])

fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
ax.plot(
    noisy.wavelength[window],
    noisy.data[idx_test][i, window] / scale,
    lw=0.5,
    color="0.6",
    label=f"noisy (S/N {noisy.snr[idx_test][i]:.1f})",
)
ax.plot(
    noisy.wavelength[window], truth[i, window] / scale, lw=1.2, color="k", label="noiseless truth"
)
ax.plot(
    noisy.wavelength[window], denoised[i, window] / scale, lw=1.0, color="tab:red", label="denoised"
)
ax.set(
    xlabel="vacuum wavelength [Å]",
    ylabel="flux / median",
    title=f"A test {noisy.target[idx_test][i]} dwarf",
)
ax.legend(loc="upper left")
plt.show()

# %%
# Over the whole test set:
fig, ax = plt.subplots(figsize=(5, 4), layout="constrained")
ax.scatter(before, after, s=8, alpha=0.6)
lim = [0, 1.05 * max(before.max(), after.max())]
ax.plot(lim, lim, "k--", lw=1, label="no improvement")
ax.set(
    xlim=lim,
    ylim=lim,
    xlabel="RMS error of the noisy spectrum",
    ylabel="RMS error after denoising",
    title="Test spectra, S/N 5-10",
)
ax.legend()
plt.show()

# %%
# What the denoiser cannot do
# ---------------------------
# The training target is a class *mean*: the denoiser also removes what
# varies within a class (radial velocity, metallicity, the star's exact
# temperature), and pulls an ambiguous spectrum towards a class prototype.
# The denoised spectrum is therefore not the star's own noiseless spectrum,
# and a classifier fitted on denoised *training* spectra sees cleaner classes
# than it will meet at test time. Fit the denoiser and the classifier in one
# pipeline and judge them by cross-validation, never on their training
# spectra; :class:`~skspec.models.EMCCNNClassifier` trains the same encoder
# jointly with its classifier.
