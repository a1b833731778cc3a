"""
Comparing all the models on one split
=====================================

The EMCCNN paper compares a fully connected network (DNN), a plain CNN,
VGG16, ResNet, an SVM and its own EMCCNN, separately in three S/N bins. skspec
adds a chi-square template classifier. This example runs all seven on the same
train/test split of each bin, at toy sizes so that it takes a minute or two.
``skspec reproduce`` runs the same comparison at full size and writes the
paper's tables (see :doc:`/user_guide/command`).
"""

# %%
# The data of an experiment
# -------------------------
# :func:`~skspec.experiments.load_experiment_data` draws synthetic spectra in
# equal parts per S/N bin (or reads a directory of SDSS files) and keeps the
# M0-M4 spectra of the requested bins, binned by their measured S/N.
import os

import matplotlib.pyplot as plt
import numpy as np

from skspec.experiments import MODELS, load_experiment_data, make_model, run_experiments

FAST = os.environ.get("SKSPEC_DOC_FAST", "0") == "1"
n_samples, max_epochs = (300, 3) if FAST else (450, 4)

data = load_experiment_data("synthetic", n_samples=n_samples, random_state=0)
print(data.data.shape)
print({b: int(np.sum(data.snr_bin == b)) for b in data.bins})

# %%
# The models
# ----------
# :func:`~skspec.experiments.make_model` builds each model as the paper
# prepares its input: quadratic resampling to 5000 points, then, for the
# convolutional baselines, folding into a 50 x 100 image. ``quick=True``
# picks narrow networks.
for name, spec in MODELS.items():
    pipe = make_model(name, quick=True)
    print(
        f"{spec.label:>8}: {' -> '.join(step for step, _ in pipe.steps)} "
        f"({type(pipe[-1]).__name__}, {spec.default_dim})"
    )

# %%
# Running
# -------
# :func:`~skspec.experiments.run_experiments` splits each bin once (stratified,
# a quarter for testing), fits a fresh pipeline per model and bin on the same
# training spectra and scores it on the same test spectra, so the comparison
# is paired. We run each model in its default input form (the paper's Table 3
# compares 1-D and 2-D; ``dims`` selects them) and only a few epochs.
dims = {name: (spec.default_dim,) for name, spec in MODELS.items()}
result = run_experiments(
    data.data,
    data.target,
    data.snr_bin,
    quick=True,
    dims=dims,
    max_epochs=max_epochs,
    random_state=0,
)
test = result.scores[result.scores["split"] == "test"]
test.pivot_table(index="label", columns="bin", values="accuracy", sort=False)[list(data.bins)]

# %%
# Test accuracy per model and S/N bin. The numbers are those of toy runs:
# about 75-110 training spectra per bin and a few epochs, where the networks
# have barely started to learn and the SVM and template fits, which need no
# training epochs, have an unfair head start. With 25-40 test spectra per bin,
# one spectrum is 2.5-4 points of accuracy.
labels = list(dict.fromkeys(test["label"]))
bins = list(data.bins)
width = 0.8 / len(bins)
fig, ax = plt.subplots(figsize=(9, 4), layout="constrained")
for k, b in enumerate(bins):
    acc = [test[(test["label"] == m) & (test["bin"] == b)]["accuracy"].mean() for m in labels]
    ax.bar(np.arange(len(labels)) + (k - (len(bins) - 1) / 2) * width, acc, width, label=f"S/N {b}")
ax.axhline(0.2, color="k", ls=":", lw=1, label="chance (5 classes)")
ax.set_xticks(np.arange(len(labels)), labels)
ax.set(
    ylim=(0, 1),
    ylabel="test accuracy",
    title=f"All models, toy sizes ({len(data.target)} spectra, {max_epochs} epochs)",
)
ax.legend(ncols=4, loc="upper left", fontsize=8)
plt.show()

# %%
# Training and test accuracy side by side. At toy sizes only the SVM and the
# template fit show a gap; the paper reports that its convolutional networks
# overfit once they train long enough, which the full run lets you check.
result.scores.pivot_table(index="label", columns="split", values="accuracy", sort=False).round(2)

# %%
# The real thing
# --------------
# The full comparison, 9000 synthetic spectra, the networks' default sizes
# and up to 100 epochs with early stopping, is one command; it writes the
# three tables beside the paper's claims, ``results.csv``, the test
# predictions and figures::
#
#     skspec reproduce --out skspec_out                # hours on a CPU
#     skspec reproduce --quick --out skspec_quick      # minutes
#     skspec reproduce --data path/to/sdss/spectra/ --out skspec_sdss
#
# It runs :func:`~skspec.experiments.run_experiments` as above, with every
# input form of every model.
