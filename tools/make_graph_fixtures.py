#!/usr/bin/env python
"""Generate whole-graph Keras fixtures for fastrnn (tests/data/graphs).

Usage::

    python tools/make_graph_fixtures.py [--venv DIR] [--out DIR] [--only NAME[,NAME...]]

Same conventions as the other generators (tools/fixture_venv.py): any Python
runs it; it makes sure ``DIR`` (default ``/tmp/fastrnn-keras-venv``) can
``import tensorflow, keras, h5py`` (installing the pinned versions if not),
then re-executes itself there with TensorFlow on the CPU. Developer-only; CI
never runs it.

Every case builds one Keras 3 model (functional or Sequential graphs:
several inputs and outputs, RNN states passed as ``initial_state``, masks
given as an Input, shared layers, nested models, merge and shape layers, the
RNN cell API, registered custom layers, and the recurrent models of the
keras-io examples and guides with their sizes shrunk), gives every weight a
seeded random value (``rng.normal(0, 0.3)``; BatchNormalization variances
positive), and writes:

* ``<case>.keras``: ``model.save`` (native zip);
* ``<case>.h5``: ``model.save`` (legacy HDF5), when Keras can write it;
* ``<case>.npz``: ``in/0``, ``in/1``, ... (the inputs, in the order of
  ``model.inputs``, in each Input's dtype), ``out/0``, ``out/1``, ... (what
  ``predict`` gives for the model that ``keras.saving.load_model`` loads back
  from the ``.keras`` file; checked against the in-memory model and, when it
  loads, the ``.h5`` file) and ``names``, a JSON string
  ``{"inputs": [...], "outputs": [...], "output_structure":
  "single"|"list"|"dict"}``: how ``predict`` returned. For a dict, ``out/i``
  is the value of ``outputs[i]``. Stateful cases also hold ``call2/in/*`` and
  ``call2/out/*``: a second ``predict`` of the same loaded model, which
  starts from the states the first one left.

``cases.json`` records, per case, what happened (saved as .h5 or why not,
whether the .h5 loads back, the Keras warnings, and which layer outputs
carry a Keras mask); ``refused.json`` the models Keras would not build, save
or run, with the error; ``VERSIONS.json`` the versions. Each case seeds numpy
from the CRC32 of its name and ``keras.utils.set_random_seed(1234)``, and the
archives are re-packed with fixed zip timestamps. tests/data/graphs/README.md
describes the cases.
"""

import json
import os
import sys
import tempfile
import warnings

from fixture_venv import keras_fixture_main, KERAS_PACKAGES, REPO_ROOT, ensure_venv, rerun_in, \
    save_npz

DEFAULT_OUT = os.path.join(REPO_ROOT, "tests", "data", "graphs")
TAG = "make_graph_fixtures"
B = 5      # batch of every case (the padding patterns below need 5 rows)


def ensure_venv_and_reexec(args):
    py = ensure_venv(args.venv, "import tensorflow, keras, h5py", KERAS_PACKAGES, TAG)
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


# Inputs -------------------------------------------------------------------

def tokens(rng, steps, vocab, dtype="int32", shift=0):
    """Token ids with zero padding: row 0 post-padded, row 1 pre-padded, row 2
    whole, row 3 all padding, row 4 one inner zero. ``shift`` rotates which row
    gets which pattern (for a second masked input with other masks)."""

    x = rng.integers(1, vocab, size=(B, steps))
    rows = [(i + shift) % B for i in range(B)]
    x[rows[0], max(1, steps - 2):] = 0
    x[rows[1], :2] = 0
    x[rows[3], :] = 0
    x[rows[4], steps // 2] = 0
    return x.astype(dtype)


def floats(rng, *shape):
    return rng.normal(size=(B,) + shape).astype("float32")


def masked_floats(rng, steps, feat, mask_value=0.0):
    """For Masking: rows with post-, pre-, no, full and one inner masked step;
    row 2 has one feature equal to mask_value (that step stays valid)."""
    x = floats(rng, steps, feat)
    x[0, steps - 2:] = mask_value
    x[1, :2] = mask_value
    x[2, 1, 0] = mask_value
    x[3, :] = mask_value
    x[4, steps // 2] = mask_value
    return x


def bool_mask(steps):
    import numpy as np

    m = np.ones((B, steps), bool)
    m[0, steps - 2:] = False       # post
    m[1, :2] = False               # pre
    m[3, :] = False                # all masked
    m[4, steps // 2] = False       # inner
    return m


def one_hot(rng, steps, n, dtype="float32"):
    import numpy as np

    idx = rng.integers(0, n, size=(B, steps))
    return np.eye(n, dtype=dtype)[idx]


# Custom objects -----------------------------------------------------------
# The sources between the markers are copied into README.md by hand; keep
# them in step.

def custom_objects():
    import keras
    from keras import ops

    register = keras.saving.register_keras_serializable(package="fixtures")

    # --- custom sources begin ---
    @register
    class CustomDense(keras.layers.Layer):
        """relu(x @ w + b)."""

        def __init__(self, units=32, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                     initializer="random_normal", name="kernel")
            self.b = self.add_weight(shape=(self.units,), initializer="random_normal",
                                     name="bias")

        def call(self, inputs):
            return ops.relu(ops.matmul(inputs, self.w) + self.b)

        def get_config(self):
            config = super().get_config()
            config.update({"units": self.units})
            return config

    @register
    class CustomScale(keras.layers.Layer):
        """x * factor; no weights."""

        def __init__(self, factor=1.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, inputs):
            return inputs * self.factor

        def get_config(self):
            config = super().get_config()
            config.update({"factor": self.factor})
            return config

    @register
    class MinimalRNNCell(keras.layers.Layer):
        """The cell of the keras.layers.RNN docstring, plus get_config."""

        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                          initializer="uniform", name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                    initializer="uniform",
                                                    name="recurrent_kernel")

        def call(self, inputs, states):
            prev_output = states[0]
            h = ops.matmul(inputs, self.kernel)
            output = h + ops.matmul(prev_output, self.recurrent_kernel)
            return output, [output]

        def get_config(self):
            config = super().get_config()
            config.update({"units": self.units})
            return config

    # guides/understanding_masking_and_padding.py, in Keras 3 ops (the guide
    # uses tf.*); get_config added where the constructor takes arguments.
    @register
    class MyLayer(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.embedding = keras.layers.Embedding(input_dim=20, output_dim=4, mask_zero=True)
            self.lstm = keras.layers.LSTM(4)

        def call(self, inputs):
            x = self.embedding(inputs)
            # Note that you could also prepare a `mask` tensor manually.
            # It only needs to be a boolean tensor
            # with the right shape, i.e. (batch_size, timesteps).
            mask = self.embedding.compute_mask(inputs)
            output = self.lstm(x, mask=mask)  # The layer will ignore the masked values
            return output

    @register
    class TemporalSplit(keras.layers.Layer):
        """Split the input tensor into 2 tensors along the time dimension."""

        def call(self, inputs):
            # Expect the input to be 3D and mask to be 2D, split the input tensor into 2
            # subtensors along the time axis (axis 1).
            return ops.split(inputs, 2, axis=1)

        def compute_mask(self, inputs, mask=None):
            # Also split the mask into 2 if it presents.
            if mask is None:
                return None
            return ops.split(mask, 2, axis=1)

    @register
    class CustomEmbedding(keras.layers.Layer):
        def __init__(self, input_dim, output_dim, mask_zero=False, **kwargs):
            super().__init__(**kwargs)
            self.input_dim = input_dim
            self.output_dim = output_dim
            self.mask_zero = mask_zero

        def build(self, input_shape):
            self.embeddings = self.add_weight(
                shape=(self.input_dim, self.output_dim),
                initializer="random_normal",
                dtype="float32",
            )

        def call(self, inputs):
            inputs = ops.cast(inputs, "int32")
            return ops.take(self.embeddings, inputs, axis=0)

        def compute_mask(self, inputs, mask=None):
            if not self.mask_zero:
                return None
            return ops.not_equal(inputs, 0)

        def get_config(self):
            config = super().get_config()
            config.update({"input_dim": self.input_dim, "output_dim": self.output_dim,
                           "mask_zero": self.mask_zero})
            return config

    @register
    class MyActivation(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            # Signal that the layer is safe for mask propagation
            self.supports_masking = True

        def call(self, inputs):
            return ops.relu(inputs)

    @register
    class TemporalSoftmax(keras.layers.Layer):
        def call(self, inputs, mask=None):
            broadcast_float_mask = ops.expand_dims(ops.cast(mask, "float32"), -1)
            inputs_exp = ops.exp(inputs) * broadcast_float_mask
            inputs_sum = ops.sum(inputs * broadcast_float_mask, axis=1, keepdims=True)
            return inputs_exp / inputs_sum

    # guides/working_with_rnns.py (tf.nest / tf.einsum in the guide; the
    # guide's get_config reads a global unit_2, fixed here).
    @register
    class NestedCell(keras.layers.Layer):
        def __init__(self, unit_1, unit_2, unit_3, **kwargs):
            self.unit_1 = unit_1
            self.unit_2 = unit_2
            self.unit_3 = unit_3
            self.state_size = [(unit_1,), (unit_2, unit_3)]
            self.output_size = [(unit_1,), (unit_2, unit_3)]
            super().__init__(**kwargs)

        def build(self, input_shapes):
            # expect input_shape to contain 2 items, [(batch, i1), (batch, i2, i3)]
            i1 = input_shapes[0][1]
            i2 = input_shapes[1][1]
            i3 = input_shapes[1][2]

            self.kernel_1 = self.add_weight(
                shape=(i1, self.unit_1), initializer="uniform", name="kernel_1"
            )
            self.kernel_2_3 = self.add_weight(
                shape=(i2, i3, self.unit_2, self.unit_3),
                initializer="uniform",
                name="kernel_2_3",
            )

        def call(self, inputs, states):
            # inputs should be in [(batch, input_1), (batch, input_2, input_3)]
            # state should be in shape [(batch, unit_1), (batch, unit_2, unit_3)]
            input_1, input_2 = keras.tree.flatten(inputs)
            s1, s2 = states

            output_1 = ops.matmul(input_1, self.kernel_1)
            output_2_3 = ops.einsum("bij,ijkl->bkl", input_2, self.kernel_2_3)
            state_1 = s1 + output_1
            state_2_3 = s2 + output_2_3

            output = (output_1, output_2_3)
            new_states = (state_1, state_2_3)

            return output, new_states

        def get_config(self):
            return {"unit_1": self.unit_1, "unit_2": self.unit_2, "unit_3": self.unit_3}
    # --- custom sources end ---

    return dict(CustomDense=CustomDense, CustomScale=CustomScale, MinimalRNNCell=MinimalRNNCell,
                MyLayer=MyLayer, TemporalSplit=TemporalSplit, CustomEmbedding=CustomEmbedding,
                MyActivation=MyActivation, TemporalSoftmax=TemporalSoftmax,
                NestedCell=NestedCell)


# Cases --------------------------------------------------------------------
# Each builder takes the case's rng and returns (model, inputs): inputs a list
# in the order of model.inputs. Weights are randomized afterwards.

def make_cases(C):
    import keras
    from keras import layers as L

    I = keras.Input  # noqa: E741 - the keras-io examples read as written
    Model = keras.Model
    cases = {}

    def case(fn):
        cases[fn.__name__] = fn
        return fn

    # --- several inputs and outputs ---
    @case
    def multi_io(r):
        a, b = I((6, 3), name="seq_a"), I((4, 2), name="seq_b")
        x = L.Concatenate()([L.LSTM(4)(a), L.LSTM(3)(b)])
        o1 = L.Dense(2, name="score")(x)
        o2 = L.Dense(3, activation="softmax", name="label")(x)
        return Model([a, b], [o1, o2]), [floats(r, 6, 3), floats(r, 4, 2)]

    @case
    def multi_io_dict(r):
        a, b = I((6, 3), name="seq_a"), I((4, 2), name="seq_b")
        x = L.Concatenate()([L.GRU(4)(a), L.SimpleRNN(3)(b)])
        o1 = L.Dense(2, name="score")(x)
        o2 = L.Dense(3, activation="softmax", name="label")(x)
        return Model([a, b], {"score": o1, "label": o2}), [floats(r, 6, 3), floats(r, 4, 2)]

    # --- RNN states as initial_state ---
    def states(r, rnn, n_states):
        enc_in, dec_in = I((5, 3), name="encoder_in"), I((4, 2), name="decoder_in")
        _, *st = rnn(4, return_state=True)(enc_in)
        assert len(st) == n_states
        y = rnn(4, return_sequences=True)(dec_in, initial_state=st)
        return Model([enc_in, dec_in], L.Dense(3)(y)), [floats(r, 5, 3), floats(r, 4, 2)]

    cases["states_lstm"] = lambda r: states(r, L.LSTM, 2)
    cases["states_gru"] = lambda r: states(r, L.GRU, 1)
    cases["states_simplernn"] = lambda r: states(r, L.SimpleRNN, 1)

    @case
    def states_bidirectional(r):
        enc_in, dec_in = I((5, 3), name="encoder_in"), I((4, 2), name="decoder_in")
        _, fh, fc, bh, bc = L.Bidirectional(L.LSTM(3, return_state=True))(enc_in)
        h = L.Concatenate()([fh, bh])
        c = L.Concatenate()([fc, bc])
        y = L.LSTM(6, return_sequences=True)(dec_in, initial_state=[h, c])
        return Model([enc_in, dec_in], L.Dense(2)(y)), [floats(r, 5, 3), floats(r, 4, 2)]

    @case
    def return_state_outputs(r):
        x = I((5, 3))
        seq, h, c = L.LSTM(4, return_sequences=True, return_state=True)(x)
        return Model(x, [seq, h, c]), [floats(r, 5, 3)]

    # --- a mask as an Input ---
    @case
    def mask_input_gru(r):
        frames, mask = I((6, 5)), I((6,), dtype="bool")
        x = L.GRU(6, return_sequences=True)(frames, mask=mask)
        x = L.GRU(4)(x)
        x = L.Dropout(0.4)(x)
        x = L.Dense(4, activation="relu")(x)
        out = L.Dense(3, activation="softmax")(x)
        return Model([frames, mask], out), [floats(r, 6, 5), bool_mask(6)]

    # --- shared layers ---
    @case
    def shared_layers(r):
        a, b = I((5, 3), name="first"), I((4, 3), name="second")
        lstm, dense = L.LSTM(4), L.Dense(3)
        out = L.Add()([dense(lstm(a)), dense(lstm(b))])
        return Model([a, b], out), [floats(r, 5, 3), floats(r, 4, 3)]

    # --- nested models ---
    @case
    def nested_seq_in_func(r):
        inner = keras.Sequential([I((None,), dtype="int32"), L.Embedding(12, 4, mask_zero=True),
                                  L.LSTM(5, return_sequences=True)], name="inner_seq")
        inp = I((None,), dtype="int32")
        x = L.GRU(3)(inner(inp))
        return Model(inp, L.Dense(2)(x)), [tokens(r, 6, 12)]

    @case
    def nested_func_in_func(r):
        ii = I((None, 3))
        inner = Model(ii, L.Dense(3)(L.LSTM(4, return_sequences=True)(ii)), name="inner_func")
        inp = I((5, 3))
        x = L.GRU(3)(inner(inp))
        return Model(inp, L.Dense(2)(x)), [floats(r, 5, 3)]

    @case
    def nested_func_in_seq(r):
        ii = I((5, 3))
        y = L.Dense(3, activation="tanh")(L.SimpleRNN(4, return_sequences=True)(ii))
        inner = Model(ii, y, name="inner_func")
        m = keras.Sequential([I((5, 3)), inner, L.LSTM(3), L.Dense(2)])
        return m, [floats(r, 5, 3)]

    # --- masks through merges ---
    def masked_merge(r, merge, dims=(4, 3), second_mask=True):
        a, b = I((None,), dtype="int32", name="a"), I((None,), dtype="int32", name="b")
        ea = L.Embedding(12, dims[0], mask_zero=True)(a)
        eb = L.Embedding(10, dims[1], mask_zero=second_mask)(b)
        x = L.LSTM(4)(merge()([ea, eb]))
        return Model([a, b], L.Dense(2)(x)), [tokens(r, 6, 12), tokens(r, 6, 10, shift=2)]

    cases["masked_merge_concat"] = lambda r: masked_merge(r, L.Concatenate)
    cases["masked_merge_add"] = lambda r: masked_merge(r, L.Add, dims=(4, 4))
    cases["masked_merge_mixed"] = lambda r: masked_merge(r, L.Concatenate, second_mask=False)

    # --- merge layers ---
    def two(r, ta=5, tb=5, fa=3, fb=2):
        a, b = I((ta, fa), name="a"), I((tb, fb), name="b")
        return a, b, [floats(r, ta, fa), floats(r, tb, fb)]

    @case
    def merge_concatenate_axis1(r):
        a, b, xs = two(r, 4, 3, 3, 3)
        x = L.Concatenate(axis=1)([L.LSTM(4, return_sequences=True)(a),
                                   L.GRU(4, return_sequences=True)(b)])
        return Model([a, b], L.Dense(2)(L.GRU(3)(x))), xs

    @case
    def merge_concatenate(r):
        a, b, xs = two(r)
        x = L.Concatenate()([L.LSTM(4)(a), L.GRU(3)(b)])
        return Model([a, b], L.Dense(2)(x)), xs

    @case
    def merge_add3(r):
        a, b, xs = two(r)
        c = I((3,), name="c")
        x = L.Add()([L.LSTM(4)(a), L.GRU(4)(b), L.Dense(4)(c)])
        return Model([a, b, c], L.Dense(2)(x)), xs + [floats(r, 3)]

    def pairwise(merge, ra=L.LSTM, rb=L.GRU):
        def build(r):
            a, b, xs = two(r)
            x = merge()([ra(4)(a), rb(4)(b)])
            return Model([a, b], L.Dense(2)(x)), xs
        return build

    cases["merge_subtract"] = pairwise(L.Subtract)
    cases["merge_multiply"] = pairwise(L.Multiply, L.SimpleRNN, L.LSTM)
    cases["merge_average"] = pairwise(L.Average, L.GRU, L.SimpleRNN)
    cases["merge_maximum"] = pairwise(L.Maximum)
    cases["merge_minimum"] = pairwise(L.Minimum, L.GRU, L.LSTM)

    @case
    def merge_dot_axes2(r):
        a, b, xs = two(r, 5, 4)
        x = L.Dot(axes=2)([L.LSTM(4, return_sequences=True)(a),
                           L.GRU(4, return_sequences=True)(b)])       # (B, 5, 4)
        return Model([a, b], L.Dense(2)(L.SimpleRNN(3)(x))), xs

    @case
    def merge_dot_normalize(r):
        a, b, xs = two(r)
        x = L.Dot(axes=1, normalize=True)([L.LSTM(4)(a), L.GRU(4)(b)])  # (B, 1)
        return Model([a, b], L.Dense(2)(x)), xs

    @case
    def merge_dot_axes1(r):
        a, b, xs = two(r)
        x = L.Dot(axes=1)([L.LSTM(4, return_sequences=True)(a),
                           L.GRU(3, return_sequences=True)(b)])       # (B, 4, 3)
        return Model([a, b], L.Dense(2)(L.SimpleRNN(2)(x))), xs

    # --- shape layers, unmasked and masked ---
    @case
    def shape_repeatvector(r):
        x = I((5, 3))
        y = L.LSTM(3, return_sequences=True)(L.RepeatVector(4)(L.LSTM(4)(x)))
        return Model(x, L.Dense(2)(y)), [floats(r, 5, 3)]

    @case
    def shape_repeatvector_masked(r):
        x = I((None,), dtype="int32")
        e = L.Embedding(12, 3, mask_zero=True)(x)
        y = L.LSTM(3, return_sequences=True)(L.RepeatVector(4)(L.LSTM(4)(e)))
        return Model(x, L.Dense(2)(y)), [tokens(r, 6, 12)]

    shape_layers = {
        "permute": (lambda: L.Permute((2, 1)), L.LSTM),
        "cropping1d": (lambda: L.Cropping1D((1, 2)), L.GRU),
        "zeropadding1d": (lambda: L.ZeroPadding1D((1, 2)), L.LSTM),
        "upsampling1d": (lambda: L.UpSampling1D(2), L.SimpleRNN),
    }

    def shape_case(make, rnn, masked):
        def build(r):
            if masked == "embedding":
                x = I((6,), dtype="int32")
                h = L.Embedding(12, 3, mask_zero=True)(x)
                xs = [tokens(r, 6, 12)]
            elif masked == "masking":
                x = I((6, 3))
                h = L.Masking()(x)
                xs = [masked_floats(r, 6, 3)]
            else:
                x = I((6, 3))
                h = x
                xs = [floats(r, 6, 3)]
            y = rnn(4, return_sequences=True)(make()(h))
            return Model(x, L.Dense(2)(y)), xs
        return build

    for nm, (make, rnn) in shape_layers.items():
        cases[f"shape_{nm}"] = shape_case(make, rnn, None)
        cases[f"shape_{nm}_masked"] = shape_case(make, rnn, "embedding")
        cases[f"shape_{nm}_masking"] = shape_case(make, rnn, "masking")

    # --- RNN cell API ---
    def cell_case(cell, masked=False, **kw):
        def build(r):
            x = I((6, 3))
            h = L.Masking()(x) if masked else x
            y = L.RNN(cell(), **kw)(h)
            if isinstance(y, (list, tuple)):   # return_state: outputs flattened
                return Model(x, keras.tree.flatten(y)), [masked_floats(r, 6, 3) if masked else floats(r, 6, 3)]
            return Model(x, L.Dense(2)(y)), [masked_floats(r, 6, 3) if masked else floats(r, 6, 3)]
        return build

    cases["cell_simplernn"] = cell_case(lambda: L.SimpleRNNCell(4), return_sequences=True)
    cases["cell_lstm"] = cell_case(lambda: L.LSTMCell(4))
    cases["cell_gru"] = cell_case(lambda: L.GRUCell(4), return_sequences=True)
    cases["cell_gru_reset_before"] = cell_case(lambda: L.GRUCell(4, reset_after=False))
    cases["cell_lstm_state_backwards"] = cell_case(lambda: L.LSTMCell(4), return_state=True,
                                                   go_backwards=True)
    cases["cell_lstm_masked"] = cell_case(lambda: L.LSTMCell(4), masked=True,
                                          return_sequences=True)
    cases["cell_stacked"] = cell_case(
        lambda: L.StackedRNNCells([L.LSTMCell(4), L.GRUCell(3)]), return_state=True)
    cases["cell_stacked_seq"] = cell_case(
        lambda: L.StackedRNNCells([L.LSTMCell(4), L.GRUCell(3)]), masked=True,
        return_sequences=True)
    cases["cell_list"] = cell_case(lambda: [L.SimpleRNNCell(3), L.LSTMCell(4)],
                                   return_sequences=True)

    @case
    def cell_bidirectional(r):
        x = I((6, 3))
        y = L.Bidirectional(L.RNN(L.LSTMCell(4)))(x)
        return Model(x, L.Dense(2)(y)), [floats(r, 6, 3)]

    # --- custom objects ---
    @case
    def custom_dense(r):
        x = I((5, 3))
        y = C["CustomDense"](3)(L.LSTM(4, return_sequences=True)(x))
        return Model(x, L.GRU(2)(y)), [floats(r, 5, 3)]

    @case
    def custom_scale(r):
        x = I((5, 3))
        y = C["CustomScale"](factor=1.5)(L.GRU(4, return_sequences=True)(x))
        return Model(x, L.LSTM(3)(y)), [floats(r, 5, 3)]

    @case
    def custom_cell(r):
        x = I((5, 3))
        y = L.RNN(C["MinimalRNNCell"](4))(x)
        return Model(x, L.Dense(2)(y)), [floats(r, 5, 3)]

    # --- keras-io: examples/nlp/lstm_seq2seq.py (latent_dim 256 -> 4, tokens -> 6 / 7) ---
    num_encoder_tokens, num_decoder_tokens, latent_dim = 6, 7, 4

    def seq2seq_train():
        # Define an input sequence and process it.
        encoder_inputs = keras.Input(shape=(None, num_encoder_tokens))
        encoder = keras.layers.LSTM(latent_dim, return_state=True)
        encoder_outputs, state_h, state_c = encoder(encoder_inputs)
        # We discard `encoder_outputs` and only keep the states.
        encoder_states = [state_h, state_c]
        # Set up the decoder, using `encoder_states` as initial state.
        decoder_inputs = keras.Input(shape=(None, num_decoder_tokens))
        decoder_lstm = keras.layers.LSTM(latent_dim, return_sequences=True, return_state=True)
        decoder_outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=encoder_states)
        decoder_dense = keras.layers.Dense(num_decoder_tokens, activation="softmax")
        decoder_outputs = decoder_dense(decoder_outputs)
        return keras.Model([encoder_inputs, decoder_inputs], decoder_outputs)

    def seq2seq_loaded():
        """The training model with the weights of the kerasio_lstm_seq2seq_train
        case, saved and loaded back, as the example builds its inference models."""
        keras.utils.set_random_seed(1234)
        model = seq2seq_train()
        randomize(model, rng_for("kerasio_lstm_seq2seq_train"))
        with tempfile.TemporaryDirectory() as tmp:
            model.save(os.path.join(tmp, "s2s_model.keras"))
            return keras.models.load_model(os.path.join(tmp, "s2s_model.keras"))

    @case
    def kerasio_lstm_seq2seq_train(r):
        return seq2seq_train(), [one_hot(r, 6, num_encoder_tokens),
                                 one_hot(r, 5, num_decoder_tokens)]

    @case
    def kerasio_lstm_seq2seq_encoder(r):
        model = seq2seq_loaded()
        encoder_inputs = model.input[0]  # input_1
        encoder_outputs, state_h_enc, state_c_enc = model.layers[2].output  # lstm_1
        encoder_states = [state_h_enc, state_c_enc]
        encoder_model = keras.Model(encoder_inputs, encoder_states)
        return encoder_model, [one_hot(r, 6, num_encoder_tokens)]

    @case
    def kerasio_lstm_seq2seq_decoder(r):
        model = seq2seq_loaded()
        decoder_inputs = model.input[1]  # input_2
        decoder_state_input_h = keras.Input(shape=(latent_dim,))
        decoder_state_input_c = keras.Input(shape=(latent_dim,))
        decoder_states_inputs = [decoder_state_input_h, decoder_state_input_c]
        decoder_lstm = model.layers[3]
        decoder_outputs, state_h_dec, state_c_dec = decoder_lstm(
            decoder_inputs, initial_state=decoder_states_inputs
        )
        decoder_states = [state_h_dec, state_c_dec]
        decoder_dense = model.layers[4]
        decoder_outputs = decoder_dense(decoder_outputs)
        decoder_model = keras.Model(
            [decoder_inputs] + decoder_states_inputs, [decoder_outputs] + decoder_states
        )
        return decoder_model, [one_hot(r, 1, num_decoder_tokens), floats(r, latent_dim),
                               floats(r, latent_dim)]

    # --- keras-io: guides/functional_api.py tickets (sizes shrunk) ---
    @case
    def kerasio_functional_api_tickets(r):
        num_tags, num_words, num_departments = 5, 20, 3
        title_input = keras.Input(shape=(None,), name="title")
        body_input = keras.Input(shape=(None,), name="body")
        tags_input = keras.Input(shape=(num_tags,), name="tags")
        title_features = L.Embedding(num_words, 4)(title_input)
        body_features = L.Embedding(num_words, 4)(body_input)
        title_features = L.LSTM(5)(title_features)
        body_features = L.LSTM(3)(body_features)
        x = L.concatenate([title_features, body_features, tags_input])
        priority_pred = L.Dense(1, name="priority")(x)
        department_pred = L.Dense(num_departments, name="department")(x)
        model = keras.Model(inputs=[title_input, body_input, tags_input],
                            outputs=[priority_pred, department_pred])
        tags = r.integers(0, 2, size=(B, num_tags)).astype("float32")
        return model, [tokens(r, 4, num_words, "float32"), tokens(r, 7, num_words, "float32"),
                       tags]

    # --- keras-io: examples/vision/video_classification.py (MAX_SEQ_LENGTH 20 -> 6,
    #     NUM_FEATURES 2048 -> 5, 5 classes) ---
    @case
    def kerasio_video_classification(r):
        MAX_SEQ_LENGTH, NUM_FEATURES, n_classes = 6, 5, 5
        frame_features_input = keras.Input((MAX_SEQ_LENGTH, NUM_FEATURES))
        mask_input = keras.Input((MAX_SEQ_LENGTH,), dtype="bool")
        x = keras.layers.GRU(16, return_sequences=True)(frame_features_input, mask=mask_input)
        x = keras.layers.GRU(8)(x)
        x = keras.layers.Dropout(0.4)(x)
        x = keras.layers.Dense(8, activation="relu")(x)
        output = keras.layers.Dense(n_classes, activation="softmax")(x)
        rnn_model = keras.Model([frame_features_input, mask_input], output)
        feats = floats(r, MAX_SEQ_LENGTH, NUM_FEATURES)
        mask = bool_mask(MAX_SEQ_LENGTH)
        feats[~mask] = 0.0      # as prepare_all_videos leaves masked frames zero
        return rnn_model, [feats, mask]

    # --- keras-io: examples/nlp/addition_rnn.py (128 -> 6; DIGITS 3, chars 12) ---
    @case
    def kerasio_addition_rnn(r):
        DIGITS, chars, num_layers = 3, "0123456789+ ", 1
        MAXLEN = DIGITS + 1 + DIGITS
        model = keras.Sequential()
        model.add(L.LSTM(6, input_shape=(MAXLEN, len(chars))))
        model.add(L.RepeatVector(DIGITS + 1))
        for _ in range(num_layers):
            model.add(L.LSTM(6, return_sequences=True))
        model.add(L.Dense(len(chars), activation="softmax"))
        return model, [one_hot(r, MAXLEN, len(chars))]

    # --- keras-io: guides/working_with_rnns.py ---
    @case
    def kerasio_working_with_rnns_sequential(r):
        model = keras.Sequential()
        model.add(L.Embedding(input_dim=20, output_dim=4))
        model.add(L.LSTM(5))
        model.add(L.Dense(3))
        return model, [tokens(r, 6, 20)]

    @case
    def kerasio_working_with_rnns_gru_simplernn(r):
        model = keras.Sequential()
        model.add(L.Embedding(input_dim=20, output_dim=4))
        model.add(L.GRU(5, return_sequences=True))
        model.add(L.SimpleRNN(4))
        model.add(L.Dense(3))
        return model, [tokens(r, 6, 20)]

    @case
    def kerasio_working_with_rnns_encoder_decoder(r):
        encoder_vocab, decoder_vocab = 20, 25
        encoder_input = L.Input(shape=(None,))
        encoder_embedded = L.Embedding(input_dim=encoder_vocab, output_dim=4)(encoder_input)
        output, state_h, state_c = L.LSTM(4, return_state=True, name="encoder")(
            encoder_embedded)
        encoder_state = [state_h, state_c]
        decoder_input = L.Input(shape=(None,))
        decoder_embedded = L.Embedding(input_dim=decoder_vocab, output_dim=4)(decoder_input)
        decoder_output = L.LSTM(4, name="decoder")(decoder_embedded,
                                                    initial_state=encoder_state)
        output = L.Dense(3)(decoder_output)
        model = keras.Model([encoder_input, decoder_input], output)
        return model, [tokens(r, 6, encoder_vocab, "float32"),
                       tokens(r, 5, decoder_vocab, "float32")]

    @case
    def kerasio_working_with_rnns_bidirectional(r):
        model = keras.Sequential()
        model.add(L.Bidirectional(L.LSTM(4, return_sequences=True), input_shape=(5, 10)))
        model.add(L.Bidirectional(L.LSTM(3)))
        model.add(L.Dense(3))
        return model, [floats(r, 5, 10)]

    def build_model(allow_cudnn_kernel=True):
        input_dim, units, output_size = 6, 5, 4
        if allow_cudnn_kernel:
            lstm_layer = keras.layers.LSTM(units, input_shape=(None, input_dim))
        else:
            lstm_layer = keras.layers.RNN(keras.layers.LSTMCell(units),
                                          input_shape=(None, input_dim))
        model = keras.models.Sequential([
            lstm_layer,
            keras.layers.BatchNormalization(),
            keras.layers.Dense(output_size),
        ])
        return model

    cases["kerasio_working_with_rnns_build_model"] = \
        lambda r: (build_model(allow_cudnn_kernel=False), [r.random((B, 6, 6)).astype("float32")])
    cases["kerasio_working_with_rnns_build_model_cudnn"] = \
        lambda r: (build_model(allow_cudnn_kernel=True), [r.random((B, 6, 6)).astype("float32")])

    @case
    def kerasio_working_with_rnns_stateful(r):
        # The guide calls a bare LSTM(64, stateful=True) on (20, 10, 50) paragraphs;
        # here in a Sequential with a fixed batch (B, 3, 5) and 4 units.
        lstm_layer = L.LSTM(4, stateful=True)
        model = keras.Sequential([keras.Input(batch_shape=(B, 3, 5)), lstm_layer])
        return model, [r.random((B, 3, 5)).astype("float32")]

    @case
    def kerasio_working_with_rnns_nested_cell(r):
        unit_1, unit_2, unit_3, i1, i2, i3 = 2, 2, 3, 3, 2, 2
        cell = C["NestedCell"](unit_1, unit_2, unit_3)
        rnn = keras.layers.RNN(cell)
        input_1 = keras.Input((None, i1))
        input_2 = keras.Input((None, i2, i3))
        outputs = rnn((input_1, input_2))
        model = keras.models.Model([input_1, input_2], outputs)
        return model, [r.random((B, 4, i1)).astype("float32"),
                       r.random((B, 4, i2, i3)).astype("float32")]

    # --- keras-io: guides/understanding_masking_and_padding.py (5000/16/32 -> 20/4/4) ---
    @case
    def kerasio_masking_sequential(r):
        model = keras.Sequential(
            [L.Embedding(input_dim=20, output_dim=4, mask_zero=True), L.LSTM(4)])
        return model, [tokens(r, 6, 20)]

    @case
    def kerasio_masking_functional(r):
        inputs = keras.Input(shape=(None,), dtype="int32")
        x = L.Embedding(input_dim=20, output_dim=4, mask_zero=True)(inputs)
        outputs = L.LSTM(4)(x)
        return keras.Model(inputs, outputs), [tokens(r, 6, 20)]

    @case
    def kerasio_masking_mylayer(r):
        inputs = keras.Input(shape=(None,), dtype="int32")
        return keras.Model(inputs, C["MyLayer"]()(inputs)), [tokens(r, 6, 20)]

    @case
    def kerasio_masking_temporal_split(r):
        # The guide applies TemporalSplit to a masked embedding; here an LSTM
        # reads each half.
        inputs = keras.Input(shape=(6,), dtype="int32")
        masked_embedding = L.Embedding(input_dim=20, output_dim=4, mask_zero=True)(inputs)
        first_half, second_half = C["TemporalSplit"]()(masked_embedding)
        outputs = [L.LSTM(3)(first_half), L.LSTM(3)(second_half)]
        return keras.Model(inputs, outputs), [tokens(r, 6, 20)]

    @case
    def kerasio_masking_custom_embedding(r):
        inputs = keras.Input(shape=(None,), dtype="int32")
        x = C["CustomEmbedding"](10, 4, mask_zero=True)(inputs)
        outputs = L.LSTM(3)(x)
        return keras.Model(inputs, outputs), [tokens(r, 6, 10)]

    @case
    def kerasio_masking_my_activation(r):
        inputs = keras.Input(shape=(None,), dtype="int32")
        x = L.Embedding(input_dim=20, output_dim=4, mask_zero=True)(inputs)
        x = C["MyActivation"]()(x)  # Will pass the mask along
        outputs = L.LSTM(4)(x)  # Will receive the mask
        return keras.Model(inputs, outputs), [tokens(r, 6, 20)]

    @case
    def kerasio_masking_temporal_softmax(r):
        inputs = keras.Input(shape=(None,), dtype="int32")
        x = L.Embedding(input_dim=10, output_dim=4, mask_zero=True)(inputs)
        x = L.Dense(1)(x)
        outputs = C["TemporalSoftmax"]()(x)
        return keras.Model(inputs, outputs), [tokens(r, 6, 10)]

    # --- keras-io: examples/nlp/bidirectional_lstm_imdb.py (20000/128/64 -> 30/4/3) ---
    @case
    def kerasio_bidirectional_lstm_imdb(r):
        inputs = keras.Input(shape=(None,), dtype="int32")
        x = L.Embedding(30, 4)(inputs)
        x = L.Bidirectional(L.LSTM(3, return_sequences=True))(x)
        x = L.Bidirectional(L.LSTM(3))(x)
        outputs = L.Dense(1, activation="sigmoid")(x)
        return keras.Model(inputs, outputs), [tokens(r, 6, 30)]

    # --- keras-io: examples/nlp/imdb_lstm_sentiment.py (5000/128/200/128 -> 30/4/6/5) ---
    @case
    def kerasio_imdb_lstm_sentiment(r):
        model = keras.Sequential()
        model.add(L.Embedding(input_dim=30, output_dim=4, input_shape=(6,)))
        model.add(L.LSTM(5, dropout=0.2))
        model.add(L.Dense(1, activation="sigmoid"))
        return model, [tokens(r, 6, 30)]

    # --- keras-io: examples/generative/lstm_character_level_text_generation.py
    #     (maxlen 40 -> 6, chars -> 8, 128 -> 5) ---
    @case
    def kerasio_char_text_generation(r):
        maxlen, n_chars = 6, 8
        model = keras.Sequential([keras.Input(shape=(maxlen, n_chars)), L.LSTM(5),
                                  L.Dense(n_chars, activation="softmax")])
        return model, [one_hot(r, maxlen, n_chars)]

    # --- keras-io: examples/timeseries/timeseries_weather_forecasting.py
    #     (sequence_length 120 -> 6, 7 features, 32 -> 4) ---
    @case
    def kerasio_weather_forecasting(r):
        inputs = keras.layers.Input(shape=(6, 7))
        lstm_out = keras.layers.LSTM(4)(inputs)
        outputs = keras.layers.Dense(1)(lstm_out)
        return keras.Model(inputs=inputs, outputs=outputs), [floats(r, 6, 7)]

    return cases


# Running a case -----------------------------------------------------------

def randomize(model, rng):
    """Every weight variable (each shared one once) from rng.normal(0, 0.3);
    BatchNormalization variances |N(0, 0.3)| + 0.5."""
    seen = set()
    for v in model.weights:
        key = id(v)
        if key in seen:
            continue
        seen.add(key)
        shape = tuple(v.shape)
        w = rng.normal(0, 0.3, shape)
        if "variance" in v.path:
            w = abs(w) + 0.5
        v.assign(w.astype(v.dtype))


def mask_probe(model):
    """{layer name: [does output k of each call carry a Keras mask]} for the
    layers of the graph (nested models as one layer), as the symbolic graph
    records it (KerasTensor._keras_mask). Only the layers with a mask are
    listed. A nested model's output shows no mask here, though at run time
    its mask does reach the next layer (see README.md)."""
    import keras

    out = {}
    for layer in model.layers:
        calls = []
        for node in layer._inbound_nodes:
            outs = keras.tree.flatten(node.output_tensors)
            calls.append([getattr(t, "_keras_mask", None) is not None for t in outs])
        if calls and any(any(c) for c in calls):
            out[layer.name] = calls if len(calls) > 1 else calls[0]
    return out


def output_names(model):
    """model.output_names; for a Sequential (which has none) the name of the
    layer making each output."""
    try:
        return list(model.output_names)
    except AttributeError:
        return [t._keras_history[0].name for t in model.outputs]


def structure(pred):
    import numpy as np

    if isinstance(pred, dict):
        return "dict"
    if isinstance(pred, (list, tuple)):
        return "list"
    assert isinstance(pred, np.ndarray), type(pred)
    return "single"


def flat_outputs(pred, keys):
    if isinstance(pred, dict):
        return [pred[k] for k in keys]
    if isinstance(pred, (list, tuple)):
        return list(pred)
    return [pred]


def run_case(name, build, out, np, keras):
    rng = rng_for(name)
    keras.backend.clear_session()      # layer names independent of the other cases
    keras.utils.set_random_seed(1234)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model, xs = build(rng)
        feed = xs if len(xs) > 1 else xs[0]
        if not model.built or not model.inputs:
            model(feed)                   # Sequential without an Input: build it
        randomize(model, rng)
        # Inputs in the dtype of their Input (a Sequential built by a call has
        # float32 Inputs even for token ids).
        xs = [x if str(x.dtype) == str(t.dtype) else x.astype(t.dtype)
              for t, x in zip(model.inputs, xs)]
        feed = xs if len(xs) > 1 else xs[0]
        keras_path = os.path.join(out, name + ".keras")
        h5_path = os.path.join(out, name + ".h5")
        model.save(keras_path)
        try:
            model.save(h5_path)
            h5 = "saved"
        except Exception as e:             # noqa: BLE001 -- record whatever Keras says
            if os.path.exists(h5_path):
                os.remove(h5_path)
            h5 = f"not saved: {type(e).__name__}: {str(e).splitlines()[0][:300]}"
        original = model.predict(feed, verbose=0)
        loaded = keras.saving.load_model(keras_path)
        pred = loaded.predict(feed, verbose=0)
        if isinstance(pred, dict):
            keys = output_names(model) if set(output_names(model)) == set(pred) \
                else list(pred)
        else:
            keys = output_names(model)
        outs = flat_outputs(pred, keys)
        for a, b in zip(flat_outputs(original, keys), outs):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
        h5_load = None
        if h5 == "saved":
            try:
                from_h5 = keras.saving.load_model(h5_path).predict(feed, verbose=0)
            except Exception as e:          # noqa: BLE001
                h5_load = f"fails: {type(e).__name__}: {str(e).splitlines()[0][:300]}"
            else:
                assert structure(from_h5) == structure(pred), (name, structure(from_h5))
                for a, b in zip(flat_outputs(from_h5, keys), outs):
                    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
                h5_load = "same output"
        arrays = {f"in/{i}": x for i, x in enumerate(xs)}
        arrays.update({f"out/{i}": np.asarray(y) for i, y in enumerate(outs)})
        if any(getattr(layer, "stateful", False) for layer in model.layers):
            x2 = [rng.random(x.shape).astype(x.dtype) for x in xs]
            pred2 = loaded.predict(x2 if len(x2) > 1 else x2[0], verbose=0)
            arrays.update({f"call2/in/{i}": x for i, x in enumerate(x2)})
            arrays.update({f"call2/out/{i}": np.asarray(y)
                           for i, y in enumerate(flat_outputs(pred2, keys))})
        names = {"inputs": [t._keras_history[0].name for t in loaded.inputs], "outputs": keys,
                 "output_structure": structure(pred)}
        arrays["names"] = np.array(json.dumps(names))
        save_npz(os.path.join(out, name + ".npz"), arrays)
    msgs = sorted({str(w.message).split("\n")[0][:300] for w in caught
                   if "__array__ implementation" not in str(w.message)})
    info = {"h5": h5, "h5_load": h5_load, "names": names, "symbolic_masks": mask_probe(model),
            "warnings": msgs,
            "in": [[list(x.shape), str(x.dtype)] for x in xs],
            "out": [list(np.shape(y)) for y in outs]}
    return info


def generate(args, make=None, tag=TAG):
    """Run the cases of ``make(custom_objects())`` (default: this file's
    make_cases) into ``args.out``; ``tag`` prefixes the log lines. Other
    generators (tools/make_conv_model_fixtures.py) pass their own cases."""
    import h5py
    import keras
    import numpy as np
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")       # the retracing warnings of predict
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    C = custom_objects()
    cases = (make or make_cases)(C)
    only = set(args.only.split(",")) if args.only else None
    if only is None:
        for old in os.listdir(out):
            if old.endswith((".keras", ".h5", ".npz")):
                os.remove(os.path.join(out, old))
    report_path = os.path.join(out, "cases.json")
    refused_path = os.path.join(out, "refused.json")
    report, refused = {}, {}
    if only is not None:
        for path, d in ((report_path, report), (refused_path, refused)):
            if os.path.exists(path):
                with open(path) as f:
                    d.update(json.load(f))
    for name, build in cases.items():
        if only is not None and name not in only:
            continue
        report.pop(name, None)
        refused.pop(name, None)
        try:
            info = run_case(name, build, out, np, keras)
        except Exception as e:              # noqa: BLE001 -- Keras refused: record it
            for ext in (".keras", ".h5", ".npz"):
                if os.path.exists(os.path.join(out, name + ext)):
                    os.remove(os.path.join(out, name + ext))
            refused[name] = f"{type(e).__name__}: {str(e).strip()[:600]}"
            print(f"[{tag}] {name}: REFUSED {refused[name][:200]}", flush=True)
            continue
        report[name] = info
        print(f"[{tag}] {name}: {info['in']} -> {info['names']['output_structure']} "
              f"{info['out']}, h5 {info['h5']}/{info['h5_load']}", flush=True)
    for path, d in ((report_path, report), (refused_path, refused)):
        with open(path, "w") as f:
            json.dump(dict(sorted(d.items())), f, indent=1, sort_keys=True)
            f.write("\n")
    versions = {"keras": keras.__version__, "tensorflow": tf.__version__,
                "h5py": h5py.__version__, "numpy": np.__version__,
                "python": sys.version.split()[0]}
    with open(os.path.join(out, "VERSIONS.json"), "w") as f:
        json.dump(versions, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"[{tag}] {len(report)} cases, {len(refused)} refused; {versions}", flush=True)


def main():
    keras_fixture_main(__doc__, DEFAULT_OUT, generate, ensure_venv_and_reexec,
                       hidden=("--only",))


if __name__ == "__main__":
    main()
