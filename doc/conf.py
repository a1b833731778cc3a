"""Sphinx configuration for skspec's documentation.

Build locally with ``pip install -e ".[docs]" && make -C doc html`` (or
``python -m sphinx -W -b html doc doc/_build/html``). The gallery is built from
``examples/plot_*.py``; set ``SKSPEC_DOC_FAST=1`` to run the examples at their
small sizes (CI does).
"""

import os
import sys
from pathlib import Path

# The gallery trains small networks. On a busy 2-core machine torch's default
# (one thread per core) made the examples 2-8 times slower than one thread,
# and one thread loses little elsewhere at these sizes. Set before anything
# imports torch; export OMP_NUM_THREADS to choose otherwise.
os.environ.setdefault("OMP_NUM_THREADS", "1")

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import skspec  # noqa: E402

project = "skspec"
author = "skspec developers"
copyright = "2026, skspec developers"
release = skspec.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
# No default "members": Sphinx lets a boolean default override the explicit
# ``:members:`` list of _templates/class.rst (which picks the estimator API,
# inherited methods included, and leaves out sklearn's set_*_request).
autodoc_default_options = {"inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
    "auto_examples/*.json",
]

html_theme = "pydata_sphinx_theme"
html_title = f"skspec {release}"
html_theme_options = {"show_toc_level": 2}

# Links to the documentation of the libraries skspec builds on. Each inventory
# is fetched from the project's site; when that fails (an offline build, a
# site down) Sphinx falls back to the empty stand-in _intersphinx/empty.inv
# and logs it at INFO level, so that the -W build still passes (its links to
# those projects are then plain text). Sphinx reports a failure without a
# fallback as a warning of no type, which suppress_warnings cannot silence.
_NO_INVENTORY = "_intersphinx/empty.inv"
intersphinx_mapping = {
    name: (url, (None, _NO_INVENTORY))
    for name, url in {
        "python": "https://docs.python.org/3",
        "numpy": "https://numpy.org/doc/stable",
        "scipy": "https://docs.scipy.org/doc/scipy",
        "scikit-learn": "https://scikit-learn.org/stable",
        "astropy": "https://docs.astropy.org/en/stable",
        "skorch": "https://skorch.readthedocs.io/en/stable",
        "torch": "https://docs.pytorch.org/docs/stable",
        "pandas": "https://pandas.pydata.org/docs",
        "matplotlib": "https://matplotlib.org/stable",
    }.items()
}
intersphinx_timeout = 10  # seconds per inventory

os.environ.setdefault("SKSPEC_DOC_FAST", "0")
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "plot_gallery": "True",
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
}
