"""What every typing method in hand says about the three real SDSS M dwarfs (issue 10).

The real-data check scores the three in-scope SDSS files of ``../shared/data``
against PyHammer's types (M1, M2, M2). This script prints, per star, what the
other authorities and methods say, as observed (no degradation):

- the labels: PyHammer's type and [Fe/H] bin where given (``labels.csv``) and
  the SDSS pipeline's SUBCLASS;
- the band indices TiO5, CaH2, CaH3 (lower = later type), the index
  subtype of :func:`skspec.preprocessing.index_subtype`, and the colour
  (median flux 8100-8400 A over 5400-5700 A; printed for the Kesseli+2017 M1
  and M2 templates too);
- chi-square matching (:class:`skspec.models.TemplateClassifier`) to the real
  Kesseli+2017 and Bochanski+2007 templates, with the templates' own colour
  (``poly_degree=0``) and with a quadratic continuum factor that removes it
  (``poly_degree=2``);
- the bundled model (:func:`skspec.models.load_pretrained`): its type and
  expected subtype with spread.

Usage::

    python benchmarks/sdss_star_types.py [--shared ../shared/data]
"""

import argparse
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from skspec.datasets import load_bochanski_templates, load_kesseli_templates, load_sdss_spectra
from skspec.metrics import expected_subtype
from skspec.models import TemplateClassifier, load_pretrained
from skspec.preprocessing import index_subtype, measure_indices

IN_SCOPE = ["M0", "M1", "M2", "M3", "M4"]


def colour(flux, wavelength):
    """Median flux in 8100-8400 A over that in 5400-5700 A (the issue's colour)."""
    red = (wavelength > 8100) & (wavelength < 8400)
    blue = (wavelength > 5400) & (wavelength < 5700)
    return np.nanmedian(flux[:, red], axis=1) / np.nanmedian(flux[:, blue], axis=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    parser.add_argument("--shared", type=Path, default=default)
    args = parser.parse_args()
    labels = pd.read_csv(args.shared / "labels.csv")
    stars = labels[(labels.fmt == "sdss_spec") & labels.in_scope.astype(bool)]
    data = load_sdss_spectra([args.shared / p for p in stars.path])
    table = pd.DataFrame(
        {
            "file": [Path(p).stem for p in stars.path],
            "PyHammer": stars.label.to_numpy(),
            "PyHammer [Fe/H]": [f"{v:+.1f}" if pd.notna(v) else "-" for v in stars.feh],
            "pipeline": [str(s).split()[0] for s in data.frame["subclass"]],
        }
    )
    indices = measure_indices(data.data)
    table = table.join(indices[["TiO5", "CaH2", "CaH3"]].round(3))
    table["index subtype"] = np.round(index_subtype(data.data, data.ivar)[0], 2)
    table["colour 8250/5550"] = [f"{c:.2f}" for c in colour(data.data, data.wavelength)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kesseli = load_kesseli_templates(subtypes=IN_SCOPE)
    for label in IN_SCOPE[1:3]:
        mine = np.asarray(kesseli.target) == label
        print(
            f"Kesseli+2017 {label} templates ({mine.sum()} [Fe/H] bins): colour 8250/5550 "
            f"{colour(kesseli.data[mine], kesseli.wavelength).min():.2f}-"
            f"{colour(kesseli.data[mine], kesseli.wavelength).max():.2f}"
        )
    print()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, loader in (
            ("Kesseli", load_kesseli_templates),
            ("Bochanski", load_bochanski_templates),
        ):
            tpl = loader(subtypes=IN_SCOPE)
            for degree, what in ((0, "colour kept"), (2, "colour removed")):
                clf = TemplateClassifier(
                    templates=tpl.data, template_labels=tpl.target, poly_degree=degree
                ).fit(tpl.data, tpl.target)
                table[f"chi2 {name}, {what}"] = clf.predict(data.data, ivar=data.ivar)
    model = load_pretrained()
    proba = model.predict_proba(data.data)
    mean, spread = expected_subtype(proba, model.classes_)
    table["bundled model"] = [
        f"{c} ({m:.2f} ± {s:.2f})" for c, m, s in zip(model.classes_[proba.argmax(1)], mean, spread)
    ]
    print(table.set_index("file").T.to_markdown())


if __name__ == "__main__":
    main()
