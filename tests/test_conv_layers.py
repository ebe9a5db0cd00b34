"""The convolution layers (fastrnn.convolutional) against Keras 3.15.1 on
TensorFlow 2.21 (tests/data/keras_conv, written by tools/make_conv_fixtures.py):
every fixture rebuilt from Keras's config with Keras's weights, the tiny
Keras model files, shape and argument errors, config round trips, masks and
TimeDistributed over frames."""
import json
from pathlib import Path

import numpy as np
import pytest

import fastrnn
from fastrnn.io import keras_config

DATA = Path(__file__).resolve().parent / "data" / "keras_conv"
CASES = sorted(p.stem for p in DATA.glob("*.npz") if not p.stem.startswith("model-"))
MODELS = sorted(p.stem[len("model-"):] for p in DATA.glob("model-*.keras"))
TOL = {"rtol": 1e-4, "atol": 1e-5}
CLASSES = [fastrnn.Conv1D, fastrnn.Conv2D, fastrnn.Conv3D, fastrnn.SeparableConv1D,
           fastrnn.SeparableConv2D, fastrnn.DepthwiseConv1D, fastrnn.DepthwiseConv2D,
           fastrnn.Conv1DTranspose, fastrnn.Conv2DTranspose]
RNG = np.random.default_rng(11)


def load(case):
    with np.load(DATA / f"{case}.npz") as data:
        arrays = {k: data[k] for k in data.files}
    spec = json.loads(str(arrays.pop("spec")))
    weights = [arrays[f"weight_{i}"] for i in range(spec["n_weights"])]
    return spec, weights, arrays


def test_fixtures_exist_and_stay_small():
    assert len(CASES) > 150 and MODELS == ["causal", "frames", "ocr"]
    assert sum(p.stat().st_size for p in DATA.iterdir()) < 1_000_000


@pytest.mark.parametrize("case", CASES)
def test_layer_matches_keras(case):
    spec, weights, arrays = load(case)
    cls = getattr(fastrnn, spec["class_name"])
    layer = cls.from_config(dict(spec["config"]))
    layer.set_weights(weights)
    if spec["error"]:
        with pytest.raises(ValueError, match="does not convolve back"):
            layer(arrays["x"])
        return
    y = layer(arrays["x"])
    assert y.dtype == np.float32 and y.shape == arrays["expected"].shape
    assert layer.compute_output_shape(arrays["x"].shape) == y.shape
    assert layer.compute_output_shape((None,) + arrays["x"].shape[1:]) == (None,) + y.shape[1:]
    np.testing.assert_allclose(y, arrays["expected"], **TOL)


@pytest.mark.parametrize("case", CASES[::7])
def test_keras_config_loader_and_round_trip(case):
    spec, weights, arrays = load(case)
    entry = {"class_name": spec["class_name"], "config": spec["config"],
             "module": "keras.layers", "registered_name": None}
    layer = keras_config.layer_from_config(entry)
    layer.set_weights(weights)
    config = layer.get_config()
    # Keras's keys exactly (fastrnn writes the dtype as its name).
    assert set(config) == set(spec["config"])
    for key, value in spec["config"].items():
        if key not in ("dtype", "kernel_initializer", "depthwise_initializer",
                       "pointwise_initializer", "bias_initializer"):
            got = list(config[key]) if isinstance(config[key], tuple) else config[key]
            assert got == value, key
    clone = type(layer).from_config(config)
    clone.set_weights(layer.get_weights())
    assert clone == layer
    if not spec["error"]:
        np.testing.assert_array_equal(clone(arrays["x"]), layer(arrays["x"]))


@pytest.mark.parametrize("name", MODELS)
def test_keras_model_file(name):
    model = fastrnn.load_model(DATA / f"model-{name}.keras")
    with np.load(DATA / f"model-{name}.npz") as data:
        x, expected = data["x"], data["expected"]
    np.testing.assert_allclose(model(x), expected, **TOL)


def test_time_distributed_conv2d_over_frames():
    conv = fastrnn.Conv2D(3, 3, strides=2, padding="same", activation="relu")
    layer = fastrnn.TimeDistributed(conv)
    frames = RNG.normal(size=(2, 4, 9, 8, 2)).astype(np.float32)
    y = layer(frames)
    assert y.shape == (2, 4, 5, 4, 3) == layer.compute_output_shape((2, 4, 9, 8, 2))
    for t in range(4):
        np.testing.assert_allclose(y[:, t], conv(frames[:, t]), rtol=1e-6, atol=1e-6)
    assert [w.shape for w in layer.get_weights()] == [(3, 3, 2, 3), (3,)]
    assert layer._weight_groups() == [("layer/vars", 2)]


def test_masks_are_dropped_as_in_keras():
    mask = np.array([[True, True, False, False]])
    for layer in (fastrnn.Conv1D(2, 2), fastrnn.DepthwiseConv1D(2),
                  fastrnn.SeparableConv1D(2, 2), fastrnn.Conv1DTranspose(2, 2)):
        assert layer.supports_masking is False
        assert layer.compute_mask(np.ones((1, 4, 3)), mask) is None
        assert layer(np.ones((1, 4, 3)), mask=mask).shape[0] == 1
    conv, lstm = fastrnn.Conv1D(2, 2, padding="same"), fastrnn.LSTM(2)
    inp = fastrnn.Input((4, 3))
    masked = fastrnn.Model(inp, lstm(conv(fastrnn.Masking()(inp))))
    plain = fastrnn.Model(inp, lstm(conv(inp)))
    x = RNG.normal(size=(1, 4, 3)).astype(np.float32)
    x[:, 2:] = 0.0
    # The LSTM sees no mask after the convolution: the zero steps are processed.
    np.testing.assert_array_equal(masked(x), plain(x))


@pytest.mark.parametrize("cls", CLASSES)
def test_wrong_rank_and_channels_raise(cls):
    args = (2, 3) if "filters" in cls.__init__.__code__.co_varnames[:3] else (3,)
    layer = cls(*args)
    rank = layer.rank
    with pytest.raises(ValueError, match=f"expected input of rank {rank + 2}"):
        layer(np.ones((2,) + (6,) * rank))
    layer(np.ones((2,) + (6,) * rank + (4,)))
    with pytest.raises(ValueError, match="expected 4 input channels"):
        layer(np.ones((2,) + (6,) * rank + (5,)))
    with pytest.raises(ValueError, match=f"expected input of rank {rank + 2}"):
        layer.compute_output_shape((None, 6))


def test_too_small_inputs_raise():
    with pytest.raises(ValueError, match="zero or negative"):
        fastrnn.Conv2D(2, 5)(np.ones((1, 4, 8, 1)))
    with pytest.raises(ValueError, match="zero or negative"):
        fastrnn.Conv1D(2, 3, dilation_rate=3).compute_output_shape((None, 6, 1))
    # "same" and "causal" never shrink below one position.
    assert fastrnn.Conv1D(2, 9, padding="causal")(np.ones((1, 2, 1))).shape == (1, 2, 2)


@pytest.mark.parametrize("kwargs,match", [
    ({"filters": 0, "kernel_size": 3}, "filters"),
    ({"filters": 4, "kernel_size": 0}, "kernel_size"),
    ({"filters": 4, "kernel_size": (3, 3, 3)}, "kernel_size"),
    ({"filters": 4, "kernel_size": 3, "strides": 0}, "strides"),
    ({"filters": 4, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, "strides > 1"),
    ({"filters": 4, "kernel_size": 3, "groups": 3}, "divisible"),
    ({"filters": 4, "kernel_size": 3, "groups": 0}, "groups"),
    ({"filters": 4, "kernel_size": 3, "padding": "causal"}, "padding"),
    ({"filters": 4, "kernel_size": 3, "padding": "full"}, "padding"),
    ({"filters": 4, "kernel_size": 3, "data_format": "NHWC"}, "data_format"),
    ({"filters": 4, "kernel_size": 3, "activation": "nope"}, "activation"),
    ({"filters": 4, "kernel_size": 3, "kernel_regularizer": 3}, "regularizer"),
    ({"filters": 4, "kernel_size": 3, "lora_rank": 2}, "lora_rank"),
])
def test_bad_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        fastrnn.Conv2D(**kwargs)


def test_transpose_and_depthwise_argument_rules():
    with pytest.raises(ValueError, match="strictly less than `strides`"):
        fastrnn.Conv2DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="strides > 1"):
        fastrnn.Conv1DTranspose(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="depth_multiplier"):
        fastrnn.DepthwiseConv2D(3, depth_multiplier=0)
    # Depthwise and separable layers take strides and dilation together, as Keras.
    assert fastrnn.SeparableConv2D(2, 3, strides=2, dilation_rate=2).strides == (2, 2)
    with pytest.raises(ValueError, match="input channels must be evenly divisible"):
        fastrnn.Conv2D(4, 3, groups=2)(np.ones((1, 5, 5, 3)))


def test_weights_shapes_and_errors():
    layer = fastrnn.Conv2D(4, (3, 2), groups=2)
    with pytest.raises(ValueError, match="weight 'bias' expected shape"):
        layer.set_weights([np.ones((3, 2, 3, 4)), np.ones(3)])
    with pytest.raises(ValueError, match="must be 4-D"):
        layer.set_weights([np.ones((3, 4)), np.ones(4)])
    layer.set_weights([np.ones((3, 2, 3, 4)), np.zeros(4)])
    assert layer.compute_output_shape((None, 5, 5, 6)) == (None, 3, 4, 4)
    assert layer(np.ones((1, 5, 5, 6))).shape == (1, 3, 4, 4)
    with pytest.raises(ValueError, match="expected 6 input channels"):
        layer(np.ones((1, 5, 5, 4)))
    sep = fastrnn.SeparableConv1D(3, 2, depth_multiplier=2, use_bias=False)
    sep.build((None, 5, 4))
    assert [w.shape for w in sep.get_weights()] == [(2, 4, 2), (1, 8, 3)]
    assert fastrnn.Conv1DTranspose(3, 2).count_params() == 0


def test_config_defaults_match_keras():
    config = fastrnn.Conv2D(2, 3, kernel_regularizer="l2",
                            bias_constraint="non_neg").get_config()
    assert config["kernel_size"] == (3, 3) and config["strides"] == (1, 1)
    assert config["data_format"] == "channels_last" and config["activation"] == "linear"
    assert config["kernel_regularizer"] == {"module": "keras.regularizers", "class_name": "L2",
                                            "config": {"l2": 0.01}, "registered_name": None}
    assert config["bias_constraint"]["class_name"] == "NonNeg"
    assert config["groups"] == 1 and config["activity_regularizer"] is None
    assert "groups" not in fastrnn.Conv2DTranspose(2, 3).get_config()
    assert fastrnn.Conv2DTranspose(2, 3).get_config()["output_padding"] is None
    assert fastrnn.Conv1D(2, 3, padding="CAUSAL").padding == "causal"
    assert fastrnn.Conv2D(2, 3).name.startswith("conv2d")
    assert fastrnn.Conv1DTranspose(2, 3).name.startswith("conv1d_transpose")
    assert fastrnn.DepthwiseConv2D(3).name.startswith("depthwise_conv2d")


@pytest.mark.parametrize("cls", CLASSES)
def test_pickle_float64_and_symbolic(cls):
    import pickle

    args = (2, 3) if "filters" in cls.__init__.__code__.co_varnames[:3] else (3,)
    layer = cls(*args, padding="same", dtype="float64")
    x = RNG.normal(size=(2,) + (5,) * layer.rank + (2,))
    y = layer(x)
    assert y.dtype == np.float64
    clone = pickle.loads(pickle.dumps(layer))
    assert clone == layer
    np.testing.assert_array_equal(clone(x), y)
    inp = fastrnn.Input((None,) * layer.rank + (2,), dtype="float64")
    model = fastrnn.Model(inp, layer(inp))
    np.testing.assert_allclose(model(x), y, rtol=1e-12)
