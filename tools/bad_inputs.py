#!/usr/bin/env python
"""Run bad (and borderline) inputs through fastrnn, each case in its own
subprocess, and report crash / hang / ok per case.

Usage::

    python tools/bad_inputs.py                 # all cases, a table and a summary
    python tools/bad_inputs.py --markdown F    # also write the table as Markdown
    python tools/bad_inputs.py -k mask         # only cases whose id contains "mask"

Run it from a checkout with the extension built in place (or with fastrnn
installed). Each case is a snippet; the child runs it under an 8 GiB address
space limit (under AddressSanitizer, see tools/sanitize.sh: an 8 GiB
allocation limit) and prints what happened. Outcomes:

- ``ok``: it did what the case expects -- raised the expected exception
  (ValueError, TooLargeError, ...) or returned (for borderline input that is
  legal: NaN, empty batch, odd dtypes and layouts);
- ``unexpected``: a clean Python outcome, but not the expected one (returned
  where it should raise, or raised another exception type);
- ``crash``: the child died (a signal, an abort, no report);
- ``hang``: the child took longer than the timeout (60 s).

The exit status is 1 if any case crashed or hung, else 0.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 60
MEMORY = 8 * 2**30

PRELUDE = """
import json, sys, numpy as np
import fastrnn
from fastrnn import layers as fl, _dispatch
K = _dispatch.kernels
X = np.random.default_rng(0).uniform(-1, 1, (2, 5, 3)).astype(np.float32)
def lstm(**kw):
    layer = fastrnn.LSTM(4, seed=1, return_sequences=True, return_state=True, **kw)
    layer.build(3)
    return layer
def gru(**kw):
    layer = fastrnn.GRU(4, seed=1, return_state=True, **kw)
    layer.build(3)
    return layer
def bidi(**kw):
    return fastrnn.Bidirectional(fastrnn.LSTM(4, seed=1, return_state=True), **kw)
def unaligned(a):
    buf = np.zeros(a.nbytes + 1, np.uint8)
    out = np.frombuffer(buf.data, a.dtype, a.size, offset=1).reshape(a.shape)
    out[...] = a
    return out
class ArrayLike:
    def __array__(self, dtype=None, copy=None):
        return X.astype(np.float64)
class BadArray:
    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("no array here")
"""

CHILD = PRELUDE + """
def _report(kind, detail):
    print("@@RESULT@@" + json.dumps({"kind": kind, "detail": detail}), flush=True)
try:
    _value = eval(compile(CASE, "<case>", "eval"))
except BaseException as e:
    _report("raised", [type(e).__name__, " ".join(str(e).split())[:160]])
else:
    _report("returned", type(_value).__name__)
"""

R = "return"     # expect: returns normally
VE = "ValueError"
TE = "TypeError"
ME = "MemoryError"      # fl.TooLargeError is a MemoryError and a ValueError
TL = "TooLargeError"

# (id, expect, expression). ``expect`` is R or the exception class name the
# case must raise (subclasses count: TooLargeError is a ValueError too).
CASES = [
    # --- x: shapes
    ("x-rank0", VE, "lstm()(np.float32(1))"),
    ("x-rank1", VE, "lstm()(np.zeros(3))"),
    ("x-rank2", VE, "lstm()(X[0])"),
    ("x-rank4", VE, "lstm()(X[None])"),
    ("x-wrong-features", VE, "lstm()(np.zeros((2, 5, 7), np.float32))"),
    ("x-batch0", R, "lstm()(np.zeros((0, 5, 3), np.float32))"),
    ("x-steps0-float64", VE, "lstm()(np.zeros((2, 0, 3)))"),
    ("x-steps0-float32-fast-path", VE, "lstm()(np.zeros((2, 0, 3), np.float32))"),
    ("x-steps0-bidirectional", VE, "bidi()(np.zeros((2, 0, 3), np.float32))"),
    ("x-features0", R, "fastrnn.GRU(3)(np.zeros((2, 5, 0), np.float32))"),
    ("x-features0-huge-steps-float64", TL,
     "(lambda l: (l.build(0), l(np.zeros((1, 2**59, 0))))) (fastrnn.LSTM(8))"),
    ("x-features0-huge-steps-float32-fast-path", ME,
     "(lambda l: (l.build(0), l(np.zeros((1, 2**59, 0), np.float32)))) (fastrnn.LSTM(8))"),
    ("x-features0-huge-steps-float64-layer-fast-path", ME,
     "(lambda l: (l.build(0), l(np.zeros((1, 2**59, 0))))) (fastrnn.LSTM(8, dtype='float64'))"),
    ("x-features0-huge-steps-generic-kernel-fast-path", ME,
     "(lambda l: (l.build(0), l(np.zeros((1, 2**59, 0), np.float32)))) (fastrnn.GRU(8, reset_after=False))"),
    ("x-broadcast-huge-view", TL, "lstm()(np.broadcast_to(np.float64(1), (10**6, 10**6, 3)))"),
    ("x-huge-batch-steps-projection", TL,
     "fastrnn.LSTM(512)(np.broadcast_to(np.float32(1), (10**5, 10**4, 1)))"),
    # --- x: dtypes, layouts, types
    ("x-complex", VE, "lstm()(X.astype(np.complex64))"),
    ("x-strings", VE, "lstm()(np.full((2, 5, 3), 'a'))"),
    ("x-object-none", VE, "lstm()(np.full((2, 5, 3), None))"),
    ("x-datetime", VE, "lstm()(np.zeros((2, 5, 3), 'M8[s]'))"),
    ("x-timedelta", VE, "lstm()(np.zeros((2, 5, 3), 'm8[s]'))"),
    ("x-structured", VE, "lstm()(np.zeros((2, 5, 3), [('a', 'f4')]))"),
    ("x-bool", R, "lstm()(X > 0)"),
    ("x-float16", R, "lstm()(X.astype(np.float16))"),
    ("x-int64-huge-values", R, "lstm()(np.full((2, 5, 3), 2**62, np.int64))"),
    ("x-uint64-max", R, "lstm()(np.full((2, 5, 3), 2**64 - 1, np.uint64))"),
    ("x-longdouble", R, "lstm()(X.astype(np.longdouble))"),
    ("x-bigendian", R, "lstm()(X.astype('>f4'))"),
    ("x-unaligned", R, "lstm()(unaligned(X))"),
    ("x-readonly", R, "lstm()(np.lib.stride_tricks.as_strided(X, writeable=False))"),
    ("x-fortran", R, "lstm()(np.asfortranarray(X))"),
    ("x-negative-strides", R, "lstm()(X[::-1, ::-1, ::-1])"),
    ("x-zero-strides", R, "lstm()(np.broadcast_to(X[:1], (50, 5, 3)))"),
    ("x-nested-list", R, "lstm()(X.tolist())"),
    ("x-ragged-list", VE, "lstm()([[[1.0, 2.0, 3.0]], [[1.0]]])"),
    ("x-none", VE, "lstm()(None)"),
    ("x-string", VE, "lstm()('abc')"),
    ("x-dict", VE, "lstm()({'x': X})"),
    ("x-set", VE, "lstm()({1, 2, 3})"),
    ("x-generator", VE, "lstm()(v for v in X)"),
    ("x-object", VE, "lstm()(object())"),
    ("x-the-layer-itself", VE, "(lambda l: l(l))(lstm())"),
    ("x-array-like", R, "lstm()(ArrayLike())"),
    ("x-array-like-raising", "RuntimeError", "lstm()(BadArray())"),
    # --- NaN, inf, extremes
    ("x-nan", R, "lstm()(np.full((2, 5, 3), np.nan, np.float32))"),
    ("x-inf", R, "lstm()(np.full((2, 5, 3), np.inf, np.float32))"),
    ("x-float32-max", R, "fastrnn.SimpleRNN(3, activation='relu')(np.full((2, 5, 3), 3e38, np.float32))"),
    ("x-float64-overflows-float32", R, "lstm()(np.full((2, 5, 3), 1e300))"),
    ("x-subnormal", R, "lstm()(np.full((2, 5, 3), 1e-45, np.float32))"),
    ("exponential-activation-overflow", R,
     "fastrnn.SimpleRNN(3, activation='exponential', seed=0)(X * 1e3)"),
    ("softmax-sparsemax-on-nan", R,
     "fastrnn.GRU(3, activation='softmax', recurrent_activation='sparsemax')(X * np.nan)"),
    # --- sizes
    ("units-1e12", TL, "fastrnn.LSTM(10**12)"),
    ("units-2e31", TL, "fastrnn.SimpleRNN(2**31)"),
    ("units-1e5-build", TL, "fastrnn.LSTM(10**5).build(3)"),
    ("build-input-dim-1e12", TL, "fastrnn.GRU(3).build(10**12)"),
    ("units-0", VE, "fastrnn.GRU(0)"),
    ("units-negative", VE, "fastrnn.GRU(-3)"),
    ("units-float", VE, "fastrnn.GRU(3.0)"),
    ("units-string", VE, "fastrnn.GRU('3')"),
    ("units-none", VE, "fastrnn.GRU(None)"),
    # --- weights
    ("weights-none", VE, "lstm().set_weights(None)"),
    ("weights-string", VE, "lstm().set_weights('abc')"),
    ("weights-one-array", VE, "lstm().set_weights(np.zeros((3, 16)))"),
    ("weights-too-few", VE, "lstm().set_weights(lstm().get_weights()[:2])"),
    ("weights-too-many", VE, "lstm().set_weights(lstm().get_weights() * 2)"),
    ("weights-transposed-kernel", VE, "lstm().set_weights([np.zeros((16, 3)), np.zeros((4, 16)), np.zeros(16)])"),
    ("weights-ragged", VE, "lstm().set_weights([[[1.0], [1.0, 2.0]], np.zeros((4, 16)), np.zeros(16)])"),
    ("weights-complex", VE, "lstm().set_weights([w.astype(complex) for w in lstm().get_weights()])"),
    ("weights-bool", VE, "lstm().set_weights([w > 0 for w in lstm().get_weights()])"),
    ("weights-nones", VE, "lstm().set_weights([None, None, None])"),
    ("weights-nan", R, "lstm().set_weights([w * np.nan for w in lstm().get_weights()])"),
    ("weights-gru-flat-bias-for-reset-after", VE,
     "fastrnn.GRU(4).set_weights([np.zeros((3, 12)), np.zeros((4, 12)), np.zeros(12)])"),
    ("weights-unbuilt-1d-kernel", VE, "fastrnn.LSTM(4).set_weights([np.zeros(16), np.zeros((4, 16)), np.zeros(16)])"),
    ("weights-unbuilt-zero-features", R, "fastrnn.LSTM(4).set_weights([np.zeros((0, 16)), np.zeros((4, 16)), np.zeros(16)])"),
    # --- masks
    ("mask-wrong-shape", VE, "lstm()(X, mask=np.ones((2, 4), bool))"),
    ("mask-3d", VE, "lstm()(X, mask=np.ones((2, 5, 1), bool))"),
    ("mask-strings", VE, "lstm()(X, mask=np.full((2, 5), 'a'))"),
    ("mask-objects", VE, "lstm()(X, mask=np.full((2, 5), None))"),
    ("mask-ragged", VE, "lstm()(X, mask=[[1, 0], [1]])"),
    ("mask-scalar", VE, "lstm()(X, mask=True)"),
    ("mask-all-false", R, "lstm()(X, mask=np.zeros((2, 5), bool))"),
    ("mask-nan", R, "lstm()(X, mask=np.full((2, 5), np.nan))"),
    ("mask-complex", R, "lstm()(X, mask=np.ones((2, 5), np.complex64))"),
    ("mask-nested-list", R, "lstm()(X, mask=[[1, 0, 1, 1, 0]] * 2)"),
    ("mask-batch0", R, "lstm()(X[:0], mask=np.zeros((0, 5), bool))"),
    # --- initial states
    ("state-count", VE, "lstm()(X, initial_state=[np.zeros((2, 4))])"),
    ("state-shape", VE, "lstm()(X, initial_state=[np.zeros((2, 4)), np.zeros((2, 5))])"),
    ("state-wrong-batch", VE, "gru()(X, initial_state=[np.zeros((3, 4))])"),
    ("state-strings", VE, "gru()(X, initial_state=[np.full((2, 4), 'a')])"),
    ("state-ragged", VE, "gru()(X, initial_state=[[[0.0] * 4, [0.0]]])"),
    ("state-none-entries", VE, "lstm()(X, initial_state=[None, None])"),
    ("state-dict", VE, "gru()(X, initial_state={'h': np.zeros((2, 4))})"),
    ("state-one-array-for-lstm", VE, "lstm()(X, initial_state=np.zeros((2, 4)))"),
    ("state-bool", R, "gru()(X, initial_state=[np.ones((2, 4), bool)])"),
    ("state-nan", R, "gru()(X, initial_state=[np.full((2, 4), np.nan)])"),
    ("stateful-batch-change", VE,
     "(lambda l: (l(X), l(np.zeros((3, 5, 3), np.float32)))) (fastrnn.GRU(3, stateful=True))"),
    ("stateful-batch-change-checked-path", VE,
     "(lambda l: (l(X), l(np.zeros((3, 5, 3))))) (fastrnn.GRU(3, stateful=True))"),
    # --- constructors and build
    ("activation-unknown", VE, "fastrnn.GRU(3, activation='tanhh')"),
    ("activation-callable", VE, "fastrnn.GRU(3, activation=np.tanh)"),
    ("activation-glu", VE, "fastrnn.GRU(3, recurrent_activation='glu')"),
    ("dtype-garbage", VE, "fastrnn.GRU(3, dtype='float33')"),
    ("dtype-float16", VE, "fastrnn.GRU(3, dtype='float16')"),
    ("initializer-number", VE, "fastrnn.GRU(3, kernel_initializer=123)"),
    ("initializer-bad-dict", VE, "fastrnn.GRU(3, kernel_initializer={'class_name': 'Nope'})"),
    ("seed-string", VE, "fastrnn.GRU(3, seed='a')"),
    ("name-int", VE, "fastrnn.GRU(3, name=5)"),
    ("unknown-kwarg", VE, "fastrnn.GRU(3, untis=3)"),
    ("flag-array", VE, "fastrnn.GRU(3, return_sequences=np.array([1, 0]))"),
    ("build-empty-shape", VE, "fastrnn.GRU(3).build(())"),
    ("build-none", VE, "fastrnn.GRU(3).build(None)"),
    ("build-negative", VE, "fastrnn.GRU(3).build(-2)"),
    ("call-unknown-keyword", TE, "lstm()(X, maks=None)"),
    ("call-training-garbage", R, "lstm()(X, training='yes')"),
    # --- Bidirectional
    ("bidi-layer-string", VE, "fastrnn.Bidirectional('LSTM')"),
    ("bidi-layer-class", VE, "fastrnn.Bidirectional(fastrnn.LSTM)"),
    ("bidi-of-bidi", VE, "fastrnn.Bidirectional(bidi())"),
    ("bidi-backward-same-direction", VE, "fastrnn.Bidirectional(fastrnn.LSTM(3), backward_layer=fastrnn.LSTM(3))"),
    ("bidi-backward-stateful-mismatch", VE,
     "fastrnn.Bidirectional(fastrnn.LSTM(3), backward_layer=fastrnn.LSTM(3, go_backwards=True, stateful=True))"),
    ("bidi-forward-go-backwards", VE, "fastrnn.Bidirectional(fastrnn.LSTM(3, go_backwards=True))"),
    ("bidi-merge-invalid", VE, "fastrnn.Bidirectional(fastrnn.LSTM(3), merge_mode='avg')"),
    ("bidi-merge-array", VE, "fastrnn.Bidirectional(fastrnn.LSTM(3), merge_mode=np.array(['sum']))"),
    ("bidi-sum-different-units", VE,
     "fastrnn.Bidirectional(fastrnn.LSTM(3), merge_mode='sum', backward_layer=fastrnn.GRU(2, go_backwards=True))"),
    ("bidi-state-count", VE, "bidi()(X, initial_state=[np.zeros((2, 4))] * 3)"),
    ("bidi-state-not-a-list", VE, "bidi()(X, initial_state=np.zeros((4, 2, 4)))"),
    ("bidi-weights-none", VE, "bidi().set_weights(None)"),
    ("bidi-ragged-x", VE, "bidi()([[[1.0, 2.0, 3.0]], [[1.0]]])"),
    ("bidi-reset-not-stateful", "AttributeError", "bidi().reset_states()"),
    ("bidi-batch0-lstm", R, "bidi()(np.zeros((0, 5, 3), np.float32))"),
    # --- kernel entry (internal, but must not crash)
    ("kernel-wrong-dtype", VE,
     "K.Recurrence(K.Cell.LSTM_CELL, np.zeros((3, 16)), np.zeros((4, 16), np.float32), np.zeros(16, np.float32), np.zeros(16, np.float32), 0, 0, False)"),
    ("kernel-x-not-array", TE,
     "K.Recurrence(K.Cell.GRU_CELL, *[np.zeros(s, np.float32) for s in [(3, 12), (4, 12), 12, 12]], 0, 0, True)([[[0.0] * 3]], None, None, False, False, False)"),
    ("kernel-run-twice", "RuntimeError",
     "(lambda c: (c.run(), c.run()))(K.Recurrence(K.Cell.GRU_CELL, *[np.zeros(s, np.float32) for s in [(3, 12), (4, 12), 12, 12]], 0, 0, True).prepare(X, None, None, False, False, False))"),
    ("kernel-bad-cell", VE,
     "K.Recurrence(7, *[np.zeros(s, np.float32) for s in [(3, 12), (4, 12), 12, 12]], 0, 0, True)"),
    ("kernel-bad-activation-code", VE,
     "K.Recurrence(K.Cell.GRU_CELL, *[np.zeros(s, np.float32) for s in [(3, 12), (4, 12), 12, 12]], 99, 0, True)"),
    ("threads-negative", VE, "fastrnn.set_num_threads(-1)"),
    ("threads-string", VE, "fastrnn.set_num_threads('2')"),
]


ASAN = "libasan" in os.environ.get("LD_PRELOAD", "")


def _limit_memory():
    # (Under AddressSanitizer, which reserves terabytes of address space for
    # its shadow memory, ASAN_OPTIONS max_allocation_size_mb limits instead.)
    if not ASAN:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run_case(case):
    cid, expect, code = case
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    if ASAN:
        env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + f":max_allocation_size_mb={MEMORY >> 20}"
                               ":allocator_may_return_null=1").lstrip(":")
    start = time.time()
    try:
        r = subprocess.run([sys.executable, "-c", f"CASE = {code!r}\n" + CHILD],
                           capture_output=True, text=True, timeout=TIMEOUT, env=env,
                           cwd=REPO, preexec_fn=_limit_memory)
    except subprocess.TimeoutExpired:
        return dict(id=cid, expect=expect, outcome="hang", detail=f"> {TIMEOUT} s",
                    seconds=round(time.time() - start, 2))
    seconds = round(time.time() - start, 2)
    line = next((ln for ln in r.stdout.splitlines() if ln.startswith("@@RESULT@@")), None)
    if r.returncode != 0 or line is None:
        how = (f"signal {-r.returncode}" if r.returncode < 0 else f"exit status {r.returncode}")
        lines = r.stderr.strip().splitlines()
        asan = [ln for ln in lines if "ERROR: AddressSanitizer" in ln or "SUMMARY:" in ln]
        tail = " ".join(asan[:1] or lines[-1:])[:160]
        return dict(id=cid, expect=expect, outcome="crash", detail=f"{how}: {tail}",
                    seconds=seconds)
    result = json.loads(line[len("@@RESULT@@"):])
    if result["kind"] == "returned":
        got, detail = R, f"returned {result['detail']}"
    else:
        got, message = result["detail"]
        detail = f"{got}: {message}"
    ok = got == expect or _is_subclass(got, expect)
    return dict(id=cid, expect=expect, outcome="ok" if ok else "unexpected", detail=detail,
                seconds=seconds)


def _is_subclass(got, expect):
    # TooLargeError is a MemoryError and a ValueError.
    return got == "TooLargeError" and expect in ("MemoryError", "ValueError")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-k", default="", help="only cases whose id contains this")
    p.add_argument("-j", type=int, default=2, help="cases run at once (default 2)")
    p.add_argument("--markdown", help="write the table as Markdown to this file")
    p.add_argument("--json", help="write the results as JSON to this file")
    args = p.parse_args()
    cases = [c for c in CASES if args.k in c[0]]
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    start = time.time()
    with ThreadPoolExecutor(args.j) as pool:
        results = list(pool.map(run_case, cases))
    width = max(len(c[0]) for c in cases)
    for r in results:
        print(f"{r['outcome']:10s} {r['id']:{width}s}  expect {r['expect']:14s} {r['detail']}")
    counts = {k: sum(r["outcome"] == k for r in results)
              for k in ("ok", "unexpected", "crash", "hang")}
    summary = (f"{len(results)} cases in {time.time() - start:.0f} s: "
               + ", ".join(f"{v} {k}" for k, v in counts.items()))
    print(summary)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(f"{summary}\n\n| outcome | case | expected | what happened |\n|---|---|---|---|\n")
            for r in results:
                detail = r["detail"].replace("|", "\\|")
                f.write(f"| {r['outcome']} | `{r['id']}` | {r['expect']} | {detail} |\n")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    sys.exit(1 if counts["crash"] or counts["hang"] else 0)


if __name__ == "__main__":
    main()
