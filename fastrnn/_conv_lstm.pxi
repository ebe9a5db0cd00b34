# The ConvLSTM kernel (fastrnn/conv_lstm.py: ConvLSTM1D, 2D, 3D). Included
# by _kernels.pyx and the per-instruction-set builds after _recurrence.pxi,
# whose LSTM update (_lstm_cell, _cells.pxi), output rule (_emit) and Ctrl-C machinery
# (fr_interrupted, _run_calls' protocol) it uses.
#
# Layout: every rank is run as 3-D, channels last (the layer transposes
# channels_first and gives missing spatial axes size 1):
#   x (batch, T, ID, IH, IW, C); states h, c (batch, P, F) with P = OD*OH*OW
#   the output grid; weights (K*C + K*F, 4F): Keras's kernel
#   (kd, kh, kw, C, 4F) stacked on its recurrent kernel (kd, kh, kw, F, 4F),
#   K = kd*kh*kw; bias (4F,), gates i, f, c, o.
#
# One step is, per row r = (sample, output position), Keras's ConvLSTMCell:
#   gates[r] = bias + [x patch | h patch][r] @ weights
# with the x patch taken at the layer's strides, dilation and padding (TF's
# "SAME": the extra pad at the end) and the h patch at stride 1, "same"
# padding, no dilation; then _lstm_cell. The patches (im2col) are written
# into a preallocated buffer, a block of rows at a time, each block one BLAS
# gemm (fastrnn/conv_lstm.py sizes the blocks). h of step t-1 is read by the
# patches of every block of step t, so the new h goes to a second buffer,
# swapped per step. Nothing is allocated inside the timestep loop.


cdef struct ConvPlan:
    int activation
    int recurrent_activation
    Py_ssize_t batch, steps, channels, filters
    Py_ssize_t in_size[3]          # ID, IH, IW
    Py_ssize_t out_size[3]         # OD, OH, OW
    Py_ssize_t ksize[3]
    Py_ssize_t stride[3]
    Py_ssize_t dilation[3]
    Py_ssize_t pad[3]              # leading padding of the input convolution
    Py_ssize_t rpad[3]             # leading padding of the recurrent convolution
    Py_ssize_t block_rows          # rows per gemm
    void* x
    void* weights
    void* bias
    const unsigned char* mask      # (batch, T), NULL: every step valid
    void* h                        # (batch, P, F): initial, then final states
    void* c
    void* last_output              # (batch, P * F)
    void* sequence_output          # (batch, T, P * F) or NULL
    bint go_backwards
    bint zero_output_for_mask
    bint interruptible


cdef inline bint _conv_stopped(ConvPlan* p) noexcept nogil:
    return p.interruptible and fr_interrupted


cdef inline void _patch_copy(floating* dst, const floating* src, Py_ssize_t n) noexcept nogil:
    # Plain loops: n is often 1 to 64, where a libc call costs more.
    cdef Py_ssize_t j
    if src == NULL:
        for j in range(n):
            dst[j] = 0
    else:
        for j in range(n):
            dst[j] = src[j]


cdef void _patches(ConvPlan* p, Py_ssize_t r0, Py_ssize_t r1, Py_ssize_t t,
                   const floating* x, const floating* h, floating* out) noexcept nogil:
    """Rows r0..r1 of step t's patch matrix: for each, the input taps (C
    values each, zero outside the frame) then the recurrent taps (F each)."""
    cdef Py_ssize_t ID = p.in_size[0], IH = p.in_size[1], IW = p.in_size[2]
    cdef Py_ssize_t OD = p.out_size[0], OH = p.out_size[1], OW = p.out_size[2]
    cdef Py_ssize_t KD = p.ksize[0], KH = p.ksize[1], KW = p.ksize[2]
    cdef Py_ssize_t C = p.channels, F = p.filters
    cdef Py_ssize_t P = OD * OH * OW, frame = ID * IH * IW * C
    cdef Py_ssize_t r, b, pos, od, oh, ow, kd, kh, kw, i0, i1, i2
    cdef const floating* xf
    cdef const floating* hf
    cdef const floating* src
    cdef floating* col = out
    for r in range(r0, r1):
        b = r // P
        pos = r - b * P
        od = pos // (OH * OW)
        oh = (pos // OW) % OH
        ow = pos % OW
        xf = x + (b * p.steps + t) * frame
        hf = h + b * P * F
        for kd in range(KD):
            i0 = od * p.stride[0] - p.pad[0] + kd * p.dilation[0]
            for kh in range(KH):
                i1 = oh * p.stride[1] - p.pad[1] + kh * p.dilation[1]
                for kw in range(KW):
                    i2 = ow * p.stride[2] - p.pad[2] + kw * p.dilation[2]
                    src = NULL
                    if 0 <= i0 < ID and 0 <= i1 < IH and 0 <= i2 < IW:
                        src = xf + ((i0 * IH + i1) * IW + i2) * C
                    _patch_copy(col, src, C)
                    col = col + C
        for kd in range(KD):
            i0 = od - p.rpad[0] + kd
            for kh in range(KH):
                i1 = oh - p.rpad[1] + kh
                for kw in range(KW):
                    i2 = ow - p.rpad[2] + kw
                    src = NULL
                    if 0 <= i0 < OD and 0 <= i1 < OH and 0 <= i2 < OW:
                        src = hf + ((i0 * OH + i1) * OW + i2) * F
                    _patch_copy(col, src, F)
                    col = col + F


cdef int _conv_lstm_run(ConvPlan* p, floating* dtype_tag) noexcept nogil:
    """Run the whole sequence. Returns 0, -1 if scratch memory ran out, or
    _INTERRUPTED."""
    cdef Py_ssize_t F = p.filters, width = 4 * p.filters
    cdef Py_ssize_t P = p.out_size[0] * p.out_size[1] * p.out_size[2]
    cdef Py_ssize_t K = p.ksize[0] * p.ksize[1] * p.ksize[2]
    cdef Py_ssize_t depth = K * (p.channels + p.filters)
    cdef Py_ssize_t rows = p.batch * P, block = p.block_rows, state = P * F
    cdef Py_ssize_t s, t, b, r, r0, r1
    cdef const floating* x = <const floating*>p.x
    cdef const floating* weights = <const floating*>p.weights
    cdef const floating* bias = <const floating*>p.bias
    cdef floating* h_out = <floating*>p.h
    cdef floating* c = <floating*>p.c
    cdef floating* last = <floating*>p.last_output
    cdef floating* seq = <floating*>p.sequence_output
    cdef floating* h_cur = h_out
    cdef floating* h_next
    cdef floating* swap
    cdef floating* patches
    cdef floating* gates
    cdef floating* tmp
    cdef floating* spare
    cdef bint valid
    cdef char no = b'N'
    cdef int m = <int>width, kk = <int>depth, n
    cdef floating one = 1.0
    if rows == 0 or p.steps == 0:
        return 0
    if block > rows:
        block = rows
    patches = <floating*>malloc(block * depth * sizeof(floating))
    gates = <floating*>malloc(block * width * sizeof(floating))
    tmp = <floating*>malloc(F * sizeof(floating))
    spare = <floating*>malloc(rows * F * sizeof(floating))
    if patches == NULL or gates == NULL or tmp == NULL or spare == NULL:
        free(patches)
        free(gates)
        free(tmp)
        free(spare)
        return -1
    h_next = spare
    for s in range(p.steps):
        if _conv_stopped(p):
            break
        t = p.steps - 1 - s if p.go_backwards else s
        r0 = 0
        while r0 < rows:
            r1 = r0 + block if r0 + block < rows else rows
            _patches(p, r0, r1, t, x, h_cur, patches)
            for r in range(r1 - r0):
                memcpy(gates + r * width, bias, width * sizeof(floating))
            # Row-major gates = patches @ weights is, to column-major BLAS,
            # gates^T += weights^T patches^T: no copies.
            n = <int>(r1 - r0)
            if floating is float:
                sgemm(&no, &no, &m, &n, &kk, &one, <float*>weights, &m, patches, &kk,
                      &one, gates, &m)
            else:
                dgemm(&no, &no, &m, &n, &kk, &one, <double*>weights, &m, patches, &kk,
                      &one, gates, &m)
            for r in range(r0, r1):
                b = r // P
                if p.mask == NULL or p.mask[b * p.steps + t] != 0:
                    _lstm_cell(gates + (r - r0) * width, F, c + r * F, h_next + r * F, tmp, F,
                               p.activation, p.recurrent_activation)
            r0 = r1
        for b in range(p.batch):
            valid = p.mask == NULL or p.mask[b * p.steps + t] != 0
            if not valid:       # a masked step keeps the states (c was not touched)
                memcpy(h_next + b * state, h_cur + b * state, state * sizeof(floating))
            _emit(h_next + b * state, last + b * state,
                  seq + (b * p.steps + s) * state if seq != NULL else NULL,
                  state, valid, p.zero_output_for_mask)
        swap = h_cur
        h_cur = h_next
        h_next = swap
    if h_cur != h_out:
        memcpy(h_out, h_cur, rows * F * sizeof(floating))
    free(patches)
    free(gates)
    free(tmp)
    free(spare)
    return _INTERRUPTED if _conv_stopped(p) else 0


cdef class ConvLSTMRecurrence:
    """A ConvLSTM's weights and geometry, checked once; calling it runs a
    sequence without the GIL.

    ``weights`` (K*C + K*F, 4F) and ``bias`` (4F,), C-contiguous float32 or
    float64; the geometry as 3-tuples (D, H, W) of the input frame, kernel,
    strides, dilation and leading padding (the layer computes TF's "SAME"
    padding); ``block_rows`` rows of patches per gemm.
    """
    cdef readonly int activation, recurrent_activation
    cdef readonly Py_ssize_t channels, filters, block_rows
    cdef readonly tuple in_size, out_size, kernel_size, strides, dilation, padding
    cdef int typenum
    cdef cnp.ndarray weights, bias

    def __init__(self, weights, bias, tuple in_size, int channels, tuple out_size,
                 tuple kernel_size, tuple strides, tuple dilation, tuple padding,
                 int activation, int recurrent_activation, Py_ssize_t block_rows):
        cdef Py_ssize_t k, i, depth
        if not (0 <= activation <= SPARSEMAX and 0 <= recurrent_activation <= SPARSEMAX):
            raise ValueError("unknown activation code")
        for name, v in (("in_size", in_size), ("out_size", out_size),
                        ("kernel_size", kernel_size),
                        ("strides", strides), ("dilation", dilation), ("padding", padding)):
            if len(v) != 3 or any(int(e) < (0 if name == "padding" else 1) for e in v):
                raise ValueError(f"{name}: expected 3 positive sizes, got {v}")
        if channels < 1 or block_rows < 1:
            raise ValueError("channels and block_rows must be positive")
        if not isinstance(weights, cnp.ndarray) or (<cnp.ndarray>weights).ndim != 2:
            raise ValueError("weights must be a 2-d array")
        self.typenum = cnp.PyArray_TYPE(<cnp.ndarray>weights)
        if self.typenum not in (cnp.NPY_FLOAT32, cnp.NPY_FLOAT64):
            raise ValueError("weights must be float32 or float64")
        if weights.shape[1] % 4 or weights.shape[1] == 0:
            raise ValueError("weights: expected 4 * filters columns")
        self.filters = weights.shape[1] // 4
        k = int(kernel_size[0]) * int(kernel_size[1]) * int(kernel_size[2])
        depth = k * (channels + self.filters)
        self.weights = _checked(weights, "weights", self.typenum, 2, depth, 4 * self.filters, -1)
        self.bias = _checked(bias, "bias", self.typenum, 1, 4 * self.filters, -1, -1)
        if depth > INT_MAX or 4 * self.filters > INT_MAX or block_rows > INT_MAX:
            raise ValueError("ConvLSTM: sizes past BLAS's int range")
        self.channels, self.block_rows = channels, block_rows
        self.activation, self.recurrent_activation = activation, recurrent_activation
        self.in_size = tuple(int(e) for e in in_size)
        self.kernel_size = tuple(int(e) for e in kernel_size)
        self.strides = tuple(int(e) for e in strides)
        self.dilation = tuple(int(e) for e in dilation)
        self.padding = tuple(int(e) for e in padding)
        self.out_size = tuple(int(e) for e in out_size)
        for i in range(3):
            # Every tap of the last output inside the frame or its padding.
            if ((self.out_size[i] - 1) * self.strides[i] - self.padding[i]
                    + self.dilation[i] * (self.kernel_size[i] - 1) < 0):
                raise ValueError("out_size does not fit the frame")

    @property
    def dtype(self):
        return "float64" if self.typenum == cnp.NPY_FLOAT64 else "float32"

    def __call__(self, x, mask, initial_state, bint go_backwards, bint return_sequences,
                 bint zero_output_for_mask):
        """Run x (batch, T, ID*IH*IW*C), C-contiguous of the weights' dtype;
        ``mask`` None or uint8 (batch, T); ``initial_state`` None or [h, c],
        each (batch, P*F) (copied). Returns (last_output, sequence_output or
        None, [h, c]), the outputs (batch, P*F) and (batch, T, P*F)."""
        cdef ConvPlan plan
        cdef ConvPlan* p = &plan
        cdef Py_ssize_t i, frame = self.channels, state
        cdef int status = 0
        cdef bint armed = False
        cdef list states, initial = None
        cdef cnp.ndarray xa, h, c, last, seq = None, ma = None
        for i in range(3):
            frame *= self.in_size[i]
        state = self.filters * self.out_size[0] * self.out_size[1] * self.out_size[2]
        xa = _checked(x, "x", self.typenum, 3, -1, -1, frame)
        batch, steps = xa.shape[0], xa.shape[1]
        if steps == 0:
            raise ValueError("x: expected at least one timestep")
        import numpy as np
        dtype = np.float64 if self.typenum == cnp.NPY_FLOAT64 else np.float32
        if initial_state is None:
            h = np.zeros((batch, state), dtype)
            c = np.zeros((batch, state), dtype)
        else:
            if len(initial_state) != 2:
                raise ValueError("expected 2 initial states")
            h = _checked(initial_state[0], "h", self.typenum, 2, batch, state, -1).copy()
            c = _checked(initial_state[1], "c", self.typenum, 2, batch, state, -1).copy()
        last = np.zeros((batch, state), dtype)
        if return_sequences:
            seq = np.empty((batch, steps, state), dtype)
        if mask is not None:
            ma = _checked(mask, "mask", cnp.NPY_UINT8, 2, batch, steps, -1)
        memset(p, 0, sizeof(ConvPlan))
        p.activation, p.recurrent_activation = self.activation, self.recurrent_activation
        p.batch, p.steps, p.channels, p.filters = batch, steps, self.channels, self.filters
        for i in range(3):
            p.in_size[i], p.out_size[i] = self.in_size[i], self.out_size[i]
            p.ksize[i], p.stride[i] = self.kernel_size[i], self.strides[i]
            p.dilation[i], p.pad[i] = self.dilation[i], self.padding[i]
            p.rpad[i] = (self.kernel_size[i] - 1) // 2
        p.block_rows = self.block_rows
        p.x, p.weights, p.bias = _data(xa), _data(self.weights), _data(self.bias)
        p.mask = <const unsigned char*>_data(ma) if ma is not None else NULL
        p.h, p.c, p.last_output = _data(h), _data(c), _data(last)
        p.sequence_output = _data(seq) if seq is not None else NULL
        p.go_backwards, p.zero_output_for_mask = go_backwards, zero_output_for_mask
        states = [h, c]
        # Ctrl-C as _run_calls has it: a long call on the main thread stops
        # between timesteps, runs the Python handler (which usually raises)
        # and, if the handler returns, starts again from the initial states.
        work = int(steps) * batch * state * 4 * self.weights.shape[0]   # (no overflow)
        if work >= _INTERRUPT_THRESHOLD and _on_main_thread():
            initial = [s.copy() for s in states]
            armed = fr_arm_interrupt()
            p.interruptible = armed
        global fr_running
        fr_running += 1
        try:
            while True:
                with nogil:
                    if self.typenum == cnp.NPY_FLOAT64:
                        status = _conv_lstm_run(p, <double*>NULL)
                    else:
                        status = _conv_lstm_run(p, <float*>NULL)
                if status != _INTERRUPTED:
                    break
                PyErr_CheckSignals()
                last[...] = 0
                for s, start in zip(states, initial):
                    s[...] = start
                fr_arm_interrupt()
        finally:
            fr_running -= 1
            if armed:
                fr_disarm_interrupt()
        if status != 0:
            raise MemoryError("fastrnn: not enough memory for the ConvLSTM scratch buffers")
        return last, seq, states

    def __reduce__(self):
        return (ConvLSTMRecurrence, (self.weights, self.bias, self.in_size, self.channels,
                                     self.out_size, self.kernel_size, self.strides, self.dilation,
                                     self.padding, self.activation,
                                     self.recurrent_activation, self.block_rows))
