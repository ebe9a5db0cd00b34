"""Every kernel path against tests/reference.py, across the size thresholds.

The kernels choose a path by build (baseline / AVX2 / AVX-512), dtype,
activation, size and thread count: the packed float32 path with its
register tiles (FR_MR rows, FR_MR3 for GRU, x vectors of FR_VL floats), split by rows or by
units across threads; the generic path with its own loops or BLAS above a
size threshold. Each test pins a path and checks it on sizes just below,
at and above the thresholds where the path changes.
"""
import numpy as np
import pytest

import fastrnn
from fastrnn import _dispatch
from reference import rnn

BUILDS = _dispatch.available()


@pytest.fixture(params=BUILDS)
def kernels(request, monkeypatch):
    module = _dispatch.load(request.param)
    monkeypatch.setattr(_dispatch, "kernels", module)
    yield module
    module.set_num_threads(0)
    module.set_parallel_threshold(32768)
    module.set_blas_threshold(32768)


def check(cell, units, batch, steps=4, features=5, dtype="float32", seed=0,
          activation="tanh", recurrent_activation="sigmoid", reset_after=True,
          go_backwards=False, use_mask=True, packed=None):
    rng = np.random.default_rng(seed)
    config = dict(units=units, dtype=dtype, activation=activation, go_backwards=go_backwards,
                  return_sequences=True, return_state=True)
    if cell != "SimpleRNN":
        config["recurrent_activation"] = recurrent_activation
    if cell == "GRU":
        config["reset_after"] = reset_after
    layer = getattr(fastrnn, cell)(**config)
    layer.build(features)
    # Scaled so that wide layers stay out of the chaotic regime, where float32
    # rounding alone would part from the float64 reference.
    scale = 0.5 / max(1.0, np.sqrt(units / 8))
    layer.set_weights([rng.uniform(-scale, scale, w.shape) for w in layer.get_weights()])
    if packed is not None:
        assert layer._recurrence.packed == packed
    weights = layer.get_weights()
    x = rng.normal(size=(batch, steps, features)).astype(dtype)
    mask = rng.random((batch, steps)) < 0.75 if use_mask else None
    n_states = 2 if cell == "LSTM" else 1
    initial = [rng.normal(size=(batch, units)).astype(dtype) for _ in range(n_states)]
    out = layer(x, mask=mask, initial_state=initial)
    _, sequence, states = rnn(cell, weights, x, units=units, mask=mask, initial_state=initial,
                              go_backwards=go_backwards, activation=activation,
                              recurrent_activation=recurrent_activation, reset_after=reset_after)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(out[0], sequence, **tol)
    for got, want in zip(out[1:], states):
        np.testing.assert_allclose(got, want, **tol)


def unit_sizes(kernels, cell):
    # Around one and two panels: a panel holds FR_VL units (4 * FR_VL for SimpleRNN).
    per = kernels.VECTOR_FLOATS * (4 if cell == "SimpleRNN" else 1)
    return sorted({1, 3, per - 1, per, per + 1, 2 * per + 3})


@pytest.mark.parametrize("cell", ["SimpleRNN", "LSTM", "GRU"])
def test_packed_path_single_thread(kernels, cell):
    kernels.set_num_threads(1)
    rows = kernels.GRU_TILE_ROWS if cell == "GRU" else kernels.TILE_ROWS
    for units in unit_sizes(kernels, cell):
        for batch in sorted({1, rows - 1, rows, rows + 1, 2 * rows + 1} - {0}):
            check(cell, units, batch, packed=True, go_backwards=batch % 2 == 0)


@pytest.mark.parametrize("cell", ["SimpleRNN", "LSTM", "GRU"])
def test_packed_path_split_by_rows_and_by_units(kernels, cell):
    kernels.set_num_threads(2)
    kernels.set_parallel_threshold(0)
    rows = kernels.BATCH_SPLIT_ROWS
    per = kernels.VECTOR_FLOATS * (4 if cell == "SimpleRNN" else 1)
    for units in (per - 1, 2 * per + 1, 4 * per):
        # batch < 2 x BATCH_SPLIT_ROWS: split by units (threads meet every
        # step); else by rows, unless the recurrent weights exceed L2 (twice
        # the panel block): then by units too.
        for batch in (1, 2 * rows - 1, 2 * rows, 3 * rows + 1):
            for block in (None, 1):
                previous = kernels.set_panel_block_bytes(block) if block else None
                try:
                    check(cell, units, batch, steps=6, packed=True, seed=units + batch)
                finally:
                    if block:
                        kernels.set_panel_block_bytes(previous)


def test_more_threads_than_panels(kernels):
    kernels.set_num_threads(3)
    kernels.set_parallel_threshold(0)
    check("LSTM", 2, 1, packed=True)


@pytest.mark.parametrize("cell,kwargs", [
    ("LSTM", dict(dtype="float64")),
    ("GRU", dict(dtype="float64")),
    ("SimpleRNN", dict(dtype="float64")),
    ("GRU", dict(reset_after=False)),
    ("LSTM", dict(activation="softmax")),
    ("GRU", dict(recurrent_activation="sparsemax")),
])
def test_generic_path_own_loops_and_blas(kernels, cell, kwargs):
    for threshold in (1 << 62, 0):   # all own loops, then all BLAS
        kernels.set_blas_threshold(threshold)
        for units in (1, 7, 33):
            for batch in (1, 5):
                check(cell, units, batch, packed=False, **kwargs)


def test_builds_agree():
    # The same layer computed by every build this CPU runs.
    rng = np.random.default_rng(5)
    x = rng.normal(size=(7, 9, 6)).astype(np.float32)
    weights = [rng.uniform(-0.3, 0.3, shape).astype(np.float32)
               for shape in [(6, 80), (20, 80), (80,)]] + [np.zeros(80, np.float32)]
    results = []
    for build in BUILDS:
        module = _dispatch.load(build)
        run = module.Recurrence(module.Cell.LSTM_CELL, *weights, module.Activation.TANH,
                                module.Activation.SIGMOID, False)
        results.append(run(x, None, None, False, True, False)[1])
    for other in results[1:]:
        np.testing.assert_allclose(other, results[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_bidirectional_directions_run_concurrently_with_equal_results(kernels, cell):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 40, 16)).astype(np.float32)
    mask = rng.random((3, 40)) < 0.8
    layer = fastrnn.Bidirectional(getattr(fastrnn, cell)(24, return_sequences=True,
                                                         return_state=True, seed=1))
    results = {}
    for threads in (1, 2):
        kernels.set_num_threads(threads)
        results[threads] = layer(x, mask=mask)
    for a, b in zip(results[1], results[2]):
        np.testing.assert_array_equal(a, b)


def test_thread_knob():
    before = fastrnn.get_num_threads()
    with fastrnn.num_threads(1):
        assert fastrnn.get_num_threads() == 1
    assert fastrnn.get_num_threads() == before
    with pytest.raises(ValueError, match="set_num_threads expected an integer >= 0"):
        fastrnn.set_num_threads(-1)


def test_threadpoolctl_limits_fastrnn_threads():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if fastrnn.get_num_threads() < 2:
        pytest.skip("one thread on this machine")
    with threadpoolctl.threadpool_limits(1):
        assert fastrnn.get_num_threads() == 1


@pytest.mark.parametrize("build", BUILDS)
def test_panel_padding_agrees_with_the_layers(build):
    # fastrnn/layers.py counts a call's memory with _PANEL_PAD extra columns
    # per gate; the C side (FR_PANEL_PAD in _simd.h, with compile-time
    # checks against the panel sizes) must say the same, and the packed
    # scratch of every build must fit in it.
    from fastrnn import layers
    module = _dispatch.load(build)
    assert module.PANEL_PAD == layers._PANEL_PAD
    for cell, gates in ((module.Cell.SIMPLE_RNN, 1), (module.Cell.LSTM_CELL, 4),
                        (module.Cell.GRU_CELL, 3)):
        for units in (1, 3, module.VECTOR_FLOATS, 4 * module.VECTOR_FLOATS + 1, 70, 129):
            width = gates * units
            rec = module.Recurrence(int(cell), np.zeros((3, width), np.float32),
                                    np.zeros((units, width), np.float32),
                                    np.zeros(width, np.float32), np.zeros(width, np.float32),
                                    int(module.Activation.TANH), int(module.Activation.SIGMOID),
                                    True)
            assert rec.packed
            assert rec.scratch_columns <= gates * (units + layers._PANEL_PAD - 1), (cell, units)


@pytest.mark.parametrize("cell", ["SimpleRNN", "LSTM", "GRU"])
def test_panel_blocks_do_not_change_results(kernels, cell):
    # _step_packed runs the panels in blocks that fit in L2 (a size read
    # from the CPU): any block size gives the same bits.
    rng = np.random.default_rng(3)
    layer = getattr(fastrnn, cell)(70, return_sequences=True)
    layer.build(9)
    layer.set_weights([rng.uniform(-0.2, 0.2, w.shape) for w in layer.get_weights()])
    x = rng.normal(size=(13, 5, 9)).astype(np.float32)
    want = layer(x)
    previous = kernels.set_panel_block_bytes(1)
    try:
        got = layer(x)
    finally:
        kernels.set_panel_block_bytes(previous)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("cell", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("threads", [1, 2])
def test_projection_chunks(kernels, cell, threads):
    # The packed path projects the input a chunk of steps at a time (a
    # quarter of L2, but at least 8 register tiles of rows), tiling the
    # longer side of the chunk: rows of a step, or steps of a row (backwards
    # with go_backwards). Chunks from 1 step to the whole sequence, on one
    # thread, split by rows and split by units.
    kernels.set_num_threads(threads)
    kernels.set_parallel_threshold(0)
    rows = kernels.GRU_TILE_ROWS if cell == "GRU" else kernels.TILE_ROWS
    units = kernels.VECTOR_FLOATS + 3
    width = kernels.VECTOR_FLOATS * (4 if cell == "SimpleRNN" else 1)
    panel_floats = -(-units // width) * width * (3 if cell == "GRU" else 4 if cell == "LSTM"
                                                  else 1)
    for batch in (1, 2 * rows - 1, 8 * rows * threads + 1):
        for steps_per_chunk in (1, 3, 1000):
            previous = kernels.set_projection_chunk_bytes(steps_per_chunk * batch * 4
                                                          * panel_floats)
            try:
                for go_backwards in (False, True):
                    check(cell, units, batch, steps=16 * rows + 5, packed=True,
                          go_backwards=go_backwards, seed=batch + steps_per_chunk)
            finally:
                kernels.set_projection_chunk_bytes(previous)


@pytest.mark.parametrize("cell", ["SimpleRNN", "LSTM", "GRU"])
def test_projection_chunks_do_not_change_results(kernels, cell):
    rng = np.random.default_rng(4)
    layer = getattr(fastrnn, cell)(40, return_sequences=True, go_backwards=True)
    layer.build(9)
    layer.set_weights([rng.uniform(-0.2, 0.2, w.shape) for w in layer.get_weights()])
    for batch in (2, 13, 70):
        x = rng.normal(size=(batch, 131, 9)).astype(np.float32)
        mask = rng.random((batch, 131)) < 0.8
        want = layer(x, mask=mask)
        for nbytes in (1, 5000, 1 << 30):
            previous = kernels.set_projection_chunk_bytes(nbytes)
            try:
                got = layer(x, mask=mask)
            finally:
                kernels.set_projection_chunk_bytes(previous)
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("cell", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sequence_written_into_part_of_a_shared_output(kernels, cell, dtype):
    # Bidirectional's concat: each direction writes its columns of one
    # output, the backward one reversed in time (Call.write_sequence_into).
    rng = np.random.default_rng(6)
    layer = getattr(fastrnn, cell)(5, return_sequences=True, dtype=dtype)
    layer.build(3)
    x = rng.normal(size=(2, 4, 3)).astype(dtype)
    want = layer(x)
    call = layer._prepare(x, None, None)
    out = np.full((2, 4, 12), 7.0, dtype)
    call.write_sequence_into(out, 6, True)
    call.run()
    np.testing.assert_array_equal(out[:, :, 6:11], want[:, ::-1])
    assert (out[:, :, :6] == 7).all() and (out[:, :, 11] == 7).all()
    other = np.float32 if dtype == "float64" else np.float64
    for bad, column in ((np.zeros((2, 4, 12), other), 0), (np.zeros((2, 4, 12), dtype), 8),
                        (np.zeros((2, 5, 12), dtype), 0), (np.zeros((2, 4, 24), dtype)[:, :, ::2], 0),
                        (np.zeros((2, 4, 12), dtype), -1)):
        with pytest.raises(ValueError, match="write_sequence_into"):
            layer._prepare(x, None, None).write_sequence_into(bad, column, False)
    with pytest.raises(RuntimeError, match="before it runs"):
        call.write_sequence_into(out, 0, False)
