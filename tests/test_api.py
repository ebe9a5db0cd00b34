"""The Keras 3 interface beyond the fixtures: config, weights, initializers,
state, input conversion, and the Keras rules that surprise people."""
import numpy as np
import pytest

import fastrnn
from fastrnn import initializers

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 6, 4)).astype(np.float32)
CELLS = [fastrnn.SimpleRNN, fastrnn.LSTM, fastrnn.GRU]


@pytest.mark.parametrize("cls", CELLS)
def test_config_round_trip(cls):
    layer = cls(5, activation="softsign", return_sequences=True, go_backwards=True,
                dropout=0.3, kernel_initializer=initializers.RandomNormal(stddev=0.2, seed=3))
    config = layer.get_config()
    assert config["units"] == 5 and config["activation"] == "softsign"
    assert config["dropout"] == 0.3 and config["go_backwards"] is True
    assert config["kernel_initializer"]["class_name"] == "RandomNormal"
    clone = cls.from_config(config)
    assert clone.get_config() == config
    layer.build(4)
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(clone(X), layer(X))


def test_keras_defaults():
    lstm = fastrnn.LSTM(2).get_config()
    assert (lstm["activation"], lstm["recurrent_activation"], lstm["use_bias"],
            lstm["unit_forget_bias"], lstm["dtype"]) == ("tanh", "sigmoid", True, True, "float32")
    assert lstm["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert lstm["recurrent_initializer"]["class_name"] == "Orthogonal"
    assert lstm["bias_initializer"]["class_name"] == "Zeros"
    assert fastrnn.GRU(2).get_config()["reset_after"] is True
    assert fastrnn.SimpleRNN(2, activation=None).activation == "linear"
    assert fastrnn.SimpleRNN(2, activation="swish").activation == "silu"


def test_training_arguments_have_no_effect():
    plain = fastrnn.LSTM(4, seed=1)
    trained = fastrnn.LSTM(4, seed=1, dropout=0.5, recurrent_dropout=0.5, unroll=True,
                           kernel_regularizer="l2", use_cudnn=False, implementation=1,
                           trainable=False)
    np.testing.assert_array_equal(plain(X), trained(X, training=True))


@pytest.mark.parametrize("cls,shapes", [
    (fastrnn.SimpleRNN, [(4, 5), (5, 5), (5,)]),
    (fastrnn.LSTM, [(4, 20), (5, 20), (20,)]),
    (fastrnn.GRU, [(4, 15), (5, 15), (2, 15)]),
])
def test_build_creates_keras_weight_shapes(cls, shapes):
    layer = cls(5)
    layer.build((None, None, 4))
    assert [w.shape for w in layer.get_weights()] == shapes
    assert layer.input_dim == 4
    assert [w.shape for w in cls(5, use_bias=False, seed=0).__class__(5, use_bias=False).get_weights()] == []


def test_gru_reset_before_has_flat_bias():
    layer = fastrnn.GRU(5, reset_after=False)
    layer.build(4)
    assert layer.get_weights()[2].shape == (15,)


def test_set_weights_on_unbuilt_layer_infers_input_dim():
    layer = fastrnn.LSTM(3)
    layer.set_weights([np.ones((7, 12)), np.ones((3, 12)), np.ones(12)])
    assert layer.built and layer.input_dim == 7


def test_get_weights_returns_copies():
    layer = fastrnn.SimpleRNN(3, seed=0)
    layer.build(4)
    before = layer(X)
    layer.get_weights()[0][...] = 100
    np.testing.assert_array_equal(layer(X), before)


def test_unit_forget_bias():
    layer = fastrnn.LSTM(3, bias_initializer="random_uniform", seed=2)
    layer.build(2)
    bias = layer.get_weights()[2]
    np.testing.assert_array_equal(bias[3:6], 1.0)
    assert np.all(np.abs(np.r_[bias[:3], bias[6:]]) <= 0.05)
    layer = fastrnn.LSTM(3, unit_forget_bias=False)
    layer.build(2)
    np.testing.assert_array_equal(layer.get_weights()[2], 0.0)


def test_seeded_initializers_are_reproducible():
    a, b, c = (fastrnn.GRU(6, seed=s) for s in (7, 7, 8))
    for layer in (a, b, c):
        layer.build(4)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(a.get_weights()[0], c.get_weights()[0])


def test_orthogonal_qr_runs_on_one_blas_thread(monkeypatch):
    # A multi-threaded OpenBLAS QR left idle BLAS threads spinning for ~0.1 s
    # after every LSTM/GRU/SimpleRNN build: the layer's first calls ran at
    # half speed (the demo's 20-call median 6-7 ms instead of 3).
    threadpoolctl = pytest.importorskip("threadpoolctl")
    blas = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    if not blas or max(i["num_threads"] for i in blas) < 2:
        pytest.skip("numpy's BLAS runs one thread here anyway")
    seen = []
    qr = np.linalg.qr

    def spy(a):
        seen.append({i["num_threads"] for i in threadpoolctl.threadpool_info()
                     if i["user_api"] == "blas"})
        return qr(a)
    monkeypatch.setattr(np.linalg, "qr", spy)
    initializers.Orthogonal(seed=0)((6, 24))
    assert seen == [{1}]
    assert max(i["num_threads"] for i in threadpoolctl.threadpool_info()
               if i["user_api"] == "blas") >= 2      # and restored afterwards


def test_initializer_distributions():
    rng = np.random.default_rng(0)
    w = initializers.GlorotUniform()((200, 300), rng=rng)
    limit = np.sqrt(6 / 500)
    assert w.max() <= limit and w.min() >= -limit and w.max() > 0.95 * limit
    q = initializers.Orthogonal()((8, 32), rng=rng)
    np.testing.assert_allclose(q @ q.T, np.eye(8), atol=1e-6)
    q = initializers.Orthogonal(gain=2.0)((32, 8), rng=rng, dtype="float64")
    np.testing.assert_allclose(q.T @ q, 4 * np.eye(8), atol=1e-12)
    t = initializers.TruncatedNormal(stddev=1.0)((10000,), rng=rng)
    assert np.abs(t).max() <= 2.0
    he = initializers.get("he_normal")((400, 100), rng=rng)
    assert abs(he.std() - np.sqrt(2 / 400)) < 0.01
    np.testing.assert_array_equal(initializers.get("identity")((3, 3)), np.eye(3))
    np.testing.assert_array_equal(initializers.Constant(0.5)((2, 2)), np.full((2, 2), 0.5))
    assert initializers.get({"class_name": "Constant", "config": {"value": 2.0}}) == initializers.Constant(2.0)
    assert initializers.get("GlorotNormal") == initializers.GlorotNormal()
    assert initializers.RandomNormal(seed=4)((3,)).tolist() == initializers.RandomNormal(seed=4)((3,)).tolist()


@pytest.mark.parametrize("cls", CELLS)
def test_stateful_continues_and_resets(cls):
    whole = cls(4, seed=3, return_state=True)
    out_whole, *states_whole = whole(X)
    layer = cls(4, seed=3, stateful=True, return_state=True)
    layer(X[:, :2])
    out, *states = layer(X[:, 2:])
    np.testing.assert_allclose(out, out_whole, rtol=1e-6, atol=1e-7)
    for s, w in zip(states, states_whole):
        np.testing.assert_allclose(s, w, rtol=1e-6, atol=1e-7)
    layer.reset_states()
    assert all(np.all(s == 0) for s in layer.states)
    fresh = cls(4, seed=3, return_state=True)
    np.testing.assert_array_equal(layer(X[:, 2:])[0], fresh(X[:, 2:])[0])


def test_non_stateful_layer_keeps_no_state():
    layer = fastrnn.LSTM(4, seed=0)
    first = layer(X)
    np.testing.assert_array_equal(layer(X), first)
    assert layer.states is None


@pytest.mark.parametrize("mask", [
    np.array([[1, 1, 0, 1, 0, 1]] * 3, np.int32),
    np.array([[2.0, 0.5, 0.0, -1.0, 0.0, 3.0]] * 3),
])
def test_nonzero_mask_values_mean_valid(mask):
    layer = fastrnn.GRU(4, seed=1, return_sequences=True)
    np.testing.assert_array_equal(layer(X, mask=mask), layer(X, mask=mask != 0))


def test_input_conversion():
    layer = fastrnn.LSTM(3, seed=0, dtype="float64")
    x64 = X.astype(np.float64)
    want = layer(x64)
    assert want.dtype == np.float64
    np.testing.assert_array_equal(layer(np.asfortranarray(x64)), want)
    np.testing.assert_array_equal(layer(x64.tolist()), want)
    big_endian = x64.astype(">f8")
    np.testing.assert_array_equal(layer(big_endian), want)
    strided = np.zeros((3, 12, 4))
    strided[:, ::2] = x64
    np.testing.assert_array_equal(layer(strided[:, ::2]), want)
    read_only = x64.copy()
    read_only.flags.writeable = False
    np.testing.assert_array_equal(layer(read_only), want)
    ints = np.arange(24).reshape(1, 6, 4) % 3
    np.testing.assert_array_equal(layer(ints), layer(ints.astype(np.float64)))
    assert fastrnn.LSTM(3, seed=0)(x64).dtype == np.float32


def test_go_backwards_returns_reversed_processing_order():
    # Keras returns the go_backwards sequence in processing order: position 0
    # holds the output after reading only the LAST input step.
    forward = fastrnn.SimpleRNN(3, seed=0, return_sequences=True)
    backward = fastrnn.SimpleRNN(3, seed=0, return_sequences=True, go_backwards=True)
    np.testing.assert_allclose(backward(X), forward(X[:, ::-1]), rtol=1e-6)
    np.testing.assert_allclose(backward(X)[:, 0], forward(X[:, -1:])[:, 0], rtol=1e-6)


def test_masked_steps_repeat_the_last_output_and_carry_the_state():
    layer = fastrnn.LSTM(3, seed=0, return_sequences=True, return_state=True)
    mask = np.array([[0, 0, 1, 1, 0, 1]] * 3, bool)
    h0, c0 = np.ones((3, 3)), np.ones((3, 3))
    out, h, c = layer(X, mask=mask, initial_state=[h0, c0])
    np.testing.assert_array_equal(out[:, :2], 0.0)   # zeros before the first valid step, not h0
    np.testing.assert_array_equal(out[:, 4], out[:, 3])  # repeats the previous output
    np.testing.assert_array_equal(out[:, 5], h)
    _, h_all_masked, c_all_masked = layer(X, mask=np.zeros((3, 6), bool), initial_state=[h0, c0])
    np.testing.assert_array_equal(h_all_masked, h0)  # a fully masked row keeps its initial state
    np.testing.assert_array_equal(c_all_masked, c0)


def test_bidirectional_rebuilds_the_forward_layer_from_config():
    inner = fastrnn.LSTM(3, kernel_initializer=initializers.Constant(0.1),
                         recurrent_initializer=initializers.Constant(0.2))
    inner.build(4)
    inner.set_weights([np.full((4, 12), 9.0), np.full((3, 12), 9.0), np.zeros(12)])
    bi = fastrnn.Bidirectional(inner)
    bi.build(4)
    assert bi.forward_layer is not inner
    np.testing.assert_array_equal(bi.forward_layer.get_weights()[0], np.float32(0.1))
    assert bi.forward_layer.name.startswith("forward_") and bi.backward_layer.name.startswith("backward_")
    assert bi.backward_layer.go_backwards and not bi.forward_layer.go_backwards


def test_bidirectional_uses_the_given_backward_layer():
    backward = fastrnn.GRU(3, go_backwards=True, return_sequences=True)
    bi = fastrnn.Bidirectional(fastrnn.GRU(3, return_sequences=True), backward_layer=backward,
                               merge_mode=None)
    assert bi.backward_layer is backward and backward.zero_output_for_mask
    out = bi(X)
    assert isinstance(out, list) and [o.shape for o in out] == [(3, 6, 3), (3, 6, 3)]


def test_bidirectional_config_round_trip():
    bi = fastrnn.Bidirectional(fastrnn.LSTM(3, return_sequences=True), merge_mode="ave")
    clone = fastrnn.Bidirectional.from_config(bi.get_config())
    assert clone.get_config()["merge_mode"] == "ave"
    assert clone.backward_layer.go_backwards


def test_bidirectional_weights_are_forward_then_backward():
    bi = fastrnn.Bidirectional(fastrnn.SimpleRNN(2))
    weights = [np.full(s, v) for s, v in zip([(4, 2), (2, 2), (2,)] * 2, range(6))]
    bi.set_weights(weights)
    assert [w[0].flat[0] for w in [bi.get_weights()[i:i + 1] for i in range(6)]] == list(range(6))
    np.testing.assert_array_equal(bi.forward_layer.get_weights()[0], 0)
    np.testing.assert_array_equal(bi.backward_layer.get_weights()[0], 3)


def test_stateful_bidirectional_reset():
    bi = fastrnn.Bidirectional(fastrnn.LSTM(3, stateful=True, seed=0))
    first = bi(X)
    assert not np.allclose(bi(X), first)
    bi.reset_states()
    np.testing.assert_array_equal(bi(X), first)


def test_empty_batch_does_not_crash():
    out = fastrnn.LSTM(3, return_sequences=True, return_state=True)(np.zeros((0, 5, 4)))
    assert out[0].shape == (0, 5, 3)


def test_zero_timesteps_is_refused_as_keras_does():
    # Keras raises for T == 0 (tests/data/keras_edge); see test_edge_cases.py.
    with pytest.raises(ValueError, match="expected x with at least one timestep"):
        fastrnn.LSTM(3, return_sequences=True, return_state=True)(np.zeros((3, 0, 4)))


@pytest.mark.parametrize("make", [
    lambda: fastrnn.LSTM(3, seed=0, stateful=True),
    lambda: fastrnn.GRU(3, reset_after=False, kernel_initializer=initializers.Orthogonal(seed=2)),
    lambda: fastrnn.Bidirectional(fastrnn.SimpleRNN(3, return_sequences=True), merge_mode="mul"),
])
def test_pickle_round_trip_is_equal(make):
    import pickle
    layer = make()
    layer(X)
    clone = pickle.loads(pickle.dumps(layer))
    assert clone == layer and clone is not layer
    np.testing.assert_array_equal(clone(X)[0] if isinstance(clone(X), list) else clone(X),
                                  layer(X)[0] if isinstance(layer(X), list) else layer(X))
    other = make()
    other.build(4)
    assert other != layer
