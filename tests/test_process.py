"""fastrnn inside a process as other code uses it: fork() and Ctrl-C.

Each scenario runs in a child interpreter bounded by a timeout, so that a
hang (a forked child waiting for libgomp's lost threads) fails the test
instead of blocking the suite.
"""
import json
import textwrap

import pytest

from fastrnn import _dispatch
from support import run_python

TIMEOUT = 120


def child(code):
    """Run ``code`` in a fresh interpreter; its last stdout line, as JSON."""
    result = run_python(["-c", textwrap.dedent(code)], capture_output=True, text=True,
                        timeout=TIMEOUT)
    return json.loads(result.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- fork
# in_fork(work): work() run in a child made by os.fork(); its JSON result.
IN_FORK = """
    import json, os
    def in_fork(work):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.write(write, json.dumps(work()).encode())
            os._exit(0)
        os.close(write)
        report = json.loads(os.read(read, 1 << 16))
        os.waitpid(pid, 0)
        return report
"""

# The parent runs one multi-threaded call of each kind first: the batch split,
# the unit split and Bidirectional's two directions at once.
PARENT = IN_FORK + """
    import sys, warnings
    import numpy as np
    import fastrnn
    fastrnn.set_num_threads(2)
    rng = np.random.default_rng(0)
    LAYERS = {
        "batch split": (fastrnn.LSTM(256, return_sequences=True, seed=1),
                        rng.standard_normal((64, 50, 64)).astype(np.float32)),
        "unit split": (fastrnn.GRU(256, seed=2),
                       rng.standard_normal((1, 50, 64)).astype(np.float32)),
        "bidirectional": (fastrnn.Bidirectional(fastrnn.LSTM(128, seed=3)),
                          rng.standard_normal((16, 50, 32)).astype(np.float32)),
    }
    def work(name):
        layer, x = LAYERS[name]
        return layer(x)
    WANT = {name: work(name) for name in LAYERS}
    assert fastrnn._dispatch.kernels.threads_started()
"""


def test_forked_child_computes_after_parent_used_threads():
    got = child(PARENT + """
    def in_child():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            same = {name: bool(np.array_equal(work(name), WANT[name])) for name in LAYERS}
            again = bool(np.array_equal(work("batch split"), WANT["batch split"]))
        return {"same": same, "again": again,
                "forbidden": fastrnn._dispatch.kernels.threads_forbidden(),
                "warnings": [str(w.message) for w in caught
                             if issubclass(w.category, RuntimeWarning)]}
    report = in_fork(in_child)
    report["parent_forbidden"] = fastrnn._dispatch.kernels.threads_forbidden()
    print(json.dumps(report))
    """)
    assert got["same"] == {"batch split": True, "unit split": True, "bidirectional": True}
    assert got["again"]
    assert got["forbidden"] and not got["parent_forbidden"]
    # One warning, saying why and what to do, however many calls follow.
    assert len(got["warnings"]) == 1, got["warnings"]
    assert "fork" in got["warnings"][0] and "spawn" in got["warnings"][0]


@pytest.mark.parametrize("pool", ["multiprocessing.Pool", "ProcessPoolExecutor"])
def test_fork_pools_compute_after_parent_used_threads(pool):
    if pool == "multiprocessing.Pool":
        run = """
    with multiprocessing.get_context("fork").Pool(2) as p:
        results = p.map(work, names)
    """
    else:
        run = """
    from concurrent.futures import ProcessPoolExecutor
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as p:
        results = list(p.map(work, names))
    """
    got = child(PARENT + """
    import multiprocessing
    names = list(LAYERS) * 3
    """ + run + """
    print(json.dumps([bool(np.array_equal(r, WANT[n])) for r, n in zip(results, names)]))
    """)
    assert got == [True] * 9


def test_child_of_a_parent_without_threads_keeps_its_threads():
    got = child(IN_FORK + """
    import numpy as np
    import fastrnn
    def in_child():
        fastrnn.set_num_threads(2)
        fastrnn.LSTM(256, seed=0)(np.ones((64, 20, 8), np.float32))
        k = fastrnn._dispatch.kernels
        return [k.threads_started(), k.threads_forbidden()]
    print(json.dumps(in_fork(in_child)))
    """)
    assert got == [True, False]


def test_fork_mark_reaches_every_kernel_build():
    # The builds share one libgomp: threads run by one forbid them in all.
    if len(_dispatch.available()) < 2:
        pytest.skip("one kernel build on this CPU")
    other = _dispatch.available()[-1]
    got = child(IN_FORK + f"""
    import numpy as np
    import fastrnn
    from fastrnn import _dispatch
    fastrnn.set_num_threads(2)
    fastrnn.LSTM(256, seed=0)(np.ones((64, 20, 8), np.float32))
    other = _dispatch.load({other!r})
    print(json.dumps(in_fork(lambda: [other.threads_started(), other.threads_forbidden()])))
    """)
    assert got == [False, True]


# ---------------------------------------------------------------- Ctrl-C
# A call sized to take about 3 s; SIGINT comes 0.3 s in, from a timer
# thread. KeyboardInterrupt must follow within 0.2 s, with the layer as it
# was before the call.
INTERRUPT = """
    import json, os, signal, threading, time
    import numpy as np
    import fastrnn
    fastrnn.set_num_threads(THREADS)
    layer = LAYER
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, 32, FEATURES)).astype(DTYPE)
    layer(x)                                   # build, warm up
    per_step = []
    for _ in range(3):
        start = time.perf_counter(); layer(x); per_step.append((time.perf_counter() - start) / 32)
    per_step = min(per_step)
    steps = max(32, int(4.0 / per_step))
    x = rng.standard_normal((BATCH, steps, FEATURES)).astype(DTYPE)
    report = {"latency": [], "states_kept": True, "expected_seconds": per_step * steps}
    # Three tries: on a loaded machine the timer thread itself may wait for
    # a core after noting the time; a call that ignores the signal is late
    # every time.
    for attempt in range(3):
        before = layer.states if layer.stateful else None
        sent = []
        def interrupt():
            sent.append(time.perf_counter())
            os.kill(os.getpid(), signal.SIGINT)
        timer = threading.Timer(0.3, interrupt)
        timer.start()
        try:
            layer(x)
            report["not_interrupted"] = True
            timer.join()
            time.sleep(0.1)      # (a signal sent after the call raises here: a late one)
        except KeyboardInterrupt:
            report["latency"].append(time.perf_counter() - sent[0])
        if before is not None:
            report["states_kept"] &= all(bool(np.array_equal(a, b))
                                         for a, b in zip(before, layer.states))
    # The layer still computes what a fresh one does.
    short = x[:, :20]
    if layer.stateful:
        layer.reset_states()
    fresh = type(layer).from_config(layer.get_config())
    fresh.set_weights(layer.get_weights())
    report["still_right"] = bool(np.array_equal(layer(short), fresh(short)))
    print(json.dumps(report))
"""

CASES = {
    # name: (layer, batch, features, dtype, threads)
    "packed, batch split": ("fastrnn.LSTM(256, stateful=True, seed=0)", 64, 64, "np.float32", 2),
    "packed, one thread": ("fastrnn.GRU(256, stateful=True, seed=0)", 64, 64, "np.float32", 1),
    "packed, unit split": ("fastrnn.LSTM(256, return_sequences=True, seed=0)", 1, 64,
                           "np.float32", 2),
    "generic float64": ("fastrnn.LSTM(256, dtype='float64', stateful=True, seed=0)", 32, 64,
                        "np.float64", 2),
    "generic GRU reset_after=False": ("fastrnn.GRU(256, reset_after=False, seed=0)", 64, 64,
                                      "np.float32", 1),
    "bidirectional": ("fastrnn.Bidirectional(fastrnn.LSTM(256, seed=0))", 32, 64,
                      "np.float32", 2),
}


@pytest.mark.parametrize("name", CASES)
def test_ctrl_c_stops_a_long_call(name):
    layer, batch, features, dtype, threads = CASES[name]
    code = (INTERRUPT.replace("LAYER", layer).replace("BATCH", str(batch))
            .replace("FEATURES", str(features)).replace("DTYPE", dtype)
            .replace("THREADS", str(threads)))
    got = child(code)
    assert "not_interrupted" not in got, got
    assert got["expected_seconds"] > 1.0, got       # the call would have gone on
    assert len(got["latency"]) == 3 and min(got["latency"]) < 0.2, got
    assert got["states_kept"], got
    assert got["still_right"], got


def test_a_handler_that_returns_lets_the_call_finish():
    # Not every SIGINT handler raises: the call then runs to the end, right.
    got = child("""
    import json, os, signal, threading
    import numpy as np
    import fastrnn
    calls = []
    signal.signal(signal.SIGINT, lambda signum, frame: calls.append(signum))
    layer = fastrnn.LSTM(256, seed=0)
    x = np.random.default_rng(0).standard_normal((64, 400, 64)).astype(np.float32)
    want = layer(x)
    threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGINT)).start()
    got = layer(x)
    print(json.dumps({"calls": len(calls), "same": bool(np.array_equal(got, want))}))
    """)
    assert got == {"calls": 1, "same": True}


def test_interrupted_calls_free_their_scratch():
    got = child("""
    import json, os, resource, signal, threading
    import numpy as np
    import fastrnn
    fastrnn.set_num_threads(1)
    layer = fastrnn.LSTM(256, seed=0)      # 64 x 1000 steps: a 270 MB projection
    x = np.ones((64, 1000, 64), np.float32)
    def rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    base = None
    for i in range(8):
        threading.Timer(0.15, os.kill, (os.getpid(), signal.SIGINT)).start()
        try:
            layer(x)
        except KeyboardInterrupt:
            pass
        if i == 1:
            base = rss()
    print(json.dumps({"growth": rss() - base}))
    """)
    assert got["growth"] < 100e6, got


def test_child_runs_bidirectional_after_parent_used_the_helper_thread():
    # Bidirectional's second direction runs on fastrnn's own helper thread
    # (fastrnn/_helper_thread.h), not an OpenMP team: a child of a parent that
    # used it keeps both threads and makes its own helper.
    got = child(IN_FORK + """
    import numpy as np
    import fastrnn
    fastrnn.set_num_threads(2)
    layer = fastrnn.Bidirectional(fastrnn.LSTM(64, return_sequences=True, seed=0))
    x = np.random.default_rng(0).standard_normal((4, 30, 8)).astype(np.float32)
    want = layer(x)
    def in_child():
        k = fastrnn._dispatch.kernels
        same = all(bool(np.array_equal(layer(x), want)) for _ in range(20))
        return [same, k.threads_forbidden()]
    print(json.dumps([fastrnn._dispatch.kernels.threads_started()] + in_fork(in_child)))
    """)
    assert got == [False, True, False]
