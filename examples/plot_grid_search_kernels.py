"""
Tuning EMCCNN's kernel scales with GridSearchCV
===============================================

EMCCNN reads its denoised code with parallel convolutions of several kernel
sizes, the "multi-scale" of its name. ``kernel_sizes`` is an ordinary
constructor parameter, so scikit-learn's
:class:`~sklearn.model_selection.GridSearchCV` can ask whether the several
scales pay off. The search here is tiny so that it runs in a minute; the
pattern is the one to use at full size.
"""

# %%
# Data and pipeline
# -----------------
# The pipeline names its steps, and the grid addresses the network's
# parameter as ``"<step>__<parameter>"``.
import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline

from skspec.datasets import make_mdwarf_spectra
from skspec.models import EMCCNNClassifier
from skspec.preprocessing import QuadraticResampler

FAST = os.environ.get("SKSPEC_DOC_FAST", "0") == "1"
n_samples, max_epochs, n_folds = (160, 6, 2) if FAST else (240, 6, 3)

ds = make_mdwarf_spectra(n_samples, snr=(10.0, 40.0), random_state=2)

pipe = Pipeline(
    [
        ("resample", QuadraticResampler(n_points=5000)),
        # validation_fraction=None: the grid search already holds out a fold, so
        # the network trains on all of its fold for max_epochs epochs instead of
        # splitting it a second time for early stopping. Small batches give a
        # small training set more optimisation steps per epoch.
        (
            "emccnn",
            EMCCNNClassifier(
                max_epochs=max_epochs, batch_size=16, validation_fraction=None, random_state=0
            ),
        ),
    ]
)

# %%
# The grid
# --------
# Kernel sizes count code pixels; one code pixel spans four input pixels, so
# ``31`` looks at about 124 pixels (about 2% of the spectrum, a band's width)
# and ``3`` at about 12 (a line's width). We compare a single narrow scale, a
# single wide scale and the default four scales.
param_grid = {"emccnn__kernel_sizes": [(3,), (31,), (3, 7, 15, 31)]}
if FAST:
    param_grid = {"emccnn__kernel_sizes": [(3,), (3, 7, 15, 31)]}

search = GridSearchCV(
    pipe,
    param_grid,
    cv=StratifiedKFold(n_folds, shuffle=True, random_state=0),
    scoring="accuracy",
    return_train_score=True,
)
search.fit(ds.data, ds.target)

results = pd.DataFrame(search.cv_results_)
results["kernel_sizes"] = results["param_emccnn__kernel_sizes"].astype(str)
results[["kernel_sizes", "mean_train_score", "mean_test_score", "std_test_score", "mean_fit_time"]]

# %%
# Every fit clones the pipeline and seeds the network with the same
# ``random_state``, so the candidates differ only by their kernel sizes
# (and each fold's data). ``search.best_estimator_`` is refitted on all the
# spectra with the best setting, ready to ``predict``.
print("best:", search.best_params_, f"cross-validated accuracy {search.best_score_:.2f}")

fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
pos = np.arange(len(results))
ax.bar(
    pos,
    results["mean_test_score"],
    yerr=results["std_test_score"],
    capsize=4,
    color="tab:blue",
    label="validation folds",
)
ax.plot(pos, results["mean_train_score"], "o", color="tab:orange", label="training folds")
ax.set_xticks(pos, results["kernel_sizes"])
ax.set(
    ylim=(0, 1),
    xlabel="kernel_sizes",
    ylabel="accuracy",
    title=f"EMCCNN, {n_folds}-fold cross-validation, {max_epochs} epochs",
)
ax.legend(loc="lower right")
plt.show()

# %%
# With a few epochs on a few hundred spectra the differences are comparable
# to the fold-to-fold scatter (the error bars): this run shows the mechanics,
# not the answer. For a real search:
#
# * use thousands of spectra and the default ``max_epochs`` with early
#   stopping (keep ``validation_fraction`` then, and accept the double split);
# * search one S/N bin at a time, as the paper trains, or wrap the network in
#   :class:`~skspec.models.SNRBinnedClassifier`;
# * run the fits in parallel with ``n_jobs``, or on a Dask cluster
#   (:doc:`/distributed`).
