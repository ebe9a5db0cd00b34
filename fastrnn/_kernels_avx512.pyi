"""Same interface as fastrnn._kernels (the same source, built for avx512)."""
from ._kernels import *
