"""Row statistics for the hot paths (noise estimates, normalisation)."""

import numpy as np


def row_median(a):
    """``np.median(a, axis=1)`` of a 2-D array, same values, several times faster.

    numpy's median of an even number of values partitions each row around
    *two* positions, which its introselect does about five times more slowly
    than around one. Here each row is partitioned around the upper middle
    position only; the lower middle value is then the largest of the values
    before it. The two are averaged as numpy does, so the result is the same
    to the bit. A row holding NaN, or an array that is not 2-D, goes to
    ``np.median`` itself (which propagates NaN).

    Parameters
    ----------
    a : ndarray of shape (n_rows, n_values)

    Returns
    -------
    median : ndarray of shape (n_rows,)
        Same dtype as ``np.median`` gives.
    """
    a = np.asarray(a)
    if a.ndim != 2 or a.shape[1] < 2 or a.dtype.kind != "f" or not np.isfinite(a).all():
        return np.median(a, axis=1)
    k = a.shape[1] // 2
    part = np.partition(a, k, axis=1)
    upper = part[:, k]
    if a.shape[1] % 2:
        return upper.copy()
    lower = part[:, :k].max(axis=1)
    return np.mean(np.stack([lower, upper], axis=1), axis=1)
