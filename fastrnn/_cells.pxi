# The cells: each cell's update written once, used by the generic and the
# packed path alike (included by _recurrence.pxi).
#
# A cell update takes one row's preactivations, gate after gate ``stride``
# values apart (the generic path: stride = units; the packed path: one
# vector of FR_VL units per gate, padded past the last unit), activates
# whole gates and updates the state's first n units (n <= stride).
#
# The runs are compiled once per cell: a tag type (a pointer to an empty
# struct) selects the version, so that the cell is chosen once per call,
# not tested inside the timestep loop.


cpdef enum Cell:
    SIMPLE_RNN
    LSTM_CELL
    GRU_CELL


cdef struct _SimpleTag:
    char unused


cdef struct _LstmTag:
    char unused


cdef struct _GruTag:
    char unused


cdef struct _GruResetBeforeTag:
    char unused


ctypedef _SimpleTag* SimpleCell
ctypedef _LstmTag* LstmCell
ctypedef _GruTag* GruCell                      # reset_after=True
ctypedef _GruResetBeforeTag* GruResetBeforeCell

# The cells of the packed path, and of the generic one.
ctypedef fused packed_cell:
    SimpleCell
    LstmCell
    GruCell

ctypedef fused any_cell:
    SimpleCell
    LstmCell
    GruCell
    GruResetBeforeCell


cdef inline void _simple_cell(floating* g, Py_ssize_t width, floating* h, Py_ssize_t n,
                              int act) noexcept nogil:
    """Keras SimpleRNN: h = act(x W + b + h U), g holding the sum (width
    values, the first n of them units)."""
    _activate_gates(act, g, 1, width)
    memcpy(h, g, n * sizeof(floating))


cdef inline void _lstm_cell(floating* g, Py_ssize_t stride, floating* c, floating* h,
                            floating* tmp, Py_ssize_t n, int act, int ract) noexcept nogil:
    """Keras LSTM, gates i, f, c, o in g (x W + b + h U):
    c = f * c + i * act(z_c);  h = o * act(c). tmp: n values of scratch."""
    cdef Py_ssize_t j
    _activate_gates(ract, g, 2, stride)          # i and f are adjacent
    _activate_gates(act, g + 2 * stride, 1, stride)
    _activate_gates(ract, g + 3 * stride, 1, stride)
    if floating is float:
        fr_lstm_state_n(g, g + stride, g + 2 * stride, c, tmp, n)
    else:
        for j in range(n):
            c[j] = g[stride + j] * c[j] + g[j] * g[2 * stride + j]
            tmp[j] = c[j]
    _activate_gates(act, tmp, 1, n)
    if floating is float:
        fr_mul_n(g + 3 * stride, tmp, h, n)
    else:
        for j in range(n):
            h[j] = g[3 * stride + j] * tmp[j]


cdef inline void _gru_cell(floating* g, const floating* x, Py_ssize_t stride,
                           const floating* h_prev, floating* h, Py_ssize_t n, int act,
                           int ract) noexcept nogil:
    """Keras GRU, reset_after=True; g = h U + recurrent_bias (overwritten),
    x = x W + bias, gates z, r, h:
    z, r = ract(x_zr + g_zr);  hh = act(x_h + r * g_h);
    h = z * h_prev + (1 - z) * hh  (h may be h_prev), all in the dtype, as
    Keras computes it (a bare 1 would be Cython's double 1.0)."""
    cdef Py_ssize_t j
    if floating is float:
        fr_add_n(g, x, 2 * stride)
    else:
        for j in range(2 * stride):
            g[j] = g[j] + x[j]
    _activate_gates(ract, g, 2, stride)          # z and r
    if floating is float:
        fr_gru_candidate_n(x + 2 * stride, g + stride, g + 2 * stride, stride)
    else:
        for j in range(stride):
            g[2 * stride + j] = x[2 * stride + j] + g[stride + j] * g[2 * stride + j]
    _activate_gates(act, g + 2 * stride, 1, stride)
    if floating is float:
        fr_gru_state_n(g, h_prev, g + 2 * stride, h, n)
    else:
        for j in range(n):
            h[j] = g[j] * h_prev[j] + (<floating>1 - g[j]) * g[2 * stride + j]


cdef inline void _gru_reset_before_cell(floating* g, floating* h, Py_ssize_t units,
                                        int act) noexcept nogil:
    """Keras GRU, reset_after=False; z and r are already activated in g and
    g's h-part already holds x_h + (r * h) @ U_h (the generic path computes
    r before the product that needs it):  h = z * h + (1 - z) * act(.)"""
    cdef Py_ssize_t j
    _activate_gates(act, g + 2 * units, 1, units)
    for j in range(units):
        h[j] = g[j] * h[j] + (<floating>1 - g[j]) * g[2 * units + j]


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
