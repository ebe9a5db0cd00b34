"""Memory leaks (issue 5): every layer kind called tens of thousands of
times, and bad input refused thousands of times, must not grow the resident
set by more than 20 MB. Shapes are small but not tiny: a call that leaked its
input projection (kernel scratch) or an output array would leak kilobytes
per call, hundreds of megabytes in all. Runs in CI (marker ``leak``, about
10 s); Linux only (/proc/self/statm)."""
import gc
import os
from pathlib import Path

import numpy as np
import pytest

import fastrnn
from fastrnn import _dispatch
from fastrnn import layers as fl

pytestmark = [
    pytest.mark.leak,
    pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc/self/statm"),
    pytest.mark.skipif("libasan" in os.environ.get("LD_PRELOAD", ""),
                       reason="AddressSanitizer's quarantine keeps freed memory resident"),
]

LIMIT = 20 * 2**20
CALLS = 50_000
BAD_CALLS = 5_000
RNG = np.random.default_rng(0)
X = RNG.normal(size=(4, 16, 8)).astype(np.float32)
MASK = RNG.random((4, 16)) < 0.8


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def growth(fn, repeats):
    for _ in range(min(repeats, 500)):   # warm up caches, allocators, lazy imports
        fn()
    gc.collect()
    before = rss()
    for _ in range(repeats):
        fn()
    gc.collect()
    return rss() - before


def kinds():
    simple = fastrnn.SimpleRNN(16, seed=1, return_sequences=True)
    lstm = fastrnn.LSTM(16, seed=2, return_sequences=True, return_state=True)
    gru64 = fastrnn.GRU(16, seed=3, dtype="float64", reset_after=False, return_state=True)
    h64 = RNG.normal(size=(4, 16))
    stateful = fastrnn.LSTM(16, seed=4, stateful=True, return_state=True)
    softmax = fastrnn.GRU(16, seed=5, activation="softmax", return_sequences=True)
    bidi = fastrnn.Bidirectional(fastrnn.GRU(16, seed=6, return_sequences=True, return_state=True))
    bidi_stateful = fastrnn.Bidirectional(fastrnn.SimpleRNN(16, seed=7, stateful=True))
    x64 = X.astype(np.float64)
    return {
        "simplernn-fast-path": lambda: simple(X),
        "lstm-mask-checked-path": lambda: lstm(X, mask=MASK),
        "gru-float64-initial-state": lambda: gru64(x64, initial_state=[h64]),
        "lstm-stateful": lambda: stateful(X),
        "gru-softmax-generic-kernel": lambda: softmax(X),
        "bidirectional-gru": lambda: bidi(X, mask=MASK),
        "bidirectional-stateful": lambda: bidi_stateful(X),
        "lstm-float16-fortran-input": lambda: lstm(np.asfortranarray(X.astype(np.float16))),
    }


@pytest.mark.parametrize("kind", sorted(kinds()))
def test_calls_do_not_leak(kind):
    fn = kinds()[kind]
    assert growth(fn, CALLS) < LIMIT


def bad_inputs():
    layer = fastrnn.LSTM(16, seed=1, return_state=True)
    layer.build(8)
    weights = layer.get_weights()
    k = _dispatch.kernels
    w = [np.zeros((8, 64), np.float32), np.zeros((16, 64), np.float32),
         np.zeros(64, np.float32), np.zeros(64, np.float32)]
    recurrence = k.Recurrence(k.Cell.LSTM_CELL, *w, 0, 0, False)
    huge = np.broadcast_to(np.float64(1), (10**6, 10**6, 8))
    return [
        (lambda: layer(X[0]), ValueError),                          # rank
        (lambda: layer(X[:, :, :3]), ValueError),                   # features
        (lambda: layer(X, mask=MASK[:, :3]), ValueError),           # mask shape
        (lambda: layer(X, mask=[[1, 0], [1]]), ValueError),         # ragged mask
        (lambda: layer(X, initial_state=[X[0, :, :2]] * 2), ValueError),
        (lambda: layer(X.astype(np.float64)[:, :0]), ValueError),  # zero timesteps
        (lambda: layer([[[1.0] * 8], [[1.0]]]), ValueError),        # ragged x
        (lambda: layer(huge), fl.TooLargeError),                    # refused before allocating
        (lambda: layer.set_weights(weights[:2]), ValueError),
        (lambda: layer.set_weights([weights[0].T, *weights[1:]]), ValueError),
        (lambda: fastrnn.GRU(0), ValueError),
        (lambda: fastrnn.GRU(10**12), fl.TooLargeError),
        (lambda: fastrnn.Bidirectional(fastrnn.GRU(2), merge_mode="x"), ValueError),
        (lambda: recurrence(X.astype(np.float64), None, None, False, True, False), ValueError),
        (lambda: recurrence(X, np.ones((4, 3), np.uint8), None, False, True, False), ValueError),
    ]


def test_bad_input_does_not_leak():
    cases = bad_inputs()

    def refuse_all():
        for fn, error in cases:
            try:
                fn()
            except error:
                pass
            else:
                raise AssertionError("bad input accepted")

    assert growth(refuse_all, BAD_CALLS) < LIMIT
