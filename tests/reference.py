"""A plain NumPy statement of the recurrences fastrnn computes.

Written for reading, not speed: one timestep at a time, the Keras cell
equations (keras/src/layers/rnn/{simple_rnn,lstm,gru}.py) and the masking
rule of keras/src/backend/tensorflow/rnn.py. Computed in float64.
"""
import numpy as np

from fastrnn.activations import numpy_function


def _split(a, n):
    return np.split(a, n, axis=-1)


def simple_rnn_step(x_t, states, weights, act, recurrent_act=None, reset_after=None):
    kernel, recurrent, bias = weights
    h = act(x_t @ kernel + bias + states[0] @ recurrent)
    return h, [h]


def lstm_step(x_t, states, weights, act, recurrent_act, reset_after=None):
    kernel, recurrent, bias = weights
    h, c = states
    z_i, z_f, z_c, z_o = _split(x_t @ kernel + bias + h @ recurrent, 4)
    i, f, o = recurrent_act(z_i), recurrent_act(z_f), recurrent_act(z_o)
    c = f * c + i * act(z_c)
    h = o * act(c)
    return h, [h, c]


def gru_step(x_t, states, weights, act, recurrent_act, reset_after):
    kernel, recurrent, bias = weights
    h = states[0]
    bias = bias.reshape(-1, kernel.shape[1])
    x_z, x_r, x_h = _split(x_t @ kernel + bias[0], 3)
    u_z, u_r, u_h = _split(recurrent, 3)
    if reset_after:
        r_z, r_r, r_h = _split(h @ recurrent + bias[1], 3)
        z, r = recurrent_act(x_z + r_z), recurrent_act(x_r + r_r)
        hh = act(x_h + r * r_h)
    else:
        z, r = recurrent_act(x_z + h @ u_z), recurrent_act(x_r + h @ u_r)
        hh = act(x_h + (r * h) @ u_h)
    h = z * h + (1 - z) * hh
    return h, [h]


STEPS = {"SimpleRNN": (simple_rnn_step, 1, 1), "LSTM": (lstm_step, 4, 2), "GRU": (gru_step, 3, 1)}


def rnn(cell, weights, x, *, units, mask=None, initial_state=None, go_backwards=False,
        activation="tanh", recurrent_activation="sigmoid", reset_after=True,
        zero_output_for_mask=False):
    """Run a Keras RNN layer; returns (last_output, sequence_output, states).

    ``weights`` is the Keras list; a missing bias (use_bias=False) is zeros.
    The sequence is in processing order, as Keras returns it.
    """
    step, gates, n_states = STEPS[cell]
    weights = [np.asarray(w, np.float64) for w in weights]
    if len(weights) == 2:
        shape = (2, gates * units) if cell == "GRU" and reset_after else (gates * units,)
        weights.append(np.zeros(shape))
    x = np.asarray(x, np.float64)
    batch, steps, _ = x.shape
    states = ([np.zeros((batch, units)) for _ in range(n_states)] if initial_state is None
              else [np.asarray(s, np.float64) for s in initial_state])
    valid = np.ones((batch, steps), bool) if mask is None else np.asarray(mask) != 0
    act, recurrent_act = numpy_function(activation), numpy_function(recurrent_activation)

    output = np.zeros((batch, units))  # the output before the first valid step
    outputs = []
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    for t in order:
        new_output, new_states = step(x[:, t], states, weights, act, recurrent_act, reset_after)
        keep = valid[:, t:t + 1]
        masked_output = np.zeros_like(output) if zero_output_for_mask else output
        output = np.where(keep, new_output, masked_output)
        states = [np.where(keep, n, s) for n, s in zip(new_states, states)]
        outputs.append(output)
    sequence = np.stack(outputs, axis=1) if outputs else np.zeros((batch, 0, units))
    return output, sequence, states
