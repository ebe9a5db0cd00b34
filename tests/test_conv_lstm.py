"""ConvLSTM1D / ConvLSTM2D / ConvLSTM3D (fastrnn/conv_lstm.py, fastrnn/_conv_lstm.pxi).

- every Keras fixture (tests/data/keras_convlstm, tools/make_convlstm_fixtures.py)
  through from_config + set_weights matches Keras's outputs and states;
- random shapes against a plain-numpy reference loop (float64 convolutions
  tap by tap, Keras's cell and mask rules) on every kernel build this machine
  has, also with patch blocks smaller than a frame;
- errors for bad shapes and arguments, config round trips, pickling, and
  symbolic use in a fastrnn.Model.
"""
import json
import pickle
import textwrap
from pathlib import Path

import numpy as np
import pytest

import fastrnn
from fastrnn import _dispatch, conv_lstm
from support import run_python

DATA = Path(__file__).parent / "data" / "keras_convlstm"
CASES = sorted(p.stem for p in DATA.glob("*.npz"))
BUILDS = _dispatch.available()


def load_case(name):
    with np.load(DATA / f"{name}.npz") as d:
        arrays = {k: d[k] for k in d.files}
    return json.loads(str(arrays.pop("spec"))), arrays


def tolerance(dtype):
    return dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-9, atol=1e-12)


@pytest.fixture(params=BUILDS)
def kernels(request, monkeypatch):
    module = _dispatch.load(request.param)
    monkeypatch.setattr(_dispatch, "kernels", module)
    return module


# ---------------------------------------------------------------- Keras fixtures
def test_fixtures_present():
    assert len(CASES) >= 20
    assert sum(p.stat().st_size for p in DATA.glob("*.npz")) < 1 << 20


@pytest.mark.parametrize("case", CASES)
def test_keras_fixture(case):
    spec, d = load_case(case)
    layer = getattr(fastrnn, spec["class_name"]).from_config(spec["config"])
    layer.set_weights([d[f"weight_{i}"] for i in range(spec["n_weights"])])
    dtype = layer.dtype
    for k in range(spec["calls"]):
        kwargs = {}
        if k == 0 and spec["mask"]:
            kwargs["mask"] = d["mask"]
        if k == 0 and spec["initial_state"]:
            kwargs["initial_state"] = [d["initial_0"], d["initial_1"]]
        out = layer(d[f"x_{k}"], **kwargs)
        outs = out if isinstance(out, list) else [out]
        assert len(outs) == spec["n_outputs"]
        for i, got in enumerate(outs):
            want = d[f"output_{k}_{i}"]
            assert got.shape == want.shape and got.dtype == want.dtype
            np.testing.assert_allclose(got, want, **tolerance(dtype),
                                       err_msg=f"{case}: call {k}, output {i}")


@pytest.mark.parametrize("case", CASES)
def test_keras_config_keys(case):
    spec, _ = load_case(case)
    keras_config = spec["config"]
    config = getattr(fastrnn, spec["class_name"]).from_config(keras_config).get_config()
    assert set(config) == set(keras_config)
    for key in ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
                "activation", "recurrent_activation", "use_bias", "unit_forget_bias",
                "return_sequences", "return_state", "go_backwards", "stateful",
                "zero_output_for_mask", "name", "seed"):
        assert json.loads(json.dumps(config[key])) == keras_config[key], key
    assert config["kernel_initializer"]["class_name"] == \
        keras_config["kernel_initializer"]["class_name"]


# ---------------------------------------------------------------- numpy reference
def _same(n, k, s, d):
    out = -(-n // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def ref_conv(x, w, strides, dilation, padding):
    """x (B, *spatial, C) float64, w (*k, C, O): tf.nn.convolution."""
    rank = w.ndim - 2
    pads = [(0, 0)]
    for i in range(rank):
        pads.append(_same(x.shape[1 + i], w.shape[i], strides[i], dilation[i])
                    if padding == "same" else (0, 0))
    xp = np.pad(x, pads + [(0, 0)])
    out_sizes = [(xp.shape[1 + i] - dilation[i] * (w.shape[i] - 1) - 1) // strides[i] + 1
                 for i in range(rank)]
    out = np.zeros((x.shape[0], *out_sizes, w.shape[-1]))
    for tap in np.ndindex(*w.shape[:rank]):
        index = [slice(None)]
        for i, t in enumerate(tap):
            start = t * dilation[i]
            index.append(slice(start, start + strides[i] * (out_sizes[i] - 1) + 1, strides[i]))
        out += xp[tuple(index)] @ w[tap]
    return out


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def ref_conv_lstm(layer, weights, x, mask=None, initial_state=None):
    """Keras's ConvLSTM (channels last) in float64: (sequence, h, c)."""
    kernel, recurrent = (w.astype(np.float64) for w in weights[:2])
    bias = weights[2].astype(np.float64) if layer.use_bias else 0.0
    rank, f = kernel.ndim - 2, layer.filters
    steps = x.shape[1]
    order = range(steps - 1, -1, -1) if layer.go_backwards else range(steps)
    h = c = None
    if initial_state is not None:
        h, c = (s.astype(np.float64) for s in initial_state)
    outputs, previous = [], None
    for t in order:
        zx = ref_conv(x[:, t].astype(np.float64), kernel, layer.strides, layer.dilation_rate,
                      layer.padding) + bias
        if h is None:
            h, c = np.zeros(zx.shape[:-1] + (f,)), np.zeros(zx.shape[:-1] + (f,))
        z = zx + ref_conv(h, recurrent, (1,) * rank, (1,) * rank, "same")
        i, fg, g, o = (z[..., j * f:(j + 1) * f] for j in range(4))
        c_new = sigmoid(fg) * c + sigmoid(i) * np.tanh(g)
        h_new = sigmoid(o) * np.tanh(c_new)
        if mask is not None:
            keep = mask[:, t].reshape((-1,) + (1,) * (rank + 1)).astype(bool)
            h_new, c_new = np.where(keep, h_new, h), np.where(keep, c_new, c)
            out = np.where(keep, h_new, previous if previous is not None else 0.0)
        else:
            out = h_new
        h, c, previous = h_new, c_new, out
        outputs.append(out)
    return np.stack(outputs, 1), h, c


RANDOM_CASES = [
    # rank, spatial, channels, layer arguments
    (1, (11,), 3, dict(filters=5, kernel_size=3, padding="same")),
    (1, (12,), 2, dict(filters=4, kernel_size=4, strides=3)),
    (1, (10,), 1, dict(filters=17, kernel_size=2, padding="same", dilation_rate=3)),
    (2, (9, 7), 2, dict(filters=6, kernel_size=(3, 2), padding="same")),
    (2, (9, 8), 3, dict(filters=3, kernel_size=3, strides=(2, 3), padding="same")),
    (2, (10, 9), 1, dict(filters=4, kernel_size=(2, 3), dilation_rate=(3, 2))),
    (2, (8, 8), 4, dict(filters=20, kernel_size=5, padding="same")),
    (3, (4, 5, 6), 2, dict(filters=3, kernel_size=(2, 3, 3), padding="same")),
    (3, (6, 5, 7), 1, dict(filters=2, kernel_size=3, strides=2)),
]


def random_check(rank, spatial, channels, kwargs, *, dtype="float32", seed=0,
                 data_format="channels_last", go_backwards=False, use_mask=True,
                 use_initial=True, batch=3, steps=4):
    rng = np.random.default_rng(seed)
    cls = getattr(fastrnn, f"ConvLSTM{rank}D")
    layer = cls(**kwargs, dtype=dtype, data_format=data_format, go_backwards=go_backwards,
                return_sequences=True, return_state=True)
    first = data_format == "channels_first"
    shape = (batch, steps) + (((channels,) + spatial) if first else (spatial + (channels,)))
    layer.build(shape)
    scale = 0.5 / np.sqrt(np.prod(layer.kernel_size))
    layer.set_weights([rng.uniform(-scale, scale, w.shape) for w in layer.get_weights()])
    weights = layer.get_weights()
    x = rng.normal(size=shape).astype(dtype)
    mask = rng.random((batch, steps)) < 0.7 if use_mask else None
    state_shape = layer.compute_output_shape(shape)[1]
    initial = ([rng.normal(size=state_shape).astype(dtype) for _ in range(2)]
               if use_initial else None)
    out, h, c = layer(x, mask=mask, initial_state=initial)

    def last(a, lead):     # channels_first -> channels last, for the reference
        return np.moveaxis(a, lead, -1) if first else a

    ref_x = last(x, 2)
    ref_init = None if initial is None else [last(s, 1) for s in initial]
    seq, ref_h, ref_c = ref_conv_lstm(layer, weights, ref_x, mask, ref_init)
    tol = tolerance(dtype)
    np.testing.assert_allclose(last(out, 2), seq, **tol)
    np.testing.assert_allclose(last(h, 1), ref_h, **tol)
    np.testing.assert_allclose(last(c, 1), ref_c, **tol)
    return layer


@pytest.mark.parametrize("index", range(len(RANDOM_CASES)))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_reference_every_build(kernels, index, dtype):
    rank, spatial, channels, kwargs = RANDOM_CASES[index]
    layer = random_check(rank, spatial, channels, kwargs, dtype=dtype, seed=index)
    assert type(next(iter(layer._kernels.values()))).__module__ == kernels.__name__


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_reference_formats_and_directions(kernels, data_format, go_backwards):
    for index in (0, 4, 7):
        random_check(*RANDOM_CASES[index], data_format=data_format, go_backwards=go_backwards,
                     seed=10 + index)


@pytest.mark.parametrize("block_bytes", [1, 700, 5000])
def test_patch_blocks_smaller_than_a_frame(kernels, monkeypatch, block_bytes):
    # Blocks of 1, a few and many rows: block edges inside frames and across samples.
    monkeypatch.setattr(conv_lstm, "_BLOCK_BYTES", block_bytes)
    for index in (1, 3, 7):
        random_check(*RANDOM_CASES[index], seed=20 + index, batch=2)


def test_without_mask_or_initial_state(kernels):
    random_check(*RANDOM_CASES[3], use_mask=False, use_initial=False, steps=1)
    random_check(*RANDOM_CASES[6], use_mask=False, use_initial=False, batch=1)


def test_builds_agree():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 3, 8, 9, 2)).astype(np.float32)
    results = []
    for build in BUILDS:
        module = _dispatch.load(build)
        layer = fastrnn.ConvLSTM2D(5, 3, padding="same", return_sequences=True, seed=1)
        layer.build(x.shape)
        layer._kernels = {}
        saved, _dispatch.kernels = _dispatch.kernels, module
        try:
            results.append(layer(x))
        finally:
            _dispatch.kernels = saved
    for r in results[1:]:
        np.testing.assert_allclose(r, results[0], rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- behaviour
def test_stateful_continues_and_resets():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 6, 5, 4, 1))
    whole = fastrnn.ConvLSTM2D(3, 3, padding="same", return_sequences=True, seed=3)
    layer = fastrnn.ConvLSTM2D(3, 3, padding="same", return_sequences=True, stateful=True,
                               seed=3)
    expected = whole(x)
    parts = np.concatenate([layer(x[:, :4]), layer(x[:, 4:])], axis=1)
    np.testing.assert_allclose(parts, expected, rtol=1e-5, atol=1e-6)
    assert [s.shape for s in layer.states] == [(2, 5, 4, 3)] * 2
    layer.reset_states()
    np.testing.assert_allclose(layer(x[:, :4]), expected[:, :4], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="stateful"):
        layer(x[:1])


def test_masked_steps_keep_states_and_outputs():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 5, 6, 2))
    layer = fastrnn.ConvLSTM1D(3, 3, padding="same", return_sequences=True, return_state=True,
                               seed=0)
    mask = np.array([[1, 1, 0, 1, 0], [0, 1, 1, 1, 1]], bool)
    seq, h, c = layer(x, mask=mask)
    np.testing.assert_array_equal(seq[0, 2], seq[0, 1])
    np.testing.assert_array_equal(seq[0, 4], seq[0, 3])
    np.testing.assert_array_equal(seq[1, 0], 0)
    np.testing.assert_array_equal(h[0], seq[0, 3])
    zero = fastrnn.ConvLSTM1D.from_config({**layer.get_config(), "zero_output_for_mask": True})
    zero.set_weights(layer.get_weights())
    np.testing.assert_array_equal(zero(x, mask=mask)[0][0, 2], 0)


def test_compute_output_shape_and_mask():
    layer = fastrnn.ConvLSTM3D(4, 3, strides=(1, 2, 2), data_format="channels_first",
                               return_sequences=True, return_state=True)
    assert layer.compute_output_shape((None, 7, 2, 5, 9, 8)) == [
        (None, 7, 4, 3, 4, 3), (None, 4, 3, 4, 3), (None, 4, 3, 4, 3)]
    mask = np.ones((2, 7), bool)
    out_mask = layer.compute_mask(None, mask)
    assert out_mask[0] is mask and out_mask[1:] == [None, None]
    assert fastrnn.ConvLSTM2D(2, 3).compute_mask(None, mask) is None


def test_config_round_trip_and_pickle():
    layer = fastrnn.ConvLSTM2D(4, (3, 2), strides=2, padding="SAME",
                               data_format="channels_first", activation="relu",
                               recurrent_activation="hard_sigmoid", use_bias=False,
                               unit_forget_bias=False, return_state=True, go_backwards=True,
                               dropout=0.3, kernel_regularizer={"class_name": "L2"},
                               dtype="float64", name="frames", seed=4)
    config = layer.get_config()
    assert config["padding"] == "same" and config["strides"] == (2, 2)
    assert config["dropout"] == 0.3 and config["dtype"] == "float64"
    clone = fastrnn.ConvLSTM2D.from_config(config)
    assert clone == layer and clone.get_config() == config
    layer.build((None, 3, 2, 8, 8))
    assert layer.count_params() == 3 * 2 * (2 + 4) * 16
    assert layer._weight_groups() == [("cell/vars", 2)]
    copy = pickle.loads(pickle.dumps(layer))
    x = np.random.default_rng(0).normal(size=(1, 3, 2, 8, 8))
    for a, b in zip(copy(x), layer(x)):
        np.testing.assert_array_equal(a, b)
    assert copy == layer


def test_unit_forget_bias_initializes_the_forget_gate():
    layer = fastrnn.ConvLSTM1D(3, 2, seed=0)
    layer.build((None, 2, 5, 1))
    np.testing.assert_array_equal(layer.get_weights()[2], [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])


def test_symbolic_use_in_a_model():
    inputs = fastrnn.Input((4, 8, 8, 1))
    conv = fastrnn.ConvLSTM2D(3, 3, padding="same", return_sequences=True, seed=0)
    hidden = conv(inputs)
    assert hidden.shape == (None, 4, 8, 8, 3)
    last = fastrnn.ConvLSTM2D(2, 3, seed=1)(hidden)
    assert last.shape == (None, 6, 6, 2)
    outputs = fastrnn.Dense(1)(fastrnn.Flatten()(last))
    model = fastrnn.Model(inputs, outputs)
    x = np.random.default_rng(2).normal(size=(2, 4, 8, 8, 1)).astype(np.float32)
    manual = model.layers[-1](model.layers[-2](model.layers[-3](conv(x))))
    np.testing.assert_allclose(model(x), manual, rtol=1e-6)
    sequential = fastrnn.Sequential([fastrnn.InputLayer(shape=(3, 6, 2)),
                                     fastrnn.ConvLSTM1D(2, 3, return_state=False)])
    assert sequential(np.ones((1, 3, 6, 2))).shape == (1, 4, 2)


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("kwargs, match", [
    (dict(filters=0, kernel_size=3), "filters"),
    (dict(filters=2, kernel_size=(3,)), "kernel_size"),
    (dict(filters=2, kernel_size=3, strides=0), "strides"),
    (dict(filters=2, kernel_size=3, strides=2, dilation_rate=2), "not compatible"),
    (dict(filters=2, kernel_size=3, padding="causal"), "padding"),
    (dict(filters=2, kernel_size=3, data_format="nhwc"), "data_format"),
    (dict(filters=2, kernel_size=3, activation="nope"), "Unknown activation"),
    (dict(filters=2, kernel_size=3, data_format="channels_first", activation="softmax"),
     "channels_last"),
    (dict(filters=2, kernel_size=3, bogus=1), "Unrecognized"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        fastrnn.ConvLSTM2D(**kwargs)


def test_bad_shapes():
    layer = fastrnn.ConvLSTM2D(2, 3, return_state=True, seed=0)
    x = np.ones((2, 3, 6, 6, 1))
    layer(x)
    with pytest.raises(ValueError, match="rank 5"):
        layer(np.ones((2, 3, 6, 1)))
    with pytest.raises(ValueError, match="channels"):
        layer(np.ones((2, 3, 6, 6, 2)))
    with pytest.raises(ValueError, match="spatial size"):
        layer(np.ones((2, 3, 7, 6, 1)))
    with pytest.raises(ValueError, match="timestep"):
        layer(np.ones((2, 0, 6, 6, 1)))
    with pytest.raises(ValueError, match="mask"):
        layer(x, mask=np.ones((2, 4)))
    with pytest.raises(ValueError, match="initial_state 'h'"):
        layer(x, initial_state=[np.zeros((2, 6, 6, 2)), np.zeros((2, 4, 4, 2))])
    with pytest.raises(ValueError, match="initial_state"):
        layer(x, initial_state=[np.zeros((2, 4, 4, 2))])
    with pytest.raises(ValueError, match="too small"):
        fastrnn.ConvLSTM2D(2, 5)(np.ones((1, 2, 4, 8, 1)))
    with pytest.raises(ValueError, match="kernel"):
        layer.set_weights([np.ones((3, 3, 1, 4)), np.ones((3, 3, 2, 8)), np.ones(8)])
    with pytest.raises(ValueError, match="expected 3 weights"):
        layer.set_weights(layer.get_weights()[:2])


def test_set_weights_before_build_takes_any_frame_size():
    source = fastrnn.ConvLSTM1D(2, 3, padding="same", seed=0)
    source.build((None, 2, 7, 3))
    layer = fastrnn.ConvLSTM1D.from_config(source.get_config())
    layer.set_weights(source.get_weights())
    assert layer.input_dim == 3
    assert layer(np.ones((1, 2, 7, 3))).shape == (1, 7, 2)
    assert layer(np.ones((1, 2, 11, 3))).shape == (1, 11, 2)


# ---------------------------------------------------------------- Ctrl-C
def test_ctrl_c_stops_a_long_call_and_a_returning_handler_lets_it_finish():
    # A stateful call sized to take a few seconds, SIGINT 0.3 s in:
    # KeyboardInterrupt soon after, the states as before the call; then a
    # handler that returns: the call runs to the end, with the right result.
    code = textwrap.dedent("""
        import json, os, signal, threading, time
        import numpy as np
        import fastrnn
        layer = fastrnn.ConvLSTM2D(16, 3, padding="same", stateful=True, seed=0)
        rng = np.random.default_rng(0)
        x = rng.standard_normal((2, 8, 24, 24, 4)).astype(np.float32)
        layer(x)
        start = time.perf_counter(); layer(x); per_step = (time.perf_counter() - start) / 8
        x = rng.standard_normal((2, max(16, int(3.0 / per_step)), 24, 24, 4)).astype(np.float32)
        before, sent, report = layer.states, [], {"latency": None}
        def interrupt():
            sent.append(time.perf_counter())
            os.kill(os.getpid(), signal.SIGINT)
        threading.Timer(0.3, interrupt).start()
        try:
            layer(x)
        except KeyboardInterrupt:
            report["latency"] = time.perf_counter() - sent[0]
        report["states_kept"] = all(bool(np.array_equal(a, b))
                                    for a, b in zip(before, layer.states))
        plain = fastrnn.ConvLSTM2D(16, 3, padding="same", seed=0)
        short = x[:, :40]
        want = plain(short)
        calls = []
        signal.signal(signal.SIGINT, lambda signum, frame: calls.append(signum))
        threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGINT)).start()
        got = plain(short)
        time.sleep(0.1)
        report["handler_calls"] = len(calls)
        report["same"] = bool(np.array_equal(got, want))
        print(json.dumps(report))
    """)
    result = run_python(["-c", code], capture_output=True, text=True, timeout=300)
    got = json.loads(result.stdout.strip().splitlines()[-1])
    assert got["latency"] is not None and got["latency"] < 1.0, got
    assert got["states_kept"] and got["same"] and got["handler_calls"] == 1, got
