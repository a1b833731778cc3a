"""Describe the machine a benchmark runs on; shared by the ``bench_*.py`` scripts.

The scripts run as ``python benchmarks/bench_x.py`` and import this module
by name after putting ``benchmarks/`` on ``sys.path``. Its name does not
match ``bench_*.py``, so ``run_all.py`` does not run it as a benchmark.
"""

import importlib
import os
import platform

#: Display names of the libraries whose module name differs.
DISPLAY_NAMES = {"sklearn": "scikit-learn"}
_MODULE_NAMES = {display: module for module, display in DISPLAY_NAMES.items()}


def cpu_name():
    """Return the CPU model name.

    Returns
    -------
    str
        The first ``model name`` of ``/proc/cpuinfo``, else
        ``platform.processor()`` or ``platform.machine()``.
    """
    try:
        with open("/proc/cpuinfo") as fh:
            return next(
                line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")
            )
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def usable_cores():
    """Return the number of cores this process may run on.

    Returns
    -------
    int
        ``len(os.sched_getaffinity(0))``, else ``os.cpu_count()``.
    """
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no sched_getaffinity
        return os.cpu_count()


def load_average():
    """Return the 1, 5 and 15 minute load averages.

    Returns
    -------
    str
        ``"a, b, c"`` with one decimal each, or ``"n/a"`` where the
        system does not report them.
    """
    try:
        return ", ".join(f"{v:.1f}" for v in os.getloadavg())
    except (AttributeError, OSError):
        return "n/a"


def parse_params(text):
    """Parse ``"key=value,key=value"`` from a command line into a dict.

    Values are read as None, True/False, int or float where they parse as
    one, else kept as strings (``normalization=median+standard``).

    Parameters
    ----------
    text : str or None

    Returns
    -------
    dict
        Empty for None or an empty string.
    """
    params = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"expected key=value, got {item!r}")
        value = value.strip()
        named = {"None": None, "True": True, "False": False}
        if value in named:
            params[key.strip()] = named[value]
            continue
        for kind in (int, float):
            try:
                params[key.strip()] = kind(value)
                break
            except ValueError:
                pass
        else:
            params[key.strip()] = value
    return params


def _version(name):
    module = _MODULE_NAMES.get(name, name)
    try:
        return str(getattr(importlib.import_module(module), "__version__", "unknown"))
    except ImportError:
        return "not installed"


def machine_info(libraries=("numpy", "scipy", "sklearn"), load=True):
    """Describe the machine, for the "Machine:" list of a benchmark's output.

    Parameters
    ----------
    libraries : sequence of str, default=("numpy", "scipy", "sklearn")
        Module names (``"sklearn"``; ``"scikit-learn"`` is accepted too) whose
        versions make one entry. Empty: no such entry.
    load : bool, default=True
        Whether to include the load average (as of this call).

    Returns
    -------
    dict
        ``"CPU"`` (model and usable cores), optionally
        ``"Load average (1/5/15 min)"``, ``"OS"``, ``"Python"`` and the
        versions, keyed like ``"numpy / scipy / scikit-learn"`` with values
        like ``"2.4.6 / 1.16.0 / 1.9.1"``; in that order.
    """
    info = {"CPU": f"{cpu_name()} ({usable_cores()} usable cores)"}
    if load:
        info["Load average (1/5/15 min)"] = load_average()
    info["OS"] = platform.platform()
    info["Python"] = platform.python_version()
    if libraries:
        key = " / ".join(DISPLAY_NAMES.get(name, name) for name in libraries)
        info[key] = " / ".join(_version(name) for name in libraries)
    return info


def parse_augment(text):
    """The networks' ``augment`` value from the command line (None: their own default)."""
    if text == "default":
        return None
    if text in ("off", "on"):
        return text == "on"
    from skspec.nn._augment import AUGMENT_PRESETS

    if text in AUGMENT_PRESETS:
        return text
    from skspec.nn import SpectrumAugmenter

    settings = {}
    for item in text.split(","):
        key, _, value = item.partition("=")
        value = value.strip()
        if value == "None":
            settings[key.strip()] = None
        elif ":" in value:  # a range, e.g. reddening=-0.15:0.15
            settings[key.strip()] = tuple(float(v) for v in value.split(":"))
        else:
            settings[key.strip()] = float(value)
    for key in ("degree", "bad_run"):
        if settings.get(key) is not None:
            settings[key] = int(settings[key])
    return SpectrumAugmenter(**settings)
