"""Survey speed (issue 14): ``skspec predict`` end to end, the reader, memory and Dask.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_survey.py [--small 1000] [--large 10000]
        [--repeats 3] [--formats mixed,legacy,boss,lite] [--rss-files 10000]
        [--default-model FILE] [--no-dask] [--json OUT]

The nine shared SDSS spec files (3 SDSS-legacy, 6 BOSS; 1.4 MB on average)
are linked repeatedly into a scratch directory, so every figure is for files
in the page cache: parsing and computing, not the disk. Each format is timed
on its own: all nine mixed, the legacy ones, the BOSS ones, and spec-lite
copies of all nine (written here with astropy: primary, COADD, SPECOBJ/SPALL
and SPZLINE, no per-exposure HDUs). Measured per format in one run:

- **raw read**: open each file and read all its bytes (the yardstick);
- **reader**: :func:`skspec.datasets.iter_sdss_spectra` over the files
  (what ``skspec predict`` calls: file reading, grid mapping, bad-pixel fill,
  metadata frame), in this process pinned to one core;
- **predict**: ``skspec predict`` as a subprocess pinned to one core
  (``taskset``), on ``--small`` and ``--large`` files, best of ``--repeats``
  runs each; the steady-state rate is ``(large - small) / (t_large -
  t_small)``, so start-up (imports, model load) cancels. Wall time and CPU
  time (user + system of the child) are both given: on a shared machine the
  CPU-time rate is what one free core gives;
- **peak RSS** of ``skspec predict`` on ``--rss-files`` files (and on a tenth
  of them): memory stays flat when the files stream in chunks;
- **Dask**: :func:`skspec.distributed.predict_files` on a ``LocalCluster`` of
  1 and 2 single-threaded worker processes, after a warm-up (model loaded),
  at the default partition size (1000 files), on the first format's files.

Prints a markdown section for BENCHMARKS.md (``<!-- section: survey -->``).
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from _machine import cpu_name, load_average  # noqa: E402

SHARED = Path(os.environ.get("SKSPEC_SHARED_DATA", ROOT.parent / "shared" / "data"))
SPEC_DIR = SHARED / "pyhammer_sdss_spec"
#: SDSS optical spectra classified STAR, all releases to DR17 (an assumption,
#: as in the distributed section: not checked against the catalogue here).
DR17_STARS = 1.2e6


def link_files(directory, n, sources=None):
    """``n`` symlinks to ``sources`` (default: the shared spec files), cycled, in ``directory``."""
    sources = sorted(SPEC_DIR.glob("spec-*.fits")) if sources is None else list(sources)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        src = sources[i % len(sources)]
        dst = directory / f"{src.stem}-{i:06d}.fits"
        if not dst.exists():
            dst.symlink_to(src)
        paths.append(dst)
    return paths


def instrument_of(path):
    from skspec.datasets import read_sdss_spectrum

    return read_sdss_spectrum(path).meta["instrument"]


def write_lite(sources, directory):
    """spec-lite copies of full spec files: the primary, COADD, SPECOBJ/SPALL and SPZLINE HDUs."""
    from astropy.io import fits

    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for src in sources:
        dst = directory / src.name.replace("spec-", "spec-lite-")
        with fits.open(src) as hdul:
            fits.HDUList([h.copy() for h in hdul[:4]]).writeto(dst, overwrite=True)
        out.append(dst)
    return out


def format_sources(scratch, formats):
    """The source files of each format: SDSS-legacy, BOSS, spec-lite, or all nine mixed."""
    shared = sorted(SPEC_DIR.glob("spec-*.fits"))
    kind = {p: instrument_of(p) for p in shared}
    sets = {
        "mixed": shared,
        "legacy": [p for p in shared if kind[p] == "SDSS"],
        "boss": [p for p in shared if kind[p] == "BOSS"],
    }
    if "lite" in formats:
        sets["lite"] = write_lite(shared, scratch / "lite-sources")
    return {name: sets[name] for name in formats}


def best_of(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def raw_read(paths):
    for p in paths:
        with open(p, "rb") as fh:
            fh.read()


def run_reader(paths):
    from skspec.datasets import iter_sdss_spectra

    n = 0
    for chunk in iter_sdss_spectra(paths, chunk_size=256):
        n += len(chunk.data)
    assert n == len(paths)


def bytes_read_per_file(paths):
    """Bytes the fast reader reads from each shared file (its buffer's size)."""
    from skspec.datasets._fits import read_leading_hdus

    sizes = [len(read_leading_hdus(p, 3)[0].data.obj) for p in paths]
    return sum(sizes) / len(sizes)


def run_child(argv, env):
    """Run ``argv``; return (wall s, CPU s of the child, peak RSS in MB)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))} failed ({proc.returncode}): {err}")
    rss_mb = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
    return wall, usage.ru_utime + usage.ru_stime, rss_mb


def predict_argv(model, directory, out, core):
    argv = [sys.executable, "-m", "skspec", "predict", "--model", str(model), str(directory)]
    argv += ["--out", str(out), "-q", "--overwrite"]
    if core is not None and shutil.which("taskset"):
        argv = ["taskset", "-c", str(core)] + argv
    return argv


def steady_predict(model, dirs, counts, scratch, env, core, repeats):
    """Steady-state spectra/s of skspec predict (wall and CPU) from a small and a large run."""
    runs = {}
    for name in ("small", "large"):
        out = scratch / f"pred-{name}.csv"
        # Best of several: the cores are shared with whatever else runs.
        results = [
            run_child(predict_argv(model, dirs[name], out, core), env) for _ in range(repeats)
        ]
        runs[name] = {
            "wall": min(r[0] for r in results),
            "cpu": min(r[1] for r in results),
            "rss_mb": max(r[2] for r in results),
            "load": load_average(),
        }
    dn = counts["large"] - counts["small"]
    return {
        "runs": runs,
        "wall_rate": dn / (runs["large"]["wall"] - runs["small"]["wall"]),
        "cpu_rate": dn / (runs["large"]["cpu"] - runs["small"]["cpu"]),
        "startup_wall": runs["small"]["wall"]
        - counts["small"] * (runs["large"]["wall"] - runs["small"]["wall"]) / dn,
    }


def dask_scaling(model, paths, scratch, workers_list=(1, 2), partition_size=1000):
    from distributed import Client, LocalCluster

    from skspec.distributed import predict_files

    out = {}
    for n_workers in workers_list:
        with (
            LocalCluster(
                n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            warm = predict_files(
                model,
                [str(p) for p in paths[: 9 * n_workers]],
                scratch / f"dask-warm-{n_workers}",
                scheduler=client,
                partition_size=9,
                progress=False,
                overwrite=True,
            )
            assert warm.n_predicted == 9 * n_workers
            t0 = time.perf_counter()
            summary = predict_files(
                model,
                [str(p) for p in paths],
                scratch / f"dask-{n_workers}",
                scheduler=client,
                partition_size=partition_size,
                progress=False,
                overwrite=True,
            )
            seconds = time.perf_counter() - t0
        out[n_workers] = {
            "seconds": seconds,
            "rate": summary.n_predicted / seconds,
            "busy": summary.busy_seconds / (seconds * n_workers),
            "load": load_average(),
        }
    return out


def ensure_default_model(requested, scratch, env):
    """The bundled model, else ``requested``, else a stand-in EMCCNN of the default size."""
    if requested:
        return Path(requested), f"`{requested}` (given with --default-model)"
    try:
        from skspec.models import pretrained_path

        path = pretrained_path()
        if Path(path).is_file():
            return Path(path), "the bundled model (`skspec.models.pretrained_path()`)"
    except (ImportError, FileNotFoundError):
        pass
    path = scratch / "emccnn_standin.skspec"
    argv = [sys.executable, "-m", "skspec", "train", "--model", "emccnn", "--n-samples", "300"]
    argv += ["--max-epochs", "1", "--test-size", "0", "--out", str(path), "-q"]
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    return path, (
        "a stand-in: no bundled model was built yet, so an EMCCNN of the default "
        "architecture trained for one epoch (`skspec train --model emccnn --n-samples 300 "
        "--max-epochs 1 --test-size 0`); its speed, not its accuracy, is what counts here"
    )


def lscpu_summary():
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    except OSError:
        return cpu_name()
    keep = ("Model name", "CPU(s)", "Thread(s) per core", "L2 cache", "L3 cache", "Hypervisor")
    lines = [ln for ln in text.splitlines() if ln.split(":")[0].strip() in keep]
    return "; ".join(" ".join(ln.split()) for ln in lines)


def in_process_rates(files, core):
    """Raw-read and reader rates (wall and CPU) over ``files``, this process on one core."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {core})
    try:
        raw_read(files)  # page cache warm
        run_reader(files[:300])  # imports, layout cache
        load = load_average()
        raw_s = best_of(lambda: raw_read(files), 3)
        reader_s = best_of(lambda: run_reader(files), 2)
        raw_s = min(raw_s, best_of(lambda: raw_read(files), 2))  # and once more after
        t0 = time.process_time()
        run_reader(files)
        reader_cpu = time.process_time() - t0
        t0 = time.process_time()
        raw_read(files)
        raw_cpu = time.process_time() - t0
    finally:
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, set(range(os.cpu_count())))
    return {
        "raw_rate": len(files) / raw_s,
        "reader_rate": len(files) / reader_s,
        "reader_cpu_rate": len(files) / reader_cpu,
        "raw_cpu_rate": len(files) / raw_cpu,
        "load": load,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=3, help="runs per size (best counts)")
    parser.add_argument(
        "--formats",
        default="mixed,legacy,boss,lite",
        help="file sets: mixed (all nine), legacy, boss, lite (spec-lite copies of all nine)",
    )
    parser.add_argument("--rss-files", type=int, default=10000)
    parser.add_argument("--default-model", default=None)
    parser.add_argument(
        "--default-model-note", default=None, help="what --default-model is, for the report"
    )
    parser.add_argument("--template-model", default=None)
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument(
        "--dask-only",
        action="store_true",
        help="only the Dask scaling (on the first format's --large files)",
    )
    parser.add_argument("--core", type=int, default=0, help="core to pin to (taskset)")
    parser.add_argument("--json", default=str(HERE / "results" / "survey.json"))
    args = parser.parse_args(argv)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]

    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    scratch = Path(tempfile.mkdtemp(prefix="skspec-survey-"))
    t_start = time.perf_counter()
    try:
        counts = {"small": args.small, "large": args.large}
        sources = format_sources(scratch, formats)

        # Models: the default (bundled or stand-in) and a template model.
        default_model, default_note = ensure_default_model(args.default_model, scratch, env)
        default_note = args.default_model_note or default_note
        template_model = args.template_model
        if template_model is None:
            template_model = scratch / "template.skspec"
            subprocess.run(
                [sys.executable, "-m", "skspec", "train", "--model", "template"]
                + ["--out", str(template_model), "-q"],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )

        inproc, predict, paths, rss = {}, {}, {}, {}
        for fmt in formats[:1] if args.dask_only else formats:
            dirs = {name: scratch / f"{fmt}-{n}" for name, n in counts.items()}
            paths[fmt] = {
                name: link_files(dirs[name], n, sources[fmt]) for name, n in counts.items()
            }
            if args.dask_only:
                continue
            files = paths[fmt]["large"]
            inproc[fmt] = in_process_rates(files, args.core)
            inproc[fmt]["bytes_read"] = bytes_read_per_file(sources[fmt])
            inproc[fmt]["file_size"] = sum(p.stat().st_size for p in sources[fmt]) / len(
                sources[fmt]
            )
            inproc[fmt]["n_sources"] = len(sources[fmt])
            predict[fmt] = {
                name: steady_predict(model, dirs, counts, scratch, env, args.core, args.repeats)
                for name, model in (("default", default_model), ("template", template_model))
            }

        # Memory on many files.
        for n in () if args.dask_only else (args.rss_files // 10, args.rss_files):
            d = scratch / f"rss-{n}"
            link_files(d, n)
            wall, cpu, mb = run_child(
                predict_argv(template_model, d, scratch / "rss.csv", args.core), env
            )
            rss[n] = {"rss_mb": mb, "wall": wall, "cpu": cpu, "load": load_average()}

        dask = {}
        if not args.no_dask:
            files = paths[formats[0]]["large"]
            for name, model in (("default", default_model), ("template", template_model)):
                dask[name] = dask_scaling(model, files, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    record = {
        "machine": lscpu_summary(),
        "python": platform.python_version(),
        "counts": counts,
        "repeats": args.repeats,
        "formats": formats,
        "inproc": inproc,
        "predict": predict,
        "rss": {str(k): v for k, v in rss.items()},
        "dask": {m: {str(k): v for k, v in d.items()} for m, d in dask.items()},
        "dask_files": len(paths[formats[0]]["large"]),
        "default_model": default_note,
        "seconds": time.perf_counter() - t_start,
    }
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(record, indent=1))
    print(dask_report(record) if args.dask_only else report(record, args))


def dask_report(r):
    """The Dask table of a run's record."""
    lines = [
        "| Dask (`predict_files`, LocalCluster, 1 thread per worker) | workers | spectra/s "
        "| speed-up | busy | load average |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, d in r["dask"].items():
        one = d["1"]["rate"]
        for k, v in d.items():
            lines.append(
                f"| {name} model, {r['dask_files']} files ({r['formats'][0]}), partitions of "
                f"1000 (the default) | {k} | {v['rate']:,.0f} | {v['rate'] / one:.2f}x | "
                f"{v['busy']:.0%} | {v['load']} |"
            )
    return "\n".join(lines)


FORMAT_NAMES = {
    "mixed": "all nine (3 legacy, 6 BOSS)",
    "legacy": "SDSS-legacy (3 files, ~3,840 px)",
    "boss": "BOSS (6 files, ~4,600 px)",
    "lite": "spec-lite copies of all nine",
}


def report(r, args):
    fmts = r["formats"]
    first = r["inproc"][fmts[0]]
    lines = [
        "## Survey speed: `skspec predict` on many spec files (`benchmarks/bench_survey.py`)",
        "",
        f"Command: `OMP_NUM_THREADS=1 python benchmarks/bench_survey.py --small {args.small} "
        f"--large {args.large} --repeats {args.repeats} --formats {','.join(fmts)} "
        f"--rss-files {args.rss_files}` ({r['seconds']:.0f} s).",
        "",
        f"- Machine: {r['machine']}; Python {r['python']}. Cores shared with other jobs: the "
        "load average is given beside each figure; CPU-time rates are what one free core gives.",
        "- Files: the 9 shared spec files (3 SDSS-legacy, 6 BOSS) linked repeatedly, in the page "
        "cache, per format below; spec-lite copies keep the primary, COADD, SPECOBJ/SPALL and "
        f"SPZLINE HDUs. The fast reader reads {first['bytes_read'] / 1e3:.0f} kB of a file of "
        f"{first['file_size'] / 1e6:.2f} MB on average ({fmts[0]}; primary header, COADD, "
        "SPECOBJ/SPALL; never the per-exposure HDUs).",
        f"- Default model: {r['default_model']}. Template model: `skspec train --model template`.",
        "",
        "| files | what (one core) | files or spectra /s (wall) | /s (CPU time) "
        "| fraction of raw read (wall / CPU) | load average |",
        "|---|---|---:|---:|---:|---|",
    ]
    for fmt in fmts:
        ip = r["inproc"][fmt]
        raw, raw_cpu = ip["raw_rate"], ip["raw_cpu_rate"]
        label = FORMAT_NAMES.get(fmt, fmt)
        lines += [
            f"| {label} | raw read (open + read all bytes) | {raw:,.0f} | {raw_cpu:,.0f} "
            f"| 1 / 1 | {ip['load']} |",
            f"| {label} | reader: `iter_sdss_spectra` | {ip['reader_rate']:,.0f} | "
            f"{ip['reader_cpu_rate']:,.0f} | {ip['reader_rate'] / raw:.2f} / "
            f"{ip['reader_cpu_rate'] / raw_cpu:.2f} | {ip['load']} |",
        ]
        for name, p in r["predict"][fmt].items():
            lines.append(
                f"| {label} | `skspec predict`, {name} model, steady state | "
                f"{p['wall_rate']:,.0f} | {p['cpu_rate']:,.0f} | {p['wall_rate'] / raw:.2f} / "
                f"{p['cpu_rate'] / raw_cpu:.2f} | {p['runs']['large']['load']} |"
            )
    startup = r["predict"][fmts[0]]
    lines += [
        "",
        "Steady state: (large - small) / (t_large - t_small) with "
        f"{r['counts']['small']} and {r['counts']['large']} files (best of {r['repeats']} runs "
        f"each), `taskset -c {args.core}`. Start-up (imports, model load), from the same fit "
        f"({fmts[0]}): "
        + ", ".join(f"{n} {p['startup_wall']:.1f} s" for n, p in startup.items())
        + ".",
        "",
        "Peak RSS of `skspec predict` (template model, chunks of 256): "
        + ", ".join(
            f"{int(n):,} files {v['rss_mb']:.0f} MB ({v['wall']:.0f} s wall, load {v['load']})"
            for n, v in r["rss"].items()
        )
        + ".",
    ]
    if r["dask"]:
        lines += ["", dask_report(r)]
    # On paper.
    default_cpu = startup["default"]["cpu_rate"]
    mb_read = first["bytes_read"] / 1e6
    lines += [
        "",
        "### On paper: all SDSS DR17 stellar spectra",
        "",
        f"- Count: {DR17_STARS / 1e6:.1f} million (assumed, as in the distributed section).",
        f"- Compute at the default model's one-core rate ({default_cpu:,.0f} spectra/s, CPU "
        f"time, {fmts[0]}): {DR17_STARS / default_cpu / 60:,.0f} core-minutes "
        f"({DR17_STARS / default_cpu / 3600:.1f} core-hours).",
        f"- I/O: the reader touches {mb_read:.2f} MB of a full spec file "
        f"({DR17_STARS * mb_read / 1e6:.2f} TB for the survey, against "
        f"{DR17_STARS * first['file_size'] / 1e12:.1f} TB of full files); a spec-lite file is "
        "read almost whole, so the bytes are about the same. A file system serving 2 GB/s "
        f"delivers {2e9 / (mb_read * 1e6):,.0f} files/s: past about "
        f"{2e9 / (mb_read * 1e6) / default_cpu:.0f} cores (at one core's rate each) the file "
        "system, not the CPUs, sets the pace; on a network file system the per-file open "
        "latency may bind earlier. Fetching the files is not included.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
