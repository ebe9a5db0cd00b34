"""fastrnn.Model built by hand: the keras-io example architectures, rebuilt with
fastrnn.Input / layer calls and given the weights of the Keras file, give Keras's
outputs; and the graph's own rules (structure, masks, errors)."""
import pickle
from pathlib import Path

import numpy as np
import pytest

import fastrnn
from test_graph_fixtures import check, fixture, flat_outputs

DATA = Path(__file__).parent / "data" / "graphs"
L = fastrnn


def keras_weights(case):
    pytest.importorskip("h5py")
    return fastrnn.load_model(DATA / f"{case}.keras").get_weights()


def matches_keras(model, case):
    model.set_weights(keras_weights(case))
    names, ins, want = fixture(case)
    check(flat_outputs(model.predict(ins if len(ins) > 1 else ins[0], verbose=0), names), want)


# ---------------------------------------------------------------- keras-io models by hand
def test_lstm_seq2seq_training_model():
    # examples/nlp/lstm_seq2seq.py (latent_dim 4, 6 encoder and 7 decoder tokens)
    encoder_inputs = L.Input(shape=(None, 6))
    _, state_h, state_c = L.LSTM(4, return_state=True)(encoder_inputs)
    decoder_inputs = L.Input(shape=(None, 7))
    decoder_outputs, _, _ = L.LSTM(4, return_sequences=True, return_state=True)(
        decoder_inputs, initial_state=[state_h, state_c])
    outputs = L.Dense(7, activation="softmax")(decoder_outputs)
    matches_keras(L.Model([encoder_inputs, decoder_inputs], outputs),
                  "kerasio_lstm_seq2seq_train")


def test_video_classification_masked_gru():
    # examples/vision/video_classification.py: the mask is an Input of its own
    frames = L.Input((6, 5))
    mask = L.Input((6,), dtype="bool")
    x = L.GRU(16, return_sequences=True)(frames, mask=mask)
    x = L.GRU(8)(x)
    x = L.Dropout(0.4)(x)
    x = L.Dense(8, activation="relu")(x)
    outputs = L.Dense(5, activation="softmax")(x)
    matches_keras(L.Model([frames, mask], outputs), "kerasio_video_classification")


def test_functional_api_tickets_model():
    # guides/functional_api.py: three inputs, two named outputs
    title, body, tags = L.Input(shape=(None,), name="title"), \
        L.Input(shape=(None,), name="body"), L.Input(shape=(5,), name="tags")
    title_features = L.LSTM(5)(L.Embedding(20, 4)(title))
    body_features = L.LSTM(3)(L.Embedding(20, 4)(body))
    x = L.Concatenate()([title_features, body_features, tags])
    priority = L.Dense(1, name="priority")(x)
    department = L.Dense(3, name="department")(x)
    model = L.Model([title, body, tags], [priority, department])
    assert model.output_names == ["priority", "department"]
    matches_keras(model, "kerasio_functional_api_tickets")


def test_working_with_rnns_encoder_decoder():
    encoder_input = L.Input(shape=(None,))
    encoder_embedded = L.Embedding(20, 4)(encoder_input)
    _, h, c = L.LSTM(4, return_state=True, name="encoder")(encoder_embedded)
    decoder_input = L.Input(shape=(None,))
    decoder_embedded = L.Embedding(25, 4)(decoder_input)
    decoder_output = L.LSTM(4, name="decoder")(decoder_embedded, initial_state=[h, c])
    output = L.Dense(3)(decoder_output)
    matches_keras(L.Model([encoder_input, decoder_input], output),
                  "kerasio_working_with_rnns_encoder_decoder")


def test_addition_rnn_sequential():
    # examples/nlp/addition_rnn.py
    model = L.Sequential([L.InputLayer(shape=(7, 12)), L.LSTM(6), L.RepeatVector(4),
                          L.LSTM(6, return_sequences=True), L.Dense(12, activation="softmax")])
    matches_keras(model, "kerasio_addition_rnn")


def test_bidirectional_states_start_a_decoder():
    enc = L.Input((5, 3))
    dec = L.Input((4, 2))
    _, fh, fc, bh, bc = L.Bidirectional(L.LSTM(3, return_state=True))(enc)
    h, c = L.Concatenate()([fh, bh]), L.Concatenate()([fc, bc])
    y = L.LSTM(6, return_sequences=True)(dec, initial_state=[h, c])
    matches_keras(L.Model([enc, dec], L.Dense(2)(y)), "states_bidirectional")


def test_rnn_cell_model():
    # guides/working_with_rnns.py build_model(allow_cudnn_kernel=False)
    model = L.Sequential([L.InputLayer(shape=(None, 6)), L.RNN(L.LSTMCell(5)),
                          L.BatchNormalization(), L.Dense(4)])
    matches_keras(model, "kerasio_working_with_rnns_build_model")


# ---------------------------------------------------------------- graph rules
def test_shared_layer_and_nested_model():
    a, b = L.Input((5, 3)), L.Input((4, 3))
    lstm, dense = L.LSTM(4, seed=0), L.Dense(3)
    merged = L.Add()([dense(lstm(a)), dense(lstm(b))])
    inner = L.Model([a, b], merged)
    x, y = L.Input((5, 3)), L.Input((4, 3))
    outer = L.Model([x, y], L.Dense(1)(inner([x, y])))
    xa, xb = np.ones((2, 5, 3)), np.full((2, 4, 3), 0.5)
    want = dense(lstm(xa)) + dense(lstm(xb))
    np.testing.assert_allclose(inner([xa, xb]), want, rtol=1e-6)
    assert outer([xa, xb]).shape == (2, 1)
    assert [type(layer).__name__ for layer in inner.layers] == \
        ["InputLayer", "InputLayer", "LSTM", "Dense", "Add"]


def test_masks_flow_out_of_a_nested_model():
    tokens = L.Input((None,), dtype="int32")
    inner = L.Model(tokens, L.Embedding(10, 3, mask_zero=True)(tokens))
    t2 = L.Input((None,), dtype="int32")
    model = L.Model(t2, L.LSTM(2, seed=0)(inner(t2)))
    padded, short = np.array([[3, 1, 4, 0, 0]]), np.array([[3, 1, 4]])
    np.testing.assert_allclose(model(padded), model(short), atol=1e-7)


def test_initial_state_call_gets_no_automatic_mask():
    # Keras passes the input's mask only when the call has one tensor argument:
    # with initial_state tensors the LSTM runs unmasked (keras/src/layers/layer.py).
    tokens = L.Input((None,), dtype="int32")
    h0 = L.Input((2,))
    e = L.Embedding(10, 3, mask_zero=True)(tokens)
    gru = L.GRU(2, seed=0)
    unmasked = L.Model([tokens, h0], gru(e, initial_state=h0))
    masked = L.Model(tokens, gru(e))
    padded, short = np.array([[3, 1, 4, 0, 0]]), np.array([[3, 1, 4]])
    zeros = np.zeros((1, 2))
    np.testing.assert_allclose(masked(padded), masked(short), atol=1e-7)
    assert not np.allclose(unmasked([padded, zeros]), unmasked([short, zeros]), atol=1e-6)


def test_inputs_by_name_and_errors():
    a, b = L.Input((3,), name="a"), L.Input((2,), name="b")
    model = L.Model({"a": a, "b": b}, {"sum": L.Dense(1)(L.Concatenate()([a, b]))})
    xa, xb = np.ones((4, 3)), np.ones((4, 2))
    by_name = model.predict({"b": xb, "a": xa}, batch_size=3, verbose=0)
    assert list(by_name) == ["sum"] and by_name["sum"].shape == (4, 1)
    with pytest.raises(ValueError, match=r"missing \['b'\]"):
        model({"a": xa})
    with pytest.raises(ValueError, match="list of 2 arrays"):
        L.Model([a, b], L.Concatenate()([a, b]))(xa)
    c = L.Input((3,))
    with pytest.raises(ValueError, match="Graph disconnected"):
        L.Model(a, L.Concatenate()([a, c]))
    with pytest.raises(ValueError, match="symbolic tensors"):
        L.Model(a, np.ones(3))
    with pytest.raises(TypeError, match="not an array"):
        np.asarray(a)


def test_functional_model_pickles_and_compares():
    x = L.Input((None, 3))
    model = L.Model(x, L.GRU(2, seed=1)(L.Masking()(x)))
    data = np.random.default_rng(0).normal(size=(2, 4, 3))
    again = pickle.loads(pickle.dumps(model))
    assert again == model
    np.testing.assert_array_equal(again(data), model(data))


def test_a_model_called_on_symbolic_tensors_is_a_layer():
    x = L.Input((4, 3))
    inner = L.Sequential([L.InputLayer(shape=(4, 3)), L.SimpleRNN(2, seed=0)])
    y = inner(x)
    assert y.shape == (None, 2)
    model = L.Model(x, y)
    data = np.ones((1, 4, 3))
    np.testing.assert_array_equal(model(data), inner(data))
