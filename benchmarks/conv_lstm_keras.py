"""fastrnn.ConvLSTM2D against Keras 3 (TensorFlow CPU) at the shapes of keras-io's
examples/vision/conv_lstm.py: 19 frames of 64x64x1, ConvLSTM2D(64, (5, 5),
padding="same", return_sequences=True, activation="relu"), batch 1 and 8.

Two worker processes, one per venv (Keras's, fastrnn's), hold the same
weights and input (drawn from the same seeded generator) and time one call
each when the parent asks, alternately, so that both see the same machine
load; the parent reports the medians and their ratio, and checks that the
outputs agree. Keras is timed through ``model.predict_on_batch`` (its
compiled graph). Run from the checkout's root, with fastrnn built in place::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/conv_lstm_keras.py \
        --keras-python /tmp/fastrnn-keras-venv/bin/python \
        --fastrnn-python /tmp/venv-convlstm/bin/python [--batches 1 8] [--repeats 7]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

import numpy as np

FRAMES, SIZE, FILTERS, KERNEL = 19, 64, 64, 5


def worker(kind, batch, out_path):
    rng = np.random.default_rng(0)
    kernel = rng.uniform(-0.05, 0.05, (KERNEL, KERNEL, 1, 4 * FILTERS)).astype(np.float32)
    recurrent = rng.uniform(-0.02, 0.02, (KERNEL, KERNEL, FILTERS, 4 * FILTERS)).astype(
        np.float32)
    bias = rng.uniform(-0.1, 0.1, 4 * FILTERS).astype(np.float32)
    x = rng.uniform(0, 1, (batch, FRAMES, SIZE, SIZE, 1)).astype(np.float32)
    args = dict(filters=FILTERS, kernel_size=(KERNEL, KERNEL), padding="same",
                return_sequences=True, activation="relu")
    import time
    if kind == "keras":
        import keras
        inputs = keras.Input((None, SIZE, SIZE, 1))
        layer = keras.layers.ConvLSTM2D(**args)
        model = keras.Model(inputs, layer(inputs))
        layer.set_weights([kernel, recurrent, bias])

        def run():
            return model.predict_on_batch(x)
    else:
        import fastrnn
        layer = fastrnn.ConvLSTM2D(**args)
        layer.set_weights([kernel, recurrent, bias])

        def run():
            return layer(x)
    np.save(out_path, run())           # also the warm-up
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() != "run":
            break
        start = time.perf_counter()
        run()
        print(time.perf_counter() - start, flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--keras-python", default="/tmp/fastrnn-keras-venv/bin/python")
    p.add_argument("--fastrnn-python", default=sys.executable)
    p.add_argument("--batches", type=int, nargs="+", default=[1, 8])
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--worker", choices=["keras", "fastrnn"], help=argparse.SUPPRESS)
    p.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.worker:
        worker(a.worker, a.batch, a.out)
        return
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="", TF_CPP_MIN_LOG_LEVEL="2",
               KERAS_BACKEND="tensorflow", PYTHONPATH=root)
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        env.pop(name, None)
    model = open("/proc/cpuinfo").read().split("model name")[1].split("\n")[0].strip(": \t")
    print(f"CPU: {model}, {os.cpu_count()} logical CPUs")
    for batch in a.batches:
        with tempfile.TemporaryDirectory() as tmp:
            procs, outs = {}, {}
            for kind, py in (("keras", a.keras_python), ("fastrnn", a.fastrnn_python)):
                outs[kind] = os.path.join(tmp, f"{kind}.npy")
                procs[kind] = subprocess.Popen(
                    [py, os.path.abspath(__file__), "--worker", kind, "--batch", str(batch),
                     "--out", outs[kind]], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    text=True, env=env)
                assert procs[kind].stdout.readline().strip() == "ready", kind
            diff = float(np.max(np.abs(np.load(outs["keras"]) - np.load(outs["fastrnn"]))))
            times = {"keras": [], "fastrnn": []}
            for _ in range(a.repeats):
                for kind in ("keras", "fastrnn"):
                    procs[kind].stdin.write("run\n")
                    procs[kind].stdin.flush()
                    times[kind].append(float(procs[kind].stdout.readline()))
            for proc in procs.values():
                proc.stdin.close()
                proc.wait()
        k, f = statistics.median(times["keras"]), statistics.median(times["fastrnn"])
        print(f"batch {batch}: Keras {k * 1e3:.1f} ms, fastrnn {f * 1e3:.1f} ms (medians of "
              f"{a.repeats}), Keras / fastrnn = {k / f:.2f}; max |diff| {diff:.2e}")
        print(f"  keras   {[round(t * 1e3, 1) for t in times['keras']]}")
        print(f"  fastrnn {[round(t * 1e3, 1) for t in times['fastrnn']]}")


if __name__ == "__main__":
    main()
