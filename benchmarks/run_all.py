"""Run every benchmark script and write BENCHMARKS.md.

Usage::

    python benchmarks/run_all.py [--only NAME ...] [--out BENCHMARKS.md]

Each ``benchmarks/bench_*.py`` prints one markdown section on stdout; this
script runs them one after the other (so they do not compete for the cores),
prefixes a description of the machine and writes the file atomically.
Sections of scripts not run this time are kept from the existing file.
"""

import argparse
import datetime
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from _machine import cpu_name  # noqa: E402

from skspec.utils import atomic_write  # noqa: E402

MARK = "<!-- section: {} -->"


def machine_description():
    import numpy
    import sklearn
    import torch

    return (
        f"- Machine: {cpu_name()}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.machine()}\n"
        f"- Python {platform.python_version()}, numpy {numpy.__version__}, "
        f"scikit-learn {sklearn.__version__}, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads)\n"
        f"- Date: {datetime.date.today().isoformat()}\n"
    )


def existing_sections(path):
    if not path.exists():
        return {}
    text = path.read_text()
    parts = re.split(r"<!-- section: (\S+) -->\n", text)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="names like 'generator' for bench_generator.py")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.only:
        scripts = [s for s in scripts if s.stem[len("bench_") :] in args.only]
    sections = existing_sections(out)
    for script in scripts:
        name = script.stem[len("bench_") :]
        print(f"running {script.name} ...", file=sys.stderr, flush=True)
        res = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT
        )
        if res.returncode != 0:
            print(res.stderr, file=sys.stderr)
            raise SystemExit(f"{script.name} failed with exit code {res.returncode}")
        sections[name] = (
            f"_Command: `python benchmarks/{script.name}`_\n\n" + res.stdout.strip() + "\n\n"
        )
    body = [
        "# Benchmarks\n\n",
        "Measured figures only; regenerate with `python benchmarks/run_all.py` "
        "(or `--only NAME` for one section). Machine of the last full run:\n\n",
        machine_description(),
        "\n",
    ]
    for name in sorted(sections):
        body.append(MARK.format(name) + "\n" + sections[name])
    with atomic_write(out, "w") as fh:
        fh.write("".join(body))
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
