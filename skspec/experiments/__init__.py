"""The EMCCNN paper's experiments: its tables as data, the runner, tables and figures.

``skspec reproduce`` is :func:`reproduce` and ``skspec train`` is
:func:`train`; the pieces are usable alone:

- :data:`PAPER_TABLES` / :func:`paper_results` / :func:`paper_accuracy`: the
  accuracies printed in the paper's Tables 1-3.
- :func:`make_model`: the paper's pipelines by name ("emccnn", "dnn", "cnn",
  "vgg16", "resnet", "svm", "template"), 1D or folded 2D, quick or full.
- :func:`load_experiment_data`, :func:`run_experiments`: per-S/N-bin fits and
  tidy scores.
- :func:`make_report`, :func:`verdict`, :func:`make_figures`: the outputs.
"""

from ._figures import (
    make_figures,
    plot_accuracy,
    plot_accuracy_by_snr,
    plot_confusion_matrices,
    plot_distribution,
    plot_folded_images,
    plot_predicted_indices,
    plot_resampling,
    plot_snr_examples,
    plot_training_curves,
)
from ._paper import (
    PAPER,
    PAPER_BINS,
    PAPER_CLAIMS,
    PAPER_TABLES,
    paper_accuracy,
    paper_results,
)
from ._registry import MODELS, ModelSpec, available_models, make_model, resolve_models
from ._runner import (
    DEFAULT_N_SAMPLES,
    SUBTYPES,
    ExperimentResult,
    check_out_dir,
    load_experiment_data,
    reproduce,
    resolve_bins,
    run_experiments,
)
from ._tables import format_tables, make_report, table1, table2, table3, verdict
from ._train import train

__all__ = [
    "DEFAULT_N_SAMPLES",
    "MODELS",
    "PAPER",
    "PAPER_BINS",
    "PAPER_CLAIMS",
    "PAPER_TABLES",
    "SUBTYPES",
    "ExperimentResult",
    "ModelSpec",
    "available_models",
    "check_out_dir",
    "format_tables",
    "load_experiment_data",
    "make_figures",
    "make_model",
    "make_report",
    "paper_accuracy",
    "paper_results",
    "plot_accuracy",
    "plot_accuracy_by_snr",
    "plot_confusion_matrices",
    "plot_distribution",
    "plot_folded_images",
    "plot_predicted_indices",
    "plot_resampling",
    "plot_snr_examples",
    "plot_training_curves",
    "reproduce",
    "resolve_bins",
    "resolve_models",
    "run_experiments",
    "table1",
    "table2",
    "table3",
    "train",
    "verdict",
]
