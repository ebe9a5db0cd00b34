# cython: language_level=3
# The kernels built with AVX2, FMA and F16C; chosen by fastrnn/_dispatch.py.
include "_recurrence.pxi"
include "_conv_lstm.pxi"
