"""fastrnn's types: annotated inline, checked by mypy (py.typed is shipped).

- mypy accepts the whole package (``python -m mypy -p fastrnn`` with the
  ``[tool.mypy]`` configuration of pyproject.toml: strict, every function
  annotated), so a module added later is checked too;
- the only ``.pyi`` files are the stubs of the compiled kernels
  (``fastrnn/_kernels*.pyi``): a Python module carries its types inline, and a
  stub beside it would hide them from mypy;
- the compiled kernels (``fastrnn._kernels`` and the other builds) have exactly
  the public names, enum members and class attributes ``_kernels.pyi`` declares;
- mypy --strict accepts ``tests/typing/user_script.py`` (a small typed program on
  the public API) and rejects misuse (skipped when mypy is not installed);
- the user script also runs.
"""
import ast
import enum
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
ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "fastrnn"          # the checkout's package (mypy reads its .py files)
PYPROJECT = ROOT / "pyproject.toml"
USER_SCRIPT = Path(__file__).parent / "typing" / "user_script.py"

# The compiled modules: the only ones that need (and have) a stub.
KERNEL_STUBS = ["_kernels.pyi", "_kernels_avx2.pyi", "_kernels_avx512.pyi"]


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


def public(names):
    return {n for n in names if not n.startswith("_")}


def test_py_typed_is_shipped():
    assert (PACKAGE / "py.typed").is_file()


@pytest.mark.parametrize("package", [PACKAGE, SOURCE], ids=["imported", "checkout"])
def test_only_compiled_modules_have_stubs(package):
    if not package.is_dir():
        pytest.skip(f"no package folder {package}")
    stubs = sorted(str(p.relative_to(package)) for p in package.rglob("*.pyi"))
    assert stubs == KERNEL_STUBS, (
        "Python modules carry their types inline (DESIGN.md); only the compiled "
        f"kernels have .pyi stubs. Found: {stubs}")


# ----------------------------------------------------- compiled kernel stubs
def kernel_modules():
    # Only the builds this CPU runs: importing another would die of SIGILL.
    return [pytest.param(build, id=build) for build in _dispatch.available()]


def runtime_public(module):
    return {n for n in public(dir(module)) if not isinstance(getattr(module, n), types.ModuleType)}


@pytest.mark.parametrize("build", kernel_modules())
def test_kernel_stub_matches_runtime(build):
    kernels = _dispatch.load(build)
    path = PACKAGE / "_kernels.pyi"
    tree = ast.parse(path.read_text(), str(path))
    stub_names = public(bound_names(tree.body))
    # Names the stub takes from typing/numpy are not the module's own.
    imported = public(set().union(*[bound_names([n]) for n in tree.body
                                    if isinstance(n, (ast.Import, ast.ImportFrom))]))
    stub_names -= imported
    assert sorted(stub_names) == sorted(runtime_public(kernels)), \
        f"fastrnn.{_dispatch.MODULES[build]} and fastrnn/_kernels.pyi name different objects"

    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    for name, node in classes.items():
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
def _mypy_env(pythonpath=None):
    env = dict(os.environ)
    env.pop("MYPYPATH", None)
    env.pop("PYTHONPATH", None)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return env


def test_mypy_accepts_the_package(tmp_path):
    """The package's inline types hold: mypy with the project's configuration
    (pyproject.toml [tool.mypy]) passes on every module of fastrnn."""
    pytest.importorskip("mypy", reason="mypy is not installed (pip install mypy)")
    if not (SOURCE / "__init__.py").is_file() or not PYPROJECT.is_file():
        pytest.skip("needs the source checkout (fastrnn/ and pyproject.toml beside tests/)")
    # From the checkout's root, so `-p fastrnn` is its fastrnn/ (not an installed copy).
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(PYPROJECT),
         "--cache-dir", str(tmp_path / "mypy_cache"), "--python-executable", sys.executable,
         "-p", "fastrnn"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, env=_mypy_env())
    assert result.returncode == 0, result.stdout + result.stderr


def run_mypy(path, tmp_path):
    pytest.importorskip("mypy", reason="mypy is not installed (pip install mypy)")
    # From an empty folder: mypy resolves fastrnn as this interpreter imports it
    # (site-packages for an installed wheel, or the folder that holds the
    # fastrnn these tests imported).
    cache = tmp_path / "mypy_cache"
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental",
         "--cache-dir", str(cache), "--python-executable", sys.executable,
         "--config-file", str(tmp_path / "mypy.ini"), str(path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env=_mypy_env(PACKAGE.parent))


@pytest.fixture
def mypy_dir(tmp_path):
    # A user's configuration: --strict for their own code; fastrnn is read as an
    # installed library is (its types are used, its own errors are not the user's).
    (tmp_path / "mypy.ini").write_text(textwrap.dedent("""\
        [mypy]
        warn_unused_configs = True
        [mypy-fastrnn,fastrnn.*]
        follow_imports = silent
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
