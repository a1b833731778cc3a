"""Spectrum files named by the user: a file, a directory, a glob, or a list of those."""

import os
import stat
from glob import glob
from pathlib import Path

__all__ = ["FITS_PATTERNS", "expand_paths", "resolve_paths"]

#: The files a directory contributes: FITS files, gzipped or not.
FITS_PATTERNS = ("*.fits", "*.fit", "*.fits.gz", "*.fit.gz", "*.fts")


def expand_paths(paths):
    """Turn a file, directory, glob or list of those into a list of paths.

    The one path expander of skspec: the SDSS readers, the template loader,
    the experiments, ``skspec predict`` and :mod:`skspec.distributed` all
    read the same files for the same argument.

    Parameters
    ----------
    paths : str, path-like or iterable of them
        A file, a directory (its ``*.fits``, ``*.fit``, ``*.fts`` and gzipped
        FITS files, sorted), a glob pattern (its matching files, sorted), or
        a list mixing those. A plain file name is kept even when it does not
        exist, so that a reader reports it like any other unusable file.

    Returns
    -------
    files : list of Path
        In the order of ``paths``; may be empty.

    Raises
    ------
    TypeError
        If ``paths`` is neither a path nor an iterable of paths.

    See Also
    --------
    load_sdss_spectra : Reads the files of the same kind of argument.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skspec.datasets import expand_paths
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in ("spec-b.fits", "spec-a.fits", "notes.txt"):
    ...     _ = (folder / name).write_bytes(b"")
    >>> [p.name for p in expand_paths(folder)]
    ['spec-a.fits', 'spec-b.fits']
    >>> [p.name for p in expand_paths([folder / "spec-b.fits", folder / "missing.fits"])]
    ['spec-b.fits', 'missing.fits']
    """
    if isinstance(paths, (str, os.PathLike)):
        items = [paths]
    else:
        try:
            items = list(paths)
        except TypeError:
            raise TypeError(
                f"paths must be a path, a glob or a list of paths, got {type(paths).__name__}"
            ) from None
    out = []
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            raise TypeError(f"paths must hold str or Path items, got {type(item).__name__}")
        path = Path(item)
        mode = _mode(path)  # one stat per item: a survey's file list runs to millions
        if mode is not None and stat.S_ISDIR(mode):
            found = {q for pattern in FITS_PATTERNS for q in path.glob(pattern) if q.is_file()}
            out.extend(sorted(found))
        elif mode is None and any(ch in str(item) for ch in "*?["):
            out.extend(Path(q) for q in sorted(glob(str(item))) if Path(q).is_file())
        else:
            out.append(path)
    return out


def _mode(path):
    """``st_mode`` of ``path`` (links followed), None when it cannot be stat'ed."""
    try:
        return os.stat(path).st_mode
    except (OSError, ValueError):  # missing, unreadable, or a name the OS refuses
        return None


def resolve_paths(paths):
    """:func:`expand_paths`, raising a ValueError when nothing is found."""
    found = expand_paths(paths)
    if not found:
        raise ValueError(f"no SDSS spectrum file found in {paths!r}")
    return found
