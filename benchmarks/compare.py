#!/usr/bin/env python3
"""Compare fastrnn with PyTorch, ONNX Runtime, OpenVINO and a plain NumPy loop on the CPU.

Every contender runs the same recurrent layer (float32, return_sequences=True)
with the same weights: a seeded fastrnn layer's ``get_weights()`` converted to
each library's layout and gate order. Each contender's output is checked
against fastrnn's (max abs difference > 1e-3 exits with status 1), then the
contenders are timed in interleaved rounds and compared with an "ideal" time
from the measured sgemm peak and read bandwidth of this machine.

    python benchmarks/compare.py [--threads 1 2] [--shapes GRU "LSTM 1x"]
        [--repeats 9] [--quick] [--plot out.png] [--markdown out.md]
    python benchmarks/compare.py --tail [--calls 3000] [--neighbour] [--shapes ...]

--tail measures tail latency instead: every call of many small calls is timed
on its own (interleaved in blocks), and p50 / p90 / p99 / p99.9 / max are
reported; --neighbour runs a busy process spinning on one core meanwhile.

torch, onnx, onnxruntime and openvino are optional: a missing one is skipped.
OpenVINO reads the same ONNX model as ONNX Runtime (CPU plugin, f32,
latency hint, the input reshaped to the static shape timed).
See benchmarks/README_COMPARE.md for setting up the contenders.
"""
import os
import sys

# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set on some machines) force an OpenBLAS
# kernel or cache size. They are read when OpenBLAS loads, so they are removed
# before numpy is imported, by re-executing this script without them; every
# contender (fastrnn and numpy use OpenBLAS, torch and ORT do not) then runs in
# the same environment. --keep-openblas-env keeps them.
_OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
_UNSET_MARK = "_FASTRNN_COMPARE_UNSET_OPENBLAS"

if "--keep-openblas-env" not in sys.argv and _UNSET_MARK not in os.environ:
    _present = {k: os.environ[k] for k in _OPENBLAS_VARS if k in os.environ}
    _env = {k: v for k, v in os.environ.items() if k not in _OPENBLAS_VARS}
    _env[_UNSET_MARK] = ";".join(f"{k}={v}" for k, v in _present.items())
    if _present:
        sys.stdout.flush()
        os.execve(sys.executable, [sys.executable] + sys.argv, _env)
    os.environ[_UNSET_MARK] = _env[_UNSET_MARK]

import argparse  # noqa: E402
import contextlib  # noqa: E402
import datetime  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
from scipy.special import expit  # noqa: E402

import fastrnn  # noqa: E402
import fastrnn._dispatch  # noqa: E402

try:
    from threadpoolctl import threadpool_info, threadpool_limits
except ImportError:  # pragma: no cover - required for honest thread limits
    sys.exit("compare.py needs threadpoolctl (pip install threadpoolctl)")

try:
    import torch
except ImportError:
    torch = None
try:
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError:
    onnx = None
try:
    import onnxruntime as ort
except ImportError:
    ort = None
try:
    import openvino as ov
except ImportError:
    ov = None

TOLERANCE = 1e-3
GATES = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}

# (cell, bidirectional, batch, timesteps, features, units)
GRID = [
    ("LSTM", False, 1, 4, 5, 3),
    ("LSTM", False, 1, 100, 32, 32),
    ("LSTM", False, 1, 1000, 64, 128),
    ("LSTM", False, 1, 50, 128, 512),
    ("LSTM", False, 8, 100, 64, 128),
    ("LSTM", False, 64, 100, 128, 256),
    ("LSTM", False, 256, 20, 32, 64),
    ("LSTM", False, 32, 50, 512, 512),
    ("GRU", False, 1, 100, 32, 32),
    ("GRU", False, 1, 1000, 64, 128),
    ("GRU", False, 64, 100, 128, 256),
    ("SimpleRNN", False, 1, 1000, 64, 128),
    ("SimpleRNN", False, 256, 20, 32, 64),
    ("LSTM", True, 1, 100, 32, 32),
    ("LSTM", True, 64, 100, 128, 256),
]
SEED_SHAPE = (1, 4, 5, 3)


class Shape:
    def __init__(self, cell, bidir, batch, steps, features, units):
        self.cell, self.bidir = cell, bidir
        self.batch, self.steps, self.features, self.units = batch, steps, features, units
        self.gates = GATES[cell]
        self.dirs = 2 if bidir else 1

    @property
    def label(self):
        dims = f"{self.batch}x{self.steps}x{self.features}x{self.units}"
        return f"{'Bidirectional ' if self.bidir else ''}{self.cell} {dims}"

    @property
    def flops(self):
        return (2 * self.batch * self.steps * self.gates * self.units
                * (self.features + self.units) * self.dirs)

    @property
    def weight_bytes(self):
        """Recurrent weights read per timestep (all directions)."""
        return self.units * self.gates * self.units * 4 * self.dirs


# ------------------------------------------------------------------ weights
def make_fastrnn(shape, seed):
    """A built fastrnn layer with seeded random weights (biases too)."""
    def cell(s):
        layer = getattr(fastrnn, shape.cell)(shape.units, return_sequences=True, seed=s,
                                             bias_initializer="random_normal")
        layer.build(shape.features)
        return layer

    if not shape.bidir:
        return cell(seed)
    layer = fastrnn.Bidirectional(getattr(fastrnn, shape.cell)(
        shape.units, return_sequences=True, seed=seed))
    # The backward layer gets its own weights (with one seed Keras makes both
    # directions equal, which would hide a swapped direction in a converter).
    layer.set_weights(cell(seed).get_weights() + cell(seed + 1).get_weights())
    return layer


def split_directions(shape, weights):
    n = len(weights) // shape.dirs
    return [weights[d * n:(d + 1) * n] for d in range(shape.dirs)]


def reorder(a, order, units):
    """Reorder the gate blocks along the last axis."""
    return np.concatenate([a[..., k * units:(k + 1) * units] for k in order], axis=-1)


# -------------------------------------------------------------- contenders
class Skip(Exception):
    pass


def fastrnn_set_threads(n):
    setter = getattr(fastrnn, "set_num_threads", None)
    if setter is None:
        setter = fastrnn._dispatch.kernels.set_num_threads
    setter(n)


def contender_fastrnn(shape, weights, layer, threads):
    fastrnn_set_threads(threads)
    return lambda x: layer(x)


TORCH_GATES = {"LSTM": [0, 1, 2, 3], "GRU": [1, 0, 2], "SimpleRNN": [0]}  # from Keras order


def contender_torch(shape, weights, layer, threads):
    if torch is None:
        raise Skip("torch not installed")
    torch.set_num_threads(threads)
    cls = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU, "SimpleRNN": torch.nn.RNN}[shape.cell]
    kwargs = {"nonlinearity": "tanh"} if shape.cell == "SimpleRNN" else {}
    module = cls(shape.features, shape.units, batch_first=True, bidirectional=shape.bidir,
                 **kwargs).eval()
    for d, layer_weights in enumerate(split_directions(shape, weights)):
        set_torch_layer(module, "_l0_reverse" if d else "_l0", shape.cell, layer_weights)

    def run(x):
        with torch.inference_mode():
            return module(torch.from_numpy(x))[0].numpy()
    return run


def set_torch_layer(module, suffix, cell, layer_weights):
    """Copy one Keras layer's [kernel, recurrent, bias] into a torch RNN
    module's parameters named ``weight_ih`` + suffix etc."""
    kernel, recurrent, bias = layer_weights
    order, H = TORCH_GATES[cell], recurrent.shape[0]
    if cell == "GRU":   # reset_after=True == torch's GRU
        b_ih, b_hh = reorder(bias[0], order, H), reorder(bias[1], order, H)
    else:
        b_ih, b_hh = reorder(bias, order, H), np.zeros(recurrent.shape[1], np.float32)
    new = {"weight_ih": reorder(kernel, order, H).T, "weight_hh": reorder(recurrent, order, H).T,
           "bias_ih": b_ih, "bias_hh": b_hh}
    params = dict(module.named_parameters())
    with torch.no_grad():
        for name, value in new.items():
            params[name + suffix].copy_(torch.from_numpy(np.ascontiguousarray(value)))


ONNX_GATES = {"LSTM": [0, 3, 1, 2], "GRU": [0, 1, 2], "SimpleRNN": [0]}  # i,o,f,c / z,r,h
ONNX_OPS = {"LSTM": "LSTM", "GRU": "GRU", "SimpleRNN": "RNN"}


def onnx_weights(shape, weights):
    """The W, R and B initializers of the ONNX recurrent op (every direction)."""
    H, order = shape.units, ONNX_GATES[shape.cell]
    Ws, Rs, Bs = [], [], []
    for kernel, recurrent, bias in split_directions(shape, weights):
        Ws.append(reorder(kernel, order, H).T)
        Rs.append(reorder(recurrent, order, H).T)
        if shape.cell == "GRU":
            Bs.append(np.concatenate([bias[0], bias[1]]))
        else:
            Bs.append(np.concatenate([reorder(bias, order, H), np.zeros(shape.gates * H, np.float32)]))
    return [numpy_helper.from_array(np.ascontiguousarray(np.stack(a)).astype(np.float32), name)
            for a, name in ((Ws, "W"), (Rs, "R"), (Bs, "B"))]


def onnx_model(shape, weights):
    """The serialized ONNX model of the layer (fed to ONNX Runtime and OpenVINO alike)."""
    if onnx is None:
        raise Skip("onnx not installed")
    H = shape.units
    attrs = {"hidden_size": H, "direction": "bidirectional" if shape.bidir else "forward",
             "layout": 0}
    if shape.cell == "GRU":
        attrs["linear_before_reset"] = 1
    if shape.cell == "SimpleRNN":
        attrs["activations"] = ["Tanh"] * shape.dirs
    # ORT's CPU kernels reject layout=1 ("Batchwise recurrent operations (layout == 1)
    # are not supported"), so the batch-first graph transposes around a layout=0 op.
    nodes = [
        helper.make_node("Transpose", ["X"], ["Xt"], perm=[1, 0, 2]),          # (T, B, D)
        helper.make_node(ONNX_OPS[shape.cell], ["Xt", "W", "R", "B"], ["Yt"], **attrs),
        helper.make_node("Transpose", ["Yt"], ["Yb"], perm=[2, 0, 1, 3]),      # (B, T, dirs, H)
        helper.make_node("Reshape", ["Yb", "shape"], ["Y"]),                    # (B, T, dirs*H)
    ]
    inits = onnx_weights(shape, weights)
    inits.append(numpy_helper.from_array(np.array([0, 0, -1], np.int64), "shape"))
    graph = helper.make_graph(
        nodes, "rnn", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, None, shape.features])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    model.ir_version = min(model.ir_version, 10)
    return model.SerializeToString()


def contender_ort(shape, weights, layer, threads):
    if onnx is None or ort is None:
        raise Skip("onnx / onnxruntime not installed")
    session = ort_session(onnx_model(shape, weights), threads)
    return lambda x: session.run(None, {"X": x})[0]


def ort_session(model, threads):
    """An ONNX Runtime CPU session of a serialized model on ``threads`` threads."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def contender_openvino(shape, weights, layer, threads):
    """OpenVINO's CPU plugin on the ONNX model ORT runs: f32 (not the bf16 it
    picks by default where the CPU has AMX / AVX512-BF16), latency hint, one
    stream, ``threads`` inference threads, the input shape made static."""
    if onnx is None or ov is None:
        raise Skip("onnx / openvino not installed")
    request = openvino_request(onnx_model(shape, weights), threads,
                               {"X": [shape.batch, shape.steps, shape.features]})

    def run(x):
        # (share_outputs=False: a new output array per call, as the others return)
        return request.infer({0: x}, share_inputs=True)[0]
    return run


def openvino_request(model, threads, static_shapes=None):
    """An infer request of OpenVINO's CPU plugin on a serialized ONNX model
    (the settings of contender_openvino), inputs reshaped to static_shapes."""
    import tempfile
    core = ov.Core()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.onnx")
        with open(path, "wb") as f:
            f.write(model)
        read = core.read_model(path)
    if static_shapes:
        read.reshape(static_shapes)
    compiled = core.compile_model(read, "CPU", {
        "PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": "1",
        "INFERENCE_NUM_THREADS": str(threads), "INFERENCE_PRECISION_HINT": "f32"})
    return compiled.create_infer_request()


def contender_numpy(shape, weights, layer, threads):
    """A Python loop over time: x @ W for all steps at once, then h @ U per step."""
    H = shape.units
    directions = []
    for kernel, recurrent, bias in split_directions(shape, weights):
        b_in, b_rec = (bias[0], bias[1]) if shape.cell == "GRU" else (bias, None)
        directions.append((kernel, np.ascontiguousarray(recurrent), b_in, b_rec))

    def one_direction(x, kernel, recurrent, b_in, b_rec, reverse):
        B, T, D = x.shape
        xt = x.transpose(1, 0, 2)
        if reverse:
            xt = xt[::-1]
        xw = (np.ascontiguousarray(xt).reshape(T * B, D) @ kernel + b_in).reshape(T, B, -1)
        out = np.empty((T, B, H), np.float32)
        h = np.zeros((B, H), np.float32)
        if shape.cell == "LSTM":
            c = np.zeros((B, H), np.float32)
            for t in range(T):
                z = xw[t] + h @ recurrent
                s = expit(z)
                c = s[:, H:2 * H] * c + s[:, :H] * np.tanh(z[:, 2 * H:3 * H])
                h = s[:, 3 * H:] * np.tanh(c)
                out[t] = h
        elif shape.cell == "GRU":
            for t in range(T):
                xz = xw[t]
                hz = h @ recurrent + b_rec
                zr = expit(xz[:, :2 * H] + hz[:, :2 * H])
                z = zr[:, :H]
                hh = np.tanh(xz[:, 2 * H:] + zr[:, H:] * hz[:, 2 * H:])
                h = z * h + (1 - z) * hh
                out[t] = h
        else:
            for t in range(T):
                h = np.tanh(xw[t] + h @ recurrent)
                out[t] = h
        if reverse:
            out = out[::-1]
        return out.transpose(1, 0, 2)

    def run(x):
        outs = [one_direction(x, *w, reverse=d == 1) for d, w in enumerate(directions)]
        return np.ascontiguousarray(np.concatenate(outs, axis=-1) if len(outs) > 1 else outs[0])
    return run


CONTENDERS = [("fastrnn", contender_fastrnn), ("torch", contender_torch),
              ("ORT", contender_ort), ("OpenVINO", contender_openvino),
              ("numpy", contender_numpy)]
ANCHORS = ["torch", "ORT", "OpenVINO", "numpy"]


def checked_contenders(s, x, n, seed, failures):
    """Every contender that runs shape s at n threads, and each one's max abs
    difference from fastrnn's output on x (failures are appended to)."""
    layer = make_fastrnn(s, seed)
    weights = layer.get_weights()
    fns, diffs = {}, {}
    for name, factory in CONTENDERS:
        try:
            fns[name] = factory(s, weights, layer, n)
        except Skip:
            continue
        except Exception as e:  # a contender that cannot run this shape
            diffs[name] = f"error: {type(e).__name__}"
            failures.append(f"{s.label} threads={n}: {name} failed: {e!r}")
    reference = fns["fastrnn"](x)
    for name in list(fns):
        if name == "fastrnn":
            continue
        try:
            out = np.asarray(fns[name](x))
            if out.shape != reference.shape:
                raise ValueError(f"output shape {out.shape} != fastrnn's {reference.shape}")
            diffs[name] = float(np.max(np.abs(out - reference)))
        except Exception as e:
            diffs[name] = f"error: {type(e).__name__}"
            failures.append(f"{s.label} threads={n}: {name} failed: {e!r}")
            del fns[name]
            continue
        if not diffs[name] <= TOLERANCE:
            failures.append(f"{s.label} threads={n}: {name} differs from fastrnn by "
                            f"{diffs[name]:.3g} > {TOLERANCE}")
    return fns, diffs


# ------------------------------------------------------------------ timing
def warm_up(fn, x, min_seconds):
    """Call until min_seconds have passed (and at least twice); the median call time."""
    times = []
    start = time.perf_counter()
    while len(times) < 2 or time.perf_counter() - start < min_seconds:
        t0 = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def time_interleaved(fns, x, rounds, budget, warmup, gap):
    """Median over rounds of each contender's per-call time (seconds).

    Each round runs every contender for a few calls (about budget/rounds seconds),
    in a rotating order, with a pause (gap) before each turn so that the previous
    library's spinning worker threads have gone to sleep. A contender whose calls
    are so slow that it has used 4 budgets stops after 3 rounds.
    """
    names = list(fns)
    estimate = {}
    for name in names:
        time.sleep(gap)
        estimate[name] = warm_up(fns[name], x, warmup)
    calls = {name: max(1, min(2000, round(budget / rounds / estimate[name]))) for name in names}
    samples = {name: [] for name in names}
    spent = dict.fromkeys(names, 0.0)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            if len(samples[name]) >= 3 and spent[name] > 4 * budget:
                continue  # a very slow call (e.g. oversubscribed threads): enough samples
            fn = fns[name]
            time.sleep(gap)
            if estimate[name] < 5e-3:
                fn(x)  # re-warm caches after the previous contender (not timed)
            t0 = time.perf_counter()
            done, deadline = 0, t0 + 3 * budget / rounds   # time-box a turn (load spikes)
            while done < calls[name]:
                fn(x)
                done += 1
                if time.perf_counter() > deadline:
                    break
            elapsed = time.perf_counter() - t0
            spent[name] += elapsed
            samples[name].append(elapsed / done)
            # follow the contender's current speed (it can change under load)
            calls[name] = max(1, min(2000, round(budget / rounds / samples[name][-1])))
    return {name: statistics.median(s) for name, s in samples.items()}


def call_overhead(threads, rounds, calls):
    """Median per-call time of layer(x) at the seed's size (1x4x5x3), in seconds."""
    b, t, f, u = SEED_SHAPE
    layer = fastrnn.LSTM(u, return_sequences=True, seed=0)
    x = np.random.default_rng(0).normal(size=(b, t, f)).astype(np.float32)
    fastrnn_set_threads(threads)
    warm_up(layer, x, 0.1)
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(calls):
            layer(x)
        samples.append((time.perf_counter() - t0) / calls)
    return statistics.median(samples)


# ------------------------------------------------------------ tail latency
TAIL_MAX_FLOPS = 1e8     # --tail's default shapes: the grid's small ones
PERCENTILES = (50, 90, 99, 99.9)


def _spin():
    while True:
        pass


class Neighbour:
    """A busy process spinning on one core (the last CPU this process may
    use), as a noisy neighbour; a context manager."""

    def __enter__(self):
        import multiprocessing
        cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        self.cpu = cpus[-1] if cpus else None
        self.process = multiprocessing.get_context("spawn").Process(target=_spin, daemon=True)
        self.process.start()
        if self.cpu is not None:
            try:
                os.sched_setaffinity(self.process.pid, {self.cpu})
            except OSError:
                self.cpu = None
        time.sleep(0.1)
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.join()


def time_each_call(fns, x, calls, blocks, warmup, gap):
    """Every call's own time (seconds), for each contender: `calls` calls in
    `blocks` interleaved blocks, the order rotating from block to block."""
    names = list(fns)
    for name in names:
        time.sleep(gap)
        warm_up(fns[name], x, warmup)
    samples = {name: [] for name in names}
    per_block = max(1, calls // blocks)
    clock = time.perf_counter
    for b in range(blocks):
        for name in names[b % len(names):] + names[:b % len(names)]:
            fn, out = fns[name], samples[name]
            time.sleep(gap)
            fn(x)  # re-warm caches after the previous contender (not timed)
            for _ in range(per_block):
                t0 = clock()
                fn(x)
                out.append(clock() - t0)
    return samples


def tail_rows(rows, threads, label, samples):
    """Append (and print) each contender's percentiles of one shape's call times."""
    for name, times in samples.items():
        q = [float(v) for v in np.percentile(times, PERCENTILES)]
        rows.append((label, name, q, max(times), len(times)))
        print(f"  threads={threads} {label:34s} {name:9s} "
              + " ".join(f"p{p:g} {fmt_us(v)}" for p, v in zip(PERCENTILES, q))
              + f" max {fmt_us(max(times))}", flush=True)


def tail_table(rows):
    head = " | ".join(f"p{p:g} us" for p in PERCENTILES)
    lines = [f"| shape | contender | calls | {head} | max us | p99 / p50 |",
             "|---|---|---:|" + "---:|" * (len(PERCENTILES) + 2)]
    for label, name, q, worst, count in rows:
        lines.append(f"| {label} | {name} | {count} | "
                     + " | ".join(fmt_us(v) for v in q)
                     + f" | {fmt_us(worst)} | {q[PERCENTILES.index(99)] / q[0]:.2f} |")
    return "\n".join(lines)


STACKED_LABEL = "stacked 2x LSTM 1x100x32x32"


def stacked_contenders(threads, seed):
    """A model of two stacked LSTM(32) layers on (1, 100, 32): fastrnn's
    Sequential, and torch's nn.LSTM(num_layers=2) with the same weights."""
    s = Shape("LSTM", False, 1, 100, 32, 32)
    first = make_fastrnn(s, seed)
    second = fastrnn.LSTM(32, seed=seed + 1, bias_initializer="random_normal")
    model = fastrnn.Sequential([fastrnn.Input((100, 32)), first, second])
    fastrnn_set_threads(threads)
    fns = {"fastrnn": lambda x: model(x)}
    if torch is not None:
        torch.set_num_threads(threads)
        module = torch.nn.LSTM(32, 32, num_layers=2, batch_first=True).eval()
        for k, layer in enumerate((first, second)):
            set_torch_layer(module, f"_l{k}", "LSTM", layer.get_weights())

        def run(x):
            with torch.inference_mode():
                return module(torch.from_numpy(x))[0][:, -1].numpy()
        fns["torch"] = run
    return fns


def run_tail(args, shapes, header):
    """--tail: p50 / p90 / p99 / p99.9 / max of many small calls per contender."""
    if not args.shapes:
        shapes = [s for s in shapes if s.flops <= TAIL_MAX_FLOPS]
    rng = np.random.default_rng(args.seed)
    failures, sections = [], []
    header = header + [
        f"tail latency: {args.calls} calls per contender and shape, each timed on its own, in "
        f"{args.blocks} interleaved blocks (rotating order); warm-up 0.2 s per contender",
        "busy neighbour: " + ("a process spinning on one core (pinned to the last CPU) "
                              "throughout" if args.neighbour else "none (--neighbour adds one)")]
    print("\n".join("# " + h for h in header), flush=True)
    for n in args.threads:
        with threadpool_limits(limits=n):
            fastrnn_set_threads(n)
            if torch is not None:
                torch.set_num_threads(n)
            rows = []
            load = OtherLoad()
            for s in shapes:
                x = rng.normal(size=(s.batch, s.steps, s.features)).astype(np.float32)
                fns, _diffs = checked_contenders(s, x, n, args.seed, failures)
                with Neighbour() if args.neighbour else contextlib.nullcontext():
                    samples = time_each_call(fns, x, args.calls, args.blocks, 0.2,
                                             0.005 if n == 1 else 0.12)
                tail_rows(rows, n, s.label, samples)
            if not args.shapes or any(k.lower() in STACKED_LABEL for k in args.shapes):
                x = rng.normal(size=(1, 100, 32)).astype(np.float32)
                fns = stacked_contenders(n, args.seed)
                if "torch" in fns:
                    diff = float(np.max(np.abs(fns["torch"](x) - fns["fastrnn"](x))))
                    if not diff <= TOLERANCE:
                        failures.append(f"{STACKED_LABEL}: torch differs by {diff:.3g}")
                with Neighbour() if args.neighbour else contextlib.nullcontext():
                    samples = time_each_call(fns, x, args.calls, args.blocks, 0.2,
                                             0.005 if n == 1 else 0.12)
                tail_rows(rows, n, STACKED_LABEL, samples)
            other = load.cpus()
            note = ("" if other is None else
                    f"\n\nOther processes used {other:.2f} of {os.cpu_count()} CPUs on average "
                    f"(the neighbour included).")
            sections.append(f"## {n} thread{'s' if n > 1 else ''}\n\n" + tail_table(rows) + note)
    report = ("# fastrnn tail latency vs torch / ONNX Runtime / OpenVINO / numpy\n\n"
              + "\n".join("- " + h for h in header) + "\n\n" + "\n\n".join(sections) + "\n")
    return publish(report, failures, args.markdown)


# ------------------------------------------------------------------ streaming
STREAM_UNITS = 64     # a stateful LSTM(64) fed (1, 1, 64) per call


def streaming_contenders(threads, seed):
    """One LSTM step per call, the state carried between calls: fastrnn's
    stateful layer, and ONNX Runtime / OpenVINO / torch fed h and c back."""
    s = Shape("LSTM", False, 1, 1, STREAM_UNITS, STREAM_UNITS)
    layer = make_fastrnn(s, seed)
    weights = layer.get_weights()
    stateful = fastrnn.LSTM(STREAM_UNITS, stateful=True)
    stateful.build(STREAM_UNITS)
    stateful.set_weights(weights)
    fastrnn_set_threads(threads)
    fns = {"fastrnn": lambda x: stateful(x)}
    zeros = np.zeros((1, 1, STREAM_UNITS), np.float32)
    if onnx is not None and (ort is not None or ov is not None):
        H = STREAM_UNITS
        inits = onnx_weights(s, weights)
        # X is (T=1, B=1, D): the same memory as fastrnn's (1, 1, D).
        node = helper.make_node("LSTM", ["X", "W", "R", "B", "", "h0", "c0"], ["Y", "h", "c"],
                                hidden_size=H)
        inputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 1, d])
                  for n, d in (("X", STREAM_UNITS), ("h0", H), ("c0", H))]
        outputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in "Yhc"]
        model = helper.make_model(helper.make_graph([node], "step", inputs, outputs[1:],
                                                    initializer=inits),
                                  opset_imports=[helper.make_opsetid("", 14)])
        model.ir_version = min(model.ir_version, 10)
        serialized = model.SerializeToString()
        if ort is not None:
            session = ort_session(serialized, threads)
            ort_state = {"h0": zeros, "c0": zeros}

            def ort_step(x):
                h, c = session.run(None, {"X": x, **ort_state})
                ort_state["h0"], ort_state["c0"] = h, c
                return h
            fns["ORT"] = ort_step
        if ov is not None:
            request = openvino_request(serialized, threads)
            ov_state = [zeros, zeros]

            def ov_step(x):
                out = request.infer({0: x, 1: ov_state[0], 2: ov_state[1]})
                ov_state[0], ov_state[1] = out[0], out[1]
                return out[0]
            fns["OpenVINO"] = ov_step
    if torch is not None:
        torch.set_num_threads(threads)
        module = torch.nn.LSTM(STREAM_UNITS, STREAM_UNITS, batch_first=True).eval()
        set_torch_layer(module, "_l0", "LSTM", weights)
        torch_state = [None]

        def torch_step(x):
            with torch.inference_mode():
                out, torch_state[0] = module(torch.from_numpy(x), torch_state[0])
            return out.numpy()
        fns["torch"] = torch_step
    return fns


def run_streaming(args, header):
    """--streaming: per-step time of a stateful LSTM(64) fed one step per call."""
    rng = np.random.default_rng(args.seed)
    xs = rng.normal(size=(5, 1, 1, STREAM_UNITS)).astype(np.float32)
    failures, sections = [], []
    rounds = args.repeats or (4 if args.quick else 9)
    for n in args.threads:
        with threadpool_limits(limits=n):
            fns = streaming_contenders(n, args.seed)
            # The same five steps from the zero state give the same outputs.
            outs = {}
            for name, fn in fns.items():
                outs[name] = [np.asarray(fn(x)).reshape(-1) for x in xs]
            for name, got in outs.items():
                diff = max(float(np.max(np.abs(a - b))) for a, b in zip(got, outs["fastrnn"]))
                if not diff <= TOLERANCE:
                    failures.append(f"streaming threads={n}: {name} differs from fastrnn by {diff:.3g}")
            load = OtherLoad()
            times = time_interleaved(fns, xs[0], rounds, 0.5 if args.quick else 2.0, 0.2,
                                     0.005 if n == 1 else 0.12)
            other = load.cpus()
            best = min((v, k) for k, v in times.items() if k != "fastrnn")
            line = (f"threads={n}: " + "  ".join(f"{k} {fmt_us(v)}" for k, v in times.items())
                    + f"  | fastrnn / {best[1]} {times['fastrnn'] / best[0]:.2f}"
                    + ("" if "ORT" not in times or best[1] == "ORT"
                       else f", fastrnn / ORT {times['fastrnn'] / times['ORT']:.2f}"))
            print("  " + line, flush=True)
            rows = "\n".join(f"| {k} | {fmt_us(v)} | {v / times['fastrnn']:.1f} |" for k, v in times.items())
            sections.append(
                f"## {n} thread{'s' if n > 1 else ''}\n\n| contender | us per step | x fastrnn |\n"
                f"|---|---:|---:|\n{rows}\n\n"
                + ("" if other is None else f"Other processes used {other:.2f} of {os.cpu_count()} CPUs."))
    report = ("# fastrnn streaming: a stateful LSTM(64), one (1, 1, 64) step per call\n\n"
              + "\n".join("- " + h for h in header)
              + "\n- each contender carries h and c between calls (fastrnn: stateful=True; ORT / "
                "OpenVINO: an ONNX LSTM node with initial_h / initial_c inputs fed its Y_h / Y_c; "
                "torch: nn.LSTM given its (h, c))\n\n" + "\n\n".join(sections) + "\n")
    return publish(report, failures, args.markdown)


# ------------------------------------------------------------ machine roofs
def peak_sgemm(threads, repeats, n=2048):
    """Best sgemm rate (flop/s) of numpy's BLAS on n x n float32 at `threads` threads."""
    rng = np.random.default_rng(0)
    a, b = rng.random((n, n), np.float32), rng.random((n, n), np.float32)
    c = np.empty((n, n), np.float32)
    with threadpool_limits(limits=threads, user_api="blas"):
        np.matmul(a, b, out=c)
        best = min(_timed(lambda: np.matmul(a, b, out=c)) for _ in range(repeats))
    return 2 * n ** 3 / best


def _timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def read_bandwidth(nbytes, threads, repeats, target=2e8):
    """Best read rate (bytes/s) of a float32 array of nbytes that is read over and over.

    Two numpy measurements, the better one is kept: (a) `threads` Python threads each
    reducing its share of the array many times over (a stride-0 broadcast, one numpy
    call); (b) BLAS sgemv of a weight-shaped matrix, a stride-0 stack of it through
    np.matmul, with BLAS limited to `threads`. Both are what numpy can reach, not the
    hardware's peak, so a hand-written kernel can beat them.
    """
    n = max(16, nbytes // 4)
    best = 0.0
    # (a) reductions, split over threads
    share = max(16, n // threads)
    cols = min(share, 4096)
    rows = max(1, share // cols)
    reps = max(1, int(target / threads / (rows * cols * 4)))
    arrays = [np.ones((rows, cols), np.float32) for _ in range(threads)]
    views = [np.broadcast_to(a, (reps, rows, cols)) for a in arrays]
    outs = [np.empty(cols, np.float32) for _ in range(threads)]

    def reduce(i):
        np.add.reduce(views[i], axis=(0, 1), out=outs[i])

    with ThreadPoolExecutor(threads) as pool:
        for _ in range(repeats + 1):
            t = _timed(lambda: list(pool.map(reduce, range(threads))))
            best = max(best, threads * reps * rows * cols * 4 / t)
    # (b) stacked sgemv
    k = max(1, int(math.sqrt(n)))
    m = max(1, n // k)
    reps = max(1, int(target / (m * k * 4)))
    stack = np.broadcast_to(np.ones((m, k), np.float32), (reps, m, k))
    vec = np.ones(k, np.float32)
    out = np.empty((reps, m), np.float32)
    with threadpool_limits(limits=threads, user_api="blas"):
        for _ in range(repeats + 1):
            t = _timed(lambda: np.matmul(stack, vec, out=out))
            best = max(best, reps * m * k * 4 / t)
    return best


# ------------------------------------------------------------------ report
class OtherLoad:
    """CPUs used by other processes since start(): machine busy time (/proc/stat) minus ours."""

    def __init__(self):
        self.start()

    @staticmethod
    def _snapshot():
        try:
            with open("/proc/stat") as f:
                fields = [int(v) for v in f.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        ticks = os.sysconf("SC_CLK_TCK")
        busy = (sum(fields[:8]) - fields[3] - fields[4]) / ticks   # minus idle, iowait
        mine = sum(os.times()[:4])
        return time.perf_counter(), busy, mine

    def start(self):
        self.begin = self._snapshot()

    def cpus(self):
        end = self._snapshot()
        if self.begin is None or end is None or end[0] <= self.begin[0]:
            return None
        return max(0.0, ((end[1] - self.begin[1]) - (end[2] - self.begin[2])) / (end[0] - self.begin[0]))


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def versions():
    out = [f"python {platform.python_version()}",
           f"fastrnn {getattr(fastrnn, '__version__', '?')}",
           f"numpy {np.__version__}", f"scipy {scipy.__version__}"]
    out.append(f"torch {torch.__version__}" if torch else "torch (not installed)")
    out.append(f"onnxruntime {ort.__version__}" if ort else "onnxruntime (not installed)")
    out.append(f"onnx {onnx.__version__}" if onnx else "onnx (not installed)")
    out.append(f"openvino {ov.__version__}" if ov else "openvino (not installed)")
    try:
        import threadpoolctl
        out.append(f"threadpoolctl {threadpoolctl.__version__}")
    except Exception:
        pass
    return ", ".join(out)


def blas_info():
    parts = []
    for lib in threadpool_info():
        if lib.get("user_api") == "blas":
            parts.append(f"{lib.get('internal_api')} {lib.get('version')} "
                         f"arch={lib.get('architecture')} ({os.path.basename(lib.get('filepath', ''))})")
    return "; ".join(parts) or "none found"


def openblas_env_note():
    if "--keep-openblas-env" in sys.argv:
        kept = [f"{k}={os.environ[k]}" for k in _OPENBLAS_VARS if k in os.environ]
        return "kept as set (--keep-openblas-env): " + (", ".join(kept) or "none set")
    removed = os.environ.get(_UNSET_MARK, "")
    names = " and ".join(_OPENBLAS_VARS)
    if removed:
        return (f"{names} unset for every contender alike (this script removed "
                f"{removed.replace(';', ', ')} and re-executed itself before loading any BLAS)")
    return (f"{names} unset for every contender alike (already absent from the "
            f"environment at start, e.g. `env -u`)")


def fmt_us(seconds):
    if seconds is None:
        return "–"
    us = seconds * 1e6
    return f"{us:,.0f}" if us >= 100 else f"{us:.1f}"


def fmt_bytes(b):
    return f"{b} B" if b < 1024 else f"{b / 1024:.0f} KiB" if b < 1 << 20 else f"{b / (1 << 20):.0f} MiB"


def fmt_ratio(r):
    return "–" if r is None else f"{r:.2f}"


def geomean(values):
    values = [v for v in values if v]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def publish(report, failures, markdown):
    """Print the report (with its failures) and write it to ``markdown``;
    the exit code: 1 if anything failed."""
    if failures:
        report += "\n## FAILURES\n\n" + "\n".join("- " + f for f in failures) + "\n"
    print()
    print(report)
    if markdown:
        with open(markdown, "w") as f:
            f.write(report)
        print(f"wrote {markdown}")
    if failures:
        print("\nFAILED: " + "; ".join(failures), file=sys.stderr)
        return 1
    return 0


def markdown_table(rows):
    lines = ["| shape | fastrnn us | torch us | ORT us | OpenVINO us | numpy us | best anchor | "
             "fastrnn / best anchor | ideal us | fastrnn / ideal |",
             "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|"]
    for r in rows:
        t = r["times"]
        lines.append(
            f"| {r['label']} | {fmt_us(t.get('fastrnn'))} | {fmt_us(t.get('torch'))} | "
            f"{fmt_us(t.get('ORT'))} | {fmt_us(t.get('OpenVINO'))} | {fmt_us(t.get('numpy'))} | "
            f"{r['anchor'] or '–'} | "
            f"{fmt_ratio(r['vs_anchor'])} | {fmt_us(r['ideal'])} | {fmt_ratio(r['vs_ideal'])} |")
    return "\n".join(lines)


def accuracy_table(rows):
    lines = ["| shape | torch | ORT | OpenVINO | numpy | other processes' CPUs while timing |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        d = r["diffs"]
        cells = [d[n] if isinstance(d.get(n), str) else
                 ("–" if d.get(n) is None else f"{d[n]:.1e}") for n in ANCHORS]
        other = "?" if r["other_cpus"] is None else f"{r['other_cpus']:.2f}"
        lines.append(f"| {r['label']} | " + " | ".join(cells) + f" | {other} |")
    return "\n".join(lines)


def summary_line(rows):
    ratios = [r["vs_anchor"] for r in rows if r["vs_anchor"]]
    ideal = [r["vs_ideal"] for r in rows if r["vs_ideal"]]
    if not ratios:
        return "Summary: no anchor ran."
    faster = sum(r < 1 for r in ratios)
    twice = sum(r <= 0.5 for r in ratios)
    worst = max(rows, key=lambda r: r["vs_anchor"] or 0)
    return (f"Summary: fastrnn / best anchor geometric mean {geomean(ratios):.2f} "
            f"(speed-up {1 / geomean(ratios):.2f}x); faster than the best anchor on "
            f"{faster}/{len(ratios)} shapes, at least 2x faster on {twice}/{len(ratios)}; "
            f"worst {worst['label']} at {worst['vs_anchor']:.2f}; "
            f"fastrnn / ideal geometric mean {geomean(ideal):.2f}.")


def plot(path, results, threads_list):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    labels = [r["label"] for r in results[threads_list[0]]]
    width = 0.8 / len(threads_list)
    fig, ax = plt.subplots(figsize=(max(8, 0.75 * len(labels) + 3), 5.5))
    for k, n in enumerate(threads_list):
        by_label = {r["label"]: r for r in results[n]}
        ys = [(1 / by_label[lb]["vs_anchor"]) if by_label.get(lb) and by_label[lb]["vs_anchor"] else 0
              for lb in labels]
        xs = [i + (k - (len(threads_list) - 1) / 2) * width for i in range(len(labels))]
        bars = ax.bar(xs, ys, width, label=f"{n} thread{'s' if n > 1 else ''}")
        for bar, y in zip(bars, ys):
            if y:
                ax.annotate(f"{y:.1f}" if y >= 0.1 else f"{y:.1g}",
                            (bar.get_x() + bar.get_width() / 2, y), ha="center",
                            va="bottom", fontsize=7)
    ax.axhline(1.0, color="black", linewidth=1, label="1.0 (as fast as the best anchor)")
    ax.axhline(2.0, color="gray", linewidth=1, linestyle="--", label="2.0")
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_ylabel("speed-up vs best anchor\n(best anchor time / fastrnn time)")
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=45, ha="right", fontsize=8)
    ax.set_title("fastrnn vs the fastest of torch / ONNX Runtime / OpenVINO / numpy (float32, CPU)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


# -------------------------------------------------------------------- main
def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--shapes", nargs="+", default=None,
                   help="keep shapes whose label contains one of these (case-insensitive), "
                        "e.g. GRU 'LSTM 1x' Bidirectional")
    p.add_argument("--repeats", type=int, default=None,
                   help="interleaved timing rounds (default 9, --quick 4)")
    p.add_argument("--quick", action="store_true", help="shorter timing (< 2 minutes)")
    p.add_argument("--plot", metavar="PATH.png")
    p.add_argument("--markdown", metavar="PATH.md")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--keep-openblas-env", action="store_true",
                   help="do not unset OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE")
    p.add_argument("--tail", action="store_true",
                   help="tail latency (p50/p99 of many small calls) instead of medians; "
                        f"shapes of at most {TAIL_MAX_FLOPS:g} FLOPs unless --shapes")
    p.add_argument("--calls", type=int, default=3000, help="--tail: calls per contender and shape")
    p.add_argument("--blocks", type=int, default=10, help="--tail: interleaved blocks")
    p.add_argument("--neighbour", action="store_true",
                   help="--tail: run a busy process spinning on one core meanwhile")
    p.add_argument("--streaming", action="store_true",
                   help="per-step time of a stateful LSTM(64) fed one step per call, the "
                        "state carried by every contender")
    args = p.parse_args()

    rounds = args.repeats or (4 if args.quick else 9)
    budget = 0.15 if args.quick else 1.2      # seconds of timed calls per contender and shape
    warmup = 0.2 if args.quick else 0.3       # > 0.2 s of calls before timing
    # Pause before each contender's turn. With several threads, idle OpenBLAS workers
    # busy-wait for up to 2^28 cycles (~0.1 s) after a call and would steal a core from
    # the next contender (numpy's and scipy's OpenBLAS are separate copies).
    gaps = {n: (0.005 if n == 1 else 0.12) for n in args.threads}
    sgemm_repeats = 3 if args.quick else 5

    shapes = [Shape(*g) for g in GRID]
    if args.shapes:
        keys = [s.lower() for s in args.shapes]
        shapes = [s for s in shapes if any(k in s.label.lower() for k in keys)]
        if not shapes and not (args.tail and any(k in STACKED_LABEL for k in keys)):
            sys.exit(f"no shape matches {args.shapes}")
    rng = np.random.default_rng(args.seed)

    header = [
        f"date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"CPU: {cpu_model()} ({os.cpu_count()} logical CPUs, load average "
        f"{', '.join(f'{v:.2f}' for v in os.getloadavg())} at start)",
        f"threads: {', '.join(map(str, args.threads))} (fastrnn set_num_threads, torch.set_num_threads, "
        f"ORT intra_op_num_threads, and threadpoolctl limits on BLAS/OpenMP for all)",
        f"versions: {versions()}",
        f"OpenBLAS env: {openblas_env_note()}",
        f"fastrnn kernel build: {fastrnn._dispatch.build} (available: {', '.join(fastrnn._dispatch.available())})",
        f"timing: float32, return_sequences=True, {rounds} interleaved rounds of about "
        f"{budget / rounds * 1e3:.0f} ms per contender, median; warm-up {warmup} s per contender; "
        f"pause before each contender's turn 5 ms at 1 thread, 120 ms at more (idle OpenBLAS "
        f"workers spin ~0.1 s); "
        f"times are per call in us; ratios are time ratios (< 1: fastrnn faster)",
        "ORT graph: Transpose -> LSTM/GRU/RNN (opset 14, layout=0) -> Transpose -> Reshape, "
        "since ORT's CPU kernels reject layout=1; OpenVINO reads the same ONNX model (CPU "
        "plugin, INFERENCE_PRECISION_HINT f32, PERFORMANCE_HINT LATENCY, 1 stream, "
        "INFERENCE_NUM_THREADS = threads, input reshaped to the static shape)",
    ]
    skipped = []
    for name, _factory in CONTENDERS[1:]:
        if name == "torch" and torch is None:
            skipped.append("torch (not installed)")
        if name == "ORT" and (onnx is None or ort is None):
            skipped.append("ORT (onnx/onnxruntime not installed)")
        if name == "OpenVINO" and (onnx is None or ov is None):
            skipped.append("OpenVINO (onnx/openvino not installed)")
    if skipped:
        header.append("skipped contenders: " + ", ".join(skipped))
    if args.tail:
        return run_tail(args, shapes, [h for h in header if not h.startswith("timing:")])
    if args.streaming:
        return run_streaming(args, [h for h in header if not h.startswith(("timing:", "ORT graph"))])
    print("\n".join("# " + h for h in header), flush=True)

    results = {}
    sections = []
    failures = []
    started = time.perf_counter()
    for n in args.threads:
        with threadpool_limits(limits=n):
            fastrnn_set_threads(n)
            if torch is not None:
                torch.set_num_threads(n)
            section_load = OtherLoad()
            peak = peak_sgemm(n, sgemm_repeats)
            bandwidth = {s.weight_bytes: read_bandwidth(s.weight_bytes, n, 3) for s in shapes}
            overhead = call_overhead(n, 15 if not args.quick else 7, 300)
            info = [f"threads={n}: BLAS {blas_info()}",
                    f"threads={n}: peak sgemm (numpy 2048x2048 float32, best of {sgemm_repeats}) "
                    f"{peak / 1e9:.1f} GFLOP/s",
                    f"threads={n}: read bandwidth by recurrent-weight size: "
                    + ", ".join(f"{fmt_bytes(b)} {bw / 1e9:.0f} GB/s"
                                for b, bw in sorted(bandwidth.items()))
                    + " (best of numpy reductions and BLAS sgemv; a hand-written kernel can read "
                      "faster, so fastrnn / ideal < 1 is possible)",
                    f"threads={n}: per-call time of layer(x) at {'x'.join(map(str, SEED_SHAPE))} "
                    f"(LSTM): {overhead * 1e6:.1f} us"]
            print("\n".join("# " + i for i in info), flush=True)
            rows = []
            for s in shapes:
                shape_started = time.perf_counter()
                x = rng.normal(size=(s.batch, s.steps, s.features)).astype(np.float32)
                fns, diffs = checked_contenders(s, x, n, args.seed, failures)
                load = OtherLoad()
                times = time_interleaved(fns, x, rounds, budget, warmup, gaps[n])
                other_cpus = load.cpus()
                anchors = {a: times[a] for a in ANCHORS if a in times}
                anchor = min(anchors, key=anchors.get) if anchors else None
                ideal = max(s.flops / peak, s.weight_bytes * s.steps / bandwidth[s.weight_bytes])
                row = {"label": s.label, "times": times, "diffs": diffs, "anchor": anchor,
                       "vs_anchor": times["fastrnn"] / anchors[anchor] if anchor else None,
                       "ideal": ideal, "vs_ideal": times["fastrnn"] / ideal, "other_cpus": other_cpus}
                rows.append(row)
                print(f"  threads={n} {s.label:34s} " + "  ".join(
                    f"{k} {fmt_us(v)}" for k, v in times.items())
                    + "  | max|diff| " + " ".join(
                        f"{k} {v:.1e}" if isinstance(v, float) else f"{k} {v}"
                        for k, v in diffs.items())
                    + f"  [{time.perf_counter() - shape_started:.1f} s, other processes "
                    f"{'?' if other_cpus is None else f'{other_cpus:.2f}'} CPUs]", flush=True)
            results[n] = rows
            other = section_load.cpus()
            if other is not None:
                note = (f"threads={n}: other processes used {other:.2f} of {os.cpu_count()} CPUs on "
                        f"average during this section")
                if other > 0.2 and n + other > os.cpu_count():
                    note += (" -- WARNING: the CPUs were oversubscribed, timings (above all with "
                             "several threads) are disturbed")
                info.append(note)
                print("# " + note, flush=True)
            sections.append(
                f"## {n} thread{'s' if n > 1 else ''}\n\n" + "\n".join("- " + i for i in info)
                + "\n\n" + markdown_table(rows) + "\n\n" + summary_line(rows)
                + f"\n\nChecks: max abs difference from fastrnn's output ({n} thread{'s' if n > 1 else ''}):\n\n"
                + accuracy_table(rows))

    elapsed = time.perf_counter() - started
    report = ("# fastrnn vs torch / ONNX Runtime / OpenVINO / numpy\n\n" + "\n".join("- " + h for h in header)
              + f"\n- ideal = max(FLOPs / peak sgemm, recurrent-weight bytes per step x T / read "
              f"bandwidth); FLOPs = 2 * batch * T * gates * units * (features + units), x2 if "
              f"Bidirectional\n- total run time {elapsed:.0f} s\n\n" + "\n\n".join(sections) + "\n")
    if args.plot:
        plot(args.plot, results, args.threads)
        print(f"wrote {args.plot}")
    return publish(report, failures, args.markdown)


if __name__ == "__main__":
    sys.exit(main())
