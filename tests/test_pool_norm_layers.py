"""The pooling, normalization and activation layers and TimeDistributed against
real Keras 3.15.1 (tests/data/keras_layers, made by tools/make_layer_fixtures.py):
every case is rebuilt with ``Layer.from_config(keras_config)`` and
``set_weights``, called on the recorded input (and mask), and must give Keras's
output and output mask; then the configs, shape rules and errors."""
import json
import pickle
from pathlib import Path

import numpy as np
import pytest

import fastrnn
from fastrnn.io import keras_config

DATA = Path(__file__).parent / "data" / "keras_layers"
CASES = sorted(p.stem for p in DATA.glob("*.npz"))
RTOL, ATOL = 1e-4, 1e-5


def load(case):
    with np.load(DATA / f"{case}.npz") as data:
        arrays = {k: data[k] for k in data.files}
    spec = json.loads(str(arrays.pop("spec")))
    weights = [arrays.pop(f"weight_{i}") for i in range(len(arrays))
               if f"weight_{i}" in arrays]
    return spec, weights, arrays


def make(spec, weights):
    entry = spec["layer"]
    layer = getattr(fastrnn, entry["class_name"]).from_config(dict(entry["config"]))
    if weights:
        layer.set_weights(weights)
    return layer


def plain(value):
    """A config value as JSON has it (tuples as lists), without Keras's
    serialization wrappers (dtype policies, initializer dicts' module keys)."""
    value = json.loads(json.dumps(value, default=list))

    def strip(v):
        if isinstance(v, dict):
            if v.get("class_name") == "DTypePolicy":
                return v["config"]["name"]
            # (fastrnn's initializers do not have Keras 3.15's input_axes /
            # output_axes yet: a Dense inside TimeDistributed shows them None)
            return {k: strip(x) for k, x in v.items()
                    if k not in ("module", "registered_name", "build_config")
                    and not (k in ("input_axes", "output_axes") and x is None)}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v
    return strip(value)


def test_fixtures_exist_and_are_small():
    assert len(CASES) >= 80
    assert sum(p.stat().st_size for p in DATA.glob("*.npz")) < 1_000_000
    versions = json.loads((DATA / "VERSIONS.json").read_text())
    assert versions["keras"] == "3.15.1"


@pytest.mark.parametrize("case", CASES)
def test_matches_keras(case):
    spec, weights, arrays = load(case)
    layer = make(spec, weights)
    x, mask = arrays["x"], arrays.get("mask")
    out = layer(x) if mask is None else layer(x, mask=mask)
    expected = arrays["output"]
    assert out.shape == expected.shape and out.dtype == expected.dtype
    np.testing.assert_allclose(out, expected, rtol=RTOL, atol=ATOL, equal_nan=True)
    out_mask = layer.compute_mask(x, mask) if mask is not None else None
    if "output_mask" in arrays:
        np.testing.assert_array_equal(out_mask, arrays["output_mask"])
    else:
        assert out_mask is None
    # the weights go back out as they came in
    for got, want in zip(layer.get_weights(), weights):
        np.testing.assert_array_equal(got, want)
    # compute_output_shape says what call gives
    assert layer.compute_output_shape((None,) + x.shape[1:]) == (None,) + expected.shape[1:]


@pytest.mark.parametrize("case", CASES)
def test_config_is_keras(case):
    spec, weights, arrays = load(case)
    layer = make(spec, weights)
    x, mask = arrays["x"], arrays.get("mask")
    layer(x) if mask is None else layer(x, mask=mask)
    keras = plain(spec["layer"]["config"])
    ours = plain(layer.get_config())
    if "layer" in keras:
        # TimeDistributed: its own keys here; the inner layer's config is that
        # layer's business (fastrnn's Dense leaves out Keras's training-only
        # regularizer, constraint and quantization_config keys).
        inner_k, inner_o = keras.pop("layer"), ours.pop("layer")
        assert inner_o["class_name"] == inner_k["class_name"]
        shared = set(inner_k["config"]) & set(inner_o["config"])
        assert {k: inner_o["config"][k] for k in shared} == \
            {k: inner_k["config"][k] for k in shared}
    assert ours == keras
    clone = type(layer).from_config(layer.get_config())
    clone.set_weights(layer.get_weights())
    assert clone == layer
    np.testing.assert_array_equal(clone(x) if mask is None else clone(x, mask=mask),
                                  layer(x) if mask is None else layer(x, mask=mask))
    assert pickle.loads(pickle.dumps(layer)) == layer


@pytest.mark.parametrize("case", ["td_dense_mask", "layernorm_axes12", "prelu_shared1",
                                  "global_average1d_mask", "softmax_mask"])
def test_keras_loader_builds_the_layer(case):
    spec, weights, arrays = load(case)
    entry = {**spec["layer"], "module": "keras.layers"}
    layer = keras_config.layer_from_config(entry)
    if weights:
        layer.set_weights(weights)
    mask = arrays.get("mask")
    out = layer(arrays["x"]) if mask is None else layer(arrays["x"], mask=mask)
    np.testing.assert_allclose(out, arrays["output"], rtol=RTOL, atol=ATOL, equal_nan=True)


def test_every_new_class_is_loadable():
    names = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D",
             "AveragePooling2D", "AveragePooling3D", "GlobalAveragePooling1D",
             "GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalMaxPooling1D",
             "GlobalMaxPooling2D", "GlobalMaxPooling3D", "LayerNormalization",
             "GroupNormalization", "UnitNormalization", "ReLU", "LeakyReLU", "PReLU", "ELU",
             "Softmax"]
    supported = keras_config.supported_layers()
    assert [n for n in names if n not in supported] == []
    assert all(n in fastrnn.__all__ for n in names)


# ---------------------------------------------------------------- masks in models
def test_global_average_pooling1d_gets_the_mask_in_a_model():
    x = np.array([[[1.0], [3.0], [0.0]], [[2.0], [0.0], [0.0]]], np.float32)
    model = fastrnn.Sequential([fastrnn.InputLayer(shape=(3, 1)), fastrnn.Masking(0.0),
                                fastrnn.GlobalAveragePooling1D()])
    np.testing.assert_allclose(model(x), [[2.0], [2.0]])
    # GlobalMaxPooling1D ignores the mask (Keras 3.15): the masked 0 wins
    gmp = fastrnn.Sequential([fastrnn.InputLayer(shape=(3, 1)), fastrnn.Masking(0.0),
                              fastrnn.GlobalMaxPooling1D()])
    np.testing.assert_allclose(gmp(-x), [[0.0], [0.0]])


def test_time_distributed_masks_in_a_model():
    x = np.zeros((2, 3, 4, 1), np.float32)
    x[:, :, :2] = 1.0
    x[0, 0, 0] = 5.0
    inp = fastrnn.Input((3, 4, 1))
    masked = fastrnn.Masking(0.0)(inp)                      # mask (batch, 3, 4)
    out = fastrnn.TimeDistributed(fastrnn.GlobalAveragePooling1D())(masked)
    model = fastrnn.Model(inp, out)
    got = model(x)
    assert got.shape == (2, 3, 1)
    np.testing.assert_allclose(got[0, 0], [3.0])            # mean of 5 and 1, zeros masked
    np.testing.assert_allclose(got[1], [[1.0], [1.0], [1.0]])


def test_softmax_mask_rules():
    layer = fastrnn.Softmax()
    x = np.zeros((2, 3), np.float32)
    np.testing.assert_allclose(layer(x, mask=np.array([[1.0, 0.2, 0.9], [0, 0, 0]])),
                               [[0.5, 0, 0.5], [0, 0, 0]])
    with pytest.raises(ValueError, match="broadcastable"):
        layer(x, mask=np.ones((2, 2), bool))
    with pytest.raises(ValueError, match="more dimensions"):
        layer(x, mask=np.ones((1, 2, 3), bool))
    mask = np.array([[True, False, True]] * 2)
    np.testing.assert_array_equal(layer.compute_mask(x, mask), mask)


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("make_layer,x,match", [
    (lambda: fastrnn.MaxPooling2D(), np.ones((2, 4, 4)), "expected ndim=4"),
    (lambda: fastrnn.AveragePooling1D(3), np.ones((1, 2, 1)), "zero or negative"),
    (lambda: fastrnn.GlobalAveragePooling3D(), np.ones((1, 2, 2, 2)), "expected ndim=5"),
    (lambda: fastrnn.TimeDistributed(fastrnn.Dense(2)), np.ones((2, 3)), "rank >= 3"),
    (lambda: fastrnn.GroupNormalization(groups=3), np.ones((2, 4)), "multiple"),
    (lambda: fastrnn.GroupNormalization(groups=8), np.ones((2, 4)), "cannot be more"),
    (lambda: fastrnn.LayerNormalization(axis=3), np.ones((2, 4)), "out of bounds"),
    (lambda: fastrnn.UnitNormalization(axis=[1, 2]), np.ones((2, 4)), "out of bounds"),
    (lambda: fastrnn.Softmax(axis=2), np.ones((2, 4)), "out of bounds"),
])
def test_shape_errors_are_clear(make_layer, x, match):
    with pytest.raises(ValueError, match=match):
        make_layer()(x)


def test_shape_errors_after_build():
    layer = fastrnn.LayerNormalization()
    layer(np.ones((2, 4)))
    with pytest.raises(ValueError, match="weights"):
        layer(np.ones((2, 5)))
    prelu = fastrnn.PReLU()
    prelu(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="incompatible"):
        prelu(np.ones((2, 3, 5)))
    gn = fastrnn.GroupNormalization(groups=2)
    gn(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="incompatible"):
        gn(np.ones((2, 4)))
    gap = fastrnn.GlobalAveragePooling1D()
    with pytest.raises(ValueError, match="mask"):
        gap(np.ones((2, 3, 4)), mask=np.ones((2, 4), bool))
    td = fastrnn.TimeDistributed(fastrnn.Softmax())
    with pytest.raises(ValueError, match="incompatible with the input shape"):
        td(np.ones((2, 3, 4)), mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match="at least 2D"):
        td(np.ones((2, 3, 4)), mask=np.ones(2, bool))


@pytest.mark.parametrize("build,match", [
    (lambda: fastrnn.MaxPooling2D(pool_size=(2, 2, 2)), "tuple of 2 integers"),
    (lambda: fastrnn.MaxPooling1D(pool_size=0), "> 0"),
    (lambda: fastrnn.AveragePooling2D(2, padding="full"), "valid' or 'same"),
    (lambda: fastrnn.MaxPooling1D(data_format="nhwc"), "data_format"),
    (lambda: fastrnn.GroupNormalization(groups=0), "groups"),
    (lambda: fastrnn.ReLU(max_value=-1.0), "max_value"),
    (lambda: fastrnn.ReLU(negative_slope=-0.1), "negative_slope"),
    (lambda: fastrnn.ReLU(threshold=None), "threshold"),
    (lambda: fastrnn.LeakyReLU(negative_slope=-1), "negative_slope"),
    (lambda: fastrnn.TimeDistributed(lambda x: x), "Layer instance"),
    (lambda: fastrnn.MaxPooling1D(bogus=1), "Unrecognized"),
])
def test_argument_errors(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_axis_type_errors():
    with pytest.raises(TypeError, match="axis"):
        fastrnn.LayerNormalization(axis="last")
    with pytest.raises(TypeError, match="axis"):
        fastrnn.UnitNormalization(axis=1.5)


# ---------------------------------------------------------------- configs
def test_keras_config_rules():
    assert fastrnn.MaxPooling1D().get_config()["pool_size"] == (2,)
    assert fastrnn.MaxPooling2D(3).get_config()["strides"] == (3, 3)
    assert fastrnn.AveragePooling1D(2, padding="SAME").get_config()["padding"] == "SAME"
    ln = fastrnn.LayerNormalization()
    assert ln.get_config()["axis"] == -1
    ln.build((None, 4))
    assert ln.get_config()["axis"] == [-1]
    gn = fastrnn.GroupNormalization(groups=-1)
    gn.build((None, 6))
    assert gn.get_config()["groups"] == 6
    assert fastrnn.ELU(alpha=0.5).get_config()["alpha"] == 0.5
    assert fastrnn.LeakyReLU(alpha=0.1).negative_slope == 0.1
    assert fastrnn.PReLU(shared_axes=1).get_config()["shared_axes"] == [1]
    assert fastrnn.LayerNormalization(rms_scaling=True).get_config()["rms_scaling"] is True


def test_weights_before_build_and_counts():
    ln = fastrnn.LayerNormalization(axis=[1, 2], rms_scaling=True)
    ln.set_weights([np.ones((3, 4))])
    assert ln.count_params() == 12
    with pytest.raises(ValueError, match="expected 1 weights"):
        ln.set_weights([np.ones((3, 4)), np.ones((3, 4))])
    td = fastrnn.TimeDistributed(fastrnn.PReLU())
    td.build((None, 5, 3))
    assert [w.shape for w in td.get_weights()] == [(3,)]
    assert td._weight_groups() == [("layer/vars", 1)]
    assert fastrnn.TimeDistributed(fastrnn.LSTM(2)).compute_output_shape((None, 4, 6, 3)) == \
        (None, 4, 2)


def test_pooling_is_vectorised_on_big_inputs():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 64, 64, 8)).astype(np.float32)
    y = fastrnn.MaxPooling2D(3, strides=2, padding="same")(x)
    assert y.shape == (4, 32, 32, 8)
    # SAME: 1 padded position, after; window 1 starts at 2
    np.testing.assert_array_equal(y[:, 1, 1], x[:, 2:5, 2:5].max(axis=(1, 2)))
    np.testing.assert_array_equal(y[:, -1, -1], x[:, 62:, 62:].max(axis=(1, 2)))
    a = fastrnn.AveragePooling2D(3, strides=1, padding="same")(x)
    np.testing.assert_allclose(a[:, 0, 0], x[:, :2, :2].mean(axis=(1, 2)), rtol=1e-5)
