# cython: language_level=3
# The kernels built with AVX-512 (F, CD, VL, BW, DQ); chosen by fastrnn/_dispatch.py.
include "_recurrence.pxi"
include "_conv_lstm.pxi"
