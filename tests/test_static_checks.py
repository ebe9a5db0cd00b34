"""The cheap static checks, run by the test suite so that CI runs them:
ruff on the Python code, cython-lint on the kernels (tools/check.sh runs
these and mypy by hand)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def needs_checkout():
    if not (ROOT / "fastrnn" / "_recurrence.pxi").exists():
        pytest.skip("runs on a source checkout (the tests were copied without it)")


def tool(name):
    path = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if path is None:
        pytest.fail(f"{name} is not installed: pip install '.[test]'")
    return path


def test_ruff():
    needs_checkout()
    run = subprocess.run([tool("ruff"), "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_cython_lint():
    needs_checkout()
    sources = sorted(str(p) for pattern in ("*.pyx", "*.pxi")
                     for p in (ROOT / "fastrnn").glob(pattern))
    # cython-lint runs pycodestyle by name: find it beside this interpreter
    # too, as pytest may run from a venv that is not activated.
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    run = subprocess.run([tool("cython-lint"), *sources], cwd=ROOT, capture_output=True,
                         text=True, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
