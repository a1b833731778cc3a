"""Verified, resumable downloads: retries with back-off, atomic writes, SHA-256 sidecars.

What every fetcher of skspec needs from a download, written once (as
scikit-learn's ``datasets/_base.py`` holds the one helper its fetchers
reuse):

- a file appears under its final name only once complete and verified: it is
  streamed to a temporary file beside the destination, checked (length
  announced by the server, then the caller's ``verify``) and renamed
  (:func:`skspec.utils.atomic_path`), so an interrupted run leaves no half
  file and a rerun fetches only what is missing;
- transient failures (HTTP 5xx, 408, 425, 429, dropped connections,
  time-outs, a file failing verification) are retried with exponential
  back-off; client errors such as 404 are not;
- the SHA-256 of each download is stored beside it (``<name>.sha256``), so a
  cached file that changed on disk is noticed and fetched again;
- one HTTP session per thread, for parallel downloads.

``requests`` is imported only when something is downloaded. See
``doc/design/layers.rst`` for why this is not ``pooch``.
"""

import hashlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

from ..utils import atomic_path, atomic_write

__all__ = [
    "BadFile",
    "Downloader",
    "cache_state",
    "download_all",
    "is_transient_status",
    "sha256",
    "sidecar",
    "sleep_before",
    "write_sidecar",
]

_CHUNK = 1 << 16


class BadFile(ValueError):
    """A downloaded or cached file that is not the complete file expected."""


class HTTPStatus(Exception):
    """A response other than 200 OK."""

    def __init__(self, status):
        super().__init__(f"HTTP {status}")
        self.transient = is_transient_status(status)


def is_transient_status(status):
    """Whether an HTTP status may pass on a retry (server trouble, throttling)."""
    # Server-side trouble and throttling may pass; 4xx such as 404 will not.
    return status >= 500 or status in (408, 425, 429)


_sleep = time.sleep  # a module attribute, so that tests can record the back-off


def sleep_before(attempt, backoff):
    """Wait before retry ``attempt`` (0: the first try, no wait): ``backoff * 2**(attempt-1)``."""
    if attempt:
        _sleep(backoff * 2 ** (attempt - 1))


# --------------------------------------------------------------------------
# Sidecars and the cache
# --------------------------------------------------------------------------


def sidecar(path):
    """The ``.sha256`` file recorded beside ``path``."""
    return path.with_name(path.name + ".sha256")


def sha256(path):
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_sidecar(path, digest):
    """Record ``digest`` as the SHA-256 of ``path`` (atomically)."""
    with atomic_write(sidecar(path), "w", encoding="ascii") as fh:
        fh.write(f"{digest}  {path.name}\n")


def cache_state(path, verify):
    """``"ok"``, ``"missing"`` or ``"corrupt"`` (a corrupt file is deleted).

    A file downloaded by :class:`Downloader` has a ``.sha256`` sidecar and is
    checked against it (any changed byte is caught); a file without one
    (copied in by hand, or a run killed between the rename and the sidecar)
    is checked with ``verify(path)`` (which raises :class:`BadFile`) and then
    gets its sidecar.
    """
    if not path.is_file():
        return "missing"
    side = sidecar(path)
    try:
        if side.is_file():
            recorded = side.read_text().split()[0] if side.stat().st_size else ""
            if recorded == sha256(path):
                return "ok"
            raise BadFile("SHA-256 differs from the one recorded at download")
        verify(path)
        write_sidecar(path, sha256(path))
        return "ok"
    except (BadFile, OSError):
        for p in (path, side):
            p.unlink(missing_ok=True)
        return "corrupt"


# --------------------------------------------------------------------------
# Downloads
# --------------------------------------------------------------------------


def _download(session, url, path, verify, timeout):
    """Stream ``url`` into a temporary file, verify it, rename it to ``path``."""
    with session.get(url, stream=True, timeout=timeout) as resp:
        if resp.status_code != 200:
            raise HTTPStatus(resp.status_code)
        announced = resp.headers.get("Content-Length")
        encoded = resp.headers.get("Content-Encoding", "identity") != "identity"
        digest, size = hashlib.sha256(), 0
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                for chunk in resp.iter_content(_CHUNK):
                    fh.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
            if announced is not None and not encoded and size != int(announced):
                raise BadFile(f"received {size} of {announced} bytes")
            verify(tmp)
    write_sidecar(path, digest.hexdigest())


class Downloader:
    """Download with retries and exponential back-off; one HTTP session per thread.

    Parameters
    ----------
    n_retries : int
        Further attempts after a transient failure.
    backoff : float
        Seconds before the first retry, doubled for each further one.
    timeout : float
        Seconds to wait for the server to connect or send data.
    agent : str
        The ``User-Agent`` header.
    """

    def __init__(self, n_retries, backoff, timeout, agent):
        import requests

        self._requests = requests
        self.n_retries, self.backoff, self.timeout = n_retries, backoff, timeout
        self._agent = agent
        self._local = threading.local()
        self._sessions = []
        self._lock = threading.Lock()

    def _session(self):
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = self._requests.Session()
            session.headers["User-Agent"] = self._agent
            with self._lock:
                self._sessions.append(session)
        return session

    def __call__(self, url, path, verify):
        """Fetch ``url`` to ``path``, checked by ``verify(tmp_path)``.

        Returns ``None`` on success, else the reason of the last failure.
        """
        last = None
        for attempt in range(self.n_retries + 1):
            sleep_before(attempt, self.backoff)
            try:
                _download(self._session(), url, path, verify, self.timeout)
                return None
            except HTTPStatus as exc:
                last = exc
                if not exc.transient:
                    break
            except (self._requests.RequestException, BadFile, OSError) as exc:
                last = exc
        return f"{type(last).__name__}: {last} (after {attempt + 1} attempt(s))"

    def close(self):
        for session in self._sessions:
            session.close()


def download_all(todo, downloader, n_jobs, *, thread_name_prefix="skspec-download", on_done=None):
    """Run the downloads ``(key, url, path, verify)``; return ``{key: reason}`` of failures.

    ``n_jobs`` threads download in parallel. ``on_done(key, reason)`` is
    called (in the calling thread) as each download ends, ``reason`` None
    for a success: e.g. to advance a progress bar. On an interruption
    (Ctrl-C) the files in flight finish (or remove their temporary file) and
    no new one starts.
    """
    failures = {}
    done = on_done or (lambda key, reason: None)
    if n_jobs == 1 or len(todo) == 1:
        for key, url, path, verify in todo:
            reason = downloader(url, path, verify)
            if reason is not None:
                failures[key] = reason
            done(key, reason)
        return failures
    pool = ThreadPoolExecutor(
        max_workers=min(n_jobs, len(todo)), thread_name_prefix=thread_name_prefix
    )
    try:
        futures = {
            pool.submit(downloader, url, path, verify): key for key, url, path, verify in todo
        }
        for future in as_completed(futures):
            key, reason = futures[future], future.result()
            if reason is not None:
                failures[key] = reason
            done(key, reason)
    except BaseException:
        # Ctrl-C: let the files in flight finish (or clean up their temporary
        # file) but start no new one.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return failures
