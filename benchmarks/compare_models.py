#!/usr/bin/env python
"""Time whole Keras models in fastrnn and in Keras (TensorFlow CPU), interleaved.

Usage::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/compare_models.py \\
        [--keras-python /tmp/fastrnn-keras-venv/bin/python] [--data tests/data/graphs_conv] \\
        [--batches 1,32] [--rounds 5] [--markdown out.md]

For every fixture model (the keras-io models of tests/data/graphs_conv by default), the
fixture's inputs are tiled to each batch size and both frameworks run ``predict`` on them
(Keras: ``model.predict_on_batch`` after a warm-up call, the way a serving loop calls it;
fastrnn: ``model.predict(x, batch_size=len(x), verbose=0)``), alternating one round of
every model in each framework, ``--rounds`` times; the table gives medians in ms and
fastrnn's time as a fraction of Keras's. Both OpenBLAS variables should be unset for both
(the command above); the CPU is printed with the table.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def inputs(data, case, batch):
    import numpy as np

    with np.load(os.path.join(data, f"{case}.npz"), allow_pickle=False) as z:
        names = json.loads(str(z["names"]))
        ins = [z[f"in/{i}"] for i in range(len(names["inputs"]))]
    reps = -(-batch // len(ins[0]))
    return [np.concatenate([a] * reps)[:batch] for a in ins]


def time_once(fn, x):
    start = time.perf_counter()
    fn(x)
    return time.perf_counter() - start


def worker(framework, data, cases, batches):
    """Serve one framework: load every model once, then time on request (stdin lines)."""
    if framework == "keras":
        import keras

        models = {c: keras.saving.load_model(os.path.join(data, f"{c}.keras")) for c in cases}

        def runner(m):
            return lambda x: m.predict_on_batch(x if len(x) > 1 else x[0])
    else:
        sys.path.insert(0, ROOT)
        import fastrnn

        models = {c: fastrnn.load_model(os.path.join(data, f"{c}.keras")) for c in cases}

        def runner(m):
            return lambda x: m.predict(x if len(x) > 1 else x[0], batch_size=len(x[0]),
                                       verbose=0)
    xs = {(c, b): inputs(data, c, b) for c in cases for b in batches}
    for (c, _), x in xs.items():   # warm up
        runner(models[c])(x)
    print("ready", flush=True)
    for line in sys.stdin:
        c, b = line.split()
        print(time_once(runner(models[c]), xs[(c, int(b))]), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--keras-python", default="/tmp/fastrnn-keras-venv/bin/python")
    p.add_argument("--data", default=os.path.join(ROOT, "tests", "data", "graphs_conv"))
    p.add_argument("--cases", default=None, help="comma-separated (default: the keras-io ones)")
    p.add_argument("--batches", default="1,32")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--markdown", default=None)
    p.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    data = os.path.abspath(args.data)
    all_cases = sorted(json.load(open(os.path.join(data, "cases.json"))))
    cases = args.cases.split(",") if args.cases else [c for c in all_cases
                                                      if c.startswith("kerasio_")]
    batches = [int(b) for b in args.batches.split(",")]
    if args.worker:
        worker(args.worker, data, cases, batches)
        return
    common = [__file__, "--data", data, "--cases", ",".join(cases), "--batches", args.batches]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    procs = {
        "keras": subprocess.Popen([args.keras_python, *common, "--worker", "keras"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  env=dict(env, PYTHONPATH="")),
        "fastrnn": subprocess.Popen([sys.executable, *common, "--worker", "fastrnn"],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                    env=env),
    }
    for proc in procs.values():
        assert proc.stdout.readline().strip() == "ready"
    times = {(fw, c, b): [] for fw in procs for c in cases for b in batches}
    for _ in range(args.rounds):
        for c in cases:
            for b in batches:
                for fw, proc in procs.items():
                    proc.stdin.write(f"{c} {b}\n")
                    proc.stdin.flush()
                    times[(fw, c, b)].append(float(proc.stdout.readline()))
    for proc in procs.values():
        proc.stdin.close()
        proc.wait()
    lines = [f"CPU: {cpu_name()}, {os.cpu_count()} logical CPUs; load average "
             f"{os.getloadavg()[0]:.1f}; {args.rounds} interleaved rounds, medians",
             "", "| model | batch | Keras ms | fastrnn ms | fastrnn / Keras |",
             "|---|---|---|---|---|"]
    for c in cases:
        for b in batches:
            k = statistics.median(times[("keras", c, b)]) * 1e3
            f = statistics.median(times[("fastrnn", c, b)]) * 1e3
            lines.append(f"| {c} | {b} | {k:.2f} | {f:.2f} | {f / k:.2f} |")
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as out:
            out.write(text + "\n")


if __name__ == "__main__":
    main()
