# cython: language_level=3
# The kernels built for x86-64-v4 (AVX-512); chosen by fastrnn/_dispatch.py.
include "_recurrence.pxi"
