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

# _step_packed's panel blocks: half this CPU's L2 cache; the input projection
# of a chunk of steps: a quarter of it (both set at import).
cdef Py_ssize_t _panel_block_bytes = 256 * 1024
cdef Py_ssize_t _projection_chunk_bytes = 128 * 1024


cdef extern from "unistd.h" nogil:
    long sysconf(int)
    enum: _SC_LEVEL2_CACHE_SIZE


cdef void _init_cache_blocks() noexcept:
    global _panel_block_bytes, _projection_chunk_bytes
    cdef long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE)
    if l2 >= 64 * 1024:
        _panel_block_bytes = l2 // 2
        _projection_chunk_bytes = l2 // 4


_init_cache_blocks()


def set_panel_block_bytes(Py_ssize_t nbytes):
    """The weights of one panel block (tests use it; results do not change)."""
    global _panel_block_bytes
    previous = _panel_block_bytes
    _panel_block_bytes = nbytes
    return previous


def set_projection_chunk_bytes(Py_ssize_t nbytes):
    """The input projection of one chunk of steps (tests use it; results do
    not change)."""
    global _projection_chunk_bytes
    previous = _projection_chunk_bytes
    _projection_chunk_bytes = nbytes
    return previous


cdef Py_ssize_t _chunk_steps(Plan* p, Py_ssize_t rows) noexcept nogil:
    """Steps per chunk of the input projection, for a thread computing
    ``rows`` rows: as many as fit in _projection_chunk_bytes, but at least
    _PROJECTION_TILES register tiles of rows, so that each panel of the
    kernel read into cache serves that many tiles."""
    cdef Py_ssize_t row = p.batch * p.panels * p.nv * FR_VL * <Py_ssize_t>sizeof(float)
    cdef Py_ssize_t chunk = _projection_chunk_bytes // row
    cdef Py_ssize_t least = (_PROJECTION_TILES * fr_tile_rows(p.nv) + rows - 1) // rows
    return max(1, min(max(chunk, least), p.steps))


cdef void _project_tiles(Plan* p, const float* a, Py_ssize_t lda, Py_ssize_t a_line,
                         Py_ssize_t n, Py_ssize_t lines, float* out, Py_ssize_t ldo,
                         Py_ssize_t out_line, Py_ssize_t q0, Py_ssize_t q1) noexcept nogil:
    """out[l * out_line + i * ldo + panel q] = a[l * a_line + i * lda] @ kernel
    + bias for lines l < lines of n rows each, panels q0..q1."""
    cdef Py_ssize_t depth = p.depth, panel = p.nv * FR_VL, rows = fr_tile_rows(p.nv)
    cdef Py_ssize_t line = 0, r = 0, ll = 0, rr = 0, mr, q, k
    while line < lines and not _stopped(p):
        # _PROJECTION_TILES tiles at a time (along the lines, then to the
        # next line), panel by panel, so that a panel of the kernel serves
        # them all from cache (the tiles, and so the results, are those of
        # one tile after another).
        for q in range(q0, q1):
            ll, rr = line, r
            k = 0
            while ll < lines and k < _PROJECTION_TILES:
                mr = _tile_rows(n - rr, rows)
                fr_tile(<int>mr, p.nv)(a + ll * a_line + rr * lda, lda, depth,
                                       p.packed_kernel + q * depth * panel,
                                       p.packed_bias + q * panel,
                                       out + ll * out_line + rr * ldo + q * panel, ldo)
                rr = rr + mr
                k = k + 1
                if rr == n:
                    ll, rr = ll + 1, 0
        line, r = ll, rr


cdef void _project_packed(Plan* p, Py_ssize_t b0, Py_ssize_t b1, Py_ssize_t s0, Py_ssize_t s1,
                          Py_ssize_t q0, Py_ssize_t q1, float* projection) noexcept nogil:
    """x @ kernel + bias for rows b0..b1, steps s0..s1 (in processing order),
    panels q0..q1, into projection[(s - s0) * batch + b] (packed order).

    Step-major, and a chunk of steps at a time (_chunk_steps), just before
    the steps that read it: each step then reads its rows from one
    contiguous block still in cache, where a (batch, steps) layout of the
    whole sequence had them steps * width apart in main memory."""
    cdef Py_ssize_t steps = p.steps, depth = p.depth
    cdef Py_ssize_t wide = p.panels * p.nv * FR_VL
    cdef Py_ssize_t t0 = steps - 1 - s0 if p.go_backwards else s0
    cdef Py_ssize_t step = -depth if p.go_backwards else depth
    cdef const float* x = <const float*>p.x + (b0 * steps + t0) * depth
    if q1 <= q0 or b1 <= b0:
        return
    # Tiles along the longer side of the chunk, for fuller tiles: rows of a
    # step (x's rows steps * depth apart), or steps of a row (depth apart,
    # backwards with go_backwards).
    if b1 - b0 >= s1 - s0:
        _project_tiles(p, x, steps * depth, step, b1 - b0, s1 - s0,
                       projection + b0 * wide, wide, p.batch * wide, q0, q1)
    else:
        _project_tiles(p, x, step, steps * depth, s1 - s0, b1 - b0,
                       projection + b0 * wide, p.batch * wide, wide, q0, q1)


cdef void _step_packed(packed_cell cell, Plan* p, Py_ssize_t s, Py_ssize_t b0, Py_ssize_t b1,
                       Py_ssize_t q0, Py_ssize_t q1, const float* projection,
                       const float* h_cur, float* h_next) noexcept nogil:
    """Step s for rows b0..b1 and panels q0..q1: reads h_cur and the step's
    input projection (row b at projection + b * width), writes h_next (and
    c, and the outputs) for the panels' units only."""
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
    cdef const float* px
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
                    px = projection + b * wide + q * panel
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
                          seq + _sequence_row(p, b, s) + u0 if seq != NULL else NULL,
                          n, valid, p.zero_output_for_mask)
            r = r + mr
        qb = qe


cdef void _run_packed_rows(packed_cell cell, Plan* p, Py_ssize_t b0, Py_ssize_t b1,
                           Py_ssize_t chunk, float* projection, float* spare) noexcept nogil:
    """Rows b0..b1, every unit, the whole sequence: no other thread needed.
    h alternates between the state array (holding h0) and ``spare``; the
    input projection of ``chunk`` steps at a time goes to ``projection``."""
    cdef Py_ssize_t s, b, units = p.units, width = p.batch * p.panels * p.nv * FR_VL
    cdef float* h_out = <float*>p.h
    cdef float* h_cur = h_out
    cdef float* h_next = spare
    cdef float* swap
    if b1 <= b0:
        return
    for s in range(p.steps):
        if s % chunk == 0:
            _project_packed(p, b0, b1, s, min(s + chunk, p.steps), 0, p.panels, projection)
        if _stopped(p):
            return
        _step_packed(cell, p, s, b0, b1, 0, p.panels, projection + (s % chunk) * width,
                     h_cur, h_next)
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
    Py_ssize_t steps_per_projection


cdef void _run_packed_shared(packed_cell cell, Plan* p, Shared* work, float* projection,
                             float* spare) noexcept nogil:
    cdef Py_ssize_t k, s, chunk, q0, q1, spins, per = work.steps_per_projection
    cdef Py_ssize_t width = p.batch * p.panels * p.nv * FR_VL
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
        if s % per == 0:
            # These panels' projection for the next steps: every chunk of
            # the steps before is done with the buffer, and a chunk of these
            # panels at a later step starts after this one completes.
            _project_packed(p, 0, p.batch, s, min(s + per, p.steps), q0, q1, projection)
        _step_packed(cell, p, s, 0, p.batch, q0, q1, projection + (s % per) * width,
                     buffers[s % 2], buffers[(s + 1) % 2])
        __atomic_fetch_add(&work.completed, 1, __ATOMIC_RELEASE)


cdef int _run_packed_parallel(packed_cell cell, Plan* p, int threads) noexcept nogil:
    """The packed path on ``threads`` threads: split the batch when each
    thread gets at least half a register tile of rows, else split the units."""
    cdef Py_ssize_t batch = p.batch, units = p.units
    cdef Py_ssize_t wide = p.panels * p.nv * FR_VL, chunk
    cdef float* projection
    cdef float* spare
    cdef int part
    cdef Shared work
    # Split the batch, unless the recurrent weights do not fit in L2: then
    # each thread would stream all of them from L3 at every step, where
    # splitting the units has each stream its own share.
    cdef bint by_rows = (batch >= threads * FR_SPLIT_ROWS
                         and units * p.panels * p.nv * FR_VL * <Py_ssize_t>sizeof(float)
                         <= 2 * _panel_block_bytes)
    if batch == 0 or p.steps == 0:
        return 0
    chunk = _chunk_steps(p, batch // threads if by_rows else batch)
    projection = <float*>malloc(chunk * batch * wide * sizeof(float))
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
        _run_packed_rows(cell, p, 0, batch, chunk, projection, spare)
    elif by_rows:
        for part in prange(threads, num_threads=threads, schedule="static"):
            _run_packed_rows(cell, p, batch * part // threads,
                             batch * (part + 1) // threads, chunk, projection, spare)
    else:
        work.claimed = work.completed = 0
        work.chunks = threads
        work.total = threads * <int>p.steps
        work.steps_per_projection = chunk
        with parallel(num_threads=threads):
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
