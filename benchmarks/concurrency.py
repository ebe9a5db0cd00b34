"""Throughput of concurrent calls from Python threads.

The GIL is released for the whole recurrence, so two Python threads calling
two layers at once should get twice the throughput of one thread. Each call
runs on one fastrnn thread (and one BLAS thread), as the speed issue's target
states. Prints the ratio per shape; medians of interleaved repeats.

    python benchmarks/concurrency.py [--calls 200] [--repeats 5]
"""
import argparse
import threading
import time

import numpy as np

import fastrnn

SHAPES = [("LSTM", 8, 100, 64, 128), ("LSTM", 1, 1000, 64, 128), ("GRU", 64, 100, 128, 256),
          ("LSTM", 1, 100, 32, 32)]


def run_threads(layers, x, calls):
    barrier = threading.Barrier(len(layers))

    def work(layer):
        barrier.wait()
        for _ in range(calls):
            layer(x)

    threads = [threading.Thread(target=work, args=(layer,)) for layer in layers]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    try:
        from threadpoolctl import threadpool_limits
        blas = threadpool_limits(1, user_api="blas")
    except ImportError:
        blas = None
    fastrnn.set_num_threads(1)
    print("| shape | 1 thread (calls/s) | 2 threads (calls/s) | throughput ratio |")
    print("|---|---|---|---|")
    for cell, batch, steps, features, units in SHAPES:
        layers = [getattr(fastrnn, cell)(units, return_sequences=True, seed=s) for s in (0, 1)]
        x = np.random.default_rng(0).normal(size=(batch, steps, features)).astype(np.float32)
        for layer in layers:
            layer(x)
        calls = max(10, min(args.calls, int(0.3 / max(1e-6, run_threads(layers[:1], x, 3) / 3))))
        one, two = [], []
        for _ in range(args.repeats):  # interleaved
            one.append(calls / run_threads(layers[:1], x, calls))
            two.append(2 * calls / run_threads(layers, x, calls))
        a, b = np.median(one), np.median(two)
        print(f"| {cell} {batch}x{steps}x{features}x{units} | {a:,.0f} | {b:,.0f} | {b / a:.2f} |")
    if blas is not None:
        blas.restore_original_limits()


if __name__ == "__main__":
    main()
