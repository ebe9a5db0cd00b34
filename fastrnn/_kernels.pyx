# cython: language_level=3
"""Whole-sequence recurrences for SimpleRNN, LSTM and GRU, without the GIL.

Each public function runs one layer over the whole sequence in a single
``nogil`` block. The caller (``fastrnn.layers``) validates every shape and
allocates every array; the kernels only read and write them:

- ``x`` (batch, T, D), the Keras ``kernel`` (D, G*H), ``recurrent`` (H, G*H)
  and ``bias`` (G*H,), gates in Keras order;
- ``h`` (and ``c``) (batch, H) hold the initial states on entry and the final
  states on exit;
- ``mask`` (batch, T) uint8 or None, nonzero meaning "valid step";
- ``last_output`` (batch, H) receives the output of the final step and
  ``sequence_output`` (batch, T, H) or None every step's output, in processing
  order (reversed time when ``go_backwards``), as Keras returns it;
- ``projection`` (batch, T, G*H) is scratch for the hoisted input projection
  ``x @ kernel + bias``; ``work`` (batch, G*H) is per-step scratch.
"""
from cython cimport floating
from libc.math cimport erf, exp, expm1, fabs, log, log1p, sqrt, tanh
from libc.string cimport memcpy, memset
from scipy.linalg.cython_blas cimport dgemm, sgemm


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
# Computed in double and rounded once, so float32 results are correctly
# rounded versions of the exact function. Comparisons are written so that a
# NaN input falls through to a NaN output, as in TensorFlow.

cdef inline double _sigmoid(double v) noexcept nogil:
    return 1.0 / (1.0 + exp(-v))


cdef inline double _softplus(double v) noexcept nogil:
    # log(1 + e^v) without overflow for large v.
    if v > 0:
        return v + log1p(exp(-v))
    return log1p(exp(v))


cdef inline double _hard_sigmoid(double v) noexcept nogil:
    # Keras 3: relu6(x + 3) / 6 (Keras 2 used 0.2 * x + 0.5).
    v = v + 3.0
    if v < 0:
        v = 0.0
    elif v > 6:
        v = 6.0
    return v / 6.0


cdef inline double _scalar(int kind, double v) noexcept nogil:
    if kind == TANH:
        return tanh(v)
    if kind == SIGMOID:
        return _sigmoid(v)
    if kind == HARD_SIGMOID:
        return _hard_sigmoid(v)
    if kind == RELU:
        return 0.0 if v < 0 else v
    if kind == RELU6:
        return 0.0 if v < 0 else (6.0 if v > 6 else v)
    if kind == LEAKY_RELU:
        return 0.2 * v if v < 0 else v
    if kind == ELU:
        return expm1(v) if v < 0 else v
    if kind == SELU:
        if v < 0:
            return 1.0507009873554804934193349852946 * 1.6732632423543772848170429916717 * expm1(v)
        return 1.0507009873554804934193349852946 * v
    if kind == CELU:
        return expm1(v) if v < 0 else v
    if kind == SOFTPLUS:
        return _softplus(v)
    if kind == SOFTSIGN:
        return v / (1.0 + fabs(v))
    if kind == SILU:
        return v * _sigmoid(v)
    if kind == HARD_SILU:
        return v * _hard_sigmoid(v)
    if kind == GELU:
        # keras.activations.gelu defaults to the exact (erf) form.
        return 0.5 * v * (1.0 + erf(v * 0.70710678118654752440))
    if kind == MISH:
        return v * tanh(_softplus(v))
    if kind == EXPONENTIAL:
        return exp(v)
    if kind == HARD_TANH:
        return -1.0 if v < -1 else (1.0 if v > 1 else v)
    if kind == TANH_SHRINK:
        return v - tanh(v)
    if kind == SOFT_SHRINK:
        if v > 0.5:
            return v - 0.5
        if v < -0.5:
            return v + 0.5
        return 0.0 if v == v else v
    if kind == HARD_SHRINK:
        return v if (fabs(v) > 0.5 or v != v) else 0.0
    if kind == SPARSE_PLUS:
        if v <= -1:
            return 0.0
        if v < 1:
            return 0.25 * (v + 1.0) * (v + 1.0)
        return v
    if kind == SPARSE_SIGMOID:
        if v <= -1:
            return 0.0
        if v >= 1:
            return 1.0
        return 0.5 * (v + 1.0)
    if kind == SQUAREPLUS:
        return 0.5 * (v + sqrt(v * v + 4.0))
    if kind == LOG_SIGMOID:
        return -_softplus(-v)
    return v  # LINEAR


cdef void _softmax(floating* v, Py_ssize_t n, bint take_log) noexcept nogil:
    cdef Py_ssize_t i
    cdef double top = v[0], total = 0.0
    for i in range(1, n):
        if v[i] > top:
            top = v[i]
    for i in range(n):
        total += exp(v[i] - top)
    if take_log:
        for i in range(n):
            v[i] = <floating>(v[i] - top - log(total))
    else:
        for i in range(n):
            v[i] = <floating>(exp(v[i] - top) / total)


cdef void _sparsemax(floating* v, Py_ssize_t n) noexcept nogil:
    # Keras's TensorFlow sparsemax (keras/src/backend/tensorflow/nn.py):
    # with z sorted descending and S_k its prefix sums, the support is the
    # k with 1 + k * z_k > S_k, and tau = (sum of S_k over the support - 1)
    # / |support| -- a sum of prefix sums, not the textbook S_kmax; Keras is
    # the reference. No sort, so no scratch memory: the rank of z_i is the
    # count of z_j >= z_i and S at that rank their sum. O(n^2) per row.
    cdef Py_ssize_t i, j, support = 0
    cdef double k, prefix_sum, sum_of_prefix_sums = 0.0, tau
    for i in range(n):
        k = 0.0
        prefix_sum = 0.0
        for j in range(n):
            if v[j] >= v[i]:
                k += 1.0
                prefix_sum += v[j]
        if 1.0 + k * v[i] > prefix_sum:
            support += 1
            sum_of_prefix_sums += prefix_sum
    tau = (sum_of_prefix_sums - 1.0) / support if support > 0 else 0.0
    for i in range(n):
        v[i] = <floating>(v[i] - tau if v[i] - tau > 0 else 0.0)


cdef void _activate(int kind, floating* v, Py_ssize_t n) noexcept nogil:
    """Apply activation ``kind`` in place to the n values of one gate."""
    cdef Py_ssize_t i
    if kind == LINEAR:
        return
    if kind == SOFTMAX or kind == LOG_SOFTMAX:
        _softmax(v, n, kind == LOG_SOFTMAX)
    elif kind == SPARSEMAX:
        _sparsemax(v, n)
    else:
        for i in range(n):
            v[i] = <floating>_scalar(kind, v[i])


# ---------------------------------------------------------------- BLAS
cdef void _gemm_rows(int m, int n, int k, floating alpha,
                     const floating* a, int lda, const floating* b, int ldb,
                     floating beta, floating* c, int ldc) noexcept nogil:
    """Row-major C[n, m] = alpha * B[n, k] @ A[k, m] + beta * C.

    Column-major BLAS sees the row-major product transposed, so the
    arguments go in as C^T = A^T B^T with no copies.
    """
    cdef char no = b'N'
    if m == 0 or n == 0:
        return
    if floating is float:
        sgemm(&no, &no, &m, &n, &k, &alpha, <float*>a, &lda, <float*>b, &ldb,
              &beta, c, &ldc)
    else:
        dgemm(&no, &no, &m, &n, &k, &alpha, <double*>a, &lda, <double*>b, &ldb,
              &beta, c, &ldc)


cdef void _project_inputs(const floating[:, :, ::1] x,
                          const floating[:, ::1] kernel,
                          const floating[::1] bias,
                          floating[:, :, ::1] projection) noexcept nogil:
    """projection = x @ kernel + bias for every timestep, as one GEMM."""
    cdef Py_ssize_t rows = x.shape[0] * x.shape[1], width = kernel.shape[1]
    cdef Py_ssize_t r
    cdef int depth = <int>x.shape[2]
    cdef floating* out
    if rows == 0:
        return
    out = &projection[0, 0, 0]
    for r in range(rows):
        memcpy(out + r * width, &bias[0], width * sizeof(floating))
    if depth > 0:
        _gemm_rows(<int>width, <int>rows, depth, 1.0, &kernel[0, 0], <int>width,
                   &x[0, 0, 0], depth, 1.0, out, <int>width)


cdef inline void _emit(const floating* h, floating* last_output,
                       floating* sequence_output, Py_ssize_t units, bint valid,
                       bint zero_output_for_mask) noexcept nogil:
    """Record one row's output at one step, as keras.backend.rnn does.

    A valid step outputs h; a masked step repeats the previous output (zeros
    before the first valid step), or outputs zeros with zero_output_for_mask.
    ``sequence_output`` is this row's slot at this step, or NULL.
    """
    if valid:
        memcpy(last_output, h, units * sizeof(floating))
    elif zero_output_for_mask:
        memset(last_output, 0, units * sizeof(floating))
    if sequence_output != NULL:
        memcpy(sequence_output, last_output, units * sizeof(floating))


# ---------------------------------------------------------------- cells
def simple_rnn(const floating[:, :, ::1] x, const floating[:, ::1] kernel,
               const floating[:, ::1] recurrent, const floating[::1] bias,
               floating[:, ::1] h, const unsigned char[:, ::1] mask,
               bint go_backwards, int activation, bint zero_output_for_mask,
               floating[:, ::1] last_output, floating[:, :, ::1] sequence_output,
               floating[:, :, ::1] projection):
    """h_t = activation(x_t @ kernel + bias + h_{t-1} @ recurrent)."""
    cdef Py_ssize_t batch = x.shape[0], steps = x.shape[1], units = h.shape[1]
    cdef Py_ssize_t s, t, b, ldp = steps * units
    cdef bint has_mask = mask is not None, has_sequence = sequence_output is not None
    cdef bint valid
    cdef floating* z
    with nogil:
        _project_inputs(x, kernel, bias, projection)
        for s in range(steps):
            t = steps - 1 - s if go_backwards else s
            # projection[:, t, :] += h @ recurrent, in place (ld = T * H).
            _gemm_rows(<int>units, <int>batch, <int>units, 1.0, &recurrent[0, 0],
                       <int>units, &h[0, 0], <int>units, 1.0,
                       &projection[0, t, 0], <int>ldp)
            for b in range(batch):
                valid = not has_mask or mask[b, t] != 0
                if valid:
                    z = &projection[b, t, 0]
                    _activate(activation, z, units)
                    memcpy(&h[b, 0], z, units * sizeof(floating))
                _emit(&h[b, 0], &last_output[b, 0],
                      &sequence_output[b, s, 0] if has_sequence else NULL,
                      units, valid, zero_output_for_mask)


def lstm(const floating[:, :, ::1] x, const floating[:, ::1] kernel,
         const floating[:, ::1] recurrent, const floating[::1] bias,
         floating[:, ::1] h, floating[:, ::1] c, const unsigned char[:, ::1] mask,
         bint go_backwards, int activation, int recurrent_activation,
         bint zero_output_for_mask, floating[:, ::1] last_output,
         floating[:, :, ::1] sequence_output, floating[:, :, ::1] projection,
         floating[:, ::1] work):
    """Keras LSTM, gates i, f, c, o:
    c_t = f * c_{t-1} + i * activation(z_c);  h_t = o * activation(c_t)."""
    cdef Py_ssize_t batch = x.shape[0], steps = x.shape[1], units = h.shape[1]
    cdef Py_ssize_t s, t, b, j, width = 4 * units, ldp = steps * width
    cdef bint has_mask = mask is not None, has_sequence = sequence_output is not None
    cdef bint valid
    cdef floating* g
    cdef floating* act_c
    with nogil:
        _project_inputs(x, kernel, bias, projection)
        for s in range(steps):
            t = steps - 1 - s if go_backwards else s
            _gemm_rows(<int>width, <int>batch, <int>units, 1.0, &recurrent[0, 0],
                       <int>width, &h[0, 0], <int>units, 1.0,
                       &projection[0, t, 0], <int>ldp)
            for b in range(batch):
                valid = not has_mask or mask[b, t] != 0
                if valid:
                    g = &projection[b, t, 0]
                    _activate(recurrent_activation, g, units)
                    _activate(recurrent_activation, g + units, units)
                    _activate(activation, g + 2 * units, units)
                    _activate(recurrent_activation, g + 3 * units, units)
                    act_c = &work[b, 0]
                    for j in range(units):
                        c[b, j] = g[units + j] * c[b, j] + g[j] * g[2 * units + j]
                        act_c[j] = c[b, j]
                    _activate(activation, act_c, units)
                    for j in range(units):
                        h[b, j] = g[3 * units + j] * act_c[j]
                _emit(&h[b, 0], &last_output[b, 0],
                      &sequence_output[b, s, 0] if has_sequence else NULL,
                      units, valid, zero_output_for_mask)


def gru(const floating[:, :, ::1] x, const floating[:, ::1] kernel,
        const floating[:, ::1] recurrent, const floating[::1] bias,
        const floating[::1] recurrent_bias, floating[:, ::1] h,
        const unsigned char[:, ::1] mask, bint go_backwards, bint reset_after,
        int activation, int recurrent_activation, bint zero_output_for_mask,
        floating[:, ::1] last_output, floating[:, :, ::1] sequence_output,
        floating[:, :, ::1] projection, floating[:, ::1] work):
    """Keras GRU, gates z, r, h:  h_t = z * h_{t-1} + (1 - z) * hh, where
    reset_after:  hh = activation(x_h + r * (h_{t-1} @ U_h + recurrent_bias_h))
    otherwise:    hh = activation(x_h + (r * h_{t-1}) @ U_h).
    ``recurrent_bias`` (3H,) is the second bias row (zeros unless reset_after)."""
    cdef Py_ssize_t batch = x.shape[0], steps = x.shape[1], units = h.shape[1]
    cdef Py_ssize_t s, t, b, j, width = 3 * units, ldp = steps * width
    cdef bint has_mask = mask is not None, has_sequence = sequence_output is not None
    cdef bint valid
    cdef floating* g
    cdef floating* inner
    with nogil:
        _project_inputs(x, kernel, bias, projection)
        for s in range(steps):
            t = steps - 1 - s if go_backwards else s
            if reset_after:
                # work = h @ recurrent + recurrent_bias (all three gates).
                for b in range(batch):
                    memcpy(&work[b, 0], &recurrent_bias[0], width * sizeof(floating))
                _gemm_rows(<int>width, <int>batch, <int>units, 1.0,
                           &recurrent[0, 0], <int>width, &h[0, 0], <int>units,
                           1.0, &work[0, 0], <int>width)
                for b in range(batch):
                    valid = not has_mask or mask[b, t] != 0
                    if valid:
                        g = &projection[b, t, 0]
                        inner = &work[b, 0]
                        for j in range(2 * units):
                            g[j] = g[j] + inner[j]
                        _activate(recurrent_activation, g, units)
                        _activate(recurrent_activation, g + units, units)
                        for j in range(units):
                            g[2 * units + j] = (g[2 * units + j]
                                                + g[units + j] * inner[2 * units + j])
                        _activate(activation, g + 2 * units, units)
                        for j in range(units):
                            h[b, j] = g[j] * h[b, j] + (1 - g[j]) * g[2 * units + j]
                    _emit(&h[b, 0], &last_output[b, 0],
                          &sequence_output[b, s, 0] if has_sequence else NULL,
                          units, valid, zero_output_for_mask)
            else:
                # z and r: projection[:, t, :2H] += h @ recurrent[:, :2H].
                _gemm_rows(<int>(2 * units), <int>batch, <int>units, 1.0,
                           &recurrent[0, 0], <int>width, &h[0, 0], <int>units,
                           1.0, &projection[0, t, 0], <int>ldp)
                for b in range(batch):
                    g = &projection[b, t, 0]
                    _activate(recurrent_activation, g, units)
                    _activate(recurrent_activation, g + units, units)
                    for j in range(units):
                        work[b, j] = g[units + j] * h[b, j]
                # projection[:, t, 2H:] += (r * h) @ recurrent[:, 2H:].
                _gemm_rows(<int>units, <int>batch, <int>units, 1.0,
                           &recurrent[0, 2 * units], <int>width, &work[0, 0],
                           <int>width, 1.0, &projection[0, t, 2 * units], <int>ldp)
                for b in range(batch):
                    valid = not has_mask or mask[b, t] != 0
                    if valid:
                        g = &projection[b, t, 0]
                        _activate(activation, g + 2 * units, units)
                        for j in range(units):
                            h[b, j] = g[j] * h[b, j] + (1 - g[j]) * g[2 * units + j]
                    _emit(&h[b, 0], &last_output[b, 0],
                          &sequence_output[b, s, 0] if has_sequence else NULL,
                          units, valid, zero_output_for_mask)
