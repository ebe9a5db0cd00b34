"""Choose the kernel build for this CPU.

setup.py compiles the same kernels (fastrnn/_recurrence.pxi and the files it
includes) for baseline x86-64 and, on x86-64, again with AVX2+FMA+F16C and with AVX-512
(F, CD, VL, BW, DQ) enabled: exactly the features checked here. The best
build the CPU runs is imported; FASTRNN_KERNELS=baseline|avx2|avx512 forces
one (for tests and benchmarks).

A build is never imported on a CPU that lacks one of its features: the
compiler may use those instructions anywhere, module initialisation
included, so importing it would kill the process with SIGILL.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
from types import ModuleType
from typing import Any

BUILDS = {
    # build -> numpy CPU features it needs (setup.py's flags for that build)
    "avx512": ("AVX512F", "AVX512CD", "AVX512VL", "AVX512BW", "AVX512DQ",
               "AVX2", "FMA3", "F16C"),
    "avx2": ("AVX2", "FMA3", "F16C"),
    "baseline": (),
}
MODULES = {"avx512": "_kernels_avx512", "avx2": "_kernels_avx2", "baseline": "_kernels"}


def _cpu_features() -> dict[str, Any]:
    try:
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:  # numpy < 2
        from numpy.core._multiarray_umath import __cpu_features__  # type: ignore[no-redef]
    return __cpu_features__


def missing_features(build: str) -> list[Any]:
    """The CPU features ``build`` needs that this CPU lacks (empty if it runs here)."""
    features = _cpu_features()
    return [f for f in BUILDS[build] if not features.get(f, False)]


def _compiled(build: str) -> bool:
    return importlib.util.find_spec(f"fastrnn.{MODULES[build]}") is not None


def load(build: str) -> ModuleType:
    """The kernel module of ``build``.

    Raises ImportError, without importing anything, when this CPU lacks a
    feature the build needs or the build is not compiled here.
    """
    if build not in BUILDS:
        raise ImportError(f"unknown kernel build {build!r}; builds: {list(BUILDS)}")
    missing = missing_features(build)
    if missing:
        raise ImportError(f"the {build} kernels need CPU features this CPU lacks: "
                          f"{', '.join(missing)}")
    if not _compiled(build):
        raise ImportError(f"the {build} kernels are not compiled in this installation")
    return importlib.import_module(f"fastrnn.{MODULES[build]}")


def available() -> list[str]:
    """The builds this CPU runs and this installation has, best first."""
    return [b for b in BUILDS if not missing_features(b) and _compiled(b)]


def _choose() -> str:
    forced = os.environ.get("FASTRNN_KERNELS")
    if forced:
        if forced not in available():
            raise ImportError(f"FASTRNN_KERNELS={forced!r} is not available here; "
                              f"available: {available()}")
        return forced
    return available()[0]


# OpenMP's idle threads: GNU libgomp's default keeps a team's threads
# spinning for a while after each parallel region, on the cores that the
# caller's thread, numpy or another process then need. With a busy
# neighbour on a 2-core machine an LSTM 8x100x64x128 call went from 1.9 ms
# (passive) to 12-15 ms (median), and Bidirectional's two threads to a p99
# of 18 ms. fastrnn's own waits spin briefly and then yield (fr_relax), so
# passive waiting is the default here unless the user chose a policy; it
# must be set before libgomp is loaded (importing the kernels loads it), and
# is the process's setting for libgomp from then on.
if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"

build = _choose()
kernels = load(build)
