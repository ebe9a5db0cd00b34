# The recurrence kernels. This file is included by _kernels.pyx and by the
# per-instruction-set copies (_kernels_avx2.pyx, _kernels_avx512.pyx) that
# setup.py compiles with -mavx2 -mfma / -mavx512f; fastrnn/_dispatch.py
# imports the best one the CPU runs. One source, several builds: the loops
# below are written so that GCC vectorizes them for whichever target.
#
# This file holds what every part shares (the C declarations, the plan of a
# call) and includes the parts, each with one job:
#   _activations.pxi  the activation functions (float and double)
#   _products.pxi     the generic path's matrix products (loops, BLAS)
#   _cells.pxi        the cell updates, one per cell, used by both paths
#   _run_generic.pxi  the recurrence for any dtype and activation
#   _run_packed.pxi   the float32 recurrence on packed weights, its threads
#   _threads.pxi      thread knobs
#   _entry.pxi        the Python classes (Recurrence, Call)
# Vector widths, register tiles and buffer sizes are defined once, in
# _simd.h, with compile-time checks.
#
# Layout (Keras's): x (batch, T, D); kernel (D, G*H); recurrent (H, G*H);
# bias (G*H,); gates in Keras order (LSTM i f c o, GRU z r h). All arrays
# are C-contiguous. Sequence outputs are written in processing order
# (reversed time with go_backwards), as Keras returns them.
cimport numpy as cnp
from cython cimport floating
from libc.float cimport DBL_EPSILON, DBL_MIN, FLT_EPSILON, FLT_MIN
from libc.math cimport (NAN, erfc, erfcf, exp, expf, expm1, expm1f, fabs, fabsf, log,
                        log1p, log1pf, logf, sqrt, sqrtf, tanh)
from libc.limits cimport INT_MAX
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memmove, memset
from cpython.exc cimport PyErr_CheckSignals
from scipy.linalg.cython_blas cimport dgemm, sgemm
from cython.parallel cimport parallel, prange, threadid
cimport openmp

cnp.import_array()


# ---------------------------------------------------------------- float32 SIMD
cdef extern from "_simd.h" nogil:
    enum: FR_VL         # floats per vector register in this build (a constant)
    const int FR_MR     # rows per register tile (4-vector panels: LSTM, SimpleRNN)
    const int FR_MR3    # rows per register tile of GRU's 3-vector panels
    const int FR_SPLIT_ROWS  # threads split the batch when each gets this many rows
    enum: FR_TILE_FLOATS  # the most floats a tile writes
    enum: FR_TILE_MAX_ROWS  # the most rows a tile has
    enum: FR_COLS_FLOAT   # the generic product's tile widths (_products.pxi)
    enum: FR_COLS_DOUBLE
    enum: FR_ROW_COLS_FLOAT
    enum: FR_PANEL_PAD    # at most this many padding columns per gate (layers._PANEL_PAD)
    enum: FR_SIMPLE_PANEL_VECTORS
    int fr_tile_rows(int nv)
    ctypedef void (*fr_tile_fn)(const float*, Py_ssize_t, Py_ssize_t, const float*,
                                const float*, float*, Py_ssize_t) noexcept nogil
    fr_tile_fn fr_tile(int m, int nv)
    float fr_expm1f(float)
    float fr_tanhf(float)
    void fr_sigmoid_n(float* v, Py_ssize_t n)
    void fr_tanh_n(float* v, Py_ssize_t n)
    void fr_lstm_state_n(const float* i, const float* f, const float* z, float* c, float* t,
                         Py_ssize_t n)
    void fr_mul_n(const float* o, const float* t, float* h, Py_ssize_t n)
    void fr_gru_state_n(const float* z, const float* h_prev, const float* hh, float* h,
                        Py_ssize_t n)
    void fr_add_n(float* a, const float* b, Py_ssize_t n)
    void fr_gru_candidate_n(const float* x, const float* r, float* g, Py_ssize_t n)
    void fr_relax(Py_ssize_t spins)
    int __atomic_fetch_add(int*, int, int)
    int __atomic_load_n(int*, int)
    int __ATOMIC_RELAXED
    int __ATOMIC_ACQUIRE
    int __ATOMIC_RELEASE
    bint __builtin_mul_overflow(Py_ssize_t, Py_ssize_t, Py_ssize_t*)

VECTOR_FLOATS = FR_VL
TILE_ROWS = FR_MR
GRU_TILE_ROWS = FR_MR3
BATCH_SPLIT_ROWS = FR_SPLIT_ROWS
PANEL_PAD = FR_PANEL_PAD


cdef extern from "_process.h" nogil:
    # Ctrl-C and fork() around kernel calls: see _process.h.
    int fr_interrupted
    int fr_arm_interrupt()
    void fr_disarm_interrupt()
    int fr_threads_started
    int fr_threads_forbidden
    int fr_fork_warned
    int fr_running
    int fr_register_atfork()

cdef extern from "_helper_thread.h" nogil:
    # Bidirectional's second direction on a thread the caller never waits
    # to start: see _helper_thread.h.
    ctypedef int (*fr_job)(void*) noexcept nogil
    int fr_run_pair(fr_job a, void* a_arg, fr_job b, void* b_arg, int* b_status,
                    double b_per_a)
    int fr_helper_register_atfork()

# A kernel call that returns this was stopped by Ctrl-C (its outputs are partial).
cdef int _INTERRUPTED = -2

if fr_register_atfork() != 0 or fr_helper_register_atfork() != 0:
    raise ImportError("fastrnn: pthread_atfork failed")


# ---------------------------------------------------------------- the recurrence
cdef struct Plan:
    # What one call runs: sizes, weights, flags; pointers into caller-owned
    # arrays. The kernel allocates only its scratch, once, before the loop.
    int cell
    bint reset_after
    int activation
    int recurrent_activation
    Py_ssize_t batch, steps, depth, units, gates
    void* x
    void* kernel
    void* recurrent
    void* bias
    void* recurrent_bias
    const unsigned char* mask      # NULL: every step valid
    void* h
    void* c                        # LSTM only
    void* last_output
    void* sequence_output          # NULL unless return_sequences
    # Row b's output at step s (processing order) goes to sequence_output +
    # (b * steps + s') * sequence_stride, s' = s, or steps - 1 - s with
    # sequence_reversed: normally stride units, not reversed; Bidirectional
    # has each direction write its half of the concatenated output.
    Py_ssize_t sequence_stride
    bint sequence_reversed
    bint go_backwards
    bint zero_output_for_mask
    bint interruptible             # stop between timesteps once fr_interrupted is set
    # The packed float32 path (see Recurrence._pack): weights in panels of
    # nv vectors, each panel covering units_per_panel units.
    const float* packed_kernel      # (panels, depth, panel width)
    const float* packed_recurrent   # (panels, units, panel width)
    const float* packed_bias        # (panels * panel width,)
    const float* packed_recurrent_bias
    int panels
    int nv
    Py_ssize_t units_per_panel


cdef inline Py_ssize_t _sequence_row(Plan* p, Py_ssize_t b, Py_ssize_t s) noexcept nogil:
    """Offset of row b's step-s output in sequence_output (see Plan)."""
    return (b * p.steps + (p.steps - 1 - s if p.sequence_reversed else s)) * p.sequence_stride


cdef inline bint _stopped(Plan* p) noexcept nogil:
    # Read between timesteps: a volatile load and a branch.
    return p.interruptible and fr_interrupted


include "_activations.pxi"
include "_products.pxi"
include "_cells.pxi"
include "_run_generic.pxi"
include "_run_packed.pxi"
include "_threads.pxi"
include "_entry.pxi"
