"""Property tests: the kernels, through the public layers, against tests/reference.py."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import fastrnn
from reference import rnn

CELLS = ["SimpleRNN", "LSTM", "GRU"]


@st.composite
def cases(draw):
    cell = draw(st.sampled_from(CELLS))
    batch = draw(st.integers(1, 4))
    steps = draw(st.integers(1, 6))
    features = draw(st.integers(1, 5))
    units = draw(st.integers(1, 6))
    dtype = draw(st.sampled_from(["float32", "float64"]))
    config = dict(
        units=units, dtype=dtype,
        activation=draw(st.sampled_from(fastrnn.activations.NAMES)),
        use_bias=draw(st.booleans()),
        go_backwards=draw(st.booleans()),
        zero_output_for_mask=draw(st.booleans()),
        return_sequences=True, return_state=True,
    )
    if cell != "SimpleRNN":
        config["recurrent_activation"] = draw(st.sampled_from(["sigmoid", "hard_sigmoid", "tanh", "softmax"]))
    if cell == "GRU":
        config["reset_after"] = draw(st.booleans())
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    use_mask = draw(st.booleans())
    use_initial = draw(st.booleans())
    return cell, config, features, batch, steps, rng, use_mask, use_initial


@settings(max_examples=300, deadline=None)
@given(cases())
def test_layers_match_reference(case):
    cell, config, features, batch, steps, rng, use_mask, use_initial = case
    layer = getattr(fastrnn, cell)(**config)
    layer.build(features)
    layer.set_weights([rng.uniform(-0.6, 0.6, w.shape) for w in layer.get_weights()])
    weights = layer.get_weights()  # rounded to the layer's dtype, as the kernel sees them
    x = rng.normal(size=(batch, steps, features)).astype(config["dtype"])
    mask = rng.random((batch, steps)) < 0.7 if use_mask else None
    n_states = 2 if cell == "LSTM" else 1
    initial = [rng.normal(size=(batch, config["units"])) for _ in range(n_states)] if use_initial else None

    out = layer(x, mask=mask, initial_state=initial)
    with np.errstate(over="ignore", invalid="ignore"):
        last, sequence, states = rnn(
            cell, weights, x, units=config["units"], mask=mask, initial_state=initial,
            go_backwards=config["go_backwards"], activation=config["activation"],
            recurrent_activation=config.get("recurrent_activation", "sigmoid"),
            reset_after=config.get("reset_after", True),
            zero_output_for_mask=config["zero_output_for_mask"])

    # Unbounded activations (exponential, relu, ...) can blow up; float32 and
    # the float64 reference then part ways by rounding alone, so stay in range.
    assume(np.abs(sequence).max(initial=0) < 1e3)
    tol = dict(rtol=2e-4, atol=2e-5) if config["dtype"] == "float32" else dict(rtol=1e-9, atol=1e-12)
    assert [o.dtype for o in out] == [np.dtype(config["dtype"])] * len(out)
    np.testing.assert_allclose(out[0], sequence, **tol)
    for got, want in zip(out[1:], states):
        np.testing.assert_allclose(got, want, **tol)


@pytest.mark.parametrize("cell", CELLS)
def test_last_output_is_last_of_sequence(cell):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 7, 4))
    mask = rng.random((3, 7)) < 0.5
    seq = getattr(fastrnn, cell)(5, return_sequences=True, seed=1)(x, mask=mask)
    last = getattr(fastrnn, cell)(5, seed=1)(x, mask=mask)
    np.testing.assert_array_equal(seq[:, -1], last)
