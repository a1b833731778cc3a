"""Atomic file writes: a reader sees the old file or the new one, never half."""

import contextlib
import os
import secrets
import stat
from pathlib import Path

# What tempfile.mkstemp opens with, but with the permissions of a plain open():
# mkstemp creates its file 0600 whatever the umask, and os.replace keeps that
# mode, so every output would be unreadable to the group (and to Dask workers
# running as another user).
_FLAGS = (
    os.O_RDWR
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


def _temp_beside(path, suffix):
    """Create a new empty file beside ``path``; return ``(fd, name)``.

    Mode ``0o666`` filtered by the process umask (by the kernel, as for
    :func:`open`; reading the umask would need ``os.umask``, which is not
    thread-safe). When ``path`` already exists its permission bits are kept,
    as when :func:`open` truncates a file.
    """
    path = Path(path)
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}{suffix}"
        try:
            fd = os.open(tmp, _FLAGS, 0o666)
        except FileExistsError:
            continue
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except OSError:
            mode = None
        if mode is not None:
            with contextlib.suppress(OSError):
                os.chmod(tmp, mode)
        return fd, str(tmp)
    raise FileExistsError(f"could not create a temporary file beside {path}")


@contextlib.contextmanager
def atomic_write(path, mode="wb", **kwargs):
    """Open a temporary file beside ``path`` and rename it over ``path`` on success.

    The file gets the permissions a plain :func:`open` would give it: those
    of the file it replaces, else ``0o666`` less the umask.

    Parameters
    ----------
    path : str or Path
        Final destination.
    mode : str, default="wb"
        File mode, ``"w"`` or ``"wb"``.
    **kwargs
        Passed to :func:`open` (e.g. ``encoding``, ``newline``).

    Yields
    ------
    file object
        Write to it; if the block raises, the temporary file is removed and
        ``path`` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _temp_beside(path, ".tmp")
    try:
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_path(path):
    """Return a context manager yielding a temporary path renamed to ``path``.

    For writers that insist on a file name (``matplotlib.savefig``,
    ``DataFrame.to_parquet``): write to the yielded path, it is moved into
    place when the block ends without error. Permissions as for
    :func:`atomic_write`.
    """
    return _AtomicPath(Path(path))


class _AtomicPath(contextlib.AbstractContextManager):
    def __init__(self, path):
        self.path = path

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # The suffix is the destination's, for writers that pick the format by it.
        fd, tmp = _temp_beside(self.path, ".tmp" + self.path.suffix)
        os.close(fd)
        self.tmp = Path(tmp)
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            with contextlib.suppress(FileNotFoundError):
                self.tmp.unlink()
        return False
