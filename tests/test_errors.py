"""Bad input raises a clear ValueError naming the argument; nothing crashes."""
import numpy as np
import pytest

import fastrnn
import fastrnn._dispatch

X = np.zeros((2, 5, 3), np.float32)


def built(cls=fastrnn.LSTM, **kwargs):
    layer = cls(4, **kwargs)
    layer.build(3)
    return layer


@pytest.mark.parametrize("shape", [(5, 3), (2, 5, 3, 1), (3,), ()])
def test_wrong_rank(shape):
    with pytest.raises(ValueError, match=r"LSTM expected x of rank 3 \(batch, timesteps, features\), "
                                         rf"got shape {re_shape(shape)}"):
        built()(np.zeros(shape))


def re_shape(shape):
    return str(tuple(shape)).replace("(", r"\(").replace(")", r"\)")


def test_feature_size_must_match_built_layer():
    with pytest.raises(ValueError, match=r"LSTM expected x with 3 features \(built input_dim\), "
                                         r"got shape \(4, 10, 31\)"):
        built()(np.zeros((4, 10, 31)))


@pytest.mark.parametrize("x", [np.array([["a", "b"]]), [[[1 + 2j]]], np.array([[[None]]])])
def test_x_must_be_real_numbers(x):
    with pytest.raises(ValueError, match="LSTM expected x of real numbers"):
        built()(x)


def test_ragged_x_is_refused():
    with pytest.raises(ValueError, match="LSTM could not convert x to an array"):
        built()([[[1.0, 2.0, 3.0]], [[1.0, 2.0]]])


def test_wrong_weight_count():
    with pytest.raises(ValueError, match=r"LSTM expected 3 weights \(kernel, recurrent_kernel, bias\), got 2"):
        fastrnn.LSTM(4).set_weights([np.zeros((3, 16)), np.zeros((4, 16))])
    with pytest.raises(ValueError, match=r"expected 2 weights \(kernel, recurrent_kernel\), got 3"):
        fastrnn.GRU(4, use_bias=False).set_weights([np.zeros((3, 12)), np.zeros((4, 12)), np.zeros(12)])


@pytest.mark.parametrize("cls,weights,message", [
    (fastrnn.LSTM, [np.zeros((3, 12)), np.zeros((4, 16)), np.zeros(16)],
     r"LSTM weight 'kernel' expected shape \(3, 16\), got shape \(3, 12\)"),
    (fastrnn.LSTM, [np.zeros((3, 16)), np.zeros((16, 4)), np.zeros(16)],
     r"LSTM weight 'recurrent_kernel' expected shape \(4, 16\), got shape \(16, 4\)"),
    (fastrnn.GRU, [np.zeros((3, 12)), np.zeros((4, 12)), np.zeros(12)],
     r"GRU weight 'bias' expected shape \(2, 12\), got shape \(12,\)"),
    (fastrnn.SimpleRNN, [np.zeros((3, 4)), np.zeros((4, 4)), np.zeros((1, 4))],
     r"SimpleRNN weight 'bias' expected shape \(4,\), got shape \(1, 4\)"),
])
def test_wrong_weight_shape_names_weight_and_both_shapes(cls, weights, message):
    layer = cls(4)
    layer.build(3)
    with pytest.raises(ValueError, match=message):
        layer.set_weights(weights)


def test_weights_must_be_numbers():
    with pytest.raises(ValueError, match="expected weight 'kernel' of real numbers"):
        built(fastrnn.SimpleRNN).set_weights([np.full((3, 4), "a"), np.zeros((4, 4)), np.zeros(4)])


@pytest.mark.parametrize("mask_shape", [(2, 4), (5, 2), (2, 5, 1), (2,)])
def test_bad_mask_shape(mask_shape):
    with pytest.raises(ValueError, match=r"LSTM expected mask of shape \(batch, timesteps\) = \(2, 5\)"):
        built()(X, mask=np.ones(mask_shape, bool))


def test_bad_mask_dtype():
    with pytest.raises(ValueError, match="expected a bool, int or float mask"):
        built()(X, mask=np.full((2, 5), "x"))


def test_wrong_initial_state_count():
    h = np.zeros((2, 4))
    with pytest.raises(ValueError, match=r"LSTM expected initial_state as a list of 2 array\(s\) \(h, c\)"):
        built()(X, initial_state=[h])
    with pytest.raises(ValueError, match=r"GRU expected initial_state as a list of 1 array\(s\) \(h\)"):
        built(fastrnn.GRU)(X, initial_state=[h, h])


def test_wrong_initial_state_shape():
    with pytest.raises(ValueError, match=r"LSTM expected initial_state 'c' of shape \(batch, units\) = "
                                         r"\(2, 4\), got shape \(2, 5\)"):
        built()(X, initial_state=[np.zeros((2, 4)), np.zeros((2, 5))])


@pytest.mark.parametrize("kwargs", [{"activation": "tanhh"}, {"recurrent_activation": "glu"},
                                    {"activation": "threshold"}, {"activation": np.tanh}])
def test_unknown_activation_lists_accepted_names(kwargs):
    with pytest.raises(ValueError, match="Unknown activation .* one of the Keras 3 names: .*hard_sigmoid"):
        fastrnn.LSTM(3, **kwargs)


def test_unknown_merge_mode():
    with pytest.raises(ValueError, match="Invalid merge mode. Received: 'average'"):
        fastrnn.Bidirectional(fastrnn.LSTM(3), merge_mode="average")


@pytest.mark.parametrize("cls", [fastrnn.SimpleRNN, fastrnn.LSTM, fastrnn.GRU])
def test_unknown_constructor_argument(cls):
    with pytest.raises(ValueError, match=rf"Unrecognized keyword arguments passed to {cls.__name__}: "
                                         r"\{'untis': 3\}"):
        cls(3, untis=3)


def test_unknown_bidirectional_argument():
    with pytest.raises(ValueError, match=r"Unrecognized keyword arguments passed to Bidirectional: \{'mode': 'sum'\}"):
        fastrnn.Bidirectional(fastrnn.LSTM(3), mode="sum")


def test_reset_after_is_gru_only():
    with pytest.raises(ValueError, match="Unrecognized keyword arguments passed to LSTM: {'reset_after': True}"):
        fastrnn.LSTM(3, reset_after=True)


@pytest.mark.parametrize("units", [0, -1, 2.5, "3", True, None])
def test_units_must_be_positive_integer(units):
    with pytest.raises(ValueError, match="invalid value for argument `units`"):
        fastrnn.GRU(units)


@pytest.mark.parametrize("dtype", ["float16", "int32", "bfloat16", "complex64"])
def test_unsupported_dtype(dtype):
    with pytest.raises(ValueError, match="dtype must be 'float32' or 'float64'"):
        fastrnn.SimpleRNN(3, dtype=dtype)


def test_unknown_initializer():
    with pytest.raises(ValueError, match="Unknown initializer 'glorot'"):
        fastrnn.LSTM(3, kernel_initializer="glorot")


def test_bidirectional_needs_fastrnn_layers():
    with pytest.raises(ValueError, match="Bidirectional expected `layer`"):
        fastrnn.Bidirectional("LSTM")
    with pytest.raises(ValueError, match="Bidirectional expected `backward_layer`"):
        fastrnn.Bidirectional(fastrnn.LSTM(3), backward_layer=object())


def test_bidirectional_weight_count():
    with pytest.raises(ValueError, match=r"Bidirectional expected 6 weights \(3 forward, then 3 backward\), got 3"):
        fastrnn.Bidirectional(fastrnn.LSTM(3)).set_weights([np.zeros((2, 12)), np.zeros((3, 12)), np.zeros(12)])


def test_bidirectional_initial_state_must_be_a_list():
    with pytest.raises(ValueError, match="Bidirectional expected initial_state as a list"):
        fastrnn.Bidirectional(fastrnn.GRU(4))(X, initial_state=np.zeros((2, 4)))


def test_stateful_batch_size_is_fixed():
    layer = fastrnn.GRU(4, stateful=True)
    layer(X)
    with pytest.raises(ValueError, match="GRU is stateful with batch size 2; got x with batch size 3"):
        layer(np.zeros((3, 5, 3)))


def test_reset_states_of_non_stateful_bidirectional():
    with pytest.raises(AttributeError, match="Layer must be stateful"):
        fastrnn.Bidirectional(fastrnn.GRU(4)).reset_states()


def test_build_with_bad_input_shape():
    with pytest.raises(ValueError, match="LSTM.build expected a feature count"):
        fastrnn.LSTM(3).build("3")


@pytest.mark.parametrize("build", fastrnn._dispatch.available())
def test_kernel_entry_refuses_what_it_cannot_read(build):
    # The last line of defence before raw pointers: wrong dtype, byte order,
    # layout or shape is a ValueError from the kernel entry itself.
    kernels = fastrnn._dispatch.load(build)
    f32 = np.float32
    w = dict(kernel=np.zeros((3, 8), f32), recurrent=np.zeros((2, 8), f32),
             bias=np.zeros(8, f32), recurrent_bias=np.zeros(8, f32))
    with pytest.raises(ValueError):
        kernels.Recurrence(kernels.Cell.LSTM_CELL, w["kernel"], w["recurrent"].astype(np.float64),
                           w["bias"], w["recurrent_bias"], 0, 0, False)
    with pytest.raises(ValueError):
        kernels.Recurrence(kernels.Cell.GRU_CELL, w["kernel"], w["recurrent"], w["bias"],
                           w["recurrent_bias"], 0, 0, True)  # LSTM-sized weights for a GRU
    run = kernels.Recurrence(kernels.Cell.LSTM_CELL, w["kernel"], w["recurrent"], w["bias"],
                             w["recurrent_bias"], 0, 0, False)
    good = np.zeros((2, 4, 3), f32)
    for x in [good.astype(np.float64), good.astype(">f4"), np.asfortranarray(good)[:, ::2],
              np.zeros((2, 4, 2), f32), np.zeros((2, 4), f32), [[[0.0] * 3]]]:
        with pytest.raises((ValueError, TypeError)):
            run(x, None, None, False, False, False)
    with pytest.raises(ValueError):
        run(good, np.ones((2, 3), np.uint8), None, False, False, False)
    with pytest.raises(ValueError):
        run(good, None, [np.zeros((2, 2), f32)], False, False, False)  # LSTM needs h and c
    with pytest.raises(ValueError):
        run(good, None, [np.zeros((2, 2), f32), np.zeros((3, 2), f32)], False, False, False)
    last, seq, states = run(good, None, None, False, True, False)
    assert last.shape == (2, 2) and seq.shape == (2, 4, 2) and len(states) == 2
