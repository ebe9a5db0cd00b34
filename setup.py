"""Build the Cython kernels; all metadata lives in pyproject.toml."""
import glob
import os
import platform

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

# FASTRNN_BOUNDSCHECK=1 builds with bounds and wraparound checks, for debugging.
checks = os.environ.get("FASTRNN_BOUNDSCHECK", "0") == "1"

# One kernel source, built for baseline x86-64 and, on x86-64, for AVX2+FMA
# and AVX-512; fastrnn/_dispatch.py picks at import time, so the
# wheel runs on any x86-64 CPU and uses AVX2 / AVX-512 where present.
builds = {"fastrnn._kernels": []}
if platform.machine().lower() in ("x86_64", "amd64"):
    # Exactly the features _dispatch.py checks (numpy reports them): not
    # -march=x86-64-v3/v4, which also allow BMI1/2, LZCNT and MOVBE, which a
    # VM may hide from a CPU that shows AVX2.
    avx2 = ["-mavx2", "-mfma", "-mf16c"]
    builds["fastrnn._kernels_avx2"] = avx2
    builds["fastrnn._kernels_avx512"] = avx2 + [
        "-mavx512f", "-mavx512cd", "-mavx512vl", "-mavx512bw", "-mavx512dq",
        "-mprefer-vector-width=512"]

# -fno-trapping-math: no code here reads the floating-point exception flags,
# and without it GCC vectorizes the float32 activation loops (sigmoid, tanh:
# branch-free selects around divisions) only where AVX-512 masks make the
# selects safe; the AVX2 and baseline builds ran them one float at a time.
# It changes no result.
extensions = [
    Extension(
        name,
        [name.replace(".", "/") + ".pyx"],
        include_dirs=[numpy.get_include(), "fastrnn"],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=["-O3", "-fopenmp", "-fno-trapping-math"] + flags,
        extra_link_args=["-fopenmp"],
        depends=[*glob.glob("fastrnn/_*.pxi"), "fastrnn/_simd.h", "fastrnn/_process.h",
                 "fastrnn/_helper_thread.h"],
    )
    for name, flags in builds.items()
]

setup(
    ext_modules=cythonize(
        extensions,
        compiler_directives={
            "language_level": 3,
            "boundscheck": checks,
            "wraparound": checks,
            "cdivision": True,
            "initializedcheck": checks,
        },
    )
)
