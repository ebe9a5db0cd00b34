# cython: language_level=3
# The kernels built for x86-64-v3 (AVX2, FMA); chosen by fastrnn/_dispatch.py.
include "_recurrence.pxi"
