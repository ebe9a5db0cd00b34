# cython: language_level=3
# The baseline build of the kernels (any x86-64 or other CPU).
include "_recurrence.pxi"
include "_conv_lstm.pxi"
