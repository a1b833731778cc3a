"""What averaging several EMCCNNs would buy on the accuracy study (issue 11).

Reads the test probabilities that ``emccnn_variants.py --proba DIR`` saved
for fits that differ only in the network's ``random_state`` (weights,
dropout, batch order, validation split), and scores every member alone and
the mean of their probabilities, per seed and S/N bin, on the study's test
halves (``_study.study_splits``).

Usage::

    OMP_NUM_THREADS=1 python benchmarks/emccnn_variants.py default 0,1,2 --proba DIR
    OMP_NUM_THREADS=1 python benchmarks/emccnn_variants.py m1 0,1,2 random_state=1001 --proba DIR
    OMP_NUM_THREADS=1 python benchmarks/emccnn_variants.py m2 0,1,2 random_state=1002 --proba DIR
    python benchmarks/ensemble_gain.py DIR default,m1,m2 0,1,2
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _study import study_splits  # noqa: E402


def main(argv):
    directory, tags = Path(argv[0]), argv[1].split(",")
    seeds = [int(s) for s in argv[2].split(",")]
    print(f"| seed | bin | {' | '.join(tags)} | mean of 2 | mean of {len(tags)} |")
    print("|---|---|" + "---:|" * (len(tags) + 2))
    for seed in seeds:
        for b, _, _, y_tr, y_te, _ in study_splits(seed):
            classes = np.unique(y_tr)
            name = f"{seed}_{b.replace('>', 'gt')}.npy"
            probas = [np.load(directory / f"{tag}_{name}") for tag in tags]

            def acc(p):
                return 100 * np.mean(classes[p.argmax(axis=1)] == y_te)

            alone = [acc(p) for p in probas]
            pair = acc(np.mean(probas[:2], axis=0))
            every = acc(np.mean(probas, axis=0))
            cells = " | ".join(f"{a:.2f}" for a in alone)
            print(f"| {seed} | {b} | {cells} | {pair:.2f} | {every:.2f} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
