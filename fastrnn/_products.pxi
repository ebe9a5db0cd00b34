# Matrix products of the generic path: register-tiled loops for small
# products, BLAS for large ones (included by _recurrence.pxi). The packed
# path's tiles are fr_tile of _simd.h.

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


# ---------------------------------------------------------------- products
# Tile widths: FR_COLS_FLOAT / FR_COLS_DOUBLE columns per row (_simd.h).


cdef inline void _tile4(const floating* a, Py_ssize_t lda, Py_ssize_t depth,
                        const floating* w, Py_ssize_t ldw, floating* out,
                        Py_ssize_t ldo) noexcept nogil:
    """out[0:4, 0:C] += a[0:4, :depth] @ w[:depth, 0:C], C the tile width:
    4 x C accumulators stay in registers while the rows of w stream by."""
    cdef floating acc0[FR_COLS_FLOAT]
    cdef floating acc1[FR_COLS_FLOAT]
    cdef floating acc2[FR_COLS_FLOAT]
    cdef floating acc3[FR_COLS_FLOAT]
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
    cdef floating acc[FR_ROW_COLS_FLOAT]
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
