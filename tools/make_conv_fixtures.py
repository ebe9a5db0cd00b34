#!/usr/bin/env python
"""Generate the convolution-layer fixtures (tests/data/keras_conv).

Usage::

    python tools/make_conv_fixtures.py [--venv DIR] [--out DIR]

Same conventions as tools/make_activation_fixtures.py: any Python runs it; it
makes sure ``DIR`` (default ``/tmp/fastrnn-keras-venv``) can ``import
tensorflow, keras, h5py`` (installing ``tensorflow-cpu==2.21.0 keras==3.15.1
h5py`` if not) and re-executes itself there with ``CUDA_VISIBLE_DEVICES=""``,
``TF_CPP_MIN_LOG_LEVEL=2`` and ``KERAS_BACKEND=tensorflow``. The child deletes
the old files in the output directory and writes one ``<case>.npz`` per case,
plus a few small ``.keras`` model files and ``VERSIONS.json``. Deterministic:
each case seeds numpy from the CRC32 of its id, and the archives are
re-packed with fixed zip timestamps.

What is recorded: every argument combination that changes the arithmetic of
Keras 3's Conv1D, Conv2D, Conv3D, SeparableConv1D, SeparableConv2D,
DepthwiseConv1D, DepthwiseConv2D, Conv1DTranspose and Conv2DTranspose --
each padding mode (valid, same, causal for Conv1D), strides 1 and 2 (and
mixed per axis), dilation 1 and 2, groups 1, 2 and 3, both data formats,
even and odd kernels and input sizes (where TensorFlow's "SAME" pads more at
the end), output_padding, depth multipliers, activations, no bias, and
channels_first outputs whose last axis has as many positions as there are
output channels (Keras's TensorFlow ``ops.add`` then adds the bias along
that last axis: ``tf.nn.bias_add`` with "NHWC") -- on
small random inputs, and what Keras gave: its output, or the error it raised.

Format (tests/test_conv_layers.py reads it): ``<case>.npz`` holds ``spec``, a
JSON string ``{"id", "class_name", "config", "n_weights", "error"}``
(``config`` is the Keras layer's ``get_config()``, ``error`` null or
``{"type", "message"}`` when Keras refused the call), ``x`` (float32),
``weight_<k>`` (the Keras layer's ``get_weights()``) and ``expected`` (the
Keras output; absent when ``error`` is set). ``model-<name>.keras`` are tiny
Keras models using the layers, with ``model-<name>.npz`` holding ``x`` and
``expected``.
"""

import os
import sys

from fixture_venv import keras_fixture_main, KERAS_PACKAGES, REPO_ROOT, child_env, ensure_venv, \
    rerun_in, save_npz

DEFAULT_OUT = os.path.join(REPO_ROOT, "tests", "data", "keras_conv")
TAG = "make_conv_fixtures"


def ensure_venv_and_reexec(args):
    py = ensure_venv(args.venv, "import tensorflow, keras, h5py", KERAS_PACKAGES, TAG)
    rerun_in(py, __file__, "--generate", "--out", os.path.abspath(args.out), tag=TAG)
    sys.exit(0)


# ---------------------------------------------------------------------------
# Child: everything below runs inside the Keras venv.
# ---------------------------------------------------------------------------

def _cases():
    """(id, class_name, config, input shape without batch) for every case."""
    cases = []

    def add(cid, cls, shape, **config):
        cases.append((cid, cls, config, shape))

    sd = [(1, 1), (2, 1), (1, 2)]          # (strides, dilation_rate)
    # Conv1D: every padding x strides/dilation, even and odd kernels.
    for pad in ("valid", "same", "causal"):
        for s, d in sd:
            add(f"conv1d-{pad}-s{s}-d{d}", "Conv1D", (9, 3), filters=4, kernel_size=3,
                padding=pad, strides=s, dilation_rate=d)
        add(f"conv1d-{pad}-k4-s2-odd", "Conv1D", (7, 2), filters=3, kernel_size=4,
            padding=pad, strides=2)
        add(f"conv1d-{pad}-k4-d2", "Conv1D", (10, 2), filters=3, kernel_size=4,
            padding=pad, dilation_rate=2)
    add("conv1d-same-groups2", "Conv1D", (8, 4), filters=6, kernel_size=3, padding="same",
        groups=2)
    add("conv1d-causal-groups2-cf", "Conv1D", (4, 8), filters=4, kernel_size=3,
        padding="causal", groups=2, data_format="channels_first")
    add("conv1d-same-s2-cf", "Conv1D", (3, 9), filters=2, kernel_size=4, padding="same",
        strides=2, data_format="channels_first")
    add("conv1d-causal-d2-cf", "Conv1D", (2, 9), filters=3, kernel_size=3, padding="causal",
        dilation_rate=2, data_format="channels_first")
    add("conv1d-relu-nobias", "Conv1D", (6, 3), filters=2, kernel_size=2, activation="relu",
        use_bias=False)
    add("conv1d-s3-k5", "Conv1D", (11, 2), filters=2, kernel_size=5, strides=3,
        padding="same")

    # Conv2D
    for pad in ("valid", "same"):
        for s, d in sd:
            add(f"conv2d-{pad}-s{s}-d{d}", "Conv2D", (7, 6, 3), filters=4, kernel_size=3,
                padding=pad, strides=s, dilation_rate=d)
            add(f"conv2d-{pad}-s{s}-d{d}-cf", "Conv2D", (3, 7, 6), filters=4, kernel_size=3,
                padding=pad, strides=s, dilation_rate=d, data_format="channels_first")
        add(f"conv2d-{pad}-k42-s21", "Conv2D", (8, 7, 2), filters=3, kernel_size=(4, 2),
            padding=pad, strides=(2, 1))
        add(f"conv2d-{pad}-k2-s2-odd", "Conv2D", (7, 5, 2), filters=3, kernel_size=2,
            padding=pad, strides=2)
        add(f"conv2d-{pad}-d12", "Conv2D", (7, 8, 2), filters=2, kernel_size=(2, 3),
            padding=pad, dilation_rate=(1, 2))
        add(f"conv2d-{pad}-groups2", "Conv2D", (6, 5, 4), filters=6, kernel_size=3,
            padding=pad, groups=2)
        add(f"conv2d-{pad}-groups2-cf", "Conv2D", (4, 6, 5), filters=4, kernel_size=3,
            padding=pad, groups=2, data_format="channels_first")
    add("conv2d-same-groups3-s2", "Conv2D", (7, 7, 6), filters=3, kernel_size=3,
        padding="same", groups=3, strides=2)
    add("conv2d-softmax-cf", "Conv2D", (2, 5, 4), filters=3, kernel_size=3, padding="same",
        activation="softmax", data_format="channels_first")
    add("conv2d-tanh-nobias", "Conv2D", (5, 5, 2), filters=2, kernel_size=(1, 3),
        activation="tanh", use_bias=False)
    add("conv2d-ocr", "Conv2D", (20, 10, 1), filters=8, kernel_size=3, padding="same",
        activation="relu", kernel_initializer="he_normal")

    # Conv3D
    add("conv3d-valid", "Conv3D", (5, 4, 6, 2), filters=3, kernel_size=(2, 3, 2))
    add("conv3d-same-s2", "Conv3D", (5, 4, 6, 2), filters=3, kernel_size=(3, 2, 2),
        padding="same", strides=2)
    add("conv3d-same-d2", "Conv3D", (5, 5, 5, 2), filters=2, kernel_size=2, padding="same",
        dilation_rate=2)
    add("conv3d-groups2", "Conv3D", (4, 4, 4, 4), filters=2, kernel_size=2, groups=2,
        padding="same")
    add("conv3d-same-cf", "Conv3D", (2, 4, 5, 3), filters=3, kernel_size=3, padding="same",
        data_format="channels_first")

    # Depthwise and separable: stride and dilation may combine.
    for cls, r in (("DepthwiseConv1D", 1), ("DepthwiseConv2D", 2)):
        base = (9,) * r
        tag = cls.lower()
        for pad in ("valid", "same"):
            for s, d in sd + [(2, 2)]:
                add(f"{tag}-{pad}-s{s}-d{d}", cls, base[:-1] + (8,) + (3,), kernel_size=3,
                    padding=pad, strides=s, dilation_rate=d)
        add(f"{tag}-same-dm2-k2", cls, base[:-1] + (7,) + (2,), kernel_size=2, padding="same",
            depth_multiplier=2, strides=2)
        add(f"{tag}-same-dm2-cf", cls, (3,) + base[:-1] + (7,), kernel_size=3,
            padding="same", depth_multiplier=2, data_format="channels_first")
        add(f"{tag}-valid-s2-d2-cf", cls, (2,) + base, kernel_size=2, strides=2,
            dilation_rate=2, data_format="channels_first")
    for cls, r in (("SeparableConv1D", 1), ("SeparableConv2D", 2)):
        base = (8,) * r
        tag = cls.lower()
        for pad in ("valid", "same"):
            for s, d in sd + [(2, 2)]:
                add(f"{tag}-{pad}-s{s}-d{d}", cls, base[:-1] + (9,) + (3,), filters=4,
                    kernel_size=3, padding=pad, strides=s, dilation_rate=d)
        add(f"{tag}-same-dm2-k2-relu", cls, base + (2,), filters=3, kernel_size=2,
            padding="same", depth_multiplier=2, activation="relu")
        add(f"{tag}-same-cf", cls, (3,) + base[:-1] + (7,), filters=2, kernel_size=3,
            padding="same", data_format="channels_first", strides=2)
        add(f"{tag}-nobias", cls, base + (2,), filters=2, kernel_size=2, use_bias=False)

    # Transposed convolutions.
    for cls, r in (("Conv1DTranspose", 1), ("Conv2DTranspose", 2)):
        base = (5,) * r
        tag = cls.lower()
        for pad in ("valid", "same"):
            for k in (3, 4):
                for s in (1, 2, 3):
                    add(f"{tag}-{pad}-k{k}-s{s}", cls, base[:-1] + (4,) + (3,), filters=2,
                        kernel_size=k, padding=pad, strides=s)
                for s, op in ((2, 0), (2, 1), (3, 1), (3, 2)):
                    add(f"{tag}-{pad}-k{k}-s{s}-op{op}", cls, base[:-1] + (4,) + (2,),
                        filters=2, kernel_size=k, padding=pad, strides=s, output_padding=op)
                add(f"{tag}-{pad}-k{k}-d2", cls, base[:-1] + (6,) + (2,), filters=2,
                    kernel_size=k, padding=pad, dilation_rate=2)
            add(f"{tag}-{pad}-s2-cf", cls, (3,) + base[:-1] + (4,), filters=2, kernel_size=3,
                padding=pad, strides=2, data_format="channels_first")
        add(f"{tag}-same-s1-op0", cls, base + (2,), filters=2, kernel_size=3, padding="same",
            output_padding=0)
        add(f"{tag}-relu-nobias", cls, base + (2,), filters=3, kernel_size=2, strides=2,
            activation="relu", use_bias=False)
    # channels_first with the last spatial size equal to the output channels:
    # Keras's TF ops.add turns the bias add into an "NHWC" bias_add.
    add("conv1d-cf-bias-last-axis", "Conv1D", (2, 6), filters=4, kernel_size=3,
        data_format="channels_first")
    add("depthwiseconv2d-cf-bias-last-axis", "DepthwiseConv2D", (2, 5, 6), kernel_size=3,
        depth_multiplier=2, data_format="channels_first")
    add("separableconv2d-cf-bias-last-axis", "SeparableConv2D", (2, 5, 3), filters=3,
        kernel_size=2, padding="same", data_format="channels_first")
    add("conv2dtranspose-cf-bias-last-axis", "Conv2DTranspose", (2, 3, 2), filters=4,
        kernel_size=3, strides=2, padding="same", data_format="channels_first")
    add("conv2dtranspose-same-k32-s21", "Conv2DTranspose", (4, 5, 2), filters=3,
        kernel_size=(3, 2), strides=(2, 1), padding="same")
    add("conv2dtranspose-valid-k23-s12-op01", "Conv2DTranspose", (4, 3, 2), filters=2,
        kernel_size=(2, 3), strides=(1, 2), padding="valid", output_padding=(0, 1))
    return cases


def _run_case(keras, np, zlib, case):
    cid, cls_name, config, shape = case
    rng = np.random.default_rng(zlib.crc32(cid.encode()))
    layer = getattr(keras.layers, cls_name)(**config)
    x = rng.normal(size=(2,) + tuple(shape)).astype(np.float32)
    layer.build(x.shape)
    weights = [rng.normal(scale=0.5, size=w.shape).astype(np.float32)
               for w in layer.get_weights()]
    layer.set_weights(weights)
    error, expected = None, None
    try:
        expected = np.asarray(layer(x))
    except Exception as e:   # Keras's refusal is the expectation
        error = {"type": type(e).__name__, "message": str(e).splitlines()[0][:300]}
    spec = {"id": cid, "class_name": cls_name, "config": layer.get_config(),
            "n_weights": len(weights), "error": error}
    arrays = {"x": x}
    arrays.update({f"weight_{i}": w for i, w in enumerate(weights)})
    if expected is not None:
        arrays["expected"] = expected
    return spec, arrays


def _models(keras, np, zlib):
    """Tiny Keras models using the layers: (name, model, x)."""
    L = keras.layers
    out = []
    rng = np.random.default_rng(zlib.crc32(b"model-ocr"))
    inp = keras.Input((24, 12, 1))
    h = L.Conv2D(4, 3, padding="same", activation="relu", name="conv1")(inp)
    h = L.Conv2D(6, 3, strides=2, padding="same", activation="relu", name="conv2")(h)
    h = L.SeparableConv2D(4, 3, padding="same", name="sep")(h)
    h = L.Conv2DTranspose(2, 3, strides=2, padding="same", name="up")(h)
    h = L.Reshape((24, 24))(h)
    h = L.Dense(5, name="dense")(h)
    out.append(("ocr", keras.Model(inp, h), rng.normal(size=(2, 24, 12, 1))))

    rng = np.random.default_rng(zlib.crc32(b"model-frames"))
    model = keras.Sequential([keras.Input((3, 8, 8, 2)),
                              L.TimeDistributed(L.Conv2D(3, 3, strides=2, padding="same")),
                              L.TimeDistributed(L.Flatten()),
                              L.LSTM(4)])
    out.append(("frames", model, rng.normal(size=(2, 3, 8, 8, 2))))

    rng = np.random.default_rng(zlib.crc32(b"model-causal"))
    model = keras.Sequential([keras.Input((10, 3)),
                              L.Conv1D(4, 3, padding="causal", dilation_rate=2),
                              L.DepthwiseConv1D(3, padding="same", depth_multiplier=2),
                              L.Conv1DTranspose(3, 2, strides=2),
                              L.GRU(3, return_sequences=True)])
    out.append(("causal", model, rng.normal(size=(2, 10, 3))))
    for _, model, _ in out:     # random, not glorot: every weight matters
        model.set_weights([rng.normal(scale=0.4, size=w.shape) for w in model.get_weights()])
    return [(n, m, x.astype(np.float32)) for n, m, x in out]


def generate(args):
    for k, v in child_env().items():
        os.environ.setdefault(k, v)
    import glob
    import json
    import platform
    import zlib

    import numpy as np
    import tensorflow as tf
    import keras

    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    for f in glob.glob(os.path.join(out, "*.npz")) + glob.glob(os.path.join(out, "*.keras")):
        os.remove(f)
    cases = _cases()
    ids = [c[0] for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    errors = 0
    for case in cases:
        spec, arrays = _run_case(keras, np, zlib, case)
        errors += spec["error"] is not None
        payload = {"spec": np.array(json.dumps(spec, sort_keys=True, separators=(",", ":")))}
        payload.update(arrays)
        save_npz(os.path.join(out, f"{case[0]}.npz"), payload)
    for name, model, x in _models(keras, np, zlib):
        path = os.path.join(out, f"model-{name}.keras")
        model.save(path)
        expected = np.asarray(keras.saving.load_model(path)(x))
        save_npz(os.path.join(out, f"model-{name}.npz"), {"x": x, "expected": expected})
    versions = {"tensorflow": tf.__version__, "keras": keras.__version__,
                "numpy": np.__version__, "python": platform.python_version()}
    with open(os.path.join(out, "VERSIONS.json"), "w") as f:
        json.dump(versions, f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"[{TAG}] {len(cases)} cases ({errors} where Keras raised), 3 models, {versions}")


def main():
    keras_fixture_main(__doc__, DEFAULT_OUT, generate, ensure_venv_and_reexec)


if __name__ == "__main__":
    main()
