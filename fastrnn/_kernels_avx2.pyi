"""Same interface as fastrnn._kernels (the same source, built for avx2)."""
from ._kernels import *
