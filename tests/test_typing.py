"""The type stubs shipped with fastrnn (fastrnn/*.pyi, py.typed) match the runtime.

- every name in ``fastrnn.__all__`` is bound in ``fastrnn/__init__.pyi`` and
  vice versa, and likewise for each public submodule's ``__all__``;
- the compiled kernels (``fastrnn._kernels`` and the other builds) have exactly
  the public names, enum members and class attributes ``_kernels.pyi`` declares;
- mypy --strict accepts ``tests/typing/user_script.py`` (a small typed program on
  the public API) and rejects misuse (skipped when mypy is not installed);
- the user script also runs.

The stubs are read from the installed package, so this checks what a wheel ships.
(tools/check.sh also runs mypy's stubtest, which compares every signature.)
"""
import ast
import enum
import importlib
import os
import re
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

import fastrnn
from fastrnn import _dispatch
from support import run_python

PACKAGE = Path(fastrnn.__file__).parent
USER_SCRIPT = Path(__file__).parent / "typing" / "user_script.py"

# Public modules: each has a stub beside it and an __all__ the stub repeats.
PUBLIC_MODULES = ["fastrnn", "fastrnn.layers", "fastrnn.cells", "fastrnn.rnn",
                  "fastrnn.bidirectional", "fastrnn.core_layers",
                  "fastrnn.merging", "fastrnn.reshaping", "fastrnn.normalization",
                  "fastrnn.models", "fastrnn.activations", "fastrnn.initializers",
                  "fastrnn.parallel", "fastrnn.io", "fastrnn.io.torch", "fastrnn.io.keras"]


def stub_path(module_name):
    module = importlib.import_module(module_name)
    path = Path(module.__file__)
    if path.name.startswith("__init__."):
        return path.parent / "__init__.pyi"
    return path.parent / (path.name.split(".")[0] + ".pyi")


def stub_tree(module_name):
    path = stub_path(module_name)
    assert path.is_file(), f"{module_name} has no stub {path}"
    return ast.parse(path.read_text(), str(path))


def bound_names(body):
    """Names a stub's (module or class) body binds: defs, classes, assignments, imports."""
    names = set()
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(a.asname or a.name.split(".")[0] for a in node.names)
    return names


def stub_all(tree):
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return list(ast.literal_eval(node.value))
    return None


def stub_classes(tree):
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def public(names):
    return {n for n in names if not n.startswith("_")}


def test_py_typed_is_shipped():
    assert (PACKAGE / "py.typed").is_file()


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_stub_all_matches_runtime(module_name):
    module = importlib.import_module(module_name)
    tree = stub_tree(module_name)
    assert stub_all(tree) is not None, f"{stub_path(module_name)} has no __all__"
    assert sorted(stub_all(tree)) == sorted(module.__all__)
    bound = bound_names(tree.body)
    missing = [n for n in module.__all__ if n not in bound]
    assert not missing, f"{module_name}.__all__ names missing from its stub: {missing}"


def test_package_stub_binds_only_runtime_names():
    tree = stub_tree("fastrnn")
    extra = sorted(public(bound_names(tree.body)) - set(dir(fastrnn)))
    assert not extra, f"fastrnn/__init__.pyi names that fastrnn lacks: {extra}"


@pytest.mark.parametrize("module_name", PUBLIC_MODULES[1:])
def test_submodule_stub_defines_only_runtime_names(module_name):
    module = importlib.import_module(module_name)
    tree = stub_tree(module_name)
    defined = public({n for n in bound_names(tree.body)
                      if not any(isinstance(node, (ast.Import, ast.ImportFrom))
                                 and n in bound_names([node]) for node in tree.body)})
    extra = sorted(n for n in defined if not hasattr(module, n))
    assert not extra, f"{stub_path(module_name).name} declares names {module_name} lacks: {extra}"


def kernel_modules():
    # Only the builds this CPU runs: importing another would die of SIGILL.
    return [pytest.param(build, id=build) for build in _dispatch.available()]


def runtime_public(module):
    return {n for n in public(dir(module)) if not isinstance(getattr(module, n), types.ModuleType)}


@pytest.mark.parametrize("build", kernel_modules())
def test_kernel_stub_matches_runtime(build):
    kernels = _dispatch.load(build)
    tree = stub_tree("fastrnn._kernels")
    stub_names = public(bound_names(tree.body))
    # Names the stub takes from typing/numpy are not the module's own.
    imported = public(set().union(*[bound_names([n]) for n in tree.body
                                    if isinstance(n, (ast.Import, ast.ImportFrom))]))
    stub_names -= imported
    assert sorted(stub_names) == sorted(runtime_public(kernels)), \
        f"fastrnn.{_dispatch.MODULES[build]} and fastrnn/_kernels.pyi name different objects"

    for name, node in stub_classes(tree).items():
        runtime = getattr(kernels, name)
        declared = public(bound_names(node.body))
        if isinstance(runtime, enum.EnumMeta):
            assert sorted(declared) == sorted(runtime.__members__), f"{name} members differ"
        else:
            attrs = public(set(dir(runtime)) - set(dir(object)))
            assert sorted(declared) == sorted(attrs), f"{name} attributes differ"


def test_other_builds_reexport_the_kernel_stub():
    for build in ("_kernels_avx2", "_kernels_avx512"):
        text = (PACKAGE / f"{build}.pyi").read_text()
        assert "from ._kernels import *" in text


# ----------------------------------------------------------------- mypy
def run_mypy(path, tmp_path):
    pytest.importorskip("mypy", reason="mypy is not installed (pip install mypy)")
    # From an empty folder: mypy resolves fastrnn as this interpreter imports it
    # (site-packages for an installed wheel).
    cache = tmp_path / "mypy_cache"
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental",
         "--cache-dir", str(cache), "--python-executable", sys.executable,
         "--config-file", str(tmp_path / "mypy.ini"), str(path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env=_mypy_env())


def _mypy_env():
    env = dict(os.environ)
    env.pop("MYPYPATH", None)
    # The folder that holds the fastrnn these tests imported (a checkout, or
    # site-packages), so mypy reads the same package and its stubs.
    env["PYTHONPATH"] = str(PACKAGE.parent)
    return env


@pytest.fixture
def mypy_dir(tmp_path):
    (tmp_path / "mypy.ini").write_text(textwrap.dedent("""\
        [mypy]
        warn_unused_configs = True
        [mypy-numpy._core.*,numpy.core.*]
        ignore_missing_imports = True
        """))
    return tmp_path


def test_mypy_accepts_typed_user_script(mypy_dir):
    result = run_mypy(USER_SCRIPT, mypy_dir)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_rejects_misuse(mypy_dir):
    bad = mypy_dir / "misuse.py"
    bad.write_text(textwrap.dedent("""\
        import fastrnn

        fastrnn.LSTM(units="three")
        fastrnn.set_num_threads("1")
        n: str = fastrnn.get_num_threads()
        fastrnn.Bidirectional(fastrnn.Dense(3))
        fastrnn.Sequential().predict([[1.0]], batch_size="32")
        """))
    result = run_mypy(bad, mypy_dir)
    lines = {int(n) for n in re.findall(r"misuse\.py:(\d+): error", result.stdout)}
    assert result.returncode == 1, result.stdout + result.stderr
    assert lines == {3, 4, 5, 6, 7}, result.stdout


def test_user_script_runs():
    result = run_python([str(USER_SCRIPT)], capture_output=True, text=True)
    assert "ok" in result.stdout
