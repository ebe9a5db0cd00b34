/* fastrnn: the register-tiled float32 product and vectorizable float32 math.
 *
 * Written with GCC vector extensions, not intrinsics: the same source builds
 * for SSE2, AVX2 and AVX-512 (setup.py compiles the kernels once per target
 * and fastrnn/_dispatch.py picks at import time).
 *
 * The product works on weights packed in panels (see _recurrence.pxi):
 * panel p holds FR_VL * nv columns, stored row after row, so the kernel
 * streams the panel sequentially while an m x nv tile of vector
 * accumulators stays in registers.
 */
#ifndef FASTRNN_SIMD_H
#define FASTRNN_SIMD_H

#include <stddef.h>
#include <stdint.h>
#include <float.h>
#include <string.h>
#include <sched.h>

/* The register tiles, per target: FR_VL floats per vector, FR_REGS vector
   registers; an m x nv tile keeps m * nv accumulators, nv weight vectors
   of one k and a broadcast in registers. The 4-vector panels of LSTM and
   SimpleRNN run as two tiles of 2 vectors and FR_MR rows, GRU's 3-vector
   panels as one tile of 3 vectors and FR_MR3 rows: each weight vector
   loaded serves FR_MR (FR_MR3) rows. With the panel streaming from L2 (a
   panel of 256 units of depth is 64 KB, more than L1), the weight loads
   were the limit of a 4-vector tile of half the rows: at 6 x 4 (AVX-512)
   the k loop waited on them, at 16 B a cycle per FMA pair. */
#if defined(__AVX512F__)
#define FR_VL 16   /* floats per vector */
#define FR_REGS 32
#define FR_MR 12   /* 12 x 2: 24 accumulators of the 32 zmm */
#define FR_MR3 8   /* 8 x 3: 24 */
#else              /* AVX2 (16 ymm) and SSE2 (16 xmm) */
#if defined(__AVX__)
#define FR_VL 8
#else
#define FR_VL 4
#endif
#define FR_REGS 16
#define FR_MR 6    /* 6 x 2: 12 accumulators + 2 weights + 1 broadcast */
#define FR_MR3 4   /* 4 x 3: 12 + 3 weights + 1 broadcast */
#endif
#define FR_TILE_MAX_ROWS (FR_MR > FR_MR3 ? FR_MR : FR_MR3)
/* The most floats a tile writes (_step_packed's buffer). */
#define FR_TILE_FLOATS (FR_MR * 4 * FR_VL > FR_MR3 * 3 * FR_VL ? FR_MR * 4 * FR_VL \
                                                              : FR_MR3 * 3 * FR_VL)
/* m x nv accumulators, nv weights and a broadcast */
#define FR_FITS(M, NV) ((M) * (NV) + (NV) + 1 <= FR_REGS)
_Static_assert(FR_FITS(FR_MR, 2) && FR_FITS(FR_MR3, 3), "the tiles fit the registers");
_Static_assert(FR_TILE_MAX_ROWS == 6 || FR_TILE_MAX_ROWS == 12, "fr_tile's tiles: 6 or 12 rows");
/* Threads split a call's batch when each gets at least half a tile of rows. */
#define FR_SPLIT_ROWS (FR_MR / 2)

/* The generic path's product loops (_products.pxi): columns per row of its
   4-row tile, as many as keep 4 rows of accumulators in 8 vector registers
   (of the 16 / 32 there are); its one-row tile is 4 such tiles wide. */
#define FR_COLS_FLOAT (2 * FR_VL)
#define FR_COLS_DOUBLE FR_VL
#define FR_ROW_COLS_FLOAT (4 * FR_COLS_FLOAT)   /* _tile1's accumulators */
_Static_assert(FR_COLS_DOUBLE <= FR_COLS_FLOAT, "_tile4's buffers hold either type's tile");

/* Panels: LSTM and GRU panels hold one vector per gate of FR_VL units,
   SimpleRNN panels FR_SIMPLE_PANEL_VECTORS vectors of consecutive units;
   the last panel's columns past the last unit are zeros. So the packed
   scratch has at most FR_PANEL_PAD - 1 extra columns per gate, in every
   build: fastrnn/layers.py's _PANEL_PAD (the memory a call is allowed)
   is this number, and tests/test_kernel_paths.py checks that they agree. */
#define FR_SIMPLE_PANEL_VECTORS 4
#define FR_PANEL_PAD 64
_Static_assert(FR_PANEL_PAD >= FR_SIMPLE_PANEL_VECTORS * FR_VL && FR_PANEL_PAD >= FR_VL,
               "_PANEL_PAD covers a panel's padding");
_Static_assert(FR_SIMPLE_PANEL_VECTORS == 4, "fr_tile has tiles of 3 or 4 vectors");

typedef float fr_vf __attribute__((vector_size(FR_VL * sizeof(float))));

static inline fr_vf fr_load(const float *p) { fr_vf v; memcpy(&v, p, sizeof v); return v; }
static inline void fr_store(float *p, fr_vf v) { memcpy(p, &v, sizeof v); }

/* out[i * ldo + c] = init[c] + sum_k a[i * lda + k] * w[k * W * FR_VL + c]
   for i < M, c < NV * FR_VL: NV vectors of panels W vectors wide; init may
   be NULL (zeros). */
#define FR_TILE(M, NV, W)                                                      \
__attribute__((noinline))                                                      \
static void fr_tile_##M##_##NV##_##W(const float *a, ptrdiff_t lda, ptrdiff_t depth, \
                                     const float *w, const float *init, float *out, \
                                     ptrdiff_t ldo) {                          \
    fr_vf acc[M][NV];                                                          \
    for (int i = 0; i < M; i++)                                                \
        for (int v = 0; v < NV; v++)                                           \
            acc[i][v] = init ? fr_load(init + v * FR_VL) : (fr_vf){0};         \
    for (ptrdiff_t k = 0; k < depth; k++) {                                    \
        const float *wk = w + k * (W * FR_VL);                                 \
        fr_vf wv[NV];                                                          \
        for (int v = 0; v < NV; v++) wv[v] = fr_load(wk + v * FR_VL);          \
        for (int i = 0; i < M; i++) {                                          \
            float s = a[i * lda + k];                                          \
            for (int v = 0; v < NV; v++) acc[i][v] += s * wv[v];               \
        }                                                                      \
    }                                                                          \
    for (int i = 0; i < M; i++)                                                \
        for (int v = 0; v < NV; v++)                                           \
            fr_store(out + i * ldo + v * FR_VL, acc[i][v]);                    \
}

/* One row has only nv independent sums: too few to hide the FMA latency,
   so the one-row tile keeps two sets, for even and odd k. */
#define FR_TILE_ONE_ROW(NV, W)                                                 \
__attribute__((noinline))                                                      \
static void fr_tile_1_##NV##_##W(const float *a, ptrdiff_t lda, ptrdiff_t depth, \
                                 const float *w, const float *init, float *out, \
                                 ptrdiff_t ldo) {                              \
    fr_vf even[NV], odd[NV];                                                   \
    (void)lda;                                                                 \
    (void)ldo;                                                                 \
    for (int v = 0; v < NV; v++) {                                             \
        even[v] = init ? fr_load(init + v * FR_VL) : (fr_vf){0};               \
        odd[v] = (fr_vf){0};                                                   \
    }                                                                          \
    ptrdiff_t k = 0;                                                           \
    for (; k + 1 < depth; k += 2) {                                            \
        const float *w0 = w + k * (W * FR_VL), *w1 = w0 + W * FR_VL;           \
        float s0 = a[k], s1 = a[k + 1];                                        \
        for (int v = 0; v < NV; v++) {                                         \
            even[v] += s0 * fr_load(w0 + v * FR_VL);                           \
            odd[v] += s1 * fr_load(w1 + v * FR_VL);                            \
        }                                                                      \
    }                                                                          \
    if (k < depth) {                                                           \
        const float *w0 = w + k * (W * FR_VL);                                 \
        for (int v = 0; v < NV; v++) even[v] += a[k] * fr_load(w0 + v * FR_VL); \
    }                                                                          \
    for (int v = 0; v < NV; v++) fr_store(out + v * FR_VL, even[v] + odd[v]);  \
}

/* A 4-vector panel's tile: its two halves, one after the other. A packed
   4-vector panel stores them apart (Recurrence._pack), depth rows of 2
   vectors each, so that each half streams only its own weights (read from
   one panel of 4-vector rows, a half brought the other half's cache lines
   along, and the taller tile gained nothing). */
#define FR_TILE_PANEL4(M)                                                      \
static void fr_tile_##M##_4(const float *a, ptrdiff_t lda, ptrdiff_t depth,    \
                            const float *w, const float *init, float *out,     \
                            ptrdiff_t ldo) {                                   \
    fr_tile_##M##_2_2(a, lda, depth, w, init, out, ldo);                       \
    fr_tile_##M##_2_2(a, lda, depth, w + depth * 2 * FR_VL,                    \
                      init ? init + 2 * FR_VL : NULL, out + 2 * FR_VL, ldo);   \
}

/* Up to 3 rows, both halves at once: a half's M x 2 accumulators would be
   too few independent sums to hide the FMA latency (and the one-row tile
   keeps even and odd k apart for the same reason). */
#define FR_TILE_WHOLE4(M)                                                      \
static void fr_tile_##M##_4(const float *a, ptrdiff_t lda, ptrdiff_t depth,    \
                            const float *w, const float *init, float *out,     \
                            ptrdiff_t ldo) {                                   \
    fr_vf acc[M][4], odd[4] = {{0}};                                           \
    const float *w2 = w + depth * 2 * FR_VL;     /* the second half */         \
    for (int i = 0; i < M; i++)                                                \
        for (int v = 0; v < 4; v++)                                            \
            acc[i][v] = init ? fr_load(init + v * FR_VL) : (fr_vf){0};         \
    ptrdiff_t k = 0;                                                           \
    if (M == 1)                                                                \
        for (; k + 1 < depth; k += 2) {                                        \
            const float *h0 = w + k * 2 * FR_VL, *h1 = w2 + k * 2 * FR_VL;     \
            float s0 = a[k], s1 = a[k + 1];                                    \
            acc[0][0] += s0 * fr_load(h0);                                     \
            acc[0][1] += s0 * fr_load(h0 + FR_VL);                             \
            acc[0][2] += s0 * fr_load(h1);                                     \
            acc[0][3] += s0 * fr_load(h1 + FR_VL);                             \
            odd[0] += s1 * fr_load(h0 + 2 * FR_VL);                            \
            odd[1] += s1 * fr_load(h0 + 3 * FR_VL);                            \
            odd[2] += s1 * fr_load(h1 + 2 * FR_VL);                            \
            odd[3] += s1 * fr_load(h1 + 3 * FR_VL);                            \
        }                                                                      \
    for (; k < depth; k++) {                                                   \
        const float *h0 = w + k * 2 * FR_VL, *h1 = w2 + k * 2 * FR_VL;         \
        fr_vf wv[4] = {fr_load(h0), fr_load(h0 + FR_VL), fr_load(h1),          \
                       fr_load(h1 + FR_VL)};                                   \
        for (int i = 0; i < M; i++) {                                          \
            float s = a[i * lda + k];                                          \
            for (int v = 0; v < 4; v++) acc[i][v] += s * wv[v];                \
        }                                                                      \
    }                                                                          \
    for (int i = 0; i < M; i++)                                                \
        for (int v = 0; v < 4; v++)                                            \
            fr_store(out + i * ldo + v * FR_VL, acc[i][v] + (i == 0 ? odd[v] : (fr_vf){0})); \
}

/* The tiles of 1 to FR_MR rows for 4-vector panels, of 1 to FR_MR3 rows for
   3-vector ones. */
#define FR_TILES4(M) FR_TILE(M, 2, 2) FR_TILE_PANEL4(M)
FR_TILE_WHOLE4(1) FR_TILE_WHOLE4(2) FR_TILE_WHOLE4(3)
FR_TILES4(4) FR_TILES4(5) FR_TILES4(6)
FR_TILE_ONE_ROW(3, 3) FR_TILE(2, 3, 3) FR_TILE(3, 3, 3) FR_TILE(4, 3, 3)
#if FR_TILE_MAX_ROWS > 6
FR_TILES4(7) FR_TILES4(8) FR_TILES4(9) FR_TILES4(10) FR_TILES4(11) FR_TILES4(12)
FR_TILE(5, 3, 3) FR_TILE(6, 3, 3) FR_TILE(7, 3, 3) FR_TILE(8, 3, 3)
_Static_assert(FR_MR == 12 && FR_MR3 == 8, "a tile per row count");
#define FR_TILE_TABLE4 fr_tile_1_4, fr_tile_2_4, fr_tile_3_4, fr_tile_4_4, fr_tile_5_4, \
    fr_tile_6_4, fr_tile_7_4, fr_tile_8_4, fr_tile_9_4, fr_tile_10_4, fr_tile_11_4, fr_tile_12_4
#define FR_TILE_TABLE3 fr_tile_1_3_3, fr_tile_2_3_3, fr_tile_3_3_3, fr_tile_4_3_3, \
    fr_tile_5_3_3, fr_tile_6_3_3, fr_tile_7_3_3, fr_tile_8_3_3
#else
_Static_assert(FR_MR == 6 && FR_MR3 == 4, "a tile per row count");
#define FR_TILE_TABLE4 fr_tile_1_4, fr_tile_2_4, fr_tile_3_4, fr_tile_4_4, fr_tile_5_4, \
    fr_tile_6_4
#define FR_TILE_TABLE3 fr_tile_1_3_3, fr_tile_2_3_3, fr_tile_3_3_3, fr_tile_4_3_3
#endif

typedef void (*fr_tile_fn)(const float *, ptrdiff_t, ptrdiff_t, const float *,
                           const float *, float *, ptrdiff_t);

/* The tile for m rows (1 <= m <= fr_tile_rows(nv)) of a panel of nv
   vectors (3 or 4). */
static inline fr_tile_fn fr_tile(int m, int nv) {
    static const fr_tile_fn four[] = {FR_TILE_TABLE4};
    static const fr_tile_fn three[] = {FR_TILE_TABLE3};
    _Static_assert(sizeof four / sizeof four[0] == FR_MR, "a 4-vector tile per row count");
    _Static_assert(sizeof three / sizeof three[0] == FR_MR3, "a 3-vector tile per row count");
    return nv == 3 ? three[m - 1] : four[m - 1];
}

/* Rows per tile for panels of nv vectors. */
static inline int fr_tile_rows(int nv) { return nv == 3 ? FR_MR3 : FR_MR; }

/* Waiting for another thread: spin briefly (it is normally a microsecond
   away), then yield the CPU, since when the machine is oversubscribed the
   thread we wait for may be waiting for this very core. */
static inline void fr_relax(ptrdiff_t spins) {
    if (spins < 2000) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    } else {
        sched_yield();
    }
}

/* e^x - 1 and tanh in float32, branch-free so that GCC vectorizes the
   loops calling them (libm calls do not vectorize): they make the float32
   sigmoid and tanh of _recurrence.pxi, whose rules live there.
   Comparisons are written so that NaN propagates.

   fr_expm1f: Cephes's expf polynomial after Cody-Waite range reduction,
   x = n ln2 + r, |r| <= ln2 / 2, kept as e^r - 1 = r + r^2 P(r) so that
   e^x - 1 = (e^r - 1) 2^n + (2^n - 1) loses nothing for small x: ~2 ulp.
   The input is clamped to [-87.34, 88.38], where 2^n is a normal float, so
   fr_expm1f(inf) is 2.4e38, not inf: enough for its two callers (sigmoid
   1 / (2 + e) and tanh e / (e + 2) reach their limits there; sigmoid
   flushes the subnormals it makes), not a general expm1f. */
static inline float fr_expm1f(float x) {
    x = x > 88.3762626647949f ? 88.3762626647949f : x;
    x = x < -87.3365447504f ? -87.3365447504f : x;
    /* round to nearest with the 1.5 * 2^23 trick: vectorizes without SSE4.1 */
    float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500E-4f;
    p = p * r + 1.3981999507E-3f;
    p = p * r + 8.3334519073E-3f;
    p = p * r + 4.1665795894E-2f;
    p = p * r + 1.6666665459E-1f;
    p = p * r + 5.0000001201E-1f;
    float q = p * r * r + r;   /* e^r - 1 */
    uint32_t bits = (uint32_t)((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return q * scale + (scale - 1.0f);
}

/* tanh(x) = e / (e + 2) with e = e^2|x| - 1 and x's sign: ~3 ulp relative
   error for every x, tiny ones included (tanh(1e-30) is 1e-30); inf gives
   1, NaN gives NaN. */
static inline float fr_tanhf(float x) {
    float a = x < 0 ? -x : x;
    float e = fr_expm1f(2.0f * a);
    float t = e / (e + 2.0f);
    return x < 0 ? -t : t;
}


/* fr_expm1f, fr_tanhf and the float32 sigmoid of _recurrence.pxi on whole
   vectors, for the gate update of the packed path. Written with vector
   types rather than left to the loop vectorizer, which leaves loops of the
   scalar forms scalar in the SSE build. Operation for operation the scalar
   forms, so that both give the same bits (tests/test_vector_code.py checks):
   change them together. */
typedef int32_t fr_vi __attribute__((vector_size(FR_VL * sizeof(int32_t))));

/* m ? a : b lane by lane, m from a vector comparison (all ones or zeros). */
static inline fr_vf fr_select(fr_vi m, fr_vf a, fr_vf b) {
    return (fr_vf)((m & (fr_vi)a) | (~m & (fr_vi)b));
}

static inline fr_vf fr_expm1v(fr_vf x) {
    const fr_vf hi = (fr_vf){0} + 88.3762626647949f, lo = (fr_vf){0} + -87.3365447504f;
    x = fr_select(x > hi, hi, x);
    x = fr_select(x < lo, lo, x);
    fr_vf n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    fr_vf r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    fr_vf p = (fr_vf){0} + 1.9875691500E-4f;
    p = p * r + 1.3981999507E-3f;
    p = p * r + 8.3334519073E-3f;
    p = p * r + 4.1665795894E-2f;
    p = p * r + 1.6666665459E-1f;
    p = p * r + 5.0000001201E-1f;
    fr_vf q = p * r * r + r;
    fr_vf scale = (fr_vf)((__builtin_convertvector(n, fr_vi) + 127) << 23);
    return q * scale + (scale - 1.0f);
}

static inline fr_vf fr_tanhv(fr_vf x) {
    fr_vi negative = x < 0;
    fr_vf a = fr_select(negative, -x, x);
    fr_vf e = fr_expm1v(2.0f * a);
    fr_vf t = e / (e + 2.0f);
    return fr_select(negative, -t, t);
}

/* 1 / (2 + expm1(-x)), times 0 where subnormal (TensorFlow's flush). */
static inline fr_vf fr_sigmoidv(fr_vf x) {
    fr_vf s = 1.0f / (2.0f + fr_expm1v(-x));
    return s * __builtin_convertvector(-(s >= FLT_MIN), fr_vf);
}

/* v[i] = f(v[i]) for i < n, a vector at a time; a partial last vector is
   computed in a copy padded with zeros, so no scalar code either. */
#define FR_MAP(NAME, F)                                                        \
static inline void NAME(float *v, ptrdiff_t n) {                               \
    ptrdiff_t i = 0;                                                           \
    for (; i + FR_VL <= n; i += FR_VL) fr_store(v + i, F(fr_load(v + i)));     \
    if (i < n) {                                                               \
        fr_vf t = {0};                                                         \
        memcpy(&t, v + i, (size_t)(n - i) * sizeof(float));                    \
        t = F(t);                                                              \
        memcpy(v + i, &t, (size_t)(n - i) * sizeof(float));                    \
    }                                                                          \
}
FR_MAP(fr_sigmoid_n, fr_sigmoidv)
FR_MAP(fr_tanh_n, fr_tanhv)

/* The float32 cells' elementwise updates (_cells.pxi), a vector at a time,
   a partial last vector in zero-padded copies: the same expressions as the
   cells' double loops, in vector code in every build (GCC's SLP left
   unrolled loops of them partly scalar). */
static inline fr_vf fr_load_n(const float *p, ptrdiff_t n) {
    fr_vf v = {0};
    memcpy(&v, p, (size_t)n * sizeof(float));
    return v;
}
static inline void fr_store_n(float *p, fr_vf v, ptrdiff_t n) {
    memcpy(p, &v, (size_t)n * sizeof(float));
}

/* LSTM: c = f * c + i * z; t = c. */
static inline void fr_lstm_state_n(const float *i_, const float *f_, const float *z_,
                                   float *c, float *t, ptrdiff_t n) {
    for (ptrdiff_t j = 0; j < n; j += FR_VL) {
        ptrdiff_t m = n - j < FR_VL ? n - j : FR_VL;
        fr_vf i = fr_load_n(i_ + j, m), f = fr_load_n(f_ + j, m), z = fr_load_n(z_ + j, m);
        fr_vf cv = fr_load_n(c + j, m);
        cv = f * cv + i * z;
        fr_store_n(c + j, cv, m);
        fr_store_n(t + j, cv, m);
    }
}

/* LSTM: h = o * t. */
static inline void fr_mul_n(const float *o_, const float *t_, float *h, ptrdiff_t n) {
    for (ptrdiff_t j = 0; j < n; j += FR_VL) {
        ptrdiff_t m = n - j < FR_VL ? n - j : FR_VL;
        fr_store_n(h + j, fr_load_n(o_ + j, m) * fr_load_n(t_ + j, m), m);
    }
}

/* GRU: h = z * h_prev + (1 - z) * hh (h may be h_prev). */
static inline void fr_gru_state_n(const float *z_, const float *h_prev, const float *hh_,
                                  float *h, ptrdiff_t n) {
    for (ptrdiff_t j = 0; j < n; j += FR_VL) {
        ptrdiff_t m = n - j < FR_VL ? n - j : FR_VL;
        fr_vf z = fr_load_n(z_ + j, m);
        fr_store_n(h + j, z * fr_load_n(h_prev + j, m) + (1.0f - z) * fr_load_n(hh_ + j, m), m);
    }
}

/* GRU: a = b + a, and hh = x_h + r * g_h. */
static inline void fr_add_n(float *a, const float *b, ptrdiff_t n) {
    for (ptrdiff_t j = 0; j < n; j += FR_VL) {
        ptrdiff_t m = n - j < FR_VL ? n - j : FR_VL;
        fr_store_n(a + j, fr_load_n(a + j, m) + fr_load_n(b + j, m), m);
    }
}
static inline void fr_gru_candidate_n(const float *x, const float *r, float *g, ptrdiff_t n) {
    for (ptrdiff_t j = 0; j < n; j += FR_VL) {
        ptrdiff_t m = n - j < FR_VL ? n - j : FR_VL;
        fr_store_n(g + j, fr_load_n(x + j, m) + fr_load_n(r + j, m) * fr_load_n(g + j, m), m);
    }
}

#endif
