"""Helpers shared by the tests."""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

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


def load_case(path):
    """A fixture made by tools/make_*_fixtures.py: (spec dict, arrays dict)."""
    with np.load(path) as data:
        return json.loads(str(data["spec"])), {k: data[k] for k in data.files}


def arrays(data, prefix):
    """data[prefix0], data[prefix1], ... in order."""
    out = []
    while f"{prefix}{len(out)}" in data:
        out.append(data[f"{prefix}{len(out)}"])
    return out


def as_list(result):
    return result if isinstance(result, list) else [result]


def assert_same(a, b):
    """Two layer results (an array or a list of arrays) are bit-identical."""
    a, b = as_list(a), as_list(b)
    assert len(a) == len(b)
    for u, v in zip(a, b):
        assert u.dtype == v.dtype and u.shape == v.shape
        np.testing.assert_array_equal(u, v)
