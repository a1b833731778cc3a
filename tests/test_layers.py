"""The layers of skspec: arrows point down, there is no import cycle, torch stays optional.

Every module of the package is parsed with ``ast`` and its imports of skspec
modules collected, including those inside functions (deferred imports are
still arrows) and relative ones (resolved against the module's package). The
floors follow doc/design/layers.rst:

    utils -> datasets / nn -> preprocessing -> models -> experiments, _predict,
    distributed -> cli

A module may import its own floor and those below; within a floor there must
be no cycle. The back-compat shims of 0.2 (``skspec.models.nn``,
``skspec.models._net``) are walked like any module: they only point down, to
``skspec.nn``. A package's ``__init__`` importing its submodules is an arrow;
the implicit import of the parent package when a submodule loads is not
(otherwise every package would be a cycle).
"""

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import skspec

PACKAGE_DIR = Path(skspec.__file__).resolve().parent

# Floor of each top-level room (module or subpackage) of skspec.
FLOORS = {
    "_version": 0,
    "utils": 0,
    "datasets": 1,
    "nn": 1,
    "metrics": 1,
    "io": 1,
    "preprocessing": 2,
    "models": 3,
    "experiments": 4,
    "plotting": 4,
    "_predict": 4,
    "distributed": 4,
    "cli": 5,
    "__main__": 5,
    "": 5,  # skspec/__init__.py
}
LOWER = ("skspec.preprocessing", "skspec.datasets", "skspec.utils", "skspec.nn")
ABOVE_UTILS = ("skspec.preprocessing", "skspec.models", "skspec.experiments", "skspec.cli")


def _module_name(path, root):
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _within(name, prefixes):
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def imported_modules(source, name, is_package, modules):
    """skspec modules imported anywhere in ``source`` (the code of module ``name``)."""
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if _within(a.name, ("skspec",)))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not _within(target, ("skspec",)):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                # `from . import _fits` imports a module; `from .x import f`, module x.
                found.add(sub if sub in modules else target)
    found.discard(name)
    return found


def _graph():
    files = sorted(PACKAGE_DIR.rglob("*.py"))
    names = {_module_name(p, PACKAGE_DIR): p for p in files}
    return {
        name: imported_modules(
            path.read_text(encoding="utf-8"), name, path.name == "__init__.py", set(names)
        )
        for name, path in names.items()
    }


GRAPH = _graph()


def _room(name):
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def _violations(graph, sources, forbidden):
    return sorted(
        f"{src} imports {dst}"
        for src, dsts in graph.items()
        if _within(src, sources)
        for dst in dsts
        if _within(dst, forbidden)
    )


def _cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph)))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_walk_sees_every_kind_of_import():
    source = textwrap.dedent("""
        import skspec.utils
        from .. import datasets
        from ..models import _svm
        from .._predict import PRED_COLUMNS

        def later():
            from ..experiments._runner import reproduce
            import numpy
    """)
    modules = {
        "skspec.utils",
        "skspec.datasets",
        "skspec.models",
        "skspec.models._svm",
        "skspec._predict",
        "skspec.experiments._runner",
    }
    got = imported_modules(source, "skspec.preprocessing._x", False, modules)
    assert got == {
        "skspec.utils",
        "skspec.datasets",
        "skspec.models._svm",
        "skspec._predict",
        "skspec.experiments._runner",
    }
    # In a package's __init__, "." is the package itself.
    assert imported_modules("from ._svm import f", "skspec.models", True, modules) == {
        "skspec.models._svm"
    }


def test_the_walk_found_the_package():
    assert {
        "skspec.nn._net",
        "skspec.utils._subtypes",
        "skspec.datasets._fits",
        "skspec.experiments._train",
    } <= set(GRAPH)
    assert "skspec.nn._net" in GRAPH["skspec.preprocessing._denoiser"]


def test_lower_layers_never_import_models():
    assert _violations(GRAPH, LOWER, ("skspec.models",)) == []


def test_nn_and_utils_import_nothing_above_utils():
    assert _violations(GRAPH, ("skspec.nn", "skspec.utils"), ABOVE_UTILS) == []
    # Stricter: the torch layer stands on utils alone, utils on nothing.
    assert (
        _violations(
            GRAPH, ("skspec.nn",), ("skspec." + r for r in FLOORS if r not in ("nn", "utils", ""))
        )
        == []
    )
    assert (
        _violations(
            GRAPH, ("skspec.utils",), ("skspec." + r for r in FLOORS if r not in ("utils", ""))
        )
        == []
    )


def test_arrows_point_down():
    up = sorted(
        f"{src} (floor {FLOORS[_room(src)]}) imports {dst} (floor {FLOORS[_room(dst)]})"
        for src, dsts in GRAPH.items()
        for dst in dsts
        if FLOORS[_room(dst)] > FLOORS[_room(src)]
    )
    assert up == []


def test_no_import_cycle():
    assert _cycles(GRAPH) == []


def test_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_torch_modules_never_import_skorch():
    # The skorch layer: the networks' base and its weight-averaging callback,
    # private modules that the torch modules and skspec.nn never import.
    skorch_layer = {"_net.py", "_averaging.py"}
    for path in sorted((PACKAGE_DIR / "nn").glob("*.py")):
        if path.name in skorch_layer:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [n for n in names if n.split(".")[0] == "skorch"], path.name


def test_classical_models_do_not_import_torch():
    code = (
        "import skspec.preprocessing, skspec.models; skspec.models.make_svm_classifier(); "
        "import sys; assert 'torch' not in sys.modules, 'torch'; "
        "assert 'skorch' not in sys.modules, 'skorch'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_networks_load_on_first_use():
    from skspec import models, preprocessing
    from skspec.models._emccnn import EMCCNNClassifier
    from skspec.preprocessing._denoiser import SupervisedDenoiser

    assert models.EMCCNNClassifier is EMCCNNClassifier
    assert preprocessing.SupervisedDenoiser is SupervisedDenoiser
    assert {"EMCCNNClassifier", "DNNClassifier"} <= set(dir(models))
    with pytest.raises(AttributeError, match="no attribute 'NoSuchClassifier'"):
        models.NoSuchClassifier  # noqa: B018


def test_old_import_paths_still_work():
    import importlib

    import skspec.nn
    import skspec.nn._net

    for name in ("skspec.models.nn", "skspec.models._net"):
        sys.modules.pop(name, None)
    with pytest.warns(DeprecationWarning, match="skspec.nn"):
        old = importlib.import_module("skspec.models.nn")
    assert old.EMCCNN is skspec.nn.EMCCNN
    # Model files pickled by 0.1 name the old submodules and skorch-base functions.
    assert importlib.import_module("skspec.models.nn._emccnn").EMCCNN is skspec.nn.EMCCNN
    with pytest.warns(DeprecationWarning, match="skspec.nn._net"):
        old_net = importlib.import_module("skspec.models._net")
    assert old_net._encoded_accuracy is skspec.nn._net._encoded_accuracy
    assert old_net.SpectrumNetClassifier is skspec.nn._net.SpectrumNetClassifier
