"""A hook for the kill tests: make skspec.io.save_model stall part-way through a file.

Imported by the child processes that tests/test_io.py and test_killed_runs.py
start and then kill: the writing code stays the product's own, only slowed
down at a known point.
"""

import contextlib
import time


def stall_model_writes(marker, keep_bytes=1024, seconds=120):
    """Patch ``skspec.io.atomic_write`` so the first write prints ``marker`` and sleeps."""
    import skspec.io as skio

    real = skio.atomic_write

    class _Slow:
        def __init__(self, fh):
            self.fh = fh

        def write(self, data):
            n = self.fh.write(data[:keep_bytes])
            print(marker, flush=True)
            time.sleep(seconds)  # killed here, part-way through the file
            return n

    @contextlib.contextmanager
    def slow(path, mode="wb", **kwargs):
        with real(path, mode, **kwargs) as fh:
            yield _Slow(fh)

    skio.atomic_write = slow
