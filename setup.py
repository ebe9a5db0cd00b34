"""Build the Cython kernels; all metadata lives in pyproject.toml."""
import os

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

# FASTRNN_BOUNDSCHECK=1 builds with bounds and wraparound checks, for debugging.
checks = os.environ.get("FASTRNN_BOUNDSCHECK", "0") == "1"

extensions = [
    Extension(
        "fastrnn._kernels",
        ["fastrnn/_kernels.pyx"],
        include_dirs=[numpy.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=["-O3"],
    )
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
