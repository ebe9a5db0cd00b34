"""Helpers shared by the tests."""
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import fastrnn


def run_python(args, **kwargs):
    """Run ``python *args`` in a fresh interpreter on the fastrnn these tests
    imported, from outside the checkout: Python puts the current folder
    first on sys.path, and the checkout's fastrnn/ may have no compiled
    kernels."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(fastrnn.__file__).parent.parent)] + [p for p in [env.get("PYTHONPATH")] if p])
    with tempfile.TemporaryDirectory() as outside:
        return subprocess.run([sys.executable, *args], env=env, cwd=outside, check=True,
                              **kwargs)
