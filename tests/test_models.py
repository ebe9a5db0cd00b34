"""fastrnn.Sequential and the small non-recurrent layers (fastrnn.core_layers)."""
import json
import pickle

import numpy as np
import pytest

import fastrnn
from fastrnn import (LSTM, GRU, Activation, Bidirectional, Dense, Dropout, Embedding, Flatten,
                     InputLayer, Masking, Reshape, Sequential, SimpleRNN, SpatialDropout1D,
                     TimeDistributed)


def seeded(model, seed=0):
    """Give every weight of a built model reproducible non-trivial values."""
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.5, w.shape).astype(w.dtype) for w in model.get_weights()])
    return model


def tokens(batch=5, steps=6, vocab=12, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, vocab, (batch, steps)).astype("int32")
    x[0, 3:] = 0
    x[1, :2] = 0
    x[2, :] = 0
    return x


def sentiment_model():
    model = Sequential([InputLayer(shape=(None,), dtype="int32"),
                        Embedding(12, 4, mask_zero=True),
                        SpatialDropout1D(0.1),
                        Bidirectional(LSTM(3)),
                        Dropout(0.5),
                        Dense(1, activation="sigmoid")], name="sentiment")
    model.build((None, None))
    return seeded(model)


# ---------------------------------------------------------------- mask propagation
def test_embedding_mask_reaches_the_rnn():
    model = sentiment_model()
    x = tokens()
    emb, _, bidi, _, dense = model.layers
    want = dense(bidi(emb(x), mask=x != 0))
    np.testing.assert_array_equal(model(x), want)
    # and it matters: without the mask the result differs
    assert not np.allclose(dense(bidi(emb(x))), want)


def test_masking_mask_and_zeroing():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 5, 3)).astype("float32")
    x[0, 2:] = 2.5
    x[1, 1, 0] = 2.5  # only one feature equal: still valid
    masking = Masking(mask_value=2.5)
    out = masking(x)
    assert np.all(out[0, 2:] == 0) and np.array_equal(out[1], x[1])
    np.testing.assert_array_equal(masking.compute_mask(x), np.any(x != 2.5, axis=-1))
    rnn = SimpleRNN(4, return_sequences=True)
    dense = Dense(3)
    rnn2 = GRU(2)
    model = Sequential([masking, rnn, dense, rnn2])
    model.build((None, 5, 3))
    seeded(model)
    mask = np.any(x != 2.5, axis=-1)
    want = rnn2(dense(rnn(out, mask=mask)), mask=mask)  # Dense passes the mask on
    np.testing.assert_array_equal(model(x), want)


def test_flatten_reshape_and_last_output_rnn_drop_the_mask():
    x = tokens(steps=4)
    emb = Embedding(12, 2, mask_zero=True)
    flat, reshape = Flatten(), Reshape((4, 2))
    rnn = SimpleRNN(3)
    model = Sequential([emb, flat, reshape, rnn])
    model.build((None, 4))
    seeded(model)
    np.testing.assert_array_equal(model(x), rnn(reshape(flat(emb(x)))))
    # TimeDistributed passes the mask on
    emb2 = Embedding(12, 2, mask_zero=True)
    rs = GRU(3, return_sequences=True)
    td = TimeDistributed(Dense(2))
    last = SimpleRNN(2)
    m = Sequential([emb2, rs, td, last])
    m.build((None, 4))
    seeded(m)
    mask = x != 0
    np.testing.assert_array_equal(m(x), last(td(rs(emb2(x), mask=mask), mask=mask), mask=mask))


def test_mask_argument_of_the_model():
    rnn = SimpleRNN(3)
    model = Sequential([rnn])
    x = np.random.default_rng(0).normal(size=(2, 4, 3))
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], bool)
    np.testing.assert_array_equal(model(x, mask=mask), rnn(x, mask=mask))


# ---------------------------------------------------------------- predict
def test_predict_batches_equal_one_call():
    model = sentiment_model()
    x = tokens(batch=23, seed=3)
    whole = model(x)
    for bs in (1, 4, 7, 23, 100):
        # BLAS may round a row differently in a GEMM of another size: equal to float32 rounding
        np.testing.assert_allclose(model.predict(x, batch_size=bs, verbose=0), whole,
                                   rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(model.predict(x, batch_size=100, verbose=0), whole)
    assert model.predict(x, verbose=0).shape == (23, 1)


def test_predict_progress_bar(capsys):
    model = sentiment_model()
    x = tokens(batch=10)
    model.predict(x, batch_size=4, verbose=0)
    assert capsys.readouterr().out == ""
    model.predict(x, batch_size=4)  # verbose="auto"
    out = capsys.readouterr().out
    assert "3/3" in out and "step" in out and "━" in out
    model.predict(x, batch_size=4, verbose=2)
    assert "3/3" in capsys.readouterr().out


def test_predict_progress_bar_dynamic():
    import io

    from fastrnn.models import _Progbar

    class TTY(io.StringIO):
        def isatty(self):
            return True

    stream = TTY()
    bar = _Progbar(3, 1, stream=stream)
    for i in (1, 2, 3):
        bar.update(i)
    text = stream.getvalue()
    assert text.count("\r") == 3 and "1/3" in text and "3/3" in text and text.endswith("\n")


def test_predict_argument_errors():
    model = sentiment_model()
    with pytest.raises(ValueError, match="batch_size"):
        model.predict(tokens(), batch_size=0)
    with pytest.raises(ValueError, match="verbose"):
        model.predict(tokens(), verbose=3)
    with pytest.raises(ValueError, match="non-empty"):
        model.predict(np.zeros((0, 6), "int32"))


# ---------------------------------------------------------------- summary
def test_summary():
    model = sentiment_model()
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert 'Model: "sentiment"' in text
    for name in ("Embedding", "SpatialDropout1D", "Bidirectional", "Dropout", "Dense"):
        assert f"({name}" in text
    assert "(None, None, 4)" in text and "(None, 6)" in text and "(None, 1)" in text
    n = 12 * 4 + 2 * (4 * 12 + 3 * 12 + 12) + 6 + 1
    assert model.count_params() == n
    assert f"Total params: {n:,}" in text and "Non-trainable params: 0" in text


def test_summary_prints_and_handles_unknown_shapes(capsys):
    model = Sequential([LSTM(2), Dense(1)])
    model.summary()
    out = capsys.readouterr().out
    assert "?" in out and "unbuilt" in out
    model(np.zeros((2, 3, 4)))
    model.summary()
    out = capsys.readouterr().out
    assert "(None, 2)" in out and "(None, 1)" in out


# ---------------------------------------------------------------- weights, save, load
def test_get_set_weights():
    a, b = sentiment_model(), sentiment_model()
    seeded(b, seed=5)
    assert a != b
    b.set_weights(a.get_weights())
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    x = tokens()
    np.testing.assert_array_equal(a(x), b(x))
    with pytest.raises(ValueError, match="expected 9 weights"):
        b.set_weights(a.get_weights()[:-1])
    # an unbuilt model takes weights too
    c = Sequential([InputLayer(shape=(None,), dtype="int32"), Embedding(12, 4, mask_zero=True),
                    SpatialDropout1D(0.1), Bidirectional(LSTM(3)), Dropout(0.5),
                    Dense(1, activation="sigmoid")], name="sentiment")
    c.set_weights(a.get_weights())
    x = tokens()
    np.testing.assert_array_equal(c(x), a(x))


def test_save_load_round_trip(tmp_path):
    model = sentiment_model()
    path = tmp_path / "model.npz"
    model.save(path)
    assert path.exists() and not (tmp_path / "model.npz.npz").exists()
    for loaded in (Sequential.load(path), fastrnn.load_model(path), fastrnn.load_model(str(path))):
        assert loaded == model
        x = tokens()
        np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    # readable with numpy alone, no pickle
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["fastrnn_config"][()]))
    assert meta["format"] == "fastrnn.Sequential"
    assert [e["class_name"] for e in meta["config"]["layers"]][:2] == ["InputLayer", "Embedding"]


def test_save_load_every_layer_kind(tmp_path):
    model = Sequential([
        InputLayer(shape=(12,)), Reshape((4, 3)), Masking(0.5),
        GRU(3, return_sequences=True, reset_after=False),
        Bidirectional(SimpleRNN(2, return_sequences=True), merge_mode="sum"),
        TimeDistributed(Dense(4, activation="relu")), Flatten(), Activation("softmax"),
        Dense(2, use_bias=False), Reshape((2, 1)), LSTM(2, go_backwards=True)])
    model.build((None, 12))
    seeded(model)
    model.save(tmp_path / "all.npz")
    again = fastrnn.load_model(tmp_path / "all.npz")
    assert again == model
    x = np.random.default_rng(0).normal(size=(3, 12)).astype("float32")
    np.testing.assert_array_equal(again(x), model(x))


def test_save_refuses_h5_names_and_load_refuses_bad_files(tmp_path):
    model = sentiment_model()
    with pytest.raises(ValueError, match="not legacy HDF5"):
        model.save(tmp_path / "m.h5")
    np.savez(tmp_path / "other.npz", a=np.zeros(2))
    with pytest.raises(ValueError, match="fastrnn_config"):
        Sequential.load(tmp_path / "other.npz")
    np.savez(tmp_path / "bad.npz", fastrnn_config=np.array("{not json"))
    with pytest.raises(ValueError, match="not a valid fastrnn model"):
        fastrnn.load_model(tmp_path / "bad.npz")
    model.save(tmp_path / "good.npz")
    data = (tmp_path / "good.npz").read_bytes()
    (tmp_path / "trunc.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="corrupt|truncated"):
        fastrnn.load_model(tmp_path / "trunc.npz")


# ---------------------------------------------------------------- pickling, equality
def all_layers():
    dense = Dense(3, activation="tanh")
    dense.build(4)
    emb = Embedding(10, 3, mask_zero=True)
    emb.build()
    return [InputLayer(shape=(None, 4)), Masking(), emb, dense, TimeDistributed(Dense(2)),
            Dropout(0.3), SpatialDropout1D(0.2), Activation("relu"), Flatten(), Reshape((-1, 2)),
            Dense(5)]


@pytest.mark.parametrize("layer", all_layers(), ids=lambda layer: type(layer).__name__)
def test_layers_pickle_to_equal_objects(layer):
    again = pickle.loads(pickle.dumps(layer))
    assert again == layer and again is not layer
    assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()


def test_model_pickles_after_calls_and_with_state():
    model = Sequential([LSTM(3, return_sequences=True, stateful=True), Dense(2)])
    x = np.random.default_rng(0).normal(size=(2, 4, 3))
    model(x)
    again = pickle.loads(pickle.dumps(model))
    assert again == model
    np.testing.assert_array_equal(again(x), model(x))  # same state carried on
    model.reset_states()
    assert again != model


def test_equality_sees_weights_and_config():
    a, b = Dense(2), Dense(2, name="other")
    a.build(3)
    b.build(3)
    assert a != b
    c = pickle.loads(pickle.dumps(a))
    c.set_weights([w + 1 for w in a.get_weights()])
    assert a != c


# ---------------------------------------------------------------- the layers themselves
def test_dense_on_3d_input_and_activation():
    d = Dense(3, activation="softmax")
    x = np.random.default_rng(0).normal(size=(2, 5, 4))
    y = d(x)
    k, b = d.get_weights()
    z = x.astype("float32") @ k + b
    e = np.exp(z - z.max(-1, keepdims=True))
    np.testing.assert_allclose(y, e / e.sum(-1, keepdims=True), rtol=1e-6)
    assert y.dtype == np.float32
    with pytest.raises(ValueError, match="features"):
        d(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="Unrecognized keyword"):
        Dense(3, bogus=1)
    with pytest.raises(ValueError, match="Unknown activation"):
        Dense(3, activation="nope")


def test_embedding_indices():
    e = Embedding(5, 2)
    table = e.build() or e.get_weights()[0]
    np.testing.assert_array_equal(e(np.array([[0, 4, -1]])), table[[[0, 4, 4]]])
    np.testing.assert_array_equal(e(np.array([[1.7, 2.2]])), table[[[1, 2]]])  # truncated
    with pytest.raises(ValueError, match="out of range"):
        e(np.array([[5]]))
    assert e.compute_mask(np.array([[0, 1]])) is None
    assert not e.supports_masking and Embedding(5, 2, mask_zero=True).supports_masking


@pytest.mark.parametrize("weights", [np.arange(12).reshape(3, 4), [np.arange(12).reshape(3, 4)],
                                     np.arange(12).reshape(3, 4).tolist()])
def test_embedding_weights_argument_wraps_a_bare_table(weights):
    # keras/src/layers/core/embedding.py: anything but a list of one array is
    # the table itself (a bare array used to be refused as "3 weights").
    e = Embedding(3, 4, weights=weights)
    np.testing.assert_array_equal(e.get_weights()[0], np.arange(12).reshape(3, 4))
    with pytest.raises(ValueError, match=r"Embedding weight 'embeddings' expected shape \(3, 4\)"):
        Embedding(3, 4, weights=np.ones((4, 3)))


def test_model_input_never_checks_the_batch_axis():
    # Keras checks a model input's shape without its batch axis (functional.py
    # gives its InputSpec shape_with_no_batch_size); only a stateful RNN fixes it.
    model = Sequential([InputLayer(shape=(5, 3), batch_size=4), LSTM(2, seed=0)])
    x = np.random.default_rng(0).normal(size=(6, 5, 3)).astype("float32")
    np.testing.assert_array_equal(model(x[:1]), model.layers[0](x[:1]))
    assert model.predict(x, verbose=0).shape == (6, 2)
    assert model.input_shape == (4, 5, 3)
    with pytest.raises(ValueError, match=r"expected shape \(4, 5, 3\), got shape \(1, 6, 3\) "
                                         r"\(axis 1\)"):
        model(np.zeros((1, 6, 3)))

def test_reshape_flatten_dropout_inputlayer():
    x = np.arange(24, dtype="float32").reshape(2, 3, 4)
    assert Reshape((-1, 2))(x).shape == (2, 6, 2)
    assert Reshape((-1, 2)).compute_output_shape((None, 3, 4)) == (None, 6, 2)
    with pytest.raises(ValueError, match="cannot reshape"):
        Reshape((5,))(x)
    assert Flatten()(x).shape == (2, 12)
    np.testing.assert_array_equal(Flatten(data_format="channels_first")(x),
                                  x.transpose(0, 2, 1).reshape(2, 12))
    np.testing.assert_array_equal(Dropout(0.9)(x), x)
    with pytest.raises(ValueError, match="rate"):
        Dropout(1.5)
    with pytest.raises(ValueError, match="3-D"):
        SpatialDropout1D(0.1)(x[0])
    inp = InputLayer(shape=(3, 4))
    assert inp(x.astype("float64")).dtype == np.float32
    with pytest.raises(ValueError, match="shape"):
        inp(np.zeros((2, 3, 5)))
    assert InputLayer(shape=(None,), dtype="int32")(np.array([[1.0, 2.0]])).dtype == np.int32


def test_sequential_takes_an_input_tensor_as_its_first_element():
    # keras.Sequential([keras.Input(shape), ...]) adds the tensor's InputLayer
    # (keras/src/models/sequential.py); fastrnn refused the tensor.
    import fastrnn
    inputs = fastrnn.Input((5, 3), name="seq_in")
    model = Sequential([inputs, LSTM(4, seed=0), Dense(2)])
    assert isinstance(model.layers[0], LSTM) and model.input_shape == (None, 5, 3)
    twin = Sequential([InputLayer(shape=(5, 3)), LSTM(4, seed=0), Dense(2)])
    # Built as they are made (Keras builds a stack that starts with an input):
    assert [w.shape for w in model.get_weights()] == [(3, 16), (4, 16), (16,), (4, 2), (2,)]
    twin.set_weights(model.get_weights())
    x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype(np.float32)
    np.testing.assert_array_equal(twin(x), model(x))
    with pytest.raises(ValueError, match="InputLayer"):
        Sequential([Dense(2), fastrnn.Input((3,))])


def test_sequential_rejects_what_it_cannot_chain():
    with pytest.raises(ValueError, match="return_state"):
        Sequential([LSTM(2, return_state=True)])
    with pytest.raises(ValueError, match="merge_mode=None"):
        Sequential([Bidirectional(LSTM(2), merge_mode=None)])
    with pytest.raises(ValueError, match="fastrnn layers"):
        Sequential([lambda x: x])
    with pytest.raises(ValueError, match="InputLayer"):
        Sequential([Dense(2), InputLayer(shape=(3,))])
    with pytest.raises(ValueError, match="TimeDistributed"):
        TimeDistributed(lambda x: x)   # any fastrnn layer is fine, as in Keras
