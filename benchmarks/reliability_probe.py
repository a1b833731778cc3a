"""Feed skspec every bad input of the reliability issue; print what each gets (markdown).

Nothing here is asserted (tests/test_bad_input.py, test_sdss.py, test_io.py,
test_cli.py, test_killed_runs.py and test_scope.py do that); this script
records the actual answers, messages included, for RELIABILITY.md:

    python benchmarks/reliability_probe.py > /tmp/probe.md

Real-file probes use ``../shared/data`` (or ``$SKSPEC_SHARED_DATA``) when
present and are left out otherwise.
"""

import contextlib
import io
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

ROWS = []


def _short(text, n=230):
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def probe(group, what, call):
    """Run ``call``; record its exception (type and message) or its result."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = call()
            answer = f"ok: {_short(result, 160)}" if result is not None else "ok"
        except Exception as exc:  # noqa: BLE001 - recording is the point
            answer = f"**{type(exc).__name__}**: {_short(exc)}"
    notes = [w for w in caught if issubclass(w.category, UserWarning)]
    if notes:
        answer += f" — warns: {_short(notes[0].message, 160)}"
    ROWS.append((group, what, answer.replace("|", "\\|")))


def _cli(argv):
    from skspec.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    return f"exit {code}; stderr: {_short(err.getvalue(), 200)}"


def main():
    from skspec.datasets import load_sdss_spectra, make_mdwarf_spectra
    from skspec.io import load_model, save_model
    from skspec.models import EMCCNNClassifier, TemplateClassifier, make_svm_classifier
    from skspec.preprocessing import (
        BadPixelInterpolator,
        Folder2D,
        QuadraticResampler,
        out_of_scope_score,
    )

    ds = make_mdwarf_spectra(60, random_state=0)
    X, y, ivar = ds.data.astype(np.float64), ds.target, ds.ivar
    template = TemplateClassifier().fit(X, y)
    net = EMCCNNClassifier(max_epochs=1, random_state=0, kernel_sizes=(3, 7), verbose=0)
    net.fit(X, y)
    nan = X.copy()
    nan[3, 100] = np.nan
    nan[7, 5] = np.inf

    A = "Arrays"
    probe(A, "NaN and inf flux, no ivar (EMCCNN predict)", lambda: net.predict(nan))
    probe(
        A, "NaN and inf flux, no ivar (SVM pipeline fit)", lambda: make_svm_classifier().fit(nan, y)
    )
    masked = ivar.copy()
    masked[3, 100] = masked[7, 5] = 0
    probe(
        A,
        "NaN/inf flux where ivar == 0 (TemplateClassifier.predict with ivar)",
        lambda: template.predict(nan, ivar=masked)[:8],
    )
    probe(
        A,
        "NaN/inf flux, BadPixelInterpolator first",
        lambda: np.isfinite(BadPixelInterpolator().fit_transform(nan)).all(),
    )
    probe(A, "negative ivar", lambda: template.predict(X, ivar=-ivar))
    nan_ivar = ivar.copy()
    nan_ivar[0, 0] = np.nan
    probe(A, "NaN ivar", lambda: template.predict(X, ivar=nan_ivar))
    probe(A, "empty array (0, 3522)", lambda: net.predict(np.empty((0, 3522))))
    probe(A, "a single spectrum (1, 3522)", lambda: net.predict(X[:1]))
    probe(A, "1-D input (3522,)", lambda: net.predict(X[0]))
    probe(A, "wrong width at predict (3000 pixels)", lambda: net.predict(X[:, :3000]))
    probe(A, "width not foldable (Folder2D on 3522 pixels)", lambda: Folder2D().fit_transform(X))
    probe(A, "str dtype", lambda: net.predict(X.astype(str)))
    obj = X.astype(object)
    obj[2, 7] = "bright"
    probe(A, "object dtype with text", lambda: template.predict(obj))
    rows = [list(r) for r in X[:4]]
    rows[2] = rows[2][:3000]
    probe(A, "list of unequal lengths", lambda: QuadraticResampler().fit_transform(rows))
    probe(
        A,
        "labels outside what the model knows (score with 'M7')",
        lambda: round(template.score(X, np.where(np.arange(len(y)) < 3, "M7", y)), 3),
    )
    probe(
        A,
        "a single class in fit (EMCCNN)",
        lambda: EMCCNNClassifier(max_epochs=1).fit(X, np.full(len(y), "M2")),
    )
    probe(
        A,
        "a single class in fit (TemplateClassifier)",
        lambda: TemplateClassifier().fit(X, np.full(len(y), "M2")),
    )

    M = "Models"
    probe(M, "predict before fit", lambda: EMCCNNClassifier().predict(X))
    tmp = Path(tempfile.mkdtemp(prefix="skspec-probe-"))
    try:
        model_path = tmp / "t.skspec"
        save_model(template, model_path)
        probe(M, "a file that is not a model", lambda: load_model(__file__))
        raw = model_path.read_bytes()
        (tmp / "cut.skspec").write_bytes(raw[: len(raw) // 2])
        probe(M, "a truncated model file", lambda: load_model(tmp / "cut.skspec"))
        import skspec.io as skio

        real_version = skio.__version__
        skio.__version__ = "0.0.1"  # as if saved by another skspec version
        try:
            save_model(template, tmp / "old.skspec")
        finally:
            skio.__version__ = real_version
        probe(M, "a model saved by another skspec version", lambda: load_model(tmp / "old.skspec"))
        probe(
            M,
            "the same, with allow_version_mismatch=True",
            lambda: type(load_model(tmp / "old.skspec", allow_version_mismatch=True)).__name__,
        )

        shared = Path(
            os.environ.get(
                "SKSPEC_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"
            )
        )
        sdss = shared / "pyhammer_sdss_spec"
        if sdss.is_dir():
            F = "Files"
            real = sorted(sdss.glob("spec-*.fits"))
            good = real[0].read_bytes()
            (tmp / "spec-0001-50000-0001.fits").write_bytes(good[: len(good) // 3])
            probe(F, "truncated FITS", lambda: load_sdss_spectra(tmp / "spec-0001-50000-0001.fits"))
            flipped = bytearray(good)
            at = good.index(b"XTENSION")
            flipped[at : at + 400] = bytes(400)
            (tmp / "spec-0001-50000-0002.fits").write_bytes(bytes(flipped))
            probe(
                F,
                "corrupted FITS (the COADD header's first cards zeroed)",
                lambda: load_sdss_spectra(tmp / "spec-0001-50000-0002.fits"),
            )
            flipped = bytearray(good)
            at = len(good) // 2 - len(good) // 2 % 2880  # inside the COADD table data
            flipped[at : at + 400] = bytes(400)
            (tmp / "spec-0001-50000-0005.fits").write_bytes(bytes(flipped))
            probe(
                F,
                "corrupted FITS (400 bytes of table data zeroed; no checksum in the file)",
                lambda: (
                    "read; n_bad_pixels "
                    f"{int(load_sdss_spectra(tmp / 'spec-0001-50000-0005.fits').frame['n_bad_pixels'][0])}"
                ),
            )
            from astropy.io import fits

            fits.HDUList([fits.PrimaryHDU()]).writeto(tmp / "spec-0001-50000-0003.fits")
            probe(
                F,
                "FITS without the expected HDUs",
                lambda: load_sdss_spectra(tmp / "spec-0001-50000-0003.fits"),
            )
            (tmp / "spec-0001-50000-0004.fits").write_text("SIMPLE = nonsense\n")
            probe(
                F,
                "a text file named .fits",
                lambda: load_sdss_spectra(tmp / "spec-0001-50000-0004.fits"),
            )
            with fits.open(real[0]) as hdus:
                coadd = hdus[1].data
                keep = coadd["loglam"] < np.log10(7000.0)
                cut = fits.HDUList(
                    [
                        hdus[0].copy(),
                        fits.BinTableHDU(coadd[keep], hdus[1].header, name="COADD"),
                        *[h.copy() for h in hdus[2:]],
                    ]
                )
                cut.writeto(tmp / "part.fits")
            probe(
                F,
                "a spectrum covering only 3800-7000 A",
                lambda: "coverage {:.2f}, n_bad_pixels {}".format(
                    *load_sdss_spectra(tmp / "part.fits")
                    .frame[["coverage", "n_bad_pixels"]]
                    .iloc[0]
                ),
            )
            (tmp / "part.fits").unlink()
            probe(
                F,
                "a directory with bad files, on_error='skip'",
                lambda: (
                    f"{len(load_sdss_spectra(tmp, on_error='skip').data)} read, "
                    f"{len(load_sdss_spectra(tmp, on_error='skip').errors)} listed"
                ),
            )
            mixed = tmp / "mixed"
            mixed.mkdir()
            for p in real:
                shutil.copy(p, mixed / p.name)
            for k in (1, 4):
                shutil.copy(tmp / f"spec-0001-50000-000{k}.fits", mixed)
            probe(
                F,
                "`skspec predict` over a directory with 2 bad files",
                lambda: _cli(
                    ["predict", str(model_path), str(mixed), "--out", str(tmp / "p.csv"), "-q"]
                ),
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ctl = load_sdss_spectra(sdss)
            scope = out_of_scope_score(ctl.data, ctl.ivar)
            for sub, score, flag, snr in zip(
                ctl.frame["subclass"], scope["out_of_scope_score"], scope["out_of_scope"], ctl.snr
            ):
                probe(
                    F,
                    f"real spectrum, SDSS subclass {sub} (S/N {snr:.0f})",
                    lambda s=score, f=flag: f"out_of_scope_score {s:.2f}, flagged {bool(f)}",
                )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print("| group | input | what skspec does |")
    print("|---|---|---|")
    for row in ROWS:
        print("| " + " | ".join(row) + " |")
    print(f"\n_{len(ROWS)} inputs; python {sys.version.split()[0]}._")


if __name__ == "__main__":
    main()
