"""Choose the kernel build for this CPU.

setup.py compiles the same kernels (fastrnn/_recurrence.pxi) for baseline
x86-64 and, on x86-64, again with AVX2+FMA+F16C and with AVX-512
(F, CD, VL, BW, DQ) enabled: exactly the features checked here. The best
build the CPU runs is imported; FASTRNN_KERNELS=baseline|avx2|avx512 forces
one (for tests and benchmarks).
"""
import importlib
import os

BUILDS = {
    # build -> numpy CPU features it needs
    "avx512": ("AVX512F", "AVX512CD", "AVX512VL", "AVX512BW", "AVX512DQ", "AVX2", "FMA3"),
    "avx2": ("AVX2", "FMA3", "F16C"),
    "baseline": (),
}
MODULES = {"avx512": "_kernels_avx512", "avx2": "_kernels_avx2", "baseline": "_kernels"}


def _cpu_features():
    try:
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:  # numpy < 2
        from numpy.core._multiarray_umath import __cpu_features__
    return __cpu_features__


def load(build):
    """The kernel module of ``build``, or None if not compiled here."""
    try:
        return importlib.import_module(f"fastrnn.{MODULES[build]}")
    except ImportError:
        return None


def available():
    """The builds this CPU runs and this installation has, best first."""
    features = _cpu_features()
    return [b for b in BUILDS
            if all(features.get(f, False) for f in BUILDS[b]) and load(b) is not None]


def _choose():
    forced = os.environ.get("FASTRNN_KERNELS")
    if forced:
        if forced not in available():
            raise ImportError(f"FASTRNN_KERNELS={forced!r} is not available here; "
                              f"available: {available()}")
        return forced
    return available()[0]


build = _choose()
kernels = load(build)
