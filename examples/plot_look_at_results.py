"""
Look at a result: a spectrum over its template, and the index diagram
=====================================================================

A type is only as convincing as the match behind it. :mod:`skspec.plotting`
draws the observed spectrum over the best-matching template, the band
windows the spectral indices read, and where a whole sample sits in the
classic TiO5 against CaH2 + CaH3 diagram. Nothing here is trained: the
template classifier shipped with skspec (Kesseli et al. 2017 SDSS templates)
types the spectra out of the box.
"""

# %%
# One spectrum over its best template
# -----------------------------------
# :func:`~skspec.plotting.plot_spectrum` fits every template times a smooth
# continuum (what :class:`~skspec.models.TemplateClassifier` does to classify)
# and draws the best one. The shaded bands are the windows of the TiO5, CaH2
# and CaH3 indices (grey: their shared pseudo-continuum); the residual panel
# shows what the template does not explain, against the 1-sigma noise.
import os

import matplotlib.pyplot as plt

from skspec.datasets import make_mdwarf_spectra
from skspec.plotting import (
    bundled_template_classifier,
    plot_accuracy_vs_snr,
    plot_index_diagram,
    plot_spectrum,
)

# SKSPEC_DOC_FAST=1 (used by the documentation build) shrinks the sample.
FAST = os.environ.get("SKSPEC_DOC_FAST", "0") == "1"
n_samples = 300 if FAST else 1000

ds = make_mdwarf_spectra(n_samples, snr=(4, 40), random_state=0)
clf = bundled_template_classifier()
print(clf.classes_)

one = make_mdwarf_spectra(1, subtypes=["M2"], snr=(25, 30), random_state=2)
fig, (top, bottom) = plot_spectrum(
    one.data[0], one.ivar[0], classifier=clf, name=f"generated, labelled {one.target[0]}"
)
plt.show()

# %%
# The best fit itself is available as numbers:
# :meth:`~skspec.models.TemplateClassifier.best_fit` returns the template, the
# fitted continuum and the reduced chi-square. A reduced chi-square far above
# 1 says that no template fits: a star of another class, or a bad spectrum.
fit = clf.best_fit(one.data, one.ivar)
print(fit.label, fit.reduced_chi2.round(2))

# %%
# The index diagram
# -----------------
# Along the solar-metallicity dwarf sequence TiO5 and CaH2 + CaH3 both fall
# as the type gets later; the marks are where skspec's index relation
# (:func:`~skspec.preprocessing.index_subtype`) puts each integer subtype.
# Colouring by the *predicted* type shows how the classifier cuts the
# sequence; points far above it, beyond the dashed line, would be subdwarfs.
predicted = clf.predict(ds.data, ds.ivar)
ax = plot_index_diagram(ds.data, predicted, title="Generated M0-M4 dwarfs, by predicted type")
plt.show()

# %%
# Accuracy against S/N
# --------------------
# The paper reports accuracy in three S/N bins. Finer, equal-count bins with
# binomial (Wilson) error bars show how the errors grow as the noise does;
# the dotted lines are the paper's bin edges.
ax = plot_accuracy_vs_snr(ds.target, predicted, ds.snr, label="templates (Kesseli et al. 2017)")
ax.set_title("Template matching on generated spectra")
plt.show()
