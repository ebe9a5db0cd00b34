"""Calls from many threads (issue 5).

Non-stateful layers share nothing mutable between calls: 8 threads x 200
calls on one layer, or on one layer each, give the same bits as the same
calls made one after the other. A stateful layer holds a lock around each
call (prepare, run, finish), so concurrent calls are serialized: the states
always follow from the previous call. See TESTING.md.
"""
import threading
from collections import Counter

import numpy as np
import pytest

import fastrnn
from support import as_list, assert_same

THREADS, CALLS = 8, 200
RNG = np.random.default_rng(2024)


def run_threads(work):
    """work(thread_index) in THREADS threads started together; re-raises."""
    barrier = threading.Barrier(THREADS)
    errors, results = [], [None] * THREADS

    def target(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    if errors:
        raise errors[0]
    return results


def layer_kinds():
    """(layer, inputs for call k) pairs: the fast path, the checked path
    (mask, initial state, conversion), OpenMP threads inside a call, both
    Bidirectional directions at once, float64."""
    def lstm_small():
        layer = fastrnn.LSTM(5, seed=1, return_sequences=True)
        xs = RNG.normal(size=(CALLS, 2, 4, 3)).astype(np.float32)
        return layer, lambda k: ((xs[k],), {})

    def gru_masked():
        layer = fastrnn.GRU(4, seed=2, return_state=True, reset_after=False)
        xs = RNG.normal(size=(CALLS, 3, 6, 2))  # float64 in: converted
        masks = RNG.random((CALLS, 3, 6)) < 0.7
        h0 = RNG.normal(size=(CALLS, 3, 4))
        return layer, lambda k: ((xs[k],), {"mask": masks[k], "initial_state": [h0[k]]})

    def lstm_openmp():
        # batch*units*gates*(units+features) = 16*32*4*48 > 32768: OpenMP
        # threads inside each call, splitting the batch (16 >= 2 threads x
        # BATCH_SPLIT_ROWS). (Splitting by units, for small batches, meets
        # every step: see test_openmp_barrier_path_many_threads.)
        layer = fastrnn.LSTM(32, seed=3, return_sequences=True, return_state=True)
        xs = RNG.normal(size=(CALLS, 16, 5, 16)).astype(np.float32)
        return layer, lambda k: ((xs[k],), {})

    def bidi():
        layer = fastrnn.Bidirectional(fastrnn.GRU(24, seed=4, return_sequences=True))
        xs = RNG.normal(size=(CALLS, 3, 40, 8)).astype(np.float32)
        masks = RNG.random((CALLS, 3, 40)) < 0.8
        return layer, lambda k: ((xs[k],), {"mask": masks[k]})

    def simple_f64():
        layer = fastrnn.SimpleRNN(6, seed=5, dtype="float64", activation="softmax")
        xs = RNG.normal(size=(CALLS, 2, 3, 4))
        return layer, lambda k: ((xs[k],), {})

    return {f.__name__: f for f in (lstm_small, gru_masked, lstm_openmp, bidi, simple_f64)}


KINDS = layer_kinds()


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_one_layer_many_threads(kind):
    layer, args = KINDS[kind]()
    serial = [layer(*args(k)[0], **args(k)[1]) for k in range(CALLS)]

    def work(i):
        # Each thread makes every call, starting at a different one.
        out = {}
        for j in range(CALLS):
            k = (j + 25 * i) % CALLS
            out[k] = layer(*args(k)[0], **args(k)[1])
        return out

    for out in run_threads(work):
        for k in range(CALLS):
            assert_same(out[k], serial[k])


def test_different_layers_many_threads():
    names = sorted(KINDS)
    pairs = [KINDS[names[i % len(names)]]() for i in range(THREADS)]
    serial = [[layer(*args(k)[0], **args(k)[1]) for k in range(CALLS)] for layer, args in pairs]

    def work(i):
        layer, args = pairs[i]
        return [layer(*args(k)[0], **args(k)[1]) for k in range(CALLS)]

    for i, out in enumerate(run_threads(work)):
        for k in range(CALLS):
            assert_same(out[k], serial[i][k])


def test_first_call_builds_once():
    # An unbuilt layer without a seed: concurrent first calls must agree on
    # one set of weights.
    for _ in range(5):
        layer = fastrnn.LSTM(6)
        x = RNG.normal(size=(2, 3, 4))
        results = run_threads(lambda i, layer=layer, x=x: layer(x))
        for r in results[1:]:
            assert_same(r, results[0])
        assert_same(layer(x), results[0])


@pytest.mark.parametrize("make", [
    lambda: fastrnn.LSTM(4, stateful=True, return_state=True, seed=7),
    lambda: fastrnn.GRU(3, stateful=True, return_sequences=True, return_state=True, seed=8),
    lambda: fastrnn.Bidirectional(fastrnn.SimpleRNN(3, stateful=True, return_state=True, seed=9)),
], ids=["lstm", "gru", "bidirectional"])
def test_stateful_calls_are_serialized(make):
    """The same x in every call: the k-th call (in whatever order the
    threads got the lock) gives the serial k-th result, and the states end
    as after THREADS * CALLS serial calls."""
    x = RNG.uniform(-1, 1, (2, 30, 2)).astype(np.float32)   # long enough to overlap
    reference = make()
    serial = [as_list(reference(x)) for _ in range(THREADS * CALLS)]
    layer = make()

    def work(i):
        return [as_list(layer(x)) for _ in range(CALLS)]

    got = [r for per_thread in run_threads(work) for r in per_thread]

    def key(result):
        return b"".join(a.tobytes() for a in result)

    assert Counter(map(key, got)) == Counter(map(key, serial))
    assert_same(layer.states, reference.states)


def test_reset_states_during_calls_keeps_states_consistent():
    layer = fastrnn.GRU(3, stateful=True, return_state=True, seed=1)
    x = RNG.uniform(-1, 1, (2, 3, 2)).astype(np.float32)
    layer(x)

    def work(i):
        for _ in range(CALLS):
            if i == 0:
                layer.reset_states()
            else:
                out, h = layer(x)
                np.testing.assert_array_equal(out, h)

    run_threads(work)
    assert layer.states[0].shape == (2, 3)


def test_openmp_barrier_path_many_threads():
    """Small batch, many units: each call splits its units over OpenMP
    threads that meet at a barrier every step. Correct from many Python
    threads at once -- but slow when the cores are oversubscribed, as
    libgomp spins at barriers (OMP_WAIT_POLICY=passive avoids it; see
    TESTING.md), so fewer calls here."""
    layer = fastrnn.GRU(48, seed=6, return_sequences=True)
    xs = RNG.normal(size=(25, 2, 6, 8)).astype(np.float32)
    with fastrnn.num_threads(2):
        serial = [layer(x) for x in xs]
        results = run_threads(lambda i: [layer(x) for x in xs])
    for out in results:
        for got, want in zip(out, serial):
            np.testing.assert_array_equal(got, want)


# ------------------------------------------------------------ set_weights and states races
def _weight_sets(model, count=2):
    """``count`` distinct weight lists for ``model`` (built)."""
    rng = np.random.default_rng(7)
    return [[rng.standard_normal(w.shape).astype(w.dtype) for w in model.get_weights()]
            for _ in range(count)]


def _check_never_mixed(model, x, split):
    """Calls racing set_weights each see one whole weight set: their results
    equal those of one of the sets. ``split(result)`` gives the parts that
    come from different layers (a mix shows as parts of different sets)."""
    sets = _weight_sets(model)
    wanted = []
    for weights in sets:
        model.set_weights(weights)
        wanted.append([p.copy() for p in split(model(x))])
    stop = threading.Event()
    seen = Counter()

    def call(i):
        if i == 0:                          # the writer
            for k in range(300):
                model.set_weights(sets[k % 2])
            stop.set()
            return
        while not stop.is_set():
            parts = split(model(x))
            match = [k for k, want in enumerate(wanted)
                     if all(np.array_equal(p, w) for p, w in zip(parts, want))]
            seen["whole" if match else "mixed"] += 1

    run_threads(call)
    assert seen["mixed"] == 0, seen
    assert seen["whole"] > 0


def test_bidirectional_set_weights_never_mixes_directions():
    layer = fastrnn.Bidirectional(fastrnn.LSTM(8, seed=0), merge_mode=None)
    x = RNG.standard_normal((2, 5, 3)).astype(np.float32)
    layer(x)
    _check_never_mixed(layer, x, lambda result: result)


def test_sequential_set_weights_never_mixes_layers():
    model = fastrnn.Sequential([fastrnn.GRU(8, return_sequences=True, seed=0),
                                fastrnn.LSTM(4, seed=1), fastrnn.Dense(2)])
    x = RNG.standard_normal((2, 5, 3)).astype(np.float32)
    model(x)
    _check_never_mixed(model, x, lambda result: [result])


def test_sequential_predict_sees_one_weight_set_over_all_batches():
    model = fastrnn.Sequential([fastrnn.SimpleRNN(8, seed=0), fastrnn.Dense(2)])
    x = RNG.standard_normal((12, 5, 3)).astype(np.float32)
    model(x)
    sets = _weight_sets(model)
    wanted = []
    for weights in sets:
        model.set_weights(weights)
        wanted.append(model.predict(x, batch_size=1, verbose=0))
    stop = threading.Event()
    mixed = []

    def call(i):
        if i == 0:
            for k in range(200):
                model.set_weights(sets[k % 2])
            stop.set()
            return
        while not stop.is_set():
            y = model.predict(x, batch_size=1, verbose=0)
            if not any(np.array_equal(y, w) for w in wanted):
                mixed.append(y)

    run_threads(call)
    assert not mixed


@pytest.mark.parametrize("wrapped", [False, True], ids=["LSTM", "Bidirectional"])
def test_states_are_never_read_halfway_through_reset(wrapped):
    import sys
    layer = fastrnn.LSTM(64, stateful=True, seed=0)
    if wrapped:
        layer = fastrnn.Bidirectional(layer)
    x = np.ones((64, 2, 3), np.float32)
    layer(x)
    stop = threading.Event()
    torn = []

    def work(i):
        if i == 0:
            for _ in range(300):
                layer.reset_states()
                layer(x)
            stop.set()
            return
        while not stop.is_set():
            states = layer.states
            zeroed = {bool(np.all(s == 0)) for s in states}
            if len(zeroed) > 1:
                torn.append(zeroed)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)           # switch threads as often as possible
    try:
        run_threads(work)
    finally:
        sys.setswitchinterval(interval)
    assert not torn
