# The generic recurrence: any dtype, any activation (row-wise ones too),
# GRU with either reset_after (included by _recurrence.pxi). The input
# projection for every timestep first, in large products; then per step
# the recurrent product (_products.pxi) and the cell update (_cells.pxi).


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


cdef int _run(any_cell cell, Plan* p, floating* dtype_tag) noexcept nogil:
    """Run the whole sequence (the version for ``cell``). Returns 0, -1 if
    scratch memory ran out, or _INTERRUPTED."""
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
    cdef bint valid
    cdef int act = p.activation, ract = p.recurrent_activation
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
        if any_cell is GruCell:
            # work = h @ recurrent + recurrent_bias, for all three gates.
            for b in range(batch):
                memcpy(work + b * width, rbias, width * sizeof(floating))
            _product(h, batch, units, units, recurrent, width, width, work, width)
        elif any_cell is GruResetBeforeCell:
            # z and r take h @ recurrent[:, :2H]; h's gate waits for r.
            _product(h, batch, units, units, recurrent, width, 2 * units, g, ldp)
            for b in range(batch):
                _activate_gates(ract, g + b * ldp, 2, units)
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
                if any_cell is SimpleCell:
                    _simple_cell(g + b * ldp, units, hb, units, act)
                elif any_cell is LstmCell:
                    _lstm_cell(g + b * ldp, units, c + b * units, hb, work + b * width, units,
                               act, ract)
                elif any_cell is GruCell:
                    _gru_cell(work + b * width, g + b * ldp, units, hb, hb, units, act, ract)
                else:
                    _gru_reset_before_cell(g + b * ldp, hb, units, act)
            _emit(h + b * units, last + b * units,
                  seq + _sequence_row(p, b, s) if seq != NULL else NULL,
                  units, valid, p.zero_output_for_mask)
    free(projection)
    free(work)
    return _INTERRUPTED if _stopped(p) else 0


cdef int _run_generic(Plan* p, floating* dtype_tag) noexcept nogil:
    """_run for the plan's cell, chosen once."""
    if p.cell == SIMPLE_RNN:
        return _run(<SimpleCell>NULL, p, dtype_tag)
    if p.cell == LSTM_CELL:
        return _run(<LstmCell>NULL, p, dtype_tag)
    if p.reset_after:
        return _run(<GruCell>NULL, p, dtype_tag)
    return _run(<GruResetBeforeCell>NULL, p, dtype_tag)
