"""Fit time and prediction speed of a peer model (``benchmarks/_peers.py``).

Fits the peer on ``make_mdwarf_spectra(n_train, random_state=seed)`` (what
``bench_sim2real.py`` trains on) and times ``predict`` on ``n_predict`` other
generated spectra, best of ``--repeats``, in one process with the threads
the environment allows (pin it with ``taskset`` and ``OMP_NUM_THREADS`` /
``NUMBA_NUM_THREADS`` for a one-core figure). Not named ``bench_*.py``:
``run_all.py`` does not run it, since the peers need aeon.

Usage::

    OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 taskset -c 0 \\
        /tmp/aeonenv/bin/python benchmarks/peer_speed.py --model minirocket
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import load_average  # noqa: E402
from _peers import PEERS, aeon_version, make_peer  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="minirocket", choices=list(PEERS))
    parser.add_argument("--n-train", type=int, default=4000)
    parser.add_argument("--n-predict", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from skspec.datasets import make_mdwarf_spectra

    try:
        model = make_peer(args.model, random_state=args.seed)
    except ImportError as exc:
        sys.exit(f"peer_speed: {exc}")
    load = load_average()
    train = make_mdwarf_spectra(args.n_train, random_state=args.seed)
    test = make_mdwarf_spectra(args.n_predict, random_state=args.seed + 1000)
    # A first predict on a few spectra compiles numba's kernels outside the timing.
    t = time.perf_counter()
    model.fit(train.data, train.target)
    fit_s = time.perf_counter() - t
    model.predict(test.data[:10])
    times = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        pred = model.predict(test.data)
        times.append(time.perf_counter() - t)
    best = min(times)
    acc = float(np.mean(np.asarray(pred, dtype=object) == np.asarray(test.target, dtype=object)))
    print(
        f"{PEERS[args.model]} (aeon {aeon_version()}): fit on {args.n_train} spectra "
        f"{fit_s:.1f} s; predict {args.n_predict} spectra best of {args.repeats} "
        f"{best:.2f} s = {args.n_predict / best:.0f} spectra/s (all: "
        + ", ".join(f"{v:.2f}" for v in times)
        + f" s); accuracy on them {acc:.3f}; load average at start {load}"
    )


if __name__ == "__main__":
    main()
