"""The Keras cell API: SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells and RNN.

RNN over a built-in cell runs the layer's kernel (bit-identical to the
layer); a stack of built-in cells equals the layers composed by hand; a cell
of your own runs step by step with Keras's mask rules (checked against a
numpy loop). The ``KERAS_*`` values were computed once with Keras 3.15.1
(TensorFlow 2.21) in a throw-away script: the same inputs, masks and weights
(``linspace_weights``), printed and copied here.
"""
import pickle

import numpy as np
import pytest

import fastrnn
from fastrnn import cells as cells_module

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 6, 4)).astype(np.float32)
MASK = np.array([[1, 1, 1, 1, 1, 1], [1, 1, 0, 1, 0, 0], [0, 1, 1, 0, 1, 1]], bool)
PAIRS = [(fastrnn.SimpleRNNCell, fastrnn.SimpleRNN), (fastrnn.LSTMCell, fastrnn.LSTM),
         (fastrnn.GRUCell, fastrnn.GRU)]
IDS = ["simple_rnn", "lstm", "gru"]


def same(a, b):
    a, b = (a if isinstance(a, list) else [a]), (b if isinstance(b, list) else [b])
    assert len(a) == len(b)
    for p, q in zip(a, b):
        assert p.dtype == q.dtype and p.shape == q.shape
        np.testing.assert_array_equal(p, q)


def twins(cell_cls, layer_cls, units=5, dtype=None, **flags):
    cell = cell_cls(units, seed=3, dtype=dtype)
    rnn = fastrnn.RNN(cell, dtype=dtype, **flags)
    layer = layer_cls(units, seed=3, dtype=dtype, **flags)
    layer.build(X.shape[-1])
    cell.set_weights(layer.get_weights())
    return rnn, layer


# ------------------------------------------------------------ RNN(cell) == layer
@pytest.mark.parametrize("cell_cls,layer_cls", PAIRS, ids=IDS)
@pytest.mark.parametrize("flags", [
    {}, {"return_sequences": True}, {"return_state": True, "go_backwards": True},
    {"return_sequences": True, "return_state": True, "zero_output_for_mask": True},
    {"return_sequences": True, "go_backwards": True}])
def test_rnn_over_cell_is_bit_identical_to_layer(cell_cls, layer_cls, flags):
    rnn, layer = twins(cell_cls, layer_cls, **flags)
    same(rnn(X), layer(X))
    same(rnn(X, mask=MASK), layer(X, mask=MASK))
    n = len(layer._state_names)
    init = [RNG.normal(size=(3, 5)).astype(np.float32) for _ in range(n)]
    same(rnn(X, mask=MASK, initial_state=init), layer(X, mask=MASK, initial_state=init))


@pytest.mark.parametrize("cell_cls,layer_cls", PAIRS, ids=IDS)
def test_rnn_over_cell_float64_and_stateful(cell_cls, layer_cls):
    rnn, layer = twins(cell_cls, layer_cls, dtype="float64", return_state=True)
    out = rnn(X)
    assert out[0].dtype == np.float64
    same(out, layer(X))
    rnn, layer = twins(cell_cls, layer_cls, stateful=True, return_sequences=True)
    for chunk in (X[:, :2], X[:, 2:5], X[:, 5:]):
        same(rnn(chunk), layer(chunk))
    same(rnn.states, layer.states)
    rnn.reset_states()
    layer.reset_states()
    same(rnn(X, mask=MASK), layer(X, mask=MASK))


def test_rnn_outputs_its_own_dtype():
    # Keras: RNN casts its outputs to its own dtype, whatever the cell's.
    cell = fastrnn.LSTMCell(3, dtype="float64", seed=0)
    assert fastrnn.RNN(cell)(X).dtype == np.float32
    assert fastrnn.RNN(cell, dtype="float64")(X).dtype == np.float64


def test_cell_weights_are_shared_by_the_rnns_using_it():
    cell = fastrnn.GRUCell(3, seed=0)
    a, b = fastrnn.RNN(cell), fastrnn.RNN(cell, go_backwards=True)
    a(X)
    layer = fastrnn.GRU(3, go_backwards=True)
    layer.set_weights([w * 2 for w in cell.get_weights()])
    cell.set_weights(layer.get_weights())
    same(b(X), layer(X))


# ------------------------------------------------------------ one step
@pytest.mark.parametrize("cell_cls,layer_cls", PAIRS, ids=IDS)
def test_cell_call_is_one_timestep_of_the_layer(cell_cls, layer_cls):
    layer = layer_cls(4, return_state=True, seed=1)
    layer.build(4)
    cell = cell_cls(4)
    cell.set_weights(layer.get_weights())
    states = [RNG.normal(size=(3, 4)).astype(np.float32) for _ in layer._state_names]
    output, new_states = cell(X[:, 2], states)
    expected = layer(X[:, 2:3], initial_state=states)
    same([output, *new_states], expected)
    if cell_cls is not fastrnn.LSTMCell:
        # Keras: a bare state comes back bare.
        output, h = cell(X[:, 2], states[0])
        same([output, h], expected)


def test_cell_state_and_output_sizes():
    assert fastrnn.SimpleRNNCell(3).state_size == 3
    assert fastrnn.LSTMCell(3).state_size == [3, 3]
    assert fastrnn.GRUCell(3).state_size == 3
    assert fastrnn.LSTMCell(3).output_size == 3


# ------------------------------------------------------------ stacks
def test_stacked_cells_equal_layers_composed_by_hand():
    cells = [fastrnn.LSTMCell(5, seed=0), fastrnn.GRUCell(3, seed=1),
             fastrnn.SimpleRNNCell(2, seed=2)]
    rnn = fastrnn.RNN(cells, return_sequences=True, return_state=True, go_backwards=True)
    assert isinstance(rnn.cell, fastrnn.StackedRNNCells)
    out = rnn(X, mask=MASK)
    l0 = fastrnn.LSTM(5, return_sequences=True, return_state=True, go_backwards=True)
    l1 = fastrnn.GRU(3, return_sequences=True, return_state=True)
    l2 = fastrnn.SimpleRNN(2, return_sequences=True, return_state=True)
    for layer, cell in zip((l0, l1, l2), cells):
        layer.set_weights(cell.get_weights())
    y0, h0, c0 = l0(X, mask=MASK)
    y1, h1 = l1(y0, mask=MASK[:, ::-1])
    y2, h2 = l2(y1, mask=MASK[:, ::-1])
    same(out[0], y2)
    assert [len(s) for s in out[1:]] == [2, 1, 1]      # Keras: one list per cell
    same([*out[1], *out[2], *out[3]], [h0, c0, h1, h2])
    # initial_state: one entry per cell; then the stepwise Python loop agrees.
    init = [[np.full((3, 5), 0.1, np.float32)] * 2, [np.full((3, 3), -0.2, np.float32)],
            np.full((3, 2), 0.3, np.float32)]
    fast = rnn(X, mask=MASK, initial_state=init)
    slow = fastrnn.RNN(fastrnn.StackedRNNCells(cells + [_Identity()]), return_sequences=True,
                       return_state=True, go_backwards=True)(X, mask=MASK,
                                                            initial_state=init + [[]])
    np.testing.assert_allclose(slow[0], fast[0], atol=1e-6)
    for a, b in zip(fastrnn.layers.graph.flatten(slow[1:4]), fastrnn.layers.graph.flatten(fast[1:])):
        np.testing.assert_allclose(a, b, atol=1e-6)


class _Identity:
    """A stateless user cell: makes a stack run through the Python loop."""
    state_size = []
    output_size = 2

    def call(self, inputs, states):
        return inputs, []


def test_stack_return_state_of_one_cell_is_a_list():
    out = fastrnn.RNN([fastrnn.GRUCell(3)], return_state=True)(X)
    assert len(out) == 2 and isinstance(out[1], list) and out[1][0].shape == (3, 3)


def test_stacked_initial_state_must_be_one_entry_per_cell():
    rnn = fastrnn.RNN([fastrnn.LSTMCell(2), fastrnn.GRUCell(2)])
    with pytest.raises(ValueError, match="one per cell"):
        rnn(X, initial_state=[np.zeros((3, 2))] * 3)


def test_stacked_stateful_continues():
    cells = [fastrnn.LSTMCell(3, seed=0), fastrnn.GRUCell(2, seed=1)]
    rnn = fastrnn.RNN(cells, stateful=True, return_sequences=True)
    whole = fastrnn.RNN(cells, return_sequences=True)(X)
    parts = np.concatenate([rnn(X[:, :3]), rnn(X[:, 3:])], axis=1)
    same(parts, whole)


# ------------------------------------------------------------ a cell of your own
class MinimalRNNCell(fastrnn.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="ones")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                initializer="ones")

    def call(self, inputs, states):
        output = inputs @ self.kernel + np.tanh(states[0] @ self.recurrent_kernel) * 0.5
        return output, [output]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def reference_loop(x, kernel, recurrent, mask, go_backwards, zero_output_for_mask):
    batch, steps, _ = x.shape
    h = np.zeros((batch, kernel.shape[1]), np.float32)
    prev = np.zeros_like(h)
    seq = []
    for t in (range(steps - 1, -1, -1) if go_backwards else range(steps)):
        out = x[:, t] @ kernel + np.tanh(h @ recurrent) * 0.5
        keep = mask[:, t:t + 1]
        out = np.where(keep, out, 0 if zero_output_for_mask else prev)
        h = np.where(keep, x[:, t] @ kernel + np.tanh(h @ recurrent) * 0.5, h)
        prev = out
        seq.append(out)
    return np.stack(seq, 1), h


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("zero_output_for_mask", [False, True])
def test_user_cell_matches_a_numpy_loop(go_backwards, zero_output_for_mask):
    cell = MinimalRNNCell(3)
    rnn = fastrnn.RNN(cell, return_sequences=True, return_state=True,
                      go_backwards=go_backwards, zero_output_for_mask=zero_output_for_mask)
    rnn.build(X.shape)
    kernel = RNG.normal(size=(4, 3)).astype(np.float32) * 0.3
    recurrent = RNG.normal(size=(3, 3)).astype(np.float32) * 0.3
    rnn.set_weights([kernel, recurrent])
    seq, h = rnn(X, mask=MASK)
    ref_seq, ref_h = reference_loop(X, kernel, recurrent, MASK, go_backwards,
                                    zero_output_for_mask)
    np.testing.assert_allclose(seq, ref_seq, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(h, ref_h, rtol=1e-6, atol=1e-6)
    last = rnn.__class__(cell, go_backwards=go_backwards,
                         zero_output_for_mask=zero_output_for_mask)(X, mask=MASK)
    np.testing.assert_array_equal(last, seq[:, -1])


def test_user_cell_stateful_initial_state_and_config():
    cell = MinimalRNNCell(2)
    rnn = fastrnn.RNN(cell, stateful=True)
    a = rnn(X[:, :3])
    b = rnn(X[:, 3:])
    whole = fastrnn.RNN(cell)(X)
    np.testing.assert_allclose(b, whole, atol=1e-6)
    assert not np.allclose(a, b)
    init = [np.full((3, 2), 0.5, np.float32)]
    first, h = fastrnn.RNN(cell, return_state=True)(X[:, :1], initial_state=init)
    expected = X[:, 0] @ cell.kernel + np.tanh(init[0] @ cell.recurrent_kernel) * 0.5
    np.testing.assert_allclose(first, expected, rtol=1e-6)
    config = fastrnn.RNN(cell, go_backwards=True).get_config()
    assert config["cell"]["class_name"] == "MinimalRNNCell"
    clone = fastrnn.RNN.from_config(config, custom_objects={"MinimalRNNCell": MinimalRNNCell})
    assert clone.cell.units == 2 and clone.go_backwards


# ------------------------------------------------------------ config, weights paths
@pytest.mark.parametrize("cell_cls", [p[0] for p in PAIRS], ids=IDS)
def test_cell_config_has_keras_keys_and_round_trips(cell_cls):
    cell = cell_cls(4, dropout=0.3, kernel_regularizer="l2", name="c")
    config = cell.get_config()
    keys = {"name", "trainable", "dtype", "units", "activation", "use_bias",
            "kernel_initializer", "recurrent_initializer", "bias_initializer",
            "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
            "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
            "recurrent_dropout", "seed"}
    extra = {fastrnn.SimpleRNNCell: set(), fastrnn.LSTMCell: {"recurrent_activation",
                                                             "unit_forget_bias"},
             fastrnn.GRUCell: {"recurrent_activation", "reset_after"}}[cell_cls]
    assert set(config) == keys | extra
    assert cell_cls.from_config(config).get_config() == config
    with pytest.raises(ValueError, match="dropuot"):
        cell_cls(2, dropuot=0.1)


def test_rnn_config_serializes_the_cell_as_keras():
    rnn = fastrnn.RNN(fastrnn.LSTMCell(3, name="c"), return_sequences=True, name="r")
    config = rnn.get_config()
    assert config["cell"]["module"] == "keras.layers"
    assert config["cell"]["class_name"] == "LSTMCell"
    assert config["cell"]["registered_name"] is None
    assert {"return_sequences", "return_state", "go_backwards", "stateful", "unroll",
            "zero_output_for_mask", "name", "dtype", "trainable"} <= set(config)
    assert fastrnn.RNN.from_config(config).get_config() == config
    stacked = fastrnn.RNN([fastrnn.LSTMCell(3), fastrnn.GRUCell(2)]).get_config()
    assert stacked["cell"]["class_name"] == "StackedRNNCells"
    assert [c["class_name"] for c in stacked["cell"]["config"]["cells"]] == ["LSTMCell", "GRUCell"]
    clone = fastrnn.RNN.from_config(stacked)
    assert clone.get_config() == stacked and clone._runners is not None


def test_weight_groups_are_where_keras_saves_them():
    # Found by saving with Keras 3.15.1 (see fastrnn/rnn.py).
    assert fastrnn.RNN(fastrnn.LSTMCell(3))._weight_groups() == [("cell/vars", 3)]
    stack = fastrnn.RNN([fastrnn.LSTMCell(2), fastrnn.LSTMCell(2, use_bias=False),
                         fastrnn.GRUCell(2)])
    assert stack._weight_groups() == [("cell/cells/lstm_cell/vars", 3),
                                      ("cell/cells/lstm_cell_1/vars", 2),
                                      ("cell/cells/gru_cell/vars", 3)]
    bi = fastrnn.Bidirectional(fastrnn.RNN(fastrnn.GRUCell(2)))
    assert bi._weight_groups() == [("forward_layer/cell/vars", 3),
                                   ("backward_layer/cell/vars", 3)]


def test_pickle_round_trip():
    rnn = fastrnn.RNN([fastrnn.LSTMCell(3, seed=0), fastrnn.GRUCell(2, seed=0)])
    y = rnn(X)
    clone = pickle.loads(pickle.dumps(rnn))
    same(clone(X), y)
    clone.cell.cells[0].set_weights([w * 0 for w in rnn.cell.cells[0].get_weights()])
    assert not np.array_equal(clone(X), y)


# ------------------------------------------------------------ Bidirectional, graphs
def test_bidirectional_over_rnn_cell_equals_over_layer():
    bi_cell = fastrnn.Bidirectional(fastrnn.RNN(fastrnn.LSTMCell(3), return_sequences=True,
                                                return_state=True))
    bi_layer = fastrnn.Bidirectional(fastrnn.LSTM(3, return_sequences=True, return_state=True))
    bi_cell.build(4)
    bi_layer.set_weights(bi_cell.get_weights())
    same(bi_cell(X, mask=MASK), bi_layer(X, mask=MASK))
    clone = fastrnn.Bidirectional.from_config(bi_cell.get_config())
    assert isinstance(clone.forward_layer, fastrnn.RNN)


def test_bidirectional_refuses_a_user_cell():
    with pytest.raises(ValueError, match="RNN over a SimpleRNNCell"):
        fastrnn.Bidirectional(fastrnn.RNN(MinimalRNNCell(2)))


def test_rnn_in_a_functional_model():
    inputs = fastrnn.Input((6, 4))
    out, h, c = fastrnn.RNN(fastrnn.LSTMCell(3, seed=0), return_state=True)(inputs)
    model = fastrnn.Model(inputs, [out, c])
    y, c_value = model(X)
    assert y.shape == (3, 3) and c_value.shape == (3, 3)
    assert fastrnn.RNN(fastrnn.LSTMCell(3), return_sequences=True).compute_output_shape(
        (None, 6, 4)) == (None, 6, 3)


# ------------------------------------------------------------ real Keras
XK = np.arange(2 * 4 * 3, dtype=np.float32).reshape(2, 4, 3) / 10 - 1.0
MASK_K = np.array([[1, 1, 0, 1], [1, 0, 0, 1]], bool)


def linspace_weights(layer):
    layer.build((2, 4, 3))
    layer.set_weights([np.linspace(-0.5, 0.5, w.size, dtype=np.float32).reshape(w.shape)
                       for w in layer.get_weights()])


KERAS_LSTM_SEQ = [[[0.033360608, 0.075324416], [0.033360608, 0.075324416],
                   [0.045279749, 0.08620058], [0.047762483, 0.077723883]],
                  [[0.040864524, 0.119833305], [0.040864524, 0.119833305],
                   [0.040864524, 0.119833305], [0.059123311, 0.151782885]]]
KERAS_LSTM_C = [[0.088447191, 0.142293215], [0.092744716, 0.226187184]]
KERAS_STACK_SEQ = [[[0.035382513, 0.095708683, 0.149507135], [0, 0, 0],
                    [0.070051506, 0.160509348, 0.243747264],
                    [0.092294872, 0.198745608, 0.298983097]],
                   [[0.045628358, 0.107148714, 0.16143045], [0, 0, 0], [0, 0, 0],
                    [0.089748606, 0.183154717, 0.267884195]]]
KERAS_USER_SEQ = [[[0.08000002, 0.08000002], [0.08000002, 0.08000002],
                   [0.246669814, -0.086669818], [0.281542659, -0.232123196]],
                  [[-0.279999942, 0.44], [-0.279999942, 0.44], [-0.279999942, 0.44],
                   [0.095077381, 0.300260186]]]


def test_against_keras_rnn_lstm_cell():
    rnn = fastrnn.RNN(fastrnn.LSTMCell(2), return_sequences=True, return_state=True,
                      go_backwards=True)
    linspace_weights(rnn)
    seq, h, c = rnn(XK, mask=MASK_K)
    np.testing.assert_allclose(seq, KERAS_LSTM_SEQ, atol=2e-7)
    np.testing.assert_allclose(h, np.array(KERAS_LSTM_SEQ)[:, -1], atol=2e-7)
    np.testing.assert_allclose(c, KERAS_LSTM_C, atol=2e-7)


def test_against_keras_stacked_cells():
    rnn = fastrnn.RNN([fastrnn.LSTMCell(2), fastrnn.GRUCell(3)], return_sequences=True,
                      return_state=True, go_backwards=True, zero_output_for_mask=True)
    linspace_weights(rnn)
    seq, [h0, c0], [h1] = rnn(XK, mask=MASK_K)
    np.testing.assert_allclose(seq, KERAS_STACK_SEQ, atol=2e-7)
    np.testing.assert_allclose(c0, KERAS_LSTM_C, atol=2e-7)    # the same first cell
    np.testing.assert_allclose(h1, [[0.092294872, 0.198745608, 0.298983097],
                                    [0.089748606, 0.183154717, 0.267884195]], atol=2e-7)


@pytest.mark.parametrize("zero_output_for_mask", [False, True])
def test_against_keras_user_cell(zero_output_for_mask):
    rnn = fastrnn.RNN(MinimalRNNCell(2), return_sequences=True, return_state=True,
                      go_backwards=True, zero_output_for_mask=zero_output_for_mask)
    linspace_weights(rnn)
    seq, h = rnn(XK, mask=MASK_K)
    expected = np.array(KERAS_USER_SEQ)
    if zero_output_for_mask:
        expected[0, 1] = expected[1, 1] = expected[1, 2] = 0
    np.testing.assert_allclose(seq, expected, atol=2e-7)
    np.testing.assert_allclose(h, [[0.281542659, -0.232123196], [0.095077381, 0.300260186]],
                               atol=2e-7)


def test_cells_module_exports():
    assert set(cells_module.__all__) == {"SimpleRNNCell", "LSTMCell", "GRUCell",
                                         "StackedRNNCells"}
