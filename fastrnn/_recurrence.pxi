# The recurrence kernels. This file is included by _kernels.pyx and by the
# per-instruction-set copies (_kernels_avx2.pyx, _kernels_avx512.pyx) that
# setup.py compiles with -mavx2 -mfma / -mavx512f; fastrnn/_dispatch.py
# imports the best one the CPU runs. One source, several builds: the loops
# below are written so that GCC vectorizes them for whichever target.
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


cpdef enum Activation:
    # Keras 3 names map to these in fastrnn/activations.py.
    LINEAR
    TANH
    SIGMOID
    HARD_SIGMOID
    RELU
    RELU6
    LEAKY_RELU
    ELU
    SELU
    CELU
    SOFTPLUS
    SOFTSIGN
    SILU
    HARD_SILU
    GELU
    MISH
    EXPONENTIAL
    HARD_TANH
    TANH_SHRINK
    SOFT_SHRINK
    HARD_SHRINK
    SPARSE_PLUS
    SPARSE_SIGMOID
    SQUAREPLUS
    LOG_SIGMOID
    SOFTMAX
    LOG_SOFTMAX
    SPARSEMAX


cpdef enum Cell:
    SIMPLE_RNN
    LSTM_CELL
    GRU_CELL


# Below this many multiply-adds a product runs in the loops here; above it,
# BLAS's packing and threads pay for their call overhead (measured: see the
# README's benchmark notes). Exposed so tests can cross it.
cdef Py_ssize_t _blas_threshold = 32768


def set_blas_threshold(Py_ssize_t multiply_adds):
    """Products of more multiply-adds than this go to BLAS (tests use it)."""
    global _blas_threshold
    previous = _blas_threshold
    _blas_threshold = multiply_adds
    return previous


# ---------------------------------------------------------------- float32 SIMD
cdef extern from "_simd.h" nogil:
    enum: FR_VL         # floats per vector register in this build (a constant)
    const int FR_MR     # rows per register tile (4-vector panels: LSTM, SimpleRNN)
    const int FR_MR3    # rows per register tile of GRU's 3-vector panels
    enum: FR_TILE_FLOATS  # the most floats a tile writes
    int fr_tile_rows(int nv)
    ctypedef void (*fr_tile_fn)(const float*, Py_ssize_t, Py_ssize_t, const float*,
                                const float*, float*, Py_ssize_t) noexcept nogil
    fr_tile_fn fr_tile(int m, int nv)
    float fr_expm1f(float)
    float fr_tanhf(float)
    void fr_sigmoid_n(float* v, Py_ssize_t n)
    void fr_tanh_n(float* v, Py_ssize_t n)
    void fr_relax(Py_ssize_t spins)
    void fr_omp_barrier()
    int __atomic_fetch_add(int*, int, int)
    int __atomic_load_n(int*, int)
    int __ATOMIC_RELAXED
    int __ATOMIC_ACQUIRE
    int __ATOMIC_RELEASE
    bint __builtin_mul_overflow(Py_ssize_t, Py_ssize_t, Py_ssize_t*)

VECTOR_FLOATS = FR_VL
TILE_ROWS = FR_MR
GRU_TILE_ROWS = FR_MR3


def _vector_math(const float[::1] x):
    """For tests: rows _sigmoid(x), fr_sigmoid_n(x), _tanh(x), fr_tanh_n(x):
    the packed path's vector forms against the scalar ones."""
    import numpy as np
    cdef Py_ssize_t i, n = x.shape[0]
    out = np.empty((4, n), np.float32)
    cdef float[:, ::1] o = out
    for i in range(n):
        o[0, i] = _sigmoid(x[i])
        o[1, i] = x[i]
        o[2, i] = _tanh(x[i])
        o[3, i] = x[i]
    if n > 0:
        fr_sigmoid_n(&o[1, 0], n)
        fr_tanh_n(&o[3, 0], n)
    return out


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

# A kernel call that returns this was stopped by Ctrl-C (its outputs are partial).
cdef int _INTERRUPTED = -2

if fr_register_atfork() != 0:
    raise ImportError("fastrnn: pthread_atfork failed")


# ---------------------------------------------------------------- activations
# Each activation's rule is written once, for float and double alike (fused
# `floating` functions: Cython emits one C function per type), and computes
# in the layer's dtype, op for op as Keras 3 does with its TensorFlow backend:
# keras/src/activations/activations.py picks the op, and
# keras/src/backend/tensorflow/nn.py (or the TensorFlow kernel it calls,
# named where it matters) fixes the formula; comments below quote nn.py
# unless they name another file. So overflow, NaN and +-inf come
# out as Keras's do: squareplus(-1e30) is inf in float32, as x * x is.
# fastrnn/activations.py states the same rules in NumPy for Dense and
# Activation; tests/test_activation_fixtures.py checks both against Keras.
#
# Two TensorFlow habits the formulas alone would miss:
# - tf.where(cond, a, b) gives b where cond is NaN: `a if cond else b` with
#   the same cond does too (hard_shrink(NaN) is 0);
# - its CPU kernels run with subnormals flushed to zero (FTZ/DAZ), so
#   exp(-88) is 0 in float32 and silu(-88) = -88 * sigmoid(-88) is -0, not
#   -1e-37: _ftz flushes the intermediates whose flushing shows in a normal
#   result (exp, sigmoid, erfc). Results that are themselves subnormal are
#   not flushed; the tests count a subnormal as zero.
#
# Constants in arithmetic are cast to the type (<floating>1): Cython writes a
# bare 1 as the double 1.0, which would move float formulas into double
# (slower, and not Keras's rounding).  Comparisons need no cast.

cdef inline floating _ftz(floating v) noexcept nogil:
    """0 for a subnormal v >= 0, as TensorFlow's flush-to-zero gives; else v
    (NaN too: NaN * 0 is NaN). Only ever given exp, erfc and sigmoid, which
    are >= 0. A product, not a branch, so that loops of it vectorize without
    AVX-512's masks."""
    if floating is float:
        return v * <float>(v >= FLT_MIN)
    else:
        return v * <double>(v >= DBL_MIN)


cdef inline floating _abs(floating v) noexcept nogil:
    if floating is float:
        return fabsf(v)
    else:
        return fabs(v)


cdef inline floating _exp(floating v) noexcept nogil:
    if floating is float:
        return _ftz(expf(v))
    else:
        return _ftz(exp(v))


cdef inline floating _expm1(floating v) noexcept nogil:
    if floating is float:
        return expm1f(v)
    else:
        return expm1(v)


cdef inline floating _log(floating v) noexcept nogil:
    if floating is float:
        return logf(v)
    else:
        return log(v)


cdef inline floating _log1p(floating v) noexcept nogil:
    if floating is float:
        return log1pf(v)
    else:
        return log1p(v)


cdef inline floating _sqrt(floating v) noexcept nogil:
    if floating is float:
        return sqrtf(v)
    else:
        return sqrt(v)


cdef inline floating _erfc(floating v) noexcept nogil:
    if floating is float:
        return _ftz(erfcf(v))
    else:
        return _ftz(erfc(v))


cdef inline floating _tanh(floating v) noexcept nogil:
    # tf.nn.tanh. float: the vectorizable fr_tanhf of _simd.h.
    if floating is float:
        return fr_tanhf(v)
    else:
        return tanh(v)


cdef inline floating _sigmoid(floating v) noexcept nogil:
    # tf.nn.sigmoid: 1 / (1 + exp(-x)), here 1 / (2 + expm1(-x)), flushed as
    # TensorFlow's is (float: the vectorizable fr_expm1f of _simd.h, clamped
    # where the flush makes that exact).
    cdef floating e
    if floating is float:
        e = fr_expm1f(-v)
    else:
        e = expm1(-v)
    return _ftz(<floating>1 / (<floating>2 + e))


cdef inline floating _relu(floating v) noexcept nogil:
    # tf.nn.relu: max(x, 0), NaN kept (relu_op_functor.h, PropagateNaN).
    return 0 if v < 0 else v


cdef inline floating _relu6(floating v) noexcept nogil:
    # tf.nn.relu6: min(max(x, 0), 6), NaN kept.
    return 0 if v < 0 else (6 if v > 6 else v)


cdef inline floating _softplus(floating v) noexcept nogil:
    # tf.math.softplus (softplus_op.h): x above -threshold, exp(x) below
    # threshold, else log1p(exp(x)); threshold = log(epsilon) + 2.
    cdef floating threshold
    if floating is float:
        threshold = logf(FLT_EPSILON) + <float>2
    else:
        threshold = log(DBL_EPSILON) + 2
    if v > -threshold:
        return v
    if v < threshold:
        return _exp(v)
    return _log1p(_exp(v))


cdef inline floating _hard_sigmoid(floating v) noexcept nogil:
    # relu6(x + 3) / 6 (Keras 2 used 0.2 * x + 0.5); hard_silu is x times it.
    return _relu6(v + <floating>3) / <floating>6


cdef inline floating _elementwise(int kind, floating v) noexcept nogil:
    """Activation ``kind`` (not a row-wise one) of one value."""
    if kind == TANH:
        return _tanh(v)
    if kind == SIGMOID:
        return _sigmoid(v)
    if kind == HARD_SIGMOID:
        return _hard_sigmoid(v)
    if kind == RELU:
        return _relu(v)
    if kind == RELU6:
        return _relu6(v)
    if kind == LEAKY_RELU:
        # tf.nn.leaky_relu: x > 0 ? x : x * alpha, alpha a float attribute,
        # so float64 slopes by float(0.2) = 0.20000000298023224.
        return v if v > 0 else v * <floating><float>0.2
    if kind == ELU:
        # tf.nn.elu (relu_op_functor.h): x < 0 ? exp(x) - 1 : x -- exp(x) - 1,
        # not expm1, so elu(-1e-30) is 0 as in Keras.
        return _exp(v) - <floating>1 if v < 0 else v
    if kind == SELU:
        # tf.nn.selu (relu_op_functor.h), with its two constants.
        if v < 0:
            return <floating>1.7580993408473768599402175208123 * (_exp(v) - <floating>1)
        return <floating>1.0507009873554804934193349852946 * v
    if kind == CELU:
        # maximum(x, 0) + alpha * expm1(minimum(x, 0) / alpha), alpha 1.
        return (0 if v < 0 else v) + _expm1(0 if v > 0 else v)
    if kind == SOFTPLUS:
        return _softplus(v)
    if kind == SOFTSIGN:
        return v / (_abs(v) + <floating>1)
    if kind == SILU:
        # tf.nn.silu: x * sigmoid(x).
        return v * _sigmoid(v)
    if kind == HARD_SILU:
        return v * _hard_sigmoid(v)
    if kind == GELU:
        # tf.nn.gelu(approximate=False): 0.5 * x * erfc(-x * sqrt(1/2)), its
        # constant a Python float cast to x's dtype by way of a float32
        # tensor: float32(sqrt(1/2)) in float64 too.
        return (<floating>0.5 * v) * _erfc(-v * <floating><float>0.7071067811865476)
    if kind == MISH:
        # keras/src/activations/activations.py, Mish: x * tanh(softplus(x)).
        return v * _tanh(_softplus(v))
    if kind == EXPONENTIAL:
        return _exp(v)
    if kind == HARD_TANH:
        # tf.clip_by_value(x, -1, 1): NaN kept.
        return -1 if v < -1 else (1 if v > 1 else v)
    if kind == TANH_SHRINK:
        return v - _tanh(v)
    if kind == SOFT_SHRINK:
        # where(x > 0.5, x - 0.5, where(x < -0.5, x + 0.5, 0)): NaN gives 0.
        return v - <floating>0.5 if v > 0.5 else (v + <floating>0.5 if v < -0.5 else 0)
    if kind == HARD_SHRINK:
        # where(|x| > 0.5, x, 0): NaN gives 0.
        return v if _abs(v) > 0.5 else 0
    if kind == SPARSE_PLUS:
        # where(x <= -1, 0, where(x < 1, (x + 1) ** 2 / 4, x)): NaN kept.
        return 0 if v <= -1 else ((v + <floating>1) * (v + <floating>1) * <floating>0.25
                                  if v < 1 else v)
    if kind == SPARSE_SIGMOID:
        # where(x <= -1, 0, where(x >= 1, 1, 0.5 * (x + 1))): NaN kept.
        return 0 if v <= -1 else (1 if v >= 1 else <floating>0.5 * (v + <floating>1))
    if kind == SQUAREPLUS:
        # (x + sqrt(x * x + b)) / 2, b = 4: inf once x * x overflows.
        return (v + _sqrt(v * v + <floating>4)) / <floating>2
    if kind == LOG_SIGMOID:
        # tf.math.log_sigmoid: -softplus(-x).
        return -_softplus(-v)
    return v  # LINEAR


cdef void _softmax(floating* v, Py_ssize_t n, bint take_log) noexcept nogil:
    # tf.nn.softmax / log_softmax (TensorFlow's softmax_op_functor.h):
    # shifted = x - max(x); exp(shifted) / sum, or shifted - log(sum). A NaN
    # or +inf anywhere makes the whole row NaN. (float32 Keras runs oneDNN's
    # softmax by default, whose rows with NaN or +inf come out partly NaN,
    # following the vector width; see tools/make_activation_fixtures.py.) The
    # sum is kept in double, for long rows.
    cdef Py_ssize_t i
    cdef floating top = v[0]
    cdef double total = 0.0
    for i in range(1, n):
        if v[i] > top:
            top = v[i]
    for i in range(n):
        v[i] = v[i] - top
        total += _exp(v[i])
    if take_log:
        top = _log(<floating>total)
        for i in range(n):
            v[i] = v[i] - top
    else:
        for i in range(n):
            v[i] = <floating>(_exp(v[i]) / total)


# Keras's sparsemax sorts the row with tf.sort (TopKV2 with k = n, which runs
# std::sort with comp(a, b) = b < a: tensorflow/core/kernels/topk_op.cc).
# With NaN in the row that comparison is no ordering, and where the NaNs end
# up is whatever libstdc++'s introsort makes of it -- which decides the
# result. So this is that introsort, step for step (bits/stl_algo.h and
# bits/stl_heap.h: median-of-three partitions above 16 elements, heap sort
# past 2 log2(n) levels, then insertion sort); without NaN it is simply a
# descending sort. The scans that libstdc++ leaves unguarded stop at the
# array's ends here, which changes nothing where TensorFlow's behaviour is
# defined.

cdef inline bint _before(floating a, floating b) noexcept nogil:
    return b < a


cdef void _insert_left(floating* a, Py_ssize_t last) noexcept nogil:
    # __unguarded_linear_insert
    cdef floating value = a[last]
    cdef Py_ssize_t prev = last - 1
    while prev >= 0 and _before(value, a[prev]):
        a[last] = a[prev]
        last = prev
        prev = prev - 1
    a[last] = value


cdef void _insertion_sort(floating* a, Py_ssize_t n) noexcept nogil:
    # __insertion_sort
    cdef Py_ssize_t i
    cdef floating value
    for i in range(1, n):
        if _before(a[i], a[0]):
            value = a[i]
            memmove(a + 1, a, i * sizeof(floating))
            a[0] = value
        else:
            _insert_left(a, i)


cdef void _adjust_heap(floating* a, Py_ssize_t hole, Py_ssize_t n, floating value) noexcept nogil:
    # __adjust_heap and __push_heap
    cdef Py_ssize_t top = hole, child = hole, parent
    while child < (n - 1) // 2:
        child = 2 * (child + 1)
        if _before(a[child], a[child - 1]):
            child = child - 1
        a[hole] = a[child]
        hole = child
    if (n & 1) == 0 and child == (n - 2) // 2:
        child = 2 * (child + 1)
        a[hole] = a[child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and _before(a[parent], value):
        a[hole] = a[parent]
        hole = parent
        parent = (hole - 1) // 2
    a[hole] = value


cdef void _heap_sort(floating* a, Py_ssize_t n) noexcept nogil:
    # __partial_sort(first, last, last): __make_heap, then __sort_heap
    cdef Py_ssize_t parent
    cdef floating value
    if n >= 2:
        parent = (n - 2) // 2
        while True:
            _adjust_heap(a, parent, n, a[parent])
            if parent == 0:
                break
            parent = parent - 1
    while n > 1:
        n = n - 1
        value = a[n]
        a[n] = a[0]
        _adjust_heap(a, 0, n, value)


cdef inline void _swap(floating* a, Py_ssize_t i, Py_ssize_t j) noexcept nogil:
    cdef floating t = a[i]
    a[i] = a[j]
    a[j] = t


cdef void _introsort(floating* a, Py_ssize_t first, Py_ssize_t last, Py_ssize_t depth,
                     Py_ssize_t n) noexcept nogil:
    # __introsort_loop on a[first:last] of the n-element array a
    cdef Py_ssize_t x, y, z, median, lo, hi
    while last - first > 16:
        if depth == 0:
            _heap_sort(a + first, last - first)
            return
        depth = depth - 1
        # __unguarded_partition_pivot: __move_median_to_first, then
        # __unguarded_partition around a[first]
        x, y, z = first + 1, first + (last - first) // 2, last - 1
        if _before(a[x], a[y]):
            median = y if _before(a[y], a[z]) else (z if _before(a[x], a[z]) else x)
        elif _before(a[x], a[z]):
            median = x
        else:
            median = z if _before(a[y], a[z]) else y
        _swap(a, first, median)
        lo, hi = first + 1, last
        while True:
            while lo < n - 1 and _before(a[lo], a[first]):
                lo = lo + 1
            hi = hi - 1
            while _before(a[first], a[hi]):
                hi = hi - 1
            if not lo < hi:
                break
            _swap(a, lo, hi)
            lo = lo + 1
        _introsort(a, lo, last, depth, n)
        last = lo


cdef void _tf_sort(floating* a, Py_ssize_t n) noexcept nogil:
    """Sort a[:n] into the order tf.sort(direction="DESCENDING") gives."""
    cdef Py_ssize_t i, log2n = 0
    if n < 2:
        return
    while (<Py_ssize_t>2) << log2n <= n:
        log2n = log2n + 1
    _introsort(a, 0, n, 2 * log2n, n)
    if n > 16:
        _insertion_sort(a, 16)
        for i in range(16, n):
            _insert_left(a, i)
    else:
        _insertion_sort(a, n)


cdef void _sparsemax(floating* v, Py_ssize_t n) noexcept nogil:
    # Keras's TensorFlow sparsemax (keras/src/backend/tensorflow/nn.py), in
    # the layer's dtype: z = the row sorted descending, S = cumsum(z); the
    # support is the k with z_k - (S_k - 1) / k > 0, and tau = (sum of S_k
    # over the support - 1) / |support| -- a sum of prefix sums, not the
    # textbook S_kmax; Keras is the reference. An empty support (huge or
    # infinite values) makes tau = -1 / 0 = -inf and the row inf, as in Keras.
    # output = maximum(x - tau, 0), NaN kept.
    cdef floating stack[64]
    cdef floating* z = stack
    cdef floating prefix = 0, total = 0, support = 0, tau, d
    cdef Py_ssize_t i
    if n > 64:
        z = <floating*>malloc(n * sizeof(floating))
        if z == NULL:       # a few bytes a row: no result rather than a crash
            for i in range(n):
                v[i] = NAN
            return
    memcpy(z, v, n * sizeof(floating))
    _tf_sort(z, n)
    for i in range(n):
        prefix = prefix + z[i]
        if z[i] - (prefix - <floating>1) / <floating>(i + 1) > 0:
            total = total + prefix
            support = support + <floating>1
    tau = (total - <floating>1) / support
    for i in range(n):
        d = v[i] - tau
        v[i] = 0 if d < 0 else d
    if z != stack:
        free(z)


cdef void _activate(int kind, floating* v, Py_ssize_t n) noexcept nogil:
    """Apply activation ``kind`` in place to the n values of one gate."""
    cdef Py_ssize_t i
    if kind == LINEAR:
        return
    # The common cases as their own loops, which GCC vectorizes in float32.
    if kind == SIGMOID:
        for i in range(n):
            v[i] = _sigmoid(v[i])
    elif kind == TANH:
        for i in range(n):
            v[i] = _tanh(v[i])
    elif kind == RELU:
        for i in range(n):
            v[i] = _relu(v[i])
    elif kind == SOFTMAX or kind == LOG_SOFTMAX:
        _softmax(v, n, kind == LOG_SOFTMAX)
    elif kind == SPARSEMAX:
        _sparsemax(v, n)
    else:
        for i in range(n):
            v[i] = _elementwise(kind, v[i])


cdef inline void _activate_f32(int kind, float* v, Py_ssize_t n) noexcept nogil:
    """The packed path's activations: the common ones inlined into the
    epilogue (a call and a switch per gate and step cost as much as the
    math at small sizes), the rest through _activate. Sigmoid and tanh in
    vector code (_simd.h), bit for bit _sigmoid and _tanh."""
    if kind == SIGMOID:
        fr_sigmoid_n(v, n)
    elif kind == TANH:
        fr_tanh_n(v, n)
    elif kind != LINEAR:
        _activate(kind, v, n)


cdef inline void _activate_gates(int kind, floating* v, Py_ssize_t gates,
                                 Py_ssize_t units) noexcept nogil:
    """Apply ``kind`` to adjacent gates: in one pass when it is elementwise,
    gate by gate when it normalizes over the units (softmax and kin)."""
    cdef Py_ssize_t k
    if kind == SOFTMAX or kind == LOG_SOFTMAX or kind == SPARSEMAX:
        for k in range(gates):
            _activate(kind, v + k * units, units)
    else:
        _activate(kind, v, gates * units)


# ---------------------------------------------------------------- products
cdef extern from *:
    """
    /* Register tile widths for the product loops: as many columns per row
       as keep 4 rows of accumulators in this target's vector registers
       (16 AVX-512 zmm, 8 AVX2 ymm or 8 SSE xmm of the 16 / 32 there are). */
    #if defined(__AVX512F__)
    #define FR_COLS_FLOAT 32
    #define FR_COLS_DOUBLE 16
    #elif defined(__AVX__)
    #define FR_COLS_FLOAT 16
    #define FR_COLS_DOUBLE 8
    #else
    #define FR_COLS_FLOAT 8
    #define FR_COLS_DOUBLE 4
    #endif
    """
    const int FR_COLS_FLOAT
    const int FR_COLS_DOUBLE


cdef inline void _tile4(const floating* a, Py_ssize_t lda, Py_ssize_t depth,
                        const floating* w, Py_ssize_t ldw, floating* out,
                        Py_ssize_t ldo) noexcept nogil:
    """out[0:4, 0:C] += a[0:4, :depth] @ w[:depth, 0:C], C the tile width:
    4 x C accumulators stay in registers while the rows of w stream by."""
    cdef floating acc0[32]
    cdef floating acc1[32]
    cdef floating acc2[32]
    cdef floating acc3[32]
    cdef const floating* wk
    cdef floating a0, a1, a2, a3
    cdef Py_ssize_t k, j
    cdef Py_ssize_t cols = FR_COLS_FLOAT if floating is float else FR_COLS_DOUBLE
    for j in range(cols):
        acc0[j] = out[j]
        acc1[j] = out[ldo + j]
        acc2[j] = out[2 * ldo + j]
        acc3[j] = out[3 * ldo + j]
    for k in range(depth):
        wk = w + k * ldw
        a0, a1, a2, a3 = a[k], a[lda + k], a[2 * lda + k], a[3 * lda + k]
        for j in range(cols):
            acc0[j] = acc0[j] + a0 * wk[j]
            acc1[j] = acc1[j] + a1 * wk[j]
            acc2[j] = acc2[j] + a2 * wk[j]
            acc3[j] = acc3[j] + a3 * wk[j]
    for j in range(cols):
        out[j] = acc0[j]
        out[ldo + j] = acc1[j]
        out[2 * ldo + j] = acc2[j]
        out[3 * ldo + j] = acc3[j]


cdef inline void _tile1(const floating* a, Py_ssize_t depth, const floating* w,
                        Py_ssize_t ldw, floating* out) noexcept nogil:
    """out[0, 0:4C] += a[0, :depth] @ w[:depth, 0:4C]: one row, four tiles wide."""
    cdef floating acc[128]
    cdef const floating* wk
    cdef floating ak
    cdef Py_ssize_t k, j
    cdef Py_ssize_t cols = 4 * (FR_COLS_FLOAT if floating is float else FR_COLS_DOUBLE)
    for j in range(cols):
        acc[j] = out[j]
    for k in range(depth):
        wk = w + k * ldw
        ak = a[k]
        for j in range(cols):
            acc[j] = acc[j] + ak * wk[j]
    for j in range(cols):
        out[j] = acc[j]


cdef inline void _axpy_rows(const floating* a, Py_ssize_t depth, const floating* w,
                            Py_ssize_t ldw, Py_ssize_t width, floating* out) noexcept nogil:
    """out[0, :width] += a[0, :depth] @ w[:depth, :width], any width."""
    cdef Py_ssize_t k, j
    cdef floating ak
    cdef const floating* wk
    for k in range(depth):
        ak = a[k]
        wk = w + k * ldw
        for j in range(width):
            out[j] = out[j] + ak * wk[j]


cdef void _product(const floating* a, Py_ssize_t rows, Py_ssize_t depth, Py_ssize_t lda,
                   const floating* w, Py_ssize_t ldw, Py_ssize_t width,
                   floating* out, Py_ssize_t ldo) noexcept nogil:
    """out[r, :width] += a[r, :depth] @ w[:depth, :width] for r < rows.

    Row strides lda, ldw, ldo. Small products run in register-tiled loops
    that GCC vectorizes for the build's target; large ones in BLAS, whose
    column-major view of the row-major product is out^T += w^T a^T, so no
    copies. The crossover is _blas_threshold multiply-adds.
    """
    cdef Py_ssize_t r, j, cols = FR_COLS_FLOAT if floating is float else FR_COLS_DOUBLE
    cdef char no = b'N'
    cdef int m, n, kk, lw, la, lo
    cdef floating one = 1.0
    if rows == 0 or depth == 0 or width == 0:
        return
    if (rows * depth * width > _blas_threshold and rows <= INT_MAX and depth <= INT_MAX
            and width <= INT_MAX and lda <= INT_MAX and ldw <= INT_MAX and ldo <= INT_MAX):
        # (BLAS takes int sizes: anything larger stays in the loops below.)
        m, n, kk = <int>width, <int>rows, <int>depth
        lw, la, lo = <int>ldw, <int>lda, <int>ldo
        if floating is float:
            sgemm(&no, &no, &m, &n, &kk, &one, <float*>w, &lw, <float*>a, &la, &one, out, &lo)
        else:
            dgemm(&no, &no, &m, &n, &kk, &one, <double*>w, &lw, <double*>a, &la, &one, out, &lo)
        return
    r = 0
    while r + 4 <= rows:
        j = 0
        while j + cols <= width:
            _tile4(a + r * lda, lda, depth, w + j, ldw, out + r * ldo + j, ldo)
            j = j + cols
        if j < width:
            for n in range(4):
                _axpy_rows(a + (r + n) * lda, depth, w + j, ldw, width - j,
                           out + (r + n) * ldo + j)
        r = r + 4
    while r < rows:
        j = 0
        while j + 4 * cols <= width:
            _tile1(a + r * lda, depth, w + j, ldw, out + r * ldo + j)
            j = j + 4 * cols
        if j < width:
            _axpy_rows(a + r * lda, depth, w + j, ldw, width - j, out + r * ldo + j)
        r = r + 1


cdef inline void _emit(const floating* h, floating* last_output, floating* sequence_output,
                       Py_ssize_t units, bint valid, bint zero_output_for_mask) noexcept nogil:
    """Record one row's output at one step, as keras.backend.rnn does.

    A valid step outputs h; a masked step repeats the previous output (zeros
    before the first valid step), or outputs zeros with zero_output_for_mask.
    ``sequence_output`` is this row's slot at this step, or NULL.
    """
    # Plain loops: a libc call per row and step costs more than these copies.
    cdef Py_ssize_t j
    if valid:
        for j in range(units):
            last_output[j] = h[j]
    elif zero_output_for_mask:
        for j in range(units):
            last_output[j] = 0
    if sequence_output != NULL:
        for j in range(units):
            sequence_output[j] = last_output[j]


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


cdef inline bint _stopped(Plan* p) noexcept nogil:
    # Read between timesteps: a volatile load and a branch.
    return p.interruptible and fr_interrupted


# The generic path's input projection runs in blocks of this many
# multiply-adds (a millisecond or so): large enough for BLAS's full speed.
cdef enum:
    _PROJECTION_BLOCK = 4194304


cdef void _project_inputs(Plan* p, const floating* x, Py_ssize_t rows, Py_ssize_t depth,
                          const floating* kernel, const floating* bias, Py_ssize_t width,
                          floating* projection) noexcept nogil:
    """projection = x @ kernel + bias for every (row, timestep): a few large
    products, each of about _PROJECTION_BLOCK multiply-adds (all in BLAS),
    so that Ctrl-C is seen between them."""
    cdef Py_ssize_t r, chunks, i, r0, r1
    cdef Py_ssize_t per_row = depth * width if depth * width > 0 else 1
    # (Counted so as not to overflow: the kernel's size is known to fit.)
    chunks = rows // (_PROJECTION_BLOCK // per_row + 1) + 1
    for i in range(chunks):
        if _stopped(p):
            return
        r0, r1 = rows * i // chunks, rows * (i + 1) // chunks
        # (The bias block by block too: filling it all first touches every
        # page of a projection that may be gigabytes before the first check.)
        for r in range(r0, r1):
            memcpy(projection + r * width, bias, width * sizeof(floating))
        _product(x + r0 * depth, r1 - r0, depth, depth, kernel, width, width,
                 projection + r0 * width, width)


cdef int _run(Plan* p, floating* dtype_tag) noexcept nogil:
    """Run the whole sequence. Returns 0, -1 if scratch memory ran out, or
    _INTERRUPTED."""
    cdef Py_ssize_t batch = p.batch, steps = p.steps, units = p.units
    cdef Py_ssize_t width = p.gates * units, ldp = steps * width
    cdef Py_ssize_t s, t, b, j
    cdef const floating* x = <const floating*>p.x
    cdef const floating* kernel = <const floating*>p.kernel
    cdef const floating* recurrent = <const floating*>p.recurrent
    cdef const floating* bias = <const floating*>p.bias
    cdef const floating* rbias = <const floating*>p.recurrent_bias
    cdef floating* h = <floating*>p.h
    cdef floating* c = <floating*>p.c
    cdef floating* last = <floating*>p.last_output
    cdef floating* seq = <floating*>p.sequence_output
    cdef floating* projection
    cdef floating* work
    cdef floating* g
    cdef floating* hb
    cdef floating* inner
    cdef floating* cb
    cdef bint valid
    if batch == 0 or steps == 0:
        return 0
    projection = <floating*>malloc(batch * steps * width * sizeof(floating))
    work = <floating*>malloc(batch * width * sizeof(floating))
    if projection == NULL or work == NULL:
        free(projection)
        free(work)
        return -1
    _project_inputs(p, x, batch * steps, p.depth, kernel, bias, width, projection)

    for s in range(steps):
        if _stopped(p):
            break
        t = steps - 1 - s if p.go_backwards else s
        g = projection + t * width          # row b's gates at step t: g + b * ldp
        if p.cell == GRU_CELL and p.reset_after:
            # work = h @ recurrent + recurrent_bias, for all three gates.
            for b in range(batch):
                memcpy(work + b * width, rbias, width * sizeof(floating))
            _product(h, batch, units, units, recurrent, width, width, work, width)
        elif p.cell == GRU_CELL:
            # z and r take h @ recurrent[:, :2H]; h's gate waits for r.
            _product(h, batch, units, units, recurrent, width, 2 * units, g, ldp)
            for b in range(batch):
                _activate_gates(p.recurrent_activation, g + b * ldp, 2, units)
                for j in range(units):
                    work[b * units + j] = g[b * ldp + units + j] * h[b * units + j]
            _product(work, batch, units, units, recurrent + 2 * units, width, units,
                     g + 2 * units, ldp)
        else:
            # SimpleRNN, LSTM: accumulate h @ recurrent into the projection.
            _product(h, batch, units, units, recurrent, width, width, g, ldp)

        for b in range(batch):
            valid = p.mask == NULL or p.mask[b * steps + t] != 0
            if valid:
                hb = h + b * units
                if p.cell == SIMPLE_RNN:
                    _activate(p.activation, g + b * ldp, units)
                    memcpy(hb, g + b * ldp, units * sizeof(floating))
                elif p.cell == LSTM_CELL:
                    _lstm_update(g + b * ldp, hb, c + b * units, work + b * width, units,
                                 p.activation, p.recurrent_activation)
                elif p.reset_after:
                    _gru_update_reset_after(g + b * ldp, work + b * width, hb, units,
                                            p.activation, p.recurrent_activation)
                else:
                    _gru_update(g + b * ldp, hb, units, p.activation)
            _emit(h + b * units, last + b * units,
                  seq + (b * steps + s) * units if seq != NULL else NULL,
                  units, valid, p.zero_output_for_mask)
    free(projection)
    free(work)
    return _INTERRUPTED if _stopped(p) else 0


cdef inline void _lstm_update(floating* g, floating* h, floating* c, floating* tmp,
                              Py_ssize_t units, int act, int ract) noexcept nogil:
    """Keras LSTM, gates i, f, c, o in g:
    c = f * c + i * act(z_c);  h = o * act(c)."""
    cdef Py_ssize_t j
    _activate_gates(ract, g, 2, units)       # i and f are adjacent
    _activate(act, g + 2 * units, units)
    _activate(ract, g + 3 * units, units)
    for j in range(units):
        c[j] = g[units + j] * c[j] + g[j] * g[2 * units + j]
        tmp[j] = c[j]
    _activate(act, tmp, units)
    for j in range(units):
        h[j] = g[3 * units + j] * tmp[j]


cdef inline void _gru_update_reset_after(floating* g, const floating* inner, floating* h,
                                         Py_ssize_t units, int act, int ract) noexcept nogil:
    """Keras GRU, reset_after=True; inner = h @ U + recurrent_bias:
    z, r = ract(x_zr + inner_zr);  hh = act(x_h + r * inner_h);
    h = z * h + (1 - z) * hh."""
    cdef Py_ssize_t j
    for j in range(2 * units):
        g[j] = g[j] + inner[j]
    _activate_gates(ract, g, 2, units)
    for j in range(units):
        g[2 * units + j] = g[2 * units + j] + g[units + j] * inner[2 * units + j]
    _activate(act, g + 2 * units, units)
    for j in range(units):
        h[j] = g[j] * h[j] + (1 - g[j]) * g[2 * units + j]


cdef inline void _gru_update(floating* g, floating* h, Py_ssize_t units, int act) noexcept nogil:
    """Keras GRU, reset_after=False; z and r are already activated in g and
    g's h-part already holds x_h + (r * h) @ U_h:  h = z * h + (1 - z) * act(.)"""
    cdef Py_ssize_t j
    _activate(act, g + 2 * units, units)
    for j in range(units):
        h[j] = g[j] * h[j] + (1 - g[j]) * g[2 * units + j]


# ---------------------------------------------------------------- packed float32 path
# For float32 with elementwise activations (and GRU with reset_after), the
# weights are packed once so that each panel of the recurrent product holds
# every gate of a block of units: the gate update runs right after the
# panel's register tile, on data still in L1, and the product streams each
# panel's weights sequentially.


cdef inline void _lstm_epilogue(float* g, const float* px, float* c, float* h_next,
                                Py_ssize_t n, int act, int ract) noexcept nogil:
    cdef float cell[16]
    cdef Py_ssize_t j, vl = FR_VL
    for j in range(4 * vl):
        g[j] = g[j] + px[j]
    _activate_f32(ract, g, 2 * vl)               # i and f
    _activate_f32(act, g + 2 * vl, vl)
    _activate_f32(ract, g + 3 * vl, vl)
    for j in range(n):
        c[j] = g[vl + j] * c[j] + g[j] * g[2 * vl + j]
        cell[j] = c[j]
    _activate_f32(act, cell, n)
    for j in range(n):
        h_next[j] = g[3 * vl + j] * cell[j]


cdef inline void _gru_epilogue(float* g, const float* px, const float* h_cur, float* h_next,
                               Py_ssize_t n, int act, int ract) noexcept nogil:
    # g = h @ U + recurrent_bias (reset_after), px = x @ W + input_bias.
    cdef Py_ssize_t j, vl = FR_VL
    for j in range(2 * vl):
        g[j] = g[j] + px[j]
    _activate_f32(ract, g, 2 * vl)               # z and r
    for j in range(vl):
        g[2 * vl + j] = px[2 * vl + j] + g[vl + j] * g[2 * vl + j]
    _activate_f32(act, g + 2 * vl, vl)
    for j in range(n):
        h_next[j] = g[j] * h_cur[j] + (1 - g[j]) * g[2 * vl + j]


cdef inline void _simple_epilogue(float* g, const float* px, float* h_next, Py_ssize_t n,
                                  int act) noexcept nogil:
    cdef Py_ssize_t j, vl = FR_VL
    for j in range(4 * vl):
        g[j] = g[j] + px[j]
    _activate_f32(act, g, 4 * vl)
    memcpy(h_next, g, n * sizeof(float))


cdef inline Py_ssize_t _tile_rows(Py_ssize_t remaining, Py_ssize_t rows) noexcept nogil:
    """Rows of the next register tile: ``rows``, but spread evenly over the
    remaining tiles (32 rows: 6, 6, 5, 5, 5, 5 rather than 6 x 5 + 2), as a
    short tile does few multiply-adds per weight it loads."""
    cdef Py_ssize_t tiles = (remaining + rows - 1) // rows
    return (remaining + tiles - 1) // tiles


cdef void _project_packed(Plan* p, Py_ssize_t b0, Py_ssize_t b1, Py_ssize_t q0,
                          Py_ssize_t q1, float* projection) noexcept nogil:
    """projection = x @ kernel + bias for rows b0..b1, panels q0..q1 (packed order)."""
    cdef Py_ssize_t steps = p.steps, depth = p.depth, r, mr, q
    cdef Py_ssize_t panel = p.nv * FR_VL, wide = p.panels * panel
    cdef Py_ssize_t row_end = b1 * steps, rows = fr_tile_rows(p.nv)
    cdef const float* x = <const float*>p.x
    r = b0 * steps
    while r < row_end and not _stopped(p):
        mr = _tile_rows(row_end - r, rows)
        for q in range(q0, q1):
            fr_tile(<int>mr, p.nv)(x + r * depth, depth, depth,
                                   p.packed_kernel + q * depth * panel, p.packed_bias + q * panel,
                                   projection + r * wide + q * panel, wide)
        r = r + mr


cdef void _step_packed(Plan* p, Py_ssize_t s, Py_ssize_t b0, Py_ssize_t b1, Py_ssize_t q0,
                       Py_ssize_t q1, const float* projection, const float* h_cur,
                       float* h_next) noexcept nogil:
    """Step s for rows b0..b1 and panels q0..q1: reads h_cur, writes h_next
    (and c, and the outputs) for the panels' units only."""
    cdef Py_ssize_t steps = p.steps, units = p.units
    cdef Py_ssize_t panel = p.nv * FR_VL, wide = p.panels * panel, per = p.units_per_panel
    cdef Py_ssize_t t = steps - 1 - s if p.go_backwards else s
    cdef Py_ssize_t r, mr, q, i, b, u0, n
    cdef float* c = <float*>p.c
    cdef float* last = <float*>p.last_output
    cdef float* seq = <float*>p.sequence_output
    cdef const unsigned char* mask = p.mask
    cdef float* g
    cdef const float* px
    cdef float tile[FR_TILE_FLOATS]
    cdef bint valid
    cdef bint is_gru = p.cell == GRU_CELL
    cdef Py_ssize_t rows = fr_tile_rows(p.nv)
    r = b0
    while r < b1:
        mr = _tile_rows(b1 - r, rows)
        for q in range(q0, q1):
            fr_tile(<int>mr, p.nv)(h_cur + r * units, units, units,
                                   p.packed_recurrent + q * units * panel,
                                   p.packed_recurrent_bias + q * panel if is_gru else NULL,
                                   tile, panel)
            u0 = q * per
            n = min(per, units - u0)
            for i in range(mr):
                b = r + i
                valid = mask == NULL or mask[b * steps + t] != 0
                g = tile + i * panel
                px = projection + (b * steps + t) * wide + q * panel
                if not valid:
                    memcpy(h_next + b * units + u0, h_cur + b * units + u0, n * sizeof(float))
                elif p.cell == LSTM_CELL:
                    _lstm_epilogue(g, px, c + b * units + u0, h_next + b * units + u0, n,
                                   p.activation, p.recurrent_activation)
                elif is_gru:
                    _gru_epilogue(g, px, h_cur + b * units + u0, h_next + b * units + u0, n,
                                  p.activation, p.recurrent_activation)
                else:
                    _simple_epilogue(g, px, h_next + b * units + u0, n, p.activation)
                _emit(h_next + b * units + u0, last + b * units + u0,
                      seq + (b * steps + s) * units + u0 if seq != NULL else NULL,
                      n, valid, p.zero_output_for_mask)
        r = r + mr


cdef void _run_packed_rows(Plan* p, Py_ssize_t b0, Py_ssize_t b1, float* projection,
                           float* spare) noexcept nogil:
    """Rows b0..b1, every unit, the whole sequence: no other thread needed.
    h alternates between the state array (holding h0) and ``spare``."""
    cdef Py_ssize_t s, b, units = p.units
    cdef float* h_out = <float*>p.h
    cdef float* h_cur = h_out
    cdef float* h_next = spare
    cdef float* swap
    if b1 <= b0:
        return
    _project_packed(p, b0, b1, 0, p.panels, projection)
    for s in range(p.steps):
        if _stopped(p):
            return
        _step_packed(p, s, b0, b1, 0, p.panels, projection, h_cur, h_next)
        swap = h_cur
        h_cur = h_next
        h_next = swap
    if h_cur != h_out:
        memcpy(h_out + b0 * units, h_cur + b0 * units, (b1 - b0) * units * sizeof(float))


cdef struct Shared:
    # Work shared by the threads splitting one call's units. Each step's
    # panels form `chunks` chunks; threads claim chunks in order with one
    # atomic increment, and a chunk of step s starts once every chunk of
    # step s - 1 is done. Normally each thread takes one chunk per step; when
    # a thread is descheduled (more busy threads than cores), the others take
    # its chunks instead of waiting for it at every step.
    int claimed
    int completed
    int chunks
    int total


cdef void _run_packed_shared(Plan* p, Shared* work, float* projection, float* spare) noexcept nogil:
    cdef Py_ssize_t k, s, chunk, q0, q1, spins
    cdef float* buffers[2]
    buffers[0] = <float*>p.h
    buffers[1] = spare
    while True:
        k = __atomic_fetch_add(&work.claimed, 1, __ATOMIC_RELAXED)
        if k >= work.total:
            return
        s, chunk = k // work.chunks, k % work.chunks
        spins = 0
        while __atomic_load_n(&work.completed, __ATOMIC_ACQUIRE) < s * work.chunks:
            # A thread that stopped never completes its chunk: stop too.
            if _stopped(p):
                return
            spins = spins + 1
            fr_relax(spins)
        if _stopped(p):
            return
        q0 = p.panels * chunk // work.chunks
        q1 = p.panels * (chunk + 1) // work.chunks
        _step_packed(p, s, 0, p.batch, q0, q1, projection, buffers[s % 2], buffers[(s + 1) % 2])
        __atomic_fetch_add(&work.completed, 1, __ATOMIC_RELEASE)


cdef int _run_packed_parallel(Plan* p, int threads) noexcept nogil:
    """The packed path on ``threads`` threads: split the batch when each
    thread gets at least a register tile of rows, else split the units."""
    cdef Py_ssize_t batch = p.batch, units = p.units
    cdef Py_ssize_t wide = p.panels * p.nv * FR_VL
    cdef float* projection
    cdef float* spare
    cdef int part, tid = 0, team = 1
    cdef Shared work
    cdef bint by_rows = batch >= threads * FR_MR
    if batch == 0 or p.steps == 0:
        return 0
    projection = <float*>malloc(batch * p.steps * wide * sizeof(float))
    spare = <float*>malloc(batch * units * sizeof(float))
    if projection == NULL or spare == NULL:
        free(projection)
        free(spare)
        return -1
    if threads > p.panels and not by_rows:
        threads = p.panels
    global fr_threads_started
    if threads > 1:
        fr_threads_started = 1
    if threads <= 1:
        _run_packed_rows(p, 0, batch, projection, spare)
    elif by_rows:
        for part in prange(threads, num_threads=threads, schedule="static"):
            _run_packed_rows(p, batch * part // threads, batch * (part + 1) // threads,
                             projection, spare)
    else:
        work.claimed = work.completed = 0
        work.chunks = threads
        work.total = threads * <int>p.steps
        with parallel(num_threads=threads):
            tid = threadid()
            team = openmp.omp_get_num_threads()
            _project_packed(p, 0, batch, p.panels * tid // team, p.panels * (tid + 1) // team,
                            projection)
            fr_omp_barrier()
            _run_packed_shared(p, &work, projection, spare)
        if p.steps % 2:
            memcpy(p.h, spare, batch * units * sizeof(float))
    free(projection)
    free(spare)
    return _INTERRUPTED if _stopped(p) else 0


# Threads for one call: 0 follows OpenMP's default (OMP_NUM_THREADS, which
# threadpoolctl also sets); set_num_threads overrides.
cdef int _num_threads = 0
# Below this many multiply-adds per step, threads cost more than they save.
cdef Py_ssize_t _parallel_threshold = 32768


def set_num_threads(int n):
    """Use n threads per call (0: follow OpenMP / threadpoolctl)."""
    global _num_threads
    if n < 0:
        raise ValueError(f"the number of threads must be >= 0, got {n}")
    _num_threads = n


def set_parallel_threshold(Py_ssize_t multiply_adds):
    """Calls with fewer multiply-adds per step run on one thread (tests use it)."""
    global _parallel_threshold
    previous = _parallel_threshold
    _parallel_threshold = multiply_adds
    return previous


def get_num_threads_setting():
    """What set_num_threads last set (0: follow OpenMP)."""
    return _num_threads


def get_num_threads():
    """Threads a large call uses."""
    return _num_threads if _num_threads > 0 else openmp.omp_get_max_threads()


cdef int _threads_for(Plan* p) noexcept nogil:
    cdef int n = _num_threads if _num_threads > 0 else openmp.omp_get_max_threads()
    cdef Py_ssize_t per_step = p.batch * p.units * p.gates * (p.units + p.depth)
    # Both a step and the whole call must be worth it: a stateful layer fed
    # one step per call would otherwise pay for waking threads every call.
    if n <= 1 or per_step < _parallel_threshold or per_step * p.steps < 8 * _parallel_threshold:
        return 1
    return n


cdef inline Py_ssize_t _work(Plan* p) noexcept nogil:
    """A whole call's multiply-adds."""
    return p.steps * p.batch * p.units * p.gates * (p.units + p.depth)


cdef bint _worth_a_thread(Plan* p) noexcept nogil:
    # A whole call of at least this many multiply-adds pays for waking a
    # second thread (a few microseconds).
    return _work(p) >= 100000


# ---------------------------------------------------------------- Python entry
cdef inline void* _data(cnp.ndarray a) noexcept:
    return cnp.PyArray_DATA(a)


cdef cnp.ndarray _checked(object a, str name, int typenum, int ndim, Py_ssize_t d0,
                          Py_ssize_t d1, Py_ssize_t d2):
    """The last line of defence before raw pointers: exact type, dtype,
    contiguity and shape (d < 0: any). The layers validate with friendlier
    messages first; this keeps a bad internal call from touching memory."""
    cdef cnp.ndarray arr
    if not isinstance(a, cnp.ndarray):
        raise TypeError(f"{name} must be a numpy array")
    arr = <cnp.ndarray>a
    # (The type number says nothing of byte order or alignment: check both.)
    if (cnp.PyArray_TYPE(arr) != typenum or arr.ndim != ndim
            or not cnp.PyArray_IS_C_CONTIGUOUS(arr) or not cnp.PyArray_ISNOTSWAPPED(arr)
            or not cnp.PyArray_ISALIGNED(arr)):
        raise ValueError(f"{name}: expected an aligned, native-order, C-contiguous "
                         f"{ndim}-d array of the layer dtype")
    if (d0 >= 0 and arr.shape[0] != d0) or (ndim > 1 and d1 >= 0 and arr.shape[1] != d1) \
            or (ndim > 2 and d2 >= 0 and arr.shape[2] != d2):
        raise ValueError(f"{name}: unexpected shape {(<object>arr).shape}")
    return arr


cdef class Recurrence:
    """A cell's weights, checked once, and the call that runs a sequence.

    ``kernel`` (D, G*H), ``recurrent`` (H, G*H), ``bias`` and
    ``recurrent_bias`` (G*H,) (zeros when unused) in Keras layout, all
    C-contiguous float32 or float64.
    """
    cdef readonly int cell, activation, recurrent_activation
    cdef readonly bint reset_after
    cdef readonly Py_ssize_t input_dim, units, gates
    cdef int typenum
    cdef cnp.ndarray kernel, recurrent, bias, recurrent_bias
    cdef readonly bint packed
    cdef int nv, panels
    cdef Py_ssize_t units_per_panel
    cdef cnp.ndarray packed_kernel, packed_recurrent, packed_bias, packed_recurrent_bias

    def __init__(self, int cell, kernel, recurrent, bias, recurrent_bias,
                 int activation, int recurrent_activation, bint reset_after):
        if cell not in (SIMPLE_RNN, LSTM_CELL, GRU_CELL):
            raise ValueError(f"unknown cell {cell}")
        if not (0 <= activation <= SPARSEMAX and 0 <= recurrent_activation <= SPARSEMAX):
            raise ValueError("unknown activation code")
        self.cell, self.reset_after = cell, reset_after
        self.activation, self.recurrent_activation = activation, recurrent_activation
        self.gates = {SIMPLE_RNN: 1, LSTM_CELL: 4, GRU_CELL: 3}[cell]
        if not isinstance(recurrent, cnp.ndarray) or (<cnp.ndarray>recurrent).ndim != 2:
            raise ValueError("recurrent must be a 2-d array")
        self.typenum = cnp.PyArray_TYPE(<cnp.ndarray>recurrent)
        if self.typenum not in (cnp.NPY_FLOAT32, cnp.NPY_FLOAT64):
            raise ValueError("weights must be float32 or float64")
        self.units = recurrent.shape[0]
        width = self.gates * self.units
        self.recurrent = _checked(recurrent, "recurrent", self.typenum, 2, self.units, width, -1)
        self.kernel = _checked(kernel, "kernel", self.typenum, 2, -1, width, -1)
        self.input_dim = self.kernel.shape[0]
        self.bias = _checked(bias, "bias", self.typenum, 1, width, -1, -1)
        self.recurrent_bias = _checked(recurrent_bias, "recurrent_bias", self.typenum, 1,
                                       width, -1, -1)
        rowwise = (SOFTMAX, LOG_SOFTMAX, SPARSEMAX)
        self.packed = (self.typenum == cnp.NPY_FLOAT32 and activation not in rowwise
                       and recurrent_activation not in rowwise
                       and (cell != GRU_CELL or reset_after))
        if self.packed:
            self._pack()

    def _pack(self):
        """Reorder the weights into panels of nv vectors of FR_VL columns.

        LSTM and GRU: panel q holds every gate of units q*VL .. q*VL+VL-1, one
        vector per gate; SimpleRNN: four vectors of consecutive units.
        Columns past the last unit are zeros.
        """
        import numpy as np
        units, vl = self.units, FR_VL
        if self.cell == SIMPLE_RNN:
            self.nv, self.units_per_panel = 4, 4 * vl
        else:
            self.nv, self.units_per_panel = self.gates, vl
        self.panels = -(-units // self.units_per_panel)
        panel = self.nv * vl
        q, v, lane = np.meshgrid(np.arange(self.panels), np.arange(self.nv), np.arange(vl),
                                 indexing="ij")
        if self.cell == SIMPLE_RNN:
            unit, gate = q * self.units_per_panel + v * vl + lane, 0
        else:
            unit, gate = q * vl + lane, v
        source = (gate * units + unit).reshape(-1)     # Keras column of each packed column
        present = unit.reshape(-1) < units

        def pack_matrix(w):
            out = np.zeros((w.shape[0], self.panels * panel), np.float32)
            out[:, present] = w[:, source[present]]
            out = out.reshape(w.shape[0], self.panels, panel).transpose(1, 0, 2)
            return np.ascontiguousarray(out)

        def pack_vector(b):
            out = np.zeros(self.panels * panel, np.float32)
            out[present] = b[source[present]]
            return out

        self.packed_kernel = pack_matrix(self.kernel)
        self.packed_recurrent = pack_matrix(self.recurrent)
        self.packed_bias = pack_vector(self.bias)
        self.packed_recurrent_bias = pack_vector(self.recurrent_bias)

    @property
    def dtype(self):
        return "float64" if self.typenum == cnp.NPY_FLOAT64 else "float32"

    def fits(self, x, Py_ssize_t max_rows):
        """Whether ``prepare`` takes x as it is: an aligned, native-order,
        C-contiguous (batch, T >= 1, input_dim) ndarray of the weights' dtype
        with batch * T <= max_rows. The layers' fast path, decided in C."""
        cdef cnp.ndarray arr
        if type(x) is not cnp.ndarray:
            return False
        arr = <cnp.ndarray>x
        return (cnp.PyArray_TYPE(arr) == self.typenum and arr.ndim == 3
                and cnp.PyArray_IS_C_CONTIGUOUS(arr) and cnp.PyArray_ISNOTSWAPPED(arr)
                and cnp.PyArray_ISALIGNED(arr) and arr.shape[2] == self.input_dim
                and arr.shape[1] >= 1 and arr.shape[0] * arr.shape[1] <= max_rows)

    def prepare(self, x, mask, initial_state, bint go_backwards, bint return_sequences,
                bint zero_output_for_mask):
        """Check the arguments and allocate the outputs of one call on x
        (batch, T, D); ``Call.run`` then runs it without the GIL.

        ``mask`` is None or a C-contiguous uint8 (batch, T) array, nonzero
        for valid steps; ``initial_state`` is None or a sequence of
        (batch, H) arrays, which are copied, not modified.
        """
        cdef Call call = Call.__new__(Call)
        cdef Plan* p = &call.p
        cdef cnp.ndarray xa = _checked(x, "x", self.typenum, 3, -1, -1, self.input_dim)
        cdef cnp.npy_intp batch = xa.shape[0], steps = xa.shape[1], units = self.units
        cdef cnp.npy_intp dims[3]
        cdef cnp.ndarray last, seq = None, h, c = None, ma = None
        cdef Py_ssize_t n_states = 2 if self.cell == LSTM_CELL else 1
        cdef Py_ssize_t scratch
        if steps == 0:
            # Keras cannot run a recurrence over zero timesteps either.
            raise ValueError("x: expected at least one timestep")
        # The projection scratch (batch, T, width), computed without wrapping
        # (x of zero features holds no data, whatever its length).
        if (__builtin_mul_overflow(batch, steps, &scratch)
                or __builtin_mul_overflow(scratch, self.units_per_panel * self.panels * self.nv
                                          if self.packed else self.gates * units, &scratch)
                or scratch > (<Py_ssize_t>1 << 59)):
            raise MemoryError(f"x of shape {(<object>xa).shape} would need more than 2**62 "
                              "bytes of scratch memory")
        memset(p, 0, sizeof(Plan))
        dims[0], dims[1], dims[2] = batch, units, 0
        if initial_state is None:
            h = cnp.PyArray_ZEROS(2, dims, self.typenum, 0)
            if n_states == 2:
                c = cnp.PyArray_ZEROS(2, dims, self.typenum, 0)
        else:
            if len(initial_state) != n_states:
                raise ValueError(f"expected {n_states} initial state(s)")
            h = _checked(initial_state[0], "h", self.typenum, 2, batch, units, -1).copy()
            if n_states == 2:
                c = _checked(initial_state[1], "c", self.typenum, 2, batch, units, -1).copy()
        last = cnp.PyArray_ZEROS(2, dims, self.typenum, 0)
        if return_sequences:
            dims[1], dims[2] = steps, units
            seq = cnp.PyArray_EMPTY(3, dims, self.typenum, 0)
        if mask is not None:
            ma = _checked(mask, "mask", cnp.NPY_UINT8, 2, batch, steps, -1)

        p.cell, p.reset_after = self.cell, self.reset_after
        p.activation, p.recurrent_activation = self.activation, self.recurrent_activation
        p.batch, p.steps, p.depth = batch, steps, self.input_dim
        p.units, p.gates = units, self.gates
        p.x, p.kernel, p.recurrent = _data(xa), _data(self.kernel), _data(self.recurrent)
        p.bias, p.recurrent_bias = _data(self.bias), _data(self.recurrent_bias)
        p.mask = <const unsigned char*>_data(ma) if ma is not None else NULL
        p.h = _data(h)
        p.c = _data(c) if c is not None else NULL
        p.last_output = _data(last)
        p.sequence_output = _data(seq) if seq is not None else NULL
        p.go_backwards, p.zero_output_for_mask = go_backwards, zero_output_for_mask
        if self.packed:
            p.packed_kernel = <const float*>_data(self.packed_kernel)
            p.packed_recurrent = <const float*>_data(self.packed_recurrent)
            p.packed_bias = <const float*>_data(self.packed_bias)
            p.packed_recurrent_bias = <const float*>_data(self.packed_recurrent_bias)
            p.panels, p.nv, p.units_per_panel = self.panels, self.nv, self.units_per_panel
        call.packed, call.double = self.packed, self.typenum == cnp.NPY_FLOAT64
        # The plan points into these: keep them alive as long as the call.
        call.keep = (self, xa, ma)
        call.last, call.sequence = last, seq
        call.states = [h, c] if n_states == 2 else [h]
        return call

    def __call__(self, x, mask, initial_state, bint go_backwards, bint return_sequences,
                 bint zero_output_for_mask):
        """prepare(...) and run: returns (last_output, sequence_output or None,
        [h] or [h, c]), all new arrays."""
        call = self.prepare(x, mask, initial_state, go_backwards, return_sequences,
                            zero_output_for_mask)
        call.run()
        return call.last, call.sequence, call.states

    def __reduce__(self):
        return (Recurrence, (self.cell, self.kernel, self.recurrent, self.bias,
                             self.recurrent_bias, self.activation,
                             self.recurrent_activation, self.reset_after))


cdef int _execute(Plan* p, bint packed, bint double, int threads) noexcept nogil:
    if packed:
        return _run_packed_parallel(p, threads)
    if double:
        return _run(p, <double*>NULL)
    return _run(p, <float*>NULL)


# A call of at least this many multiply-adds (about a millisecond) made on
# the main thread stops at Ctrl-C; below it, arming the handler is not worth
# its two system calls.
cdef enum:
    _INTERRUPT_THRESHOLD = 2000000


def threads_started():
    """Whether this process, or the parent it was forked from, ran OpenMP threads."""
    return bool(fr_threads_started)


def forbid_threads():
    """Compute on the calling thread only from now on (a fork after threads ran)."""
    global fr_threads_forbidden
    fr_threads_forbidden = 1


def threads_forbidden():
    """Whether calls are kept to one thread because of a fork after threads ran."""
    return bool(fr_threads_forbidden)


cdef int _allowed_threads(int wanted):
    """``wanted``, or 1 where more threads would hang or only wait."""
    global fr_fork_warned
    if wanted <= 1:
        return 1
    if fr_running > 0:
        # Another call is running (from another Python thread): the
        # cores are taken, and more threads would only wait for them.
        return 1
    if fr_threads_forbidden:
        if not fr_fork_warned:
            fr_fork_warned = 1
            import warnings
            warnings.warn(
                "fastrnn: this process was forked after fastrnn had run OpenMP threads, "
                "which cannot run in a forked child (GNU libgomp is not fork-safe); calls "
                "in this process use one thread. Use the 'spawn' or 'forkserver' start "
                "method, or fastrnn.set_num_threads(1) in the parent before its first call.",
                RuntimeWarning, stacklevel=2)
        return 1
    return wanted


cdef bint _on_main_thread():
    import threading
    return threading.get_ident() == threading.main_thread().ident


cdef class Call:
    """One prepared call: its plan and the arrays it reads and writes."""
    cdef Plan p
    cdef bint packed, double, done
    cdef object keep
    cdef readonly object last, sequence, states

    def run(self, int threads=0):
        """Run the recurrence without the GIL (threads 0: the global setting)."""
        if threads <= 0:
            threads = _threads_for(&self.p)
        _run_calls(self, None, _allowed_threads(threads))

    def run_with(self, Call other):
        """Run this call and ``other`` (another direction) concurrently, one
        thread each, when two threads are allowed and the work is worth a
        thread; else one after the other."""
        cdef bint both = (get_num_threads() >= 2 and _worth_a_thread(&self.p)
                          and _worth_a_thread(&other.p))
        if both and _allowed_threads(2) == 2:
            _run_calls(self, other, 2)
        else:
            self.run()
            other.run()


cdef _restart(Call call, list initial):
    """Undo a stopped call's partial work: its outputs start from zero and
    its states from the initial ones."""
    call.last[...] = 0
    for state, start in zip(call.states, initial):
        state[...] = start


cdef _run_calls(Call first, Call second, int threads):
    """Run ``first`` on ``threads`` threads, or ``first`` and ``second``
    concurrently on one thread each (threads 2).

    A long call on the main thread stops at Ctrl-C: the handler that Python
    would run afterwards runs now and raises (KeyboardInterrupt), and the
    layer never sees the partial results. If the handler returns instead,
    the call starts again from its initial states.
    """
    cdef int status[2]
    cdef int tid = 0, team = 1, n = 1 if second is None else 2
    cdef bint armed = False
    cdef list calls, initial = None
    cdef Call call
    cdef Py_ssize_t work = _work(&first.p)
    if first.done or (second is not None and second.done):
        raise RuntimeError("this call has already run")
    first.done = True
    if second is not None:
        second.done = True
        work += _work(&second.p)
    first.p.interruptible = False
    if second is not None:
        second.p.interruptible = False
    if work >= _INTERRUPT_THRESHOLD and _on_main_thread():
        calls = [first] if second is None else [first, second]
        initial = [[state.copy() for state in call.states] for call in calls]
        armed = fr_arm_interrupt()
        for call in calls:
            call.p.interruptible = armed
    global fr_running, fr_threads_started
    fr_running += n           # (under the GIL)
    try:
        while True:
            status[0] = status[1] = 0
            if second is None:
                with nogil:
                    status[0] = _execute(&first.p, first.packed, first.double, threads)
            else:
                fr_threads_started = 1
                with nogil, parallel(num_threads=2):
                    tid = threadid()
                    team = openmp.omp_get_num_threads()
                    if tid == 0:
                        status[0] = _execute(&first.p, first.packed, first.double, 1)
                    if tid == 1 or team == 1:
                        status[1] = _execute(&second.p, second.packed, second.double, 1)
            if status[0] != _INTERRUPTED and status[1] != _INTERRUPTED:
                break
            PyErr_CheckSignals()       # runs the Python handler: usually raises
            for call, start in zip(calls, initial):
                _restart(call, start)
            fr_arm_interrupt()         # (clears the flag; the handler is still ours)
    finally:
        fr_running -= n
        if armed:
            fr_disarm_interrupt()
    if status[0] != 0 or status[1] != 0:
        raise MemoryError("fastrnn: not enough memory for the input projection")
