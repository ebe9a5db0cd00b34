#!/usr/bin/env python
"""Generate whole-model fixtures for fastrnn.load_model and fastrnn.from_torch.

Usage::

    python tools/make_model_fixtures.py [--keras-venv DIR] [--torch-venv DIR] [--out DIR]

Any Python can run this script (developer-only; CI never runs it). It makes
sure that the Keras venv (default ``/tmp/fastrnn-keras-venv``) can
``import tensorflow, keras, h5py`` and that the PyTorch venv (default
``/tmp/fastrnn-torch-venv``) can ``import torch, numpy``, creating them and
pip-installing the pinned versions if not. Then it re-executes itself once in
each venv with an internal ``--generate-keras`` / ``--generate-torch`` flag.

Keras (3.15.1, TensorFlow 2.21 CPU) saves every model both as a native
``.keras`` zip and as a legacy HDF5 ``.h5`` file, with
``<model>.npz`` holding ``x`` and ``expected`` (the output of the model
that ``keras.saving.load_model`` loads back from the ``.keras`` file; the
``.h5`` file is checked to load back to the same output). PyTorch (2.13.0)
saves ``torch-<case>.npz`` holding the module's state_dict (``sd/<key>``),
its constructor arguments (``spec``, JSON), the inputs and the expected
outputs. See tests/data/models/README.md. Every case seeds its own numpy
generator, and archives are re-packed with fixed zip timestamps.
"""

import argparse
import os
import sys

from fixture_venv import (KERAS_PACKAGES, KERAS_VENV, REPO_ROOT, TORCH_PACKAGES, TORCH_VENV,
                          ensure_venv, rerun_in, save_npz)

DEFAULT_OUT = os.path.join(REPO_ROOT, "tests", "data", "models")


# ---------------------------------------------------------------------------
# Parent: make sure both venvs exist, then re-exec inside each.
# ---------------------------------------------------------------------------


def parent(args):
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    if not args.skip_keras:
        py = ensure_venv(args.keras_venv, "import tensorflow, keras, h5py", KERAS_PACKAGES,
                         "make_model_fixtures")
        rerun_in(py, __file__, "--generate-keras", "--out", out, tag="make_model_fixtures")
    if not args.skip_torch:
        py = ensure_venv(args.torch_venv, "import torch, numpy", TORCH_PACKAGES,
                         "make_model_fixtures")
        rerun_in(py, __file__, "--generate-torch", "--out", out, tag="make_model_fixtures")


# ---------------------------------------------------------------------------
# Shared helpers for the children.
# ---------------------------------------------------------------------------


def rng_for(name):
    import zlib

    import numpy as np

    return np.random.default_rng(zlib.crc32(name.encode()))


# ---------------------------------------------------------------------------
# Keras child.
# ---------------------------------------------------------------------------


def padded_tokens(rng, batch, steps, vocab):
    """Integer sequences with zero padding: post-, pre-, none, a whole row, inner zeros."""
    x = rng.integers(1, vocab, size=(batch, steps)).astype("int32")
    x[0, 4:] = 0               # post-padding
    x[1, :3] = 0               # pre-padding
    if batch > 3:
        x[3, :] = 0            # all padding
    if batch > 4:
        x[4, 2] = 0            # a zero inside the sequence
    return x


def masked_floats(rng, batch, steps, feat, mask_value=0.0):
    x = rng.normal(size=(batch, steps, feat)).astype("float32")
    x[0, 3:] = mask_value
    x[1, :2] = mask_value
    if batch > 3:
        x[3, :] = mask_value
    if batch > 4:
        x[4, 2, 0] = mask_value  # only one feature equal: the step stays valid
    return x


def generate_keras(out):
    import h5py
    import keras
    import numpy as np
    import tensorflow as tf
    from keras import layers

    B, T = 6, 7

    def randomize(model, rng):
        for layer in model.layers:
            ws = layer.get_weights()
            if ws:
                layer.set_weights([rng.normal(0, 0.6, w.shape).astype(w.dtype) for w in ws])

    def sentiment_layers():
        return [layers.Embedding(30, 4, mask_zero=True),
                layers.SpatialDropout1D(0.2),
                layers.Bidirectional(layers.LSTM(3)),
                layers.Dropout(0.5),
                layers.Dense(1, activation="sigmoid")]

    def stacked_gru_layers():
        return [layers.GRU(5, return_sequences=True),
                layers.GRU(4, return_sequences=True, reset_after=False),
                layers.TimeDistributed(layers.Dense(3, activation="softmax"))]

    def masking_layers():
        return [layers.Masking(mask_value=0.0),
                layers.SimpleRNN(4, return_sequences=True),
                layers.Dense(3, activation="tanh"),          # Dense on 3-D input keeps the mask
                layers.SimpleRNN(2, activation="relu")]

    def misc_layers():
        return [layers.Reshape((4, 3)),
                layers.LSTM(4, return_sequences=True, go_backwards=True),
                layers.Bidirectional(layers.GRU(2, return_sequences=True), merge_mode="ave"),
                layers.Flatten(),
                layers.Dense(5),
                layers.Activation("relu"),
                layers.Reshape((5, 1)),
                layers.SimpleRNN(3)]

    def sequential(name, input_shape, dtype, make):
        return keras.Sequential([keras.Input(input_shape, dtype=dtype), *make()], name=name)

    def functional(name, input_shape, dtype, make):
        inp = keras.Input(input_shape, dtype=dtype)
        x = inp
        for layer in make():
            x = layer(x)
        return keras.Model(inp, x, name=name)

    cases = [
        # name, builder, input shape, input dtype, make layers, input maker
        ("sentiment_seq", sequential, (None,), "int32", sentiment_layers,
         lambda r: padded_tokens(r, B, T, 30)),
        ("sentiment_func", functional, (None,), "int32", sentiment_layers,
         lambda r: padded_tokens(r, B, T, 30)),
        ("stacked_gru_seq", sequential, (T, 3), "float32", stacked_gru_layers,
         lambda r: r.normal(size=(B, T, 3)).astype("float32")),
        ("masking_rnn_seq", sequential, (T, 3), "float32", masking_layers,
         lambda r: masked_floats(r, B, T, 3)),
        ("masking_rnn_func", functional, (T, 3), "float32", masking_layers,
         lambda r: masked_floats(r, B, T, 3)),
        ("reshape_flatten_func", functional, (12,), "float32", misc_layers,
         lambda r: r.normal(size=(B, 12)).astype("float32")),
    ]
    for old in os.listdir(out):
        if old.endswith((".keras", ".h5")) or (old.endswith(".npz") and not old.startswith("torch-")):
            os.remove(os.path.join(out, old))
    for name, builder, shape, dtype, make, make_x in cases:
        rng = rng_for(name)
        keras.utils.set_random_seed(1234)
        model = builder(name, shape, dtype, make)
        randomize(model, rng)
        x = make_x(rng)
        keras_path = os.path.join(out, name + ".keras")
        h5_path = os.path.join(out, name + ".h5")
        model.save(keras_path)
        model.save(h5_path)
        original = np.asarray(model.predict(x, verbose=0))
        expected = np.asarray(keras.saving.load_model(keras_path).predict(x, verbose=0))
        np.testing.assert_allclose(expected, original, rtol=1e-6, atol=1e-7)
        try:
            from_h5 = np.asarray(keras.saving.load_model(h5_path).predict(x, verbose=0))
        except ValueError as e:
            # Keras 3.15 writes the mask ops of functional models (NotEqual, Any)
            # into .h5 configs but its legacy loader cannot read them back.
            h5_note = f"keras.saving.load_model fails: {str(e).splitlines()[0]}"
        else:
            np.testing.assert_allclose(from_h5, expected, rtol=1e-6, atol=1e-7)
            h5_note = "keras.saving.load_model gives the same output"
        save_npz(os.path.join(out, name + ".npz"),
                 dict(x=x, expected=expected, h5_note=np.array(h5_note)))
        print(f"[keras] {name}: x{x.shape} -> {expected.shape}", flush=True)

    # A model with a layer fastrnn does not support: loading must name it.
    keras.utils.set_random_seed(1234)
    unsupported = keras.Sequential([keras.Input((T, 3)), layers.Conv1D(2, 3, name="my_conv"),
                                    layers.LSTM(2)], name="conv_lstm")
    unsupported.save(os.path.join(out, "unsupported_conv1d.keras"))
    unsupported.save(os.path.join(out, "unsupported_conv1d.h5"))
    print("[keras] unsupported_conv1d", flush=True)

    versions = {"keras": keras.__version__, "tensorflow": tf.__version__,
                "h5py": h5py.__version__, "numpy_keras": np.__version__}
    _write_versions(out, versions)


def _write_versions(out, update):
    import json

    path = os.path.join(out, "VERSIONS.json")
    versions = {}
    if os.path.exists(path):
        with open(path) as f:
            try:
                versions = json.load(f)
            except ValueError:
                versions = {}
    versions.update(update)
    versions["python_" + ("torch" if "torch" in update else "keras")] = sys.version.split()[0]
    with open(path, "w") as f:
        json.dump(versions, f, indent=1, sort_keys=True)
        f.write("\n")


# ---------------------------------------------------------------------------
# PyTorch child.
# ---------------------------------------------------------------------------


def generate_torch(out):
    import json

    import numpy as np
    import torch

    torch.set_num_threads(1)
    cases = [
        # name, class, constructor kwargs, (batch, steps), use hx, unbatched
        ("lstm2_bidir", "LSTM", dict(input_size=3, hidden_size=4, num_layers=2,
                                     bidirectional=True, batch_first=True), (3, 6), True),
        ("lstm_nobias_seqfirst", "LSTM", dict(input_size=2, hidden_size=3, bias=False), (2, 5),
         True),
        ("gru", "GRU", dict(input_size=3, hidden_size=5), (4, 6), True),
        ("gru2_bidir_batchfirst", "GRU", dict(input_size=2, hidden_size=3, num_layers=2,
                                              bidirectional=True, batch_first=True), (2, 4), True),
        ("rnn_relu", "RNN", dict(input_size=3, hidden_size=4, num_layers=2,
                                 nonlinearity="relu"), (3, 5), True),
        ("rnn_tanh_bidir_nobias", "RNN", dict(input_size=2, hidden_size=3, bias=False,
                                              bidirectional=True), (2, 4), False),
    ]
    for old in os.listdir(out):
        if old.startswith("torch-") and old.endswith(".npz"):
            os.remove(os.path.join(out, old))
    for name, cls, kwargs, (batch, steps), use_hx in cases:
        rng = rng_for("torch-" + name)
        torch.manual_seed(0)
        module = getattr(torch.nn, cls)(**kwargs).eval()
        with torch.no_grad():  # larger weights than torch's init, for sharper checks
            for p in module.parameters():
                p.copy_(torch.from_numpy(rng.normal(0, 0.5, tuple(p.shape)).astype("float32")))
        dirs = 2 if kwargs.get("bidirectional") else 1
        layers_ = kwargs.get("num_layers", 1)
        hidden = kwargs["hidden_size"]
        xshape = (batch, steps) if kwargs.get("batch_first") else (steps, batch)
        x = rng.normal(size=xshape + (kwargs["input_size"],)).astype("float32")
        arrays = {"x": x}
        hx = None
        if use_hx:
            h0 = rng.normal(size=(layers_ * dirs, batch, hidden)).astype("float32")
            arrays["h0"] = h0
            hx = torch.from_numpy(h0)
            if cls == "LSTM":
                c0 = rng.normal(size=(layers_ * dirs, batch, hidden)).astype("float32")
                arrays["c0"] = c0
                hx = (hx, torch.from_numpy(c0))
        with torch.no_grad():
            output, state = module(torch.from_numpy(x), hx)
            output0, state0 = module(torch.from_numpy(x))
            # unbatched input (2-D), first sequence only
            x1 = x[0] if kwargs.get("batch_first") else x[:, 0]
            output1, state1 = module(torch.from_numpy(np.ascontiguousarray(x1)))
        arrays["output"] = output.numpy()
        arrays["output_nohx"] = output0.numpy()
        arrays["output_unbatched"] = output1.numpy()
        if cls == "LSTM":
            arrays["h_n"], arrays["c_n"] = state[0].numpy(), state[1].numpy()
            arrays["h_n_nohx"], arrays["c_n_nohx"] = state0[0].numpy(), state0[1].numpy()
            arrays["h_n_unbatched"], arrays["c_n_unbatched"] = state1[0].numpy(), state1[1].numpy()
        else:
            arrays["h_n"] = state.numpy()
            arrays["h_n_nohx"] = state0.numpy()
            arrays["h_n_unbatched"] = state1.numpy()
        for key, value in module.state_dict().items():
            arrays["sd/" + key] = value.numpy()
        spec = {"class": cls, "mode": module.mode, "kwargs": kwargs, "use_hx": use_hx}
        arrays["spec"] = np.array(json.dumps(spec, sort_keys=True))
        save_npz(os.path.join(out, f"torch-{name}.npz"), arrays)
        print(f"[torch] {name}: {module}", flush=True)
    _write_versions(out, {"torch": torch.__version__, "numpy_torch": np.__version__})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keras-venv", default=KERAS_VENV)
    ap.add_argument("--torch-venv", default=TORCH_VENV)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--skip-keras", action="store_true")
    ap.add_argument("--skip-torch", action="store_true")
    ap.add_argument("--generate-keras", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--generate-torch", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.generate_keras:
        generate_keras(os.path.abspath(args.out))
    elif args.generate_torch:
        generate_torch(os.path.abspath(args.out))
    else:
        parent(args)


if __name__ == "__main__":
    main()
