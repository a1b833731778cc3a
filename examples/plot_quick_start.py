"""
Quick start: classify M dwarf spectra with EMCCNN
=================================================

Generate labelled synthetic SDSS spectra of M0-M4 dwarfs, fit the paper's
pipeline (quadratic resampling to 5000 points, then the EMCCNN network) and
look at what it gets right and wrong.
"""

# %%
# Synthetic spectra
# -----------------
# :func:`~skspec.datasets.make_mdwarf_spectra` draws realistic SDSS-like
# spectra from a physical model of M dwarf photospheres observed through the
# SDSS spectrographs (see :doc:`/user_guide/data`). The result is a
# :class:`~sklearn.utils.Bunch`: flux ``data`` on the 3522-pixel SDSS grid,
# inverse variances ``ivar``, the subtype ``target``, the measured ``snr`` and
# a ``frame`` with each star's true parameters.
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay, accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from skspec.datasets import make_mdwarf_spectra
from skspec.metrics import per_bin_scores, within_one_subtype_accuracy
from skspec.models import EMCCNNClassifier
from skspec.preprocessing import QuadraticResampler

# SKSPEC_DOC_FAST=1 (used by the documentation build) shrinks the run.
FAST = os.environ.get("SKSPEC_DOC_FAST", "0") == "1"
n_samples, max_epochs = (400, 6) if FAST else (1000, 12)

ds = make_mdwarf_spectra(n_samples, random_state=0)
print(ds.data.shape, ds.data.dtype)
ds.frame[["subtype", "subtype_true", "teff", "snr", "snr_bin"]].head()

# %%
# The label is an integer subtype, but each star's true subtype scatters
# around it (``subtype_true``), as real SDSS labels do. The median spectrum of
# each subtype shows what the classifier has to read: deepening TiO bands and
# a redder continuum from M0 to M4.
wavelength = ds.wavelength
normed = ds.data / np.median(ds.data, axis=1, keepdims=True)

fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
for k, subtype in enumerate(["M0", "M1", "M2", "M3", "M4"]):
    ax.plot(
        wavelength, np.median(normed[ds.target == subtype], axis=0) + 0.6 * k, lw=0.7, label=subtype
    )
ax.set(
    xlabel="vacuum wavelength [Å]",
    ylabel="flux / median + offset",
    title="Median synthetic spectrum per subtype",
)
ax.legend(loc="upper left")
plt.show()

# %%
# The pipeline
# ------------
# The paper's 1-D path: :class:`~skspec.preprocessing.QuadraticResampler`
# interpolates to 5000 points, :class:`~skspec.models.EMCCNNClassifier`
# normalises each spectrum by its median, codes it with a supervised
# denoising encoder, reads the code with parallel convolutions of several
# kernel sizes and classifies the concatenated features. It is an ordinary
# scikit-learn estimator: labels can be any strings, ``random_state`` makes
# the run reproducible, and 10% of the training set is held out for early
# stopping. We train only a few epochs here; the default is up to 100.
idx_train, idx_test = train_test_split(
    np.arange(n_samples), test_size=0.25, stratify=ds.target, random_state=0
)
X_train, y_train = ds.data[idx_train], ds.target[idx_train]
X_test, y_test = ds.data[idx_test], ds.target[idx_test]

model = Pipeline(
    [
        ("resample", QuadraticResampler(n_points=5000)),
        ("emccnn", EMCCNNClassifier(max_epochs=max_epochs, random_state=0)),
    ]
)
model.fit(X_train, y_train)

# %%
# The fitted network keeps skorch's training history: the training and
# validation losses per epoch.
history = model.named_steps["emccnn"].history_
fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
ax.plot(history[:, "epoch"], history[:, "train_loss"], "o-", label="training")
ax.plot(history[:, "epoch"], history[:, "valid_loss"], "o-", label="validation")
ax.set(xlabel="epoch", ylabel="loss", title="EMCCNN training")
ax.legend()
plt.show()

# %%
# Scores
# ------
# Spectral types are ordered, and labels from different sources often differ
# by one subtype, so besides the exact accuracy we report the fraction within
# one subtype (:func:`~skspec.metrics.within_one_subtype_accuracy`), and both
# per S/N bin (:func:`~skspec.metrics.per_bin_scores`), as the paper does.
y_pred = model.predict(X_test)
print(
    f"accuracy {accuracy_score(y_test, y_pred):.2f}, "
    f"within one subtype {within_one_subtype_accuracy(y_test, y_pred):.2f}"
)
per_bin_scores(y_test, y_pred, ds.frame["snr_bin"].to_numpy()[idx_test])

# %%
# The confusion matrix shows where the errors go: almost always to a
# neighbouring subtype.
disp = ConfusionMatrixDisplay.from_predictions(y_test, y_pred, cmap="Blues", colorbar=False)
disp.ax_.set_title(f"EMCCNN after {len(history)} epochs on {len(y_train)} spectra")
plt.show()

# %%
# Next steps: :ref:`sphx_glr_auto_examples_plot_grid_search_kernels.py` tunes
# the network inside a grid search; ``skspec reproduce`` runs the paper's full
# comparison.
