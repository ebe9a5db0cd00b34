"""Conv2D at the keras-io captcha OCR shapes: fastrnn vs Keras 3 (TensorFlow CPU).

Interleaved rounds, medians. Run with the Keras venv's python, e.g.::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE KERAS_BACKEND=tensorflow \\
        /tmp/fastrnn-keras-venv/bin/python benchmarks/compare_conv.py

A Keras venv without scipy: set FASTRNN_EXTRA_SITE to a site-packages directory
that has scipy (and the same numpy). examples/vision/captcha_ocr.py: input
(200, 50, 1), Conv2D(32, 3x3, same, relu), MaxPooling2D, Conv2D(64, 3x3, same,
relu): each convolution is timed at its own input shape.
"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if os.environ.get("FASTRNN_EXTRA_SITE"):
    sys.path.append(os.environ["FASTRNN_EXTRA_SITE"])

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import fastrnn  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "20"))
SHAPES = {"conv1": ((200, 50, 1), 32), "conv2": ((100, 25, 32), 64)}
KINDS = ("fastrnn", "keras_eager", "keras_tf_function")


def build(shape, filters):
    inp = keras.Input(shape)
    model = keras.Model(inp, keras.layers.Conv2D(filters, 3, padding="same", activation="relu",
                                                 kernel_initializer="he_normal")(inp))
    mine = fastrnn.Conv2D(filters, 3, padding="same", activation="relu")
    mine.set_weights(model.layers[1].get_weights())
    return model, mine


def timeit(f, n):
    times = []
    for _ in range(n):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return times


def ratios(med):
    return (f"keras_eager/fastrnn {med['keras_eager'] / med['fastrnn']:.2f}x, "
            f"keras_tf_function/fastrnn {med['keras_tf_function'] / med['fastrnn']:.2f}x")


def main():
    rng = np.random.default_rng(0)
    print("numpy", np.__version__, "tf", tf.__version__, "keras", keras.__version__,
          "OPENBLAS env:", {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS")})
    for batch in (1, 32):
        totals = dict.fromkeys(KINDS, 0.0)
        for name, (shape, filters) in SHAPES.items():
            model, mine = build(shape, filters)
            graph = tf.function(lambda x, model=model: model(x, training=False))
            x = rng.normal(size=(batch,) + shape).astype(np.float32)
            xt = tf.constant(x)
            np.testing.assert_allclose(mine(x), model(x).numpy(), rtol=1e-4, atol=1e-4)
            graph(xt)
            calls = {"fastrnn": lambda mine=mine, x=x: mine(x),
                     "keras_eager": lambda model=model, x=x: model(x, training=False).numpy(),
                     "keras_tf_function": lambda graph=graph, xt=xt: graph(xt).numpy()}
            res = {k: [] for k in KINDS}
            for _ in range(ROUNDS if batch == 1 else max(ROUNDS // 3, 5)):   # interleaved
                for kind in KINDS:
                    res[kind] += timeit(calls[kind], 3)
            med = {k: statistics.median(v) for k, v in res.items()}
            for k in KINDS:
                totals[k] += med[k]
            print(f"batch {batch:2d} {name} {shape}->{filters}: "
                  + ", ".join(f"{k} {v * 1e3:.2f} ms" for k, v in med.items()) + "; "
                  + ratios(med))
        print(f"batch {batch:2d} both convs: "
              + ", ".join(f"{k} {v * 1e3:.2f} ms" for k, v in totals.items()) + "; "
              + ratios(totals))


if __name__ == "__main__":
    main()
