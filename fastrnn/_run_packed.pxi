# The packed float32 recurrence and its work-sharing between threads
# (included by _recurrence.pxi).
#
# For float32 with elementwise activations (and GRU with reset_after), the
# weights are packed once (Recurrence._pack) so that each panel of the
# recurrent product holds every gate of a block of units: the cell update
# runs right after the panel's register tile (fr_tile, _simd.h), on data
# still in L1, and the product streams each panel's weights sequentially.


cdef inline Py_ssize_t _tile_rows(Py_ssize_t remaining, Py_ssize_t rows) noexcept nogil:
    """Rows of the next register tile: ``rows``, but spread evenly over the
    remaining tiles (32 rows: 6, 6, 5, 5, 5, 5 rather than 6 x 5 + 2), as a
    short tile does few multiply-adds per weight it loads."""
    cdef Py_ssize_t tiles = (remaining + rows - 1) // rows
    return (remaining + tiles - 1) // tiles


cdef enum:
    _PROJECTION_TILES = 8

# _step_packed's panel blocks: half this CPU's L2 cache (set at import).
cdef Py_ssize_t _panel_block_bytes = 256 * 1024


cdef extern from "unistd.h" nogil:
    long sysconf(int)
    enum: _SC_LEVEL2_CACHE_SIZE


cdef void _init_panel_block() noexcept:
    global _panel_block_bytes
    cdef long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE)
    if l2 >= 64 * 1024:
        _panel_block_bytes = l2 // 2


_init_panel_block()


def set_panel_block_bytes(Py_ssize_t nbytes):
    """The weights of one panel block (tests use it; results do not change)."""
    global _panel_block_bytes
    previous = _panel_block_bytes
    _panel_block_bytes = nbytes
    return previous


cdef void _project_packed(Plan* p, Py_ssize_t b0, Py_ssize_t b1, Py_ssize_t q0,
                          Py_ssize_t q1, float* projection) noexcept nogil:
    """projection = x @ kernel + bias for rows b0..b1, panels q0..q1 (packed order)."""
    cdef Py_ssize_t steps = p.steps, depth = p.depth, r, rr, mr, q, k
    cdef Py_ssize_t panel = p.nv * FR_VL, wide = p.panels * panel
    cdef Py_ssize_t row_end = b1 * steps, rows = fr_tile_rows(p.nv)
    cdef const float* x = <const float*>p.x
    if q1 <= q0:
        return
    r = b0 * steps
    rr = r
    while r < row_end and not _stopped(p):
        # _PROJECTION_TILES tiles of rows at a time, panel by panel, so that
        # a panel of the kernel serves them all from L1 (the tiles, and so
        # the results, are those of one tile after another).
        for q in range(q0, q1):
            rr = r
            k = 0
            while rr < row_end and k < _PROJECTION_TILES:
                mr = _tile_rows(row_end - rr, rows)
                fr_tile(<int>mr, p.nv)(x + rr * depth, depth, depth,
                                       p.packed_kernel + q * depth * panel,
                                       p.packed_bias + q * panel,
                                       projection + rr * wide + q * panel, wide)
                rr = rr + mr
                k = k + 1
        r = rr


cdef void _step_packed(packed_cell cell, Plan* p, Py_ssize_t s, Py_ssize_t b0, Py_ssize_t b1,
                       Py_ssize_t q0, Py_ssize_t q1, float* projection, const float* h_cur,
                       float* h_next) noexcept nogil:
    """Step s for rows b0..b1 and panels q0..q1: reads h_cur, writes h_next
    (and c, and the outputs) for the panels' units only."""
    cdef Py_ssize_t steps = p.steps, units = p.units
    cdef Py_ssize_t nv, panel, wide, per = p.units_per_panel
    cdef Py_ssize_t t = steps - 1 - s if p.go_backwards else s
    cdef Py_ssize_t r, mr, q, qb, qe, i, j, b, u0, n, rows, block
    cdef float* c = <float*>p.c
    cdef float* last = <float*>p.last_output
    cdef float* seq = <float*>p.sequence_output
    cdef const unsigned char* mask = p.mask
    cdef int act = p.activation, ract = p.recurrent_activation
    cdef float* g
    cdef float* px
    cdef float tile[FR_TILE_FLOATS]
    cdef float state[FR_VL]
    # One row's state for one panel, padded to a whole vector: the cells run
    # on whole vectors only (no scalar code; tests/test_vector_code.py).
    cdef float c_pad[FR_VL]
    cdef float h_pad[FR_VL]
    cdef float out_pad[FR_VL]
    cdef bint valid
    # (Constants per version, so that the gate loops have fixed trip counts.)
    if packed_cell is SimpleCell:
        nv = FR_SIMPLE_PANEL_VECTORS
    elif packed_cell is LstmCell:
        nv = 4
    else:
        nv = 3
    panel = nv * FR_VL
    wide = p.panels * panel
    rows = fr_tile_rows(<int>nv)
    # Panels in blocks whose weights fit in half the L2 cache, every row
    # tile of a block before the next block: with the whole recurrent
    # matrix larger than L2 (LSTM 256 units: 1 MB; a 512 KB L2), streaming
    # all of it once per row tile read it from L3 batch / FR_MR times a
    # step. (Within a block, row tile by row tile: each row's outputs are
    # written in longer runs.)
    block = _panel_block_bytes // (units * panel * <Py_ssize_t>sizeof(float))
    if block < 1:
        block = 1
    qb = q0
    while qb < q1:
        qe = min(qb + block, q1)
        r = b0
        while r < b1:
            mr = _tile_rows(b1 - r, rows)
            for q in range(qb, qe):
                fr_tile(<int>mr, <int>nv)(h_cur + r * units, units, units,
                                          p.packed_recurrent + q * units * panel,
                                          p.packed_recurrent_bias + q * panel
                                          if packed_cell is GruCell else NULL,
                                          tile, panel)
                u0 = q * per
                n = min(per, units - u0)
                for i in range(mr):
                    b = r + i
                    valid = mask == NULL or mask[b * steps + t] != 0
                    g = tile + i * panel
                    px = projection + (b * steps + t) * wide + q * panel
                    if not valid:
                        memcpy(h_next + b * units + u0, h_cur + b * units + u0,
                               n * sizeof(float))
                    elif packed_cell is SimpleCell:
                        for j in range(panel):
                            g[j] = g[j] + px[j]
                        _simple_cell(g, panel, h_next + b * units + u0, n, act)
                    else:
                        # The state in and out through whole-vector local copies:
                        # pointers into caller arrays might alias the tile as far
                        # as GCC knows, which leaves the update scalar.
                        # (Fixed-size copies for whole panels: moves, not calls.)
                        if n < FR_VL:
                            memset(c_pad, 0, sizeof(c_pad))
                            memset(h_pad, 0, sizeof(h_pad))
                        if packed_cell is LstmCell:
                            if n == FR_VL:
                                memcpy(c_pad, c + b * units + u0, sizeof(c_pad))
                            else:
                                memcpy(c_pad, c + b * units + u0, n * sizeof(float))
                            for j in range(panel):
                                g[j] = g[j] + px[j]
                            _lstm_cell(g, FR_VL, c_pad, out_pad, state, FR_VL, act, ract)
                            if n == FR_VL:
                                memcpy(c + b * units + u0, c_pad, sizeof(c_pad))
                            else:
                                memcpy(c + b * units + u0, c_pad, n * sizeof(float))
                        elif n == FR_VL:
                            memcpy(h_pad, h_cur + b * units + u0, sizeof(h_pad))
                            _gru_cell(g, px, FR_VL, h_pad, out_pad, FR_VL, act, ract)
                        else:
                            memcpy(h_pad, h_cur + b * units + u0, n * sizeof(float))
                            _gru_cell(g, px, FR_VL, h_pad, out_pad, FR_VL, act, ract)
                        if n == FR_VL:
                            memcpy(h_next + b * units + u0, out_pad, sizeof(out_pad))
                        else:
                            memcpy(h_next + b * units + u0, out_pad, n * sizeof(float))
                    _emit(h_next + b * units + u0, last + b * units + u0,
                          seq + (b * steps + s) * units + u0 if seq != NULL else NULL,
                          n, valid, p.zero_output_for_mask)
            r = r + mr
        qb = qe


cdef void _run_packed_rows(packed_cell cell, Plan* p, Py_ssize_t b0, Py_ssize_t b1,
                           float* projection, float* spare) noexcept nogil:
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
        _step_packed(cell, p, s, b0, b1, 0, p.panels, projection, h_cur, h_next)
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


cdef void _run_packed_shared(packed_cell cell, Plan* p, Shared* work, float* projection,
                             float* spare) noexcept nogil:
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
        _step_packed(cell, p, s, 0, p.batch, q0, q1, projection, buffers[s % 2],
                     buffers[(s + 1) % 2])
        __atomic_fetch_add(&work.completed, 1, __ATOMIC_RELEASE)


cdef int _run_packed_parallel(packed_cell cell, Plan* p, int threads) noexcept nogil:
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
        _run_packed_rows(cell, p, 0, batch, projection, spare)
    elif by_rows:
        for part in prange(threads, num_threads=threads, schedule="static"):
            _run_packed_rows(cell, p, batch * part // threads,
                             batch * (part + 1) // threads, projection, spare)
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
            _run_packed_shared(cell, p, &work, projection, spare)
        if p.steps % 2:
            memcpy(p.h, spare, batch * units * sizeof(float))
    free(projection)
    free(spare)
    return _INTERRUPTED if _stopped(p) else 0


cdef int _run_packed(Plan* p, int threads) noexcept nogil:
    """_run_packed_parallel for the plan's cell, chosen once."""
    if p.cell == SIMPLE_RNN:
        return _run_packed_parallel(<SimpleCell>NULL, p, threads)
    if p.cell == LSTM_CELL:
        return _run_packed_parallel(<LstmCell>NULL, p, threads)
    return _run_packed_parallel(<GruCell>NULL, p, threads)
