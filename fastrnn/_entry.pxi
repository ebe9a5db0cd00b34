# The Python entry points: Recurrence (weights, checked and packed once)
# and Call (one prepared call, run without the GIL), with Ctrl-C and fork
# handling (included by _recurrence.pxi).

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
        Columns past the last unit are zeros. A matrix's 4-vector panels are
        stored as two halves of 2 vectors, one after the other, each read
        on its own by a register tile (fr_tile, _simd.h).
        """
        import numpy as np
        units, vl = self.units, FR_VL
        if self.cell == SIMPLE_RNN:
            self.nv = FR_SIMPLE_PANEL_VECTORS
            self.units_per_panel = self.nv * vl
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
            halves = 2 if self.nv == 4 else 1
            out = out.reshape(w.shape[0], self.panels, halves, panel // halves)
            return np.ascontiguousarray(out.transpose(1, 2, 0, 3))

        def pack_vector(b):
            out = np.zeros(self.panels * panel, np.float32)
            out[present] = b[source[present]]
            return out

        self.packed_kernel = pack_matrix(self.kernel)
        self.packed_recurrent = pack_matrix(self.recurrent)
        self.packed_bias = pack_vector(self.bias)
        self.packed_recurrent_bias = pack_vector(self.recurrent_bias)

    @property
    def scratch_columns(self):
        """Projection values per (row, timestep) of a call: gates * units, or
        the packed panels' width, padded."""
        if self.packed:
            return self.panels * self.nv * FR_VL
        return self.gates * self.units

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
        p.sequence_stride, p.sequence_reversed = units, False
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
        return _run_packed(p, threads)
    if double:
        return _run_generic(p, <double*>NULL)
    return _run_generic(p, <float*>NULL)


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

    def write_sequence_into(self, cnp.ndarray out, Py_ssize_t column, bint reversed_):
        """Write the sequence output into out[:, :, column:column + units]
        (time reversed with ``reversed_``) instead of an array of its own:
        Bidirectional's concatenated output, written in place. ``out`` is a
        C-contiguous (batch, steps, width) array of the call's dtype."""
        cdef Py_ssize_t units = self.p.units
        if self.done or self.sequence is None:
            raise RuntimeError("write_sequence_into: a call that returns sequences, before it runs")
        if (cnp.PyArray_TYPE(out) != cnp.PyArray_TYPE(self.sequence)
                or not cnp.PyArray_IS_C_CONTIGUOUS(out) or not cnp.PyArray_ISWRITEABLE(out)
                or out.ndim != 3 or out.shape[0] != self.p.batch or out.shape[1] != self.p.steps
                or column < 0 or column + units > out.shape[2]):
            raise ValueError("write_sequence_into: out must be a writable C-contiguous "
                             f"(batch, steps, >= {column + units}) array of the call's dtype")
        self.p.sequence_output = <char*>_data(out) + column * cnp.PyArray_ITEMSIZE(out)
        self.p.sequence_stride = out.shape[2]
        self.p.sequence_reversed = reversed_
        self.sequence = out

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


cdef struct _Job:
    Plan* p
    bint packed
    bint double


cdef int _run_on_one_thread(void* job) noexcept nogil:
    cdef _Job* j = <_Job*>job
    return _execute(j.p, j.packed, j.double, 1)


cdef _run_calls(Call first, Call second, int threads):
    """Run ``first`` on ``threads`` threads, or ``first`` and ``second``
    concurrently on one thread each (threads 2): ``second`` on the helper
    thread if it starts before ``first`` is done (_helper_thread.h).

    A long call on the main thread stops at Ctrl-C: the handler that Python
    would run afterwards runs now and raises (KeyboardInterrupt), and the
    layer never sees the partial results. If the handler returns instead,
    the call starts again from its initial states.
    """
    cdef int status[2]
    cdef int n = 1 if second is None else 2
    cdef _Job jobs[2]
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
    global fr_running
    fr_running += n           # (under the GIL)
    try:
        while True:
            status[0] = status[1] = 0
            if second is None:
                with nogil:
                    status[0] = _execute(&first.p, first.packed, first.double, threads)
            else:
                jobs[0] = _Job(&first.p, first.packed, first.double)
                jobs[1] = _Job(&second.p, second.packed, second.double)
                with nogil:
                    status[0] = fr_run_pair(_run_on_one_thread, &jobs[0],
                                            _run_on_one_thread, &jobs[1], &status[1],
                                            <double>_work(&second.p)
                                            / <double>max(_work(&first.p), 1))
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
