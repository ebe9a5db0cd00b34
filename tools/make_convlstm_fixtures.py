#!/usr/bin/env python
"""Generate the ConvLSTM fixtures (tests/data/keras_convlstm).

Usage::

    python tools/make_convlstm_fixtures.py [--venv DIR] [--out DIR]

Same conventions as tools/make_activation_fixtures.py: any Python runs it; it
makes sure ``DIR`` (default ``/tmp/fastrnn-keras-venv``) can ``import
tensorflow, keras`` (installing ``tensorflow-cpu==2.21.0 keras==3.15.1`` if
not) and re-executes itself there with ``CUDA_VISIBLE_DEVICES=""``,
``TF_CPP_MIN_LOG_LEVEL=2`` and ``KERAS_BACKEND=tensorflow``.

Each case builds one ``keras.layers.ConvLSTM{1,2,3}D`` from its arguments,
gives it weights drawn from a generator seeded by the case's index (uniform
in [-0.5, 0.5], so that the gates are neither saturated nor linear), and
calls it on an input from the same generator (with a mask and initial
states where the case has them; a stateful case is called twice, on two
inputs). Cases cover both paddings (and even kernels, whose "same" padding
is uneven), strides 1 and 2, dilation 2, both data formats,
return_sequences / return_state, go_backwards, masks (with and without
zero_output_for_mask), initial_state, stateful, other activations,
use_bias=False, ranks 1, 2 and 3, and float64.

Format (tests/test_conv_lstm.py reads it): one archive per case,
``<case>.npz``, holding ``spec``, a JSON string ``{"class_name", "config",
"n_weights", "n_outputs", "calls", "mask", "initial_state", "versions"}``
(config as ``layer.get_config()`` returns it); ``weight_<i>`` in
``get_weights()`` order; for each call ``k`` (0, and 1 for a stateful
case) ``x_<k>`` and the Keras outputs ``output_<k>_<i>`` (the output, then
the states with return_state); ``mask`` (bool) and ``initial_<i>`` where
used (first call only). Archives are re-packed with fixed zip timestamps,
so regenerating gives the same bytes.
"""
import json
import os
import sys

from fixture_venv import KERAS_PACKAGES, REPO_ROOT, ensure_venv, keras_fixture_main, \
    rerun_in, save_npz

DEFAULT_OUT = os.path.join(REPO_ROOT, "tests", "data", "keras_convlstm")
TAG = "make_convlstm_fixtures"

# name: (rank, spatial size, channels, layer arguments, call options)
# call options: "batch", "steps", "mask" (True), "initial_state" (True),
# "calls" (2 for stateful).
CASES = {
    "2d_valid": (2, (5, 6), 2, dict(filters=3, kernel_size=3), {}),
    "2d_same_sequences": (2, (5, 6), 2, dict(filters=3, kernel_size=3, padding="same",
                                             return_sequences=True), {}),
    "2d_even_kernel_same": (2, (5, 6), 2, dict(filters=2, kernel_size=(2, 4), padding="same",
                                               return_sequences=True), {}),
    "2d_strides2_same": (2, (7, 6), 2, dict(filters=3, kernel_size=3, strides=2,
                                            padding="same", return_sequences=True), {}),
    "2d_strides21_valid": (2, (7, 6), 2, dict(filters=3, kernel_size=(3, 2), strides=(2, 1),
                                              return_state=True), {}),
    "2d_dilation2_same": (2, (7, 8), 2, dict(filters=3, kernel_size=3, dilation_rate=2,
                                             padding="same", return_sequences=True), {}),
    "2d_dilation2_valid": (2, (7, 8), 1, dict(filters=2, kernel_size=(2, 3),
                                              dilation_rate=(2, 1)), {}),
    "2d_channels_first_same": (2, (5, 6), 2, dict(filters=3, kernel_size=3, padding="same",
                                                  data_format="channels_first",
                                                  return_sequences=True, return_state=True),
                               {}),
    "2d_channels_first_strides2_valid": (2, (7, 6), 3, dict(filters=2, kernel_size=3,
                                                            strides=2,
                                                            data_format="channels_first"),
                                         {}),
    "2d_return_state": (2, (4, 5), 2, dict(filters=3, kernel_size=3, padding="same",
                                           return_state=True), {}),
    "2d_go_backwards": (2, (4, 5), 2, dict(filters=3, kernel_size=3, padding="same",
                                           go_backwards=True, return_sequences=True,
                                           return_state=True), {}),
    "2d_mask": (2, (4, 5), 2, dict(filters=3, kernel_size=3, padding="same",
                                   return_sequences=True, return_state=True),
                {"batch": 3, "steps": 5, "mask": True}),
    "2d_mask_go_backwards": (2, (4, 5), 2, dict(filters=2, kernel_size=3, padding="same",
                                                go_backwards=True, return_sequences=True),
                             {"batch": 3, "steps": 5, "mask": True}),
    "2d_mask_zero_output": (2, (4, 5), 2, dict(filters=2, kernel_size=3, padding="same",
                                               return_sequences=True,
                                               zero_output_for_mask=True),
                            {"batch": 3, "steps": 5, "mask": True}),
    "2d_initial_state": (2, (4, 5), 2, dict(filters=3, kernel_size=3, padding="same",
                                            return_state=True), {"initial_state": True}),
    "2d_initial_state_strides2": (2, (6, 5), 2, dict(filters=2, kernel_size=3, strides=2,
                                                     return_sequences=True,
                                                     data_format="channels_first"),
                                  {"initial_state": True}),
    "2d_stateful": (2, (4, 5), 2, dict(filters=3, kernel_size=3, padding="same",
                                       stateful=True, return_sequences=True,
                                       return_state=True), {"calls": 2}),
    "2d_activations_no_bias": (2, (4, 5), 2, dict(filters=3, kernel_size=3, padding="same",
                                                  activation="relu",
                                                  recurrent_activation="hard_sigmoid",
                                                  use_bias=False, unit_forget_bias=False,
                                                  return_sequences=True), {}),
    "2d_float64": (2, (5, 6), 2, dict(filters=3, kernel_size=3, padding="same",
                                      return_sequences=True, return_state=True,
                                      dtype="float64"), {"mask": True, "batch": 3}),
    "1d_same": (1, (9,), 3, dict(filters=4, kernel_size=3, padding="same",
                                 return_sequences=True, return_state=True), {}),
    "1d_valid_strides2": (1, (9,), 2, dict(filters=3, kernel_size=4, strides=2), {}),
    "1d_channels_first_dilation2": (1, (10,), 2, dict(filters=3, kernel_size=3,
                                                      dilation_rate=2, padding="same",
                                                      data_format="channels_first",
                                                      return_sequences=True), {}),
    "1d_float64_mask": (1, (8,), 2, dict(filters=3, kernel_size=3, padding="same",
                                         return_sequences=True, dtype="float64"),
                        {"mask": True, "batch": 3}),
    "3d_same": (3, (3, 4, 5), 2, dict(filters=2, kernel_size=3, padding="same",
                                      return_sequences=True, return_state=True),
                {"steps": 3}),
    "3d_valid_strides2": (3, (5, 4, 5), 1, dict(filters=2, kernel_size=(3, 2, 3), strides=2),
                          {"steps": 3}),
    "3d_channels_first_even_same": (3, (3, 4, 4), 2, dict(filters=2, kernel_size=2,
                                                          padding="same",
                                                          data_format="channels_first",
                                                          return_state=True),
                                    {"steps": 3, "initial_state": True}),
    "3d_float64_dilation2": (3, (5, 5, 5), 1, dict(filters=2, kernel_size=2, dilation_rate=2,
                                                   return_sequences=True, dtype="float64"),
                             {"steps": 3}),
}


def ensure_venv_and_reexec(args):
    py = ensure_venv(args.venv, "import tensorflow, keras", KERAS_PACKAGES, TAG)
    rerun_in(py, __file__, "--generate", "--out", os.path.abspath(args.out), tag=TAG)
    sys.exit(0)


# ---------------------------------------------------------------------------
# Child: everything below runs inside the Keras venv.

def generate(args):
    import keras
    import numpy as np
    import tensorflow as tf

    versions = {"keras": keras.__version__, "tensorflow": tf.__version__,
                "numpy": np.__version__}
    os.makedirs(args.out, exist_ok=True)
    for index, (name, (rank, spatial, channels, kwargs, opts)) in enumerate(CASES.items()):
        rng = np.random.default_rng(1000 + index)
        dtype = kwargs.get("dtype", "float32")
        batch, steps, calls = opts.get("batch", 2), opts.get("steps", 4), opts.get("calls", 1)
        cls = getattr(keras.layers, f"ConvLSTM{rank}D")
        layer = cls(**kwargs)
        first = kwargs.get("data_format", "channels_last") == "channels_first"
        frame = ((channels,) + spatial) if first else (spatial + (channels,))
        shape = (batch, steps) + frame
        layer.build(shape)
        weights = [rng.uniform(-0.5, 0.5, w.shape).astype(dtype) for w in layer.get_weights()]
        layer.set_weights(weights)
        payload = {f"weight_{i}": w for i, w in enumerate(weights)}
        mask = initial = None
        if opts.get("mask"):
            mask = rng.random((batch, steps)) < 0.7
            mask[0] = True                   # one row all valid
            mask[1, 0] = False               # one that starts masked
            mask[-1, -1] = False             # one that ends masked
            payload["mask"] = mask
        if opts.get("initial_state"):
            state_shape = tuple(layer.cell.compute_output_shape((batch,) + frame)[0])
            initial = [rng.uniform(-1, 1, state_shape).astype(dtype) for _ in range(2)]
            for i, s in enumerate(initial):
                payload[f"initial_{i}"] = s
        n_outputs = None
        for k in range(calls):
            x = rng.uniform(-1, 1, shape).astype(dtype)
            call_kwargs = {}
            if k == 0 and mask is not None:
                call_kwargs["mask"] = tf.constant(mask)
            if k == 0 and initial is not None:
                call_kwargs["initial_state"] = [tf.constant(s) for s in initial]
            out = layer(tf.constant(x), **call_kwargs)
            outs = list(out) if isinstance(out, (list, tuple)) else [out]
            n_outputs = len(outs)
            payload[f"x_{k}"] = x
            for i, o in enumerate(outs):
                payload[f"output_{k}_{i}"] = np.asarray(o)
        spec = {"class_name": type(layer).__name__, "config": layer.get_config(),
                "n_weights": len(weights), "n_outputs": n_outputs, "calls": calls,
                "mask": mask is not None, "initial_state": initial is not None,
                "versions": versions}
        payload["spec"] = np.array(json.dumps(spec, sort_keys=True, separators=(",", ":")))
        save_npz(os.path.join(args.out, f"{name}.npz"), payload)
        print(f"[{TAG}] {name}: {type(layer).__name__} x {shape} -> "
              f"{[payload[f'output_0_{i}'].shape for i in range(n_outputs)]}", flush=True)
    with open(os.path.join(args.out, "VERSIONS.json"), "w") as f:
        json.dump(versions, f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"[{TAG}] wrote {len(CASES)} cases to {args.out}")


def main():
    keras_fixture_main(__doc__, DEFAULT_OUT, generate, ensure_venv_and_reexec)


if __name__ == "__main__":
    main()
