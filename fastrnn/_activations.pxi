# Activation functions: each rule once, for float and double, as Keras 3
# computes it (included by _recurrence.pxi; the cells and, in float32, the
# vector forms of _simd.h build on these).


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


cdef inline void _activate_gates(int kind, floating* v, Py_ssize_t gates,
                                 Py_ssize_t units) noexcept nogil:
    """Apply ``kind`` to ``gates`` adjacent gates of ``units`` values: in one
    pass when it is elementwise, gate by gate when it normalizes over the
    units (softmax and kin). The cells' activation, in both paths: float32
    sigmoid and tanh inline, in vector code (_simd.h), bit for bit _sigmoid
    and _tanh (a call and a switch per gate and step cost as much as the
    math at small sizes); the rest through _activate."""
    cdef Py_ssize_t k
    if floating is float:
        if kind == SIGMOID:
            fr_sigmoid_n(v, gates * units)
            return
        if kind == TANH:
            fr_tanh_n(v, gates * units)
            return
    if kind == LINEAR:
        return
    if kind == SOFTMAX or kind == LOG_SOFTMAX or kind == SPARSEMAX:
        for k in range(gates):
            _activate(kind, v + k * units, units)
    else:
        _activate(kind, v, gates * units)


cdef inline void _activate_f32(int kind, float* v, Py_ssize_t n) noexcept nogil:
    """_activate_gates of one float32 gate."""
    _activate_gates(kind, v, 1, n)


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
