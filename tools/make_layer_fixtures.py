#!/usr/bin/env python
"""Generate the pooling, normalization, activation-layer and TimeDistributed
fixtures (tests/data/keras_layers).

Usage::

    python tools/make_layer_fixtures.py [--venv DIR] [--out DIR] [--only SUBSTRING]

Same conventions as tools/make_activation_fixtures.py: any Python runs it; it
makes sure ``DIR`` (default ``/tmp/fastrnn-keras-venv``) can ``import
tensorflow, keras`` (installing ``tensorflow-cpu==2.21.0 keras==3.15.1`` if
not) and re-executes itself there with ``CUDA_VISIBLE_DEVICES=""``,
``TF_CPP_MIN_LOG_LEVEL=2`` and ``KERAS_BACKEND=tensorflow``. Every case seeds
its own numpy generator (from the CRC32 of its name) and the archives are
re-packed with fixed zip timestamps, so regenerating gives the same bytes.

One archive per case, ``<case>.npz``, holding:

- ``spec``: a JSON string ``{"layer": {"class_name", "config"}, "kwargs",
  "versions"}``: the Keras layer's class and ``get_config()`` after the call
  (the config fastrnn must rebuild the layer from), and the constructor
  keywords the case used;
- ``weight_<i>``: the layer's weights (``get_weights()`` order), random;
- ``x``: the input; ``mask``: the mask given to the call, when there is one;
- ``output``: Keras's output of ``layer(x)`` / ``layer(x, mask=mask)``;
- ``output_mask``: ``layer.compute_mask(x, mask)`` when the layer supports
  masking and that is not None.

The cases cover every argument that changes the arithmetic: each padding,
strides, data format and rank of the pooling layers, keepdims and masks of
the global pools, the axes, center/scale/rms_scaling/groups of the
normalizations, every branch of ReLU's formula, PReLU's shared axes,
Softmax's axes and masks (boolean, float, broadcast, fully masked), and
TimeDistributed around layers with and without masks (Keras 3.15 passes
``mask[:, t]`` to the inner layer at every timestep).
"""

import json
import os
import sys

from fixture_venv import keras_fixture_main, KERAS_PACKAGES, REPO_ROOT, ensure_venv, rerun_in, \
    save_npz

DEFAULT_OUT = os.path.join(REPO_ROOT, "tests", "data", "keras_layers")
TAG = "make_layer_fixtures"


def ensure_venv_and_reexec(args):
    py = ensure_venv(args.venv, "import tensorflow, keras", KERAS_PACKAGES, TAG)
    extra = ["--only", args.only] if args.only else []
    rerun_in(py, __file__, "--generate", "--venv", os.path.abspath(args.venv),
             "--out", os.path.abspath(args.out), *extra, tag=TAG)
    sys.exit(0)


# ---------------------------------------------------------------------------
# Child: everything below runs inside the Keras venv.
# ---------------------------------------------------------------------------

def rng_for(name):
    import zlib

    import numpy as np

    return np.random.default_rng(zlib.crc32(name.encode()))


def cases():
    """[(case name, layer class name, constructor kwargs, input shape, mask kind,
    input offset)]: the mask kinds are None, "steps" (batch, steps) random with
    a fully masked sample, "full" (the input's shape), "float", "row"
    (batch, 1, features), "time3" (batch, time, steps), "time2" (batch, time)."""
    c = []

    def add(name, cls, kwargs, shape, mask=None, offset=0.0, inner=None):
        c.append((name, cls, kwargs, shape, mask, offset, inner))

    # --- pooling: every padding, strides and data format, per rank
    for mode in ("max", "average"):
        p = "MaxPooling" if mode == "max" else "AveragePooling"
        off = -2.0 if mode == "max" else 0.0    # all-negative windows test the max padding
        add(f"{mode}1d_valid", f"{p}1D", {"pool_size": 2}, (3, 7, 4), offset=off)
        add(f"{mode}1d_same_s2", f"{p}1D", {"pool_size": 3, "strides": 2, "padding": "same"},
            (3, 8, 4), offset=off)
        add(f"{mode}1d_same_s1_cf", f"{p}1D", {"pool_size": 4, "strides": 1, "padding": "same",
                                               "data_format": "channels_first"}, (2, 3, 7),
            offset=off)
        add(f"{mode}1d_valid_s3_cf", f"{p}1D", {"pool_size": 2, "strides": 3,
                                                "data_format": "channels_first"}, (2, 3, 8))
        add(f"{mode}2d_valid", f"{p}2D", {"pool_size": (2, 2)}, (2, 5, 7, 3), offset=off)
        add(f"{mode}2d_same_s21", f"{p}2D", {"pool_size": (3, 3), "strides": (2, 1),
                                             "padding": "same"}, (2, 6, 5, 3), offset=off)
        add(f"{mode}2d_same_cf", f"{p}2D", {"pool_size": (2, 3), "strides": 2,
                                            "padding": "SAME",
                                            "data_format": "channels_first"}, (2, 3, 5, 6),
            offset=off)
        add(f"{mode}2d_valid_s1", f"{p}2D", {"pool_size": (2, 3), "strides": (1, 2)},
            (2, 4, 7, 2))
        add(f"{mode}3d_valid", f"{p}3D", {"pool_size": 2}, (2, 4, 5, 4, 2), offset=off)
        add(f"{mode}3d_same", f"{p}3D", {"pool_size": (2, 3, 2), "strides": (1, 2, 2),
                                         "padding": "same"}, (2, 3, 5, 4, 2), offset=off)
        add(f"{mode}3d_same_cf", f"{p}3D", {"pool_size": 3, "strides": 2, "padding": "same",
                                            "data_format": "channels_first"}, (1, 2, 5, 4, 6),
            offset=off)
    # --- global pooling: keepdims, data format, masks (1D)
    for kind in ("Average", "Max"):
        for rank, shape in ((1, (3, 6, 4)), (2, (2, 4, 5, 3)), (3, (2, 3, 4, 2, 3))):
            cls = f"Global{kind}Pooling{rank}D"
            add(f"global_{kind.lower()}{rank}d", cls, {}, shape, offset=-1.0)
            add(f"global_{kind.lower()}{rank}d_cf_keep", cls,
                {"data_format": "channels_first", "keepdims": True}, shape, offset=-1.0)
            add(f"global_{kind.lower()}{rank}d_keep", cls, {"keepdims": True}, shape)
        add(f"global_{kind.lower()}1d_mask", f"Global{kind}Pooling1D", {}, (4, 6, 3), "steps")
        add(f"global_{kind.lower()}1d_mask_cf_keep", f"Global{kind}Pooling1D",
            {"data_format": "channels_first", "keepdims": True}, (4, 3, 6), "steps_cf")
    # --- normalization
    add("layernorm", "LayerNormalization", {}, (3, 5, 6))
    add("layernorm_axes12", "LayerNormalization", {"axis": [1, 2], "epsilon": 1e-5},
        (3, 4, 5))
    add("layernorm_axis1", "LayerNormalization", {"axis": 1}, (3, 4, 5))
    add("layernorm_nocenter", "LayerNormalization", {"center": False}, (3, 6))
    add("layernorm_noscale", "LayerNormalization", {"scale": False}, (3, 6))
    add("layernorm_none", "LayerNormalization", {"scale": False, "center": False}, (3, 6))
    add("layernorm_rms", "LayerNormalization", {"rms_scaling": True}, (3, 4, 6), offset=1.0)
    add("layernorm_f64", "LayerNormalization", {"dtype": "float64"}, (3, 6))
    add("layernorm_mask", "LayerNormalization", {}, (3, 5, 6), "steps")
    add("groupnorm", "GroupNormalization", {"groups": 2}, (3, 5, 4))
    add("groupnorm_instance", "GroupNormalization", {"groups": -1}, (3, 5, 4))
    add("groupnorm_one", "GroupNormalization", {"groups": 1, "epsilon": 1e-5}, (3, 5, 4))
    add("groupnorm_axis1_4d", "GroupNormalization", {"groups": 3, "axis": 1}, (2, 6, 3, 4))
    add("groupnorm_plain", "GroupNormalization", {"groups": 2, "center": False,
                                                  "scale": False}, (2, 3, 3, 4))
    add("unitnorm", "UnitNormalization", {}, (3, 5), "zero_row")
    add("unitnorm_axes", "UnitNormalization", {"axis": [1, 2]}, (3, 4, 5))
    # --- activation layers
    add("relu", "ReLU", {}, (3, 8))
    add("relu_max6", "ReLU", {"max_value": 6.0}, (3, 8), offset=0.0)
    add("relu_max", "ReLU", {"max_value": 1.5}, (3, 8))
    add("relu_slope", "ReLU", {"negative_slope": 0.1}, (3, 8))
    add("relu_slope_threshold", "ReLU", {"negative_slope": 0.2, "threshold": 0.5}, (3, 8))
    add("relu_threshold", "ReLU", {"threshold": 0.7}, (3, 8))
    add("relu_all", "ReLU", {"max_value": 2.0, "negative_slope": 0.3, "threshold": 0.4},
        (3, 8))
    add("relu_slope_max", "ReLU", {"max_value": 6, "negative_slope": 0.05}, (3, 8))
    add("leaky_relu", "LeakyReLU", {}, (3, 8))
    add("leaky_relu_001", "LeakyReLU", {"negative_slope": 0.01}, (3, 8))
    add("prelu", "PReLU", {}, (3, 4, 5))
    add("prelu_shared1", "PReLU", {"shared_axes": [1]}, (3, 4, 5))
    add("prelu_shared12", "PReLU", {"shared_axes": [1, 2]}, (2, 3, 4, 5))
    add("elu", "ELU", {}, (3, 8))
    add("elu_alpha", "ELU", {"alpha": 0.5}, (3, 8))
    add("softmax", "Softmax", {}, (3, 6))
    add("softmax_axis1", "Softmax", {"axis": 1}, (3, 4, 5))
    add("softmax_axes", "Softmax", {"axis": [1, 2]}, (3, 4, 5))
    add("softmax_mask", "Softmax", {}, (4, 3, 5), "full")
    add("softmax_mask_float", "Softmax", {}, (3, 5), "float")
    add("softmax_mask_row", "Softmax", {}, (3, 4, 5), "row")
    add("softmax_axes_mask", "Softmax", {"axis": [1, 2]}, (3, 4, 5), "full")
    # --- TimeDistributed
    add("td_dense_mask", "TimeDistributed", {}, (3, 4, 5), "time2",
        inner=("Dense", {"units": 3, "activation": "tanh"}))
    add("td_gap1d_mask", "TimeDistributed", {}, (3, 4, 5, 2), "time3",
        inner=("GlobalAveragePooling1D", {}))
    add("td_gmp1d_mask", "TimeDistributed", {}, (3, 4, 5, 2), "time3",
        inner=("GlobalMaxPooling1D", {}))
    add("td_softmax_mask3", "TimeDistributed", {}, (3, 4, 5), "time3",
        inner=("Softmax", {}))
    add("td_softmax_mask2", "TimeDistributed", {}, (3, 4, 3), "time2",
        inner=("Softmax", {}))
    add("td_layernorm", "TimeDistributed", {}, (2, 3, 4, 5), "time2",
        inner=("LayerNormalization", {"axis": [1, 2]}))
    add("td_maxpool1d", "TimeDistributed", {}, (2, 3, 6, 2), None,
        inner=("MaxPooling1D", {"pool_size": 2, "padding": "same", "strides": 1}))
    add("td_prelu", "TimeDistributed", {}, (2, 3, 4), "time2",
        inner=("PReLU", {}))
    add("td_groupnorm", "TimeDistributed", {}, (2, 3, 5, 4), None,
        inner=("GroupNormalization", {"groups": 2}))
    return c


def make_mask(rng, kind, shape):
    if kind is None:
        return None
    if kind in ("steps", "steps_cf"):
        steps = shape[1] if kind == "steps" else shape[2]
        m = rng.random((shape[0], steps)) > 0.35
        m[0] = True
        m[-1] = False          # a sample with every step masked
        return m
    if kind == "full":
        m = rng.random(shape) > 0.3
        m[0, 0] = False        # a fully masked row
        return m
    if kind == "float":
        m = rng.random(shape).astype("float32")
        m[1] = 0.0
        return m
    if kind == "row":
        return rng.random((shape[0], 1, shape[2])) > 0.4
    if kind == "time3":
        m = rng.random(shape[:3]) > 0.3
        m[0, 0] = False
        return m
    if kind == "time2":
        m = rng.random(shape[:2]) > 0.4
        m[0, 0] = False
        return m
    if kind == "zero_row":
        return None
    raise ValueError(kind)


def generate(args):
    import inspect

    import numpy as np
    import keras
    import tensorflow as tf
    from keras.src.backend import set_keras_mask

    versions = {"keras": keras.__version__, "tensorflow": tf.__version__,
                "numpy": np.__version__}
    os.makedirs(args.out, exist_ok=True)
    written = 0
    for name, cls_name, kwargs, shape, mask_kind, offset, inner in cases():
        if args.only and args.only not in name:
            continue
        rng = rng_for(name)
        dtype = kwargs.get("dtype", "float32")
        if inner is not None:
            inner_layer = getattr(keras.layers, inner[0])(**inner[1])
            layer = keras.layers.TimeDistributed(inner_layer, **kwargs)
        else:
            layer = getattr(keras.layers, cls_name)(**kwargs)
        x = (rng.normal(size=shape) * 2 + offset).astype(dtype)
        if mask_kind == "zero_row":
            x[1] = 0.0
        mask = make_mask(rng, mask_kind, shape)
        if mask_kind in ("time2", "time3") and inner is None:
            raise ValueError(name)
        if not layer.built:
            layer.build(shape)
        weights = [rng.normal(size=w.shape).astype(w.dtype) for w in layer.get_weights()]
        if weights:
            layer.set_weights(weights)
        if mask is None:
            out = layer(x)
        elif "mask" in inspect.signature(layer.call).parameters:
            out = layer(x, mask=mask)
        else:
            # Keras refuses mask= for a call without it: attach the mask to the
            # input, as a previous layer would (Keras then ignores it).
            x_t = tf.convert_to_tensor(x)
            set_keras_mask(x_t, tf.convert_to_tensor(mask))
            out = layer(x_t)
        arrays = {"x": x, "output": np.asarray(out)}
        if mask is not None:
            arrays["mask"] = mask
            out_mask = layer.compute_mask(x, mask) if layer.supports_masking else None
            if out_mask is not None:
                arrays["output_mask"] = np.asarray(out_mask)
        for i, w in enumerate(weights):
            arrays[f"weight_{i}"] = w
        spec = {"layer": {"class_name": type(layer).__name__,
                          "config": layer.get_config()},
                "kwargs": kwargs, "inner": list(inner) if inner else None,
                "versions": versions}
        arrays["spec"] = np.array(json.dumps(spec, sort_keys=True, separators=(",", ":"),
                                             default=list))
        save_npz(os.path.join(args.out, f"{name}.npz"), arrays)
        written += 1
    with open(os.path.join(args.out, "VERSIONS.json"), "w") as f:
        json.dump(versions, f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"[{TAG}] wrote {written} cases to {args.out}")


def main():
    keras_fixture_main(__doc__, DEFAULT_OUT, generate, ensure_venv_and_reexec,
                       hidden=("--only",))


if __name__ == "__main__":
    main()
