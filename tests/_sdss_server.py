"""A stand-in for the SDSS archive on 127.0.0.1, for tests that must not reach the internet.

:class:`FakeSDSS` serves two things the way the real archive does for
astroquery (see ``astroquery/sdss/core.py``):

* SkyServer's SQL search, ``GET {skyserver}/dr{DR}/en/tools/search/x_results.aspx``
  with ``cmd`` (the SQL text), ``format=csv`` and ``searchtool=SQL``; the answer
  is ``#Table1`` then CSV. The "database" is the SPECOBJ row of each served
  spectrum; the SQL is understood just far enough for
  :func:`skspec.datasets.fetch_sdss_mdwarfs` (``TOP n``, ``class``,
  ``subClass [NOT] LIKE``, ``snMedian`` bounds; rows come in file order, the
  ``ORDER BY`` is ignored).
* The Science Archive Server (SAS), ``{sas}/dr{DR}/sdss/spectro/redux/{RUN2D}/
  spectra/{PLATE4}/spec-PLATE4-MJD-FIBER4.fits``.

It counts requests per URL path and can be told to fail the next ``k``
requests of a path: HTTP 500 or 404, a dropped connection, or a body cut short
after a full ``Content-Length``.
"""

import collections
import csv
import io
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
from astropy.io import fits

_SQL_PATH = re.compile(r"^/dr(?P<dr>\d+)/en/tools/search/x_results\.aspx$")
_COLUMNS = [
    "specobjid",
    "plate",
    "mjd",
    "fiberid",
    "run2d",
    "class",
    "subclass",
    "sn_median_all",
    "z",
]


def spec_name(plate, mjd, fiber):
    return f"spec-{int(plate):04d}-{int(mjd):05d}-{int(fiber):04d}.fits"


def sas_path(data_release, run2d, plate, mjd, fiber):
    """URL path of a spectrum under the SAS base, as astroquery builds it for DR <= 15."""
    return (
        f"/sas/dr{data_release}/sdss/spectro/redux/{run2d}/spectra/{int(plate):04d}/"
        + spec_name(plate, mjd, fiber)
    )


def read_specobj(path):
    """The database row of a spec file, from its HDU2 (SPECOBJ or SPALL)."""
    with fits.open(path, memmap=False) as hdul:
        row = hdul[2].data[0]
        return {
            "specobjid": int(str(row["SPECOBJID"]).strip()),
            "plate": int(row["PLATE"]),
            "mjd": int(row["MJD"]),
            "fiberid": int(row["FIBERID"]),
            "run2d": str(row["RUN2D"]).strip(),
            "class": str(row["CLASS"]).strip(),
            "subclass": str(row["SUBCLASS"]).strip(),
            "sn_median_all": float(row["SN_MEDIAN_ALL"]),
            "z": float(row["Z"]),
        }


class FakeSDSS:
    """Threaded HTTP server playing SkyServer and the SAS.

    Parameters
    ----------
    spec_files : list of Path
        The spectra to serve; their SPECOBJ rows form the queryable table.
    data_release : int, default=14
    """

    def __init__(self, spec_files, data_release=14):
        self.data_release = data_release
        self.rows, self.files = [], {}
        for p in spec_files:
            row = read_specobj(p)
            self.rows.append(row)
            self.files[
                sas_path(data_release, row["run2d"], row["plate"], row["mjd"], row["fiberid"])
            ] = Path(p).read_bytes()
        self.rows.sort(key=lambda r: (r["plate"], r["mjd"], r["fiberid"]))
        self.counts = collections.Counter()
        self.log = []
        self._failures = {}
        self._lock = threading.Lock()
        self._httpd = None
        self._thread = None

    # -- control -----------------------------------------------------------
    def start(self):
        handler = type("Handler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(5)
            self._httpd = None

    @property
    def url(self):
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def fail(self, path_part, times, mode="500"):
        """Fail the next ``times`` requests whose path contains ``path_part``.

        ``mode``: ``"500"``, ``"404"``, ``"drop"`` (close without answering) or
        ``"truncate"`` (announce the full length, send half, close).
        """
        with self._lock:
            self._failures[path_part] = [times, mode]

    def reset(self):
        with self._lock:
            self.counts.clear()
            self.log.clear()
            self._failures.clear()

    @property
    def n_requests(self):
        return sum(self.counts.values())

    def spectrum_requests(self):
        """Requests per spectrum file name."""
        return {k.rsplit("/", 1)[-1]: v for k, v in self.counts.items() if k.endswith(".fits")}

    def sql_requests(self):
        return sum(v for k, v in self.counts.items() if _SQL_PATH.match(k))

    # -- serving -----------------------------------------------------------
    def _take_failure(self, path):
        with self._lock:
            self.counts[path] += 1
            for part, state in self._failures.items():
                if part in path and state[0] > 0:
                    state[0] -= 1
                    return state[1]
        return None

    def answer_sql(self, sql):
        """Filter the rows as the real SkyServer would for our SELECT."""
        rows = self.rows
        m = re.search(r"class\s*=\s*'(\w+)'", sql, re.I)
        if m:
            rows = [r for r in rows if r["class"].upper() == m[1].upper()]
        m = re.search(r"subClass\s+LIKE\s+'([^'%]*)%'", sql, re.I)
        if m:
            rows = [r for r in rows if r["subclass"].startswith(m[1])]
        m = re.search(r"subClass\s+NOT\s+LIKE\s+'%([^'%]*)%'", sql, re.I)
        if m:
            rows = [r for r in rows if m[1] not in r["subclass"]]
        m = re.search(r"snMedian\s*>=\s*([0-9.eE+-]+)", sql)
        if m:
            rows = [r for r in rows if r["sn_median_all"] >= float(m[1])]
        m = re.search(r"snMedian\s*<\s*([0-9.eE+-]+)", sql)
        if m:
            rows = [r for r in rows if r["sn_median_all"] < float(m[1])]
        m = re.search(r"\bTOP\s+(\d+)", sql, re.I)
        if m:
            rows = rows[: int(m[1])]
        out = io.StringIO()
        out.write("#Table1\n")
        writer = csv.DictWriter(out, fieldnames=_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow(
                {
                    k: (np.format_float_positional(v) if isinstance(v, float) else v)
                    for k, v in r.items()
                }
            )
        return out.getvalue().encode()


class _Handler(BaseHTTPRequestHandler):
    fake = None  # set on the subclass built by FakeSDSS.start

    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):
        parts = urlsplit(self.path)
        path = parts.path
        self.fake.log.append(self.path)
        mode = self.fake._take_failure(path)
        if _SQL_PATH.match(path):
            cmd = parse_qs(parts.query).get("cmd", [""])[0]
            body = self.fake.answer_sql(cmd)
            ctype = "text/plain"
        elif path in self.fake.files:
            body = self.fake.files[path]
            ctype = "application/fits"
        else:
            mode = mode or "404"
            body = b""
            ctype = "text/plain"
        if mode == "drop":
            self.close_connection = True
            return
        if mode in ("500", "404"):
            msg = b"Internal Server Error" if mode == "500" else b"Not Found"
            self.send_response(int(mode))
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(msg)))
            self.end_headers()
            self.wfile.write(msg)
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if mode == "truncate":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)
