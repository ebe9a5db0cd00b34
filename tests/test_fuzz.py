"""Fuzzing the public layers against tests/reference.py (issue 5).

test_reference_properties.py covers cells x activations x float32/float64
on plain C-contiguous inputs; test_kernel_paths.py covers the kernel paths
across their size thresholds. This file covers what they do not: inputs of
every accepted dtype and memory layout (x, mask, initial states, weights),
masks of every numeric dtype and odd "valid" values, empty batches and zero
features, return_sequences / return_state combinations, stateful call
sequences, and Bidirectional with every merge mode and explicit backward
layers of another cell. Each example checks that

1. the layer gives the same bits for the odd input as for the plain one
   (a C-contiguous array of its dtype), and
2. the plain call agrees with the float64 reference.

Example counts: the "ci" hypothesis profile runs the counts below; the
"fuzz" profile (FASTRNN_HYPOTHESIS_PROFILE=fuzz, or pytest -m fuzz) runs 50
times as many, plus the tests marked ``fuzz`` (bigger sizes, threads).
See TESTING.md.
"""
import os

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import fastrnn
from support import as_list, assert_same
from reference import rnn

FACTOR = {"ci": 1, "fuzz": 50}[os.environ.get("FASTRNN_HYPOTHESIS_PROFILE", "ci")]


def examples(ci):
    return ci * FACTOR


CELLS = ["SimpleRNN", "LSTM", "GRU"]
N_STATES = {"SimpleRNN": 1, "LSTM": 2, "GRU": 1}
TOL = {"float32": dict(rtol=2e-4, atol=2e-5), "float64": dict(rtol=1e-9, atol=1e-12)}

X_DTYPES = ["float16", "float32", "float64", ">f4", ">f8", "int8", "int32", "uint8", "bool"]
MASK_DTYPES = ["bool", "int8", "uint8", "int32", "int64", "float16", "float32", "float64", ">f8"]
STATE_DTYPES = ["float16", "float32", "float64", ">f4", "int32", "bool"]
WEIGHT_DTYPES = ["float32", "float64", ">f4", ">f8", "float16"]
LAYOUTS = ["C", "F", "strided", "reversed", "transposed", "readonly", "unaligned", "list"]


# ----------------------------------------------------------- presentation
def present(a, layout):
    """The values of ``a`` (dtype kept) in another memory layout."""
    if layout == "C" or a.ndim == 0:
        return np.ascontiguousarray(a)
    if layout == "F":
        return np.asfortranarray(a)
    if layout == "strided":
        big = np.zeros(tuple(2 * n + 1 for n in a.shape), a.dtype)
        view = big[tuple(slice(1, None, 2) for _ in a.shape)]
        view[...] = a
        return view
    if layout == "reversed":
        flipped = np.ascontiguousarray(a[tuple(slice(None, None, -1) for _ in a.shape)])
        return flipped[tuple(slice(None, None, -1) for _ in a.shape)]
    if layout == "transposed":
        return np.ascontiguousarray(a.T).T
    if layout == "readonly":
        out = a.copy()
        out.flags.writeable = False
        return out
    if layout == "unaligned":
        if a.dtype.itemsize == 1:
            return a.copy()
        buf = np.zeros(a.nbytes + 1, np.uint8)
        out = np.frombuffer(buf.data, a.dtype, a.size, offset=1).reshape(a.shape)
        out[...] = a
        return out
    assert layout == "list"
    # A nested list cannot hold a shape with a zero in it ([] is all that is left).
    return a.tolist() if a.size else a.copy()


def values(rng, shape, dtype, scale=1.0):
    """Random values representable in ``dtype``."""
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return rng.random(shape) < 0.5
    if dt.kind == "u":
        return rng.integers(0, 4, shape).astype(dt)
    if dt.kind == "i":
        return rng.integers(-2, 3, shape).astype(dt)
    return (scale * rng.normal(size=shape)).astype(dt)


@st.composite
def masks(draw, rng, batch, steps):
    dtype = np.dtype(draw(st.sampled_from(MASK_DTYPES)))
    valid = rng.random((batch, steps)) < 0.7
    if dtype.kind == "b":
        marker = True
    elif dtype.kind in "iu":
        marker = draw(st.sampled_from([1, 2, 3] + ([-1] if dtype.kind == "i" else [255])))
    else:
        marker = draw(st.sampled_from([1.0, 0.5, -2.0, np.nan, np.inf]))
    invalid = -0.0 if dtype.kind == "f" and draw(st.booleans()) else 0
    m = np.where(valid, np.asarray(marker).astype(dtype), np.asarray(invalid).astype(dtype)).astype(dtype)
    return valid, present(m, draw(st.sampled_from(LAYOUTS)))


def canonical(value, dtype):
    return np.ascontiguousarray(np.asarray(value), dtype=dtype)


ACTIVATIONS = ["tanh", "sigmoid", "relu", "softsign", "linear", "elu", "hard_sigmoid", "gelu",
               "softmax"]
GATES = ["sigmoid", "hard_sigmoid", "tanh"]


def layer_config(draw, cell, dtype, units, stable=False):
    """A random config. ``stable``: bounded activations and gates in [0, 1]
    only, for long sequences (with tanh gates a GRU's h can grow, and
    float32 then parts from the float64 reference by rounding alone)."""
    config = dict(units=units, dtype=dtype,
                  activation=draw(st.sampled_from(ACTIVATIONS[:4] if stable else ACTIVATIONS)),
                  use_bias=draw(st.booleans()), go_backwards=draw(st.booleans()),
                  zero_output_for_mask=draw(st.booleans()),
                  return_sequences=draw(st.booleans()), return_state=draw(st.booleans()))
    if cell != "SimpleRNN":
        config["recurrent_activation"] = draw(st.sampled_from(GATES[:2] if stable else GATES))
    if cell == "GRU":
        config["reset_after"] = draw(st.booleans())
    return config


def set_random_weights(draw, layer, rng, scale=0.5):
    """set_weights with weights of a random dtype and layout; returns the
    weights as the layer holds them."""
    dtype = draw(st.sampled_from(WEIGHT_DTYPES))
    layout = draw(st.sampled_from(LAYOUTS))
    shapes = [w.shape for w in layer.get_weights()]
    layer.set_weights([present(rng.uniform(-scale, scale, s).astype(dtype), layout) for s in shapes])
    return layer.get_weights()


def expected(cell, weights, x, config, mask, states, zero_output_for_mask=None):
    zofm = config["zero_output_for_mask"] if zero_output_for_mask is None else zero_output_for_mask
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return rnn(cell, weights, x, units=config["units"], mask=mask, initial_state=states,
                   go_backwards=config["go_backwards"], activation=config["activation"],
                   recurrent_activation=config.get("recurrent_activation", "sigmoid"),
                   reset_after=config.get("reset_after", True), zero_output_for_mask=zofm)


def check_against_reference(result, config, last, sequence, states):
    # Unbounded activations can blow up; float32 and the float64 reference
    # then part by rounding alone, so stay in range (as test_reference_properties).
    assume(np.all(np.isfinite(sequence)) and np.abs(sequence).max(initial=0) < 1e3)
    assume(all(np.abs(s).max(initial=0) < 1e3 for s in states))
    result = as_list(result)
    want = [sequence if config["return_sequences"] else last]
    if config["return_state"]:
        want += states
    assert len(result) == len(want)
    for got, w in zip(result, want):
        assert got.dtype == np.dtype(config["dtype"]) and got.shape == w.shape
        np.testing.assert_allclose(got, w, **TOL[config["dtype"]])


# ----------------------------------------------------------- single layers
@st.composite
def layer_cases(draw, max_batch=4, max_steps=6, max_features=5, max_units=6, stable=False):
    cell = draw(st.sampled_from(CELLS))
    dtype = draw(st.sampled_from(["float32", "float64"]))
    batch = draw(st.integers(0, max_batch))
    steps = draw(st.integers(1, max_steps))
    features = draw(st.integers(0, max_features))
    units = draw(st.integers(1, max_units))
    config = layer_config(draw, cell, dtype, units, stable)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    layer = getattr(fastrnn, cell)(**config)
    layer.build(features)
    # Wide layers scaled down so as to stay out of the chaotic regime, where
    # float32 rounding alone parts from the float64 reference (as test_kernel_paths).
    weights = set_random_weights(draw, layer, rng, 0.5 / max(1.0, np.sqrt(max(units, features) / 8)))

    x_dtype = draw(st.sampled_from(X_DTYPES))
    x = present(values(rng, (batch, steps, features), x_dtype), draw(st.sampled_from(LAYOUTS)))
    mask = valid = None
    if draw(st.booleans()):
        valid, mask = draw(masks(rng, batch, steps))
    states = plain_states = None
    if draw(st.booleans()):
        s_dtype = draw(st.sampled_from(STATE_DTYPES))
        s_layout = draw(st.sampled_from(LAYOUTS))
        states = [present(values(rng, (batch, units), s_dtype, 0.5), s_layout)
                  for _ in range(N_STATES[cell])]
        plain_states = [canonical(s, dtype) for s in states]
        if draw(st.booleans()) and N_STATES[cell] == 1 and isinstance(states[0], np.ndarray):
            # One array, not a list (Keras takes it). (Not a nested list: that
            # reads as a list of states, in Keras too.)
            states = states[0]
    return cell, config, layer, weights, x, mask, valid, states, plain_states


@settings(max_examples=examples(300))
@given(layer_cases())
def test_any_input_layout_and_dtype(case):
    cell, config, layer, weights, x, mask, valid, states, plain_states = case
    dtype = config["dtype"]
    plain_x = canonical(x, dtype)
    got = layer(x, mask=mask, initial_state=states)
    plain = layer(plain_x, mask=valid, initial_state=plain_states)
    assert_same(got, plain)
    # Weights set from the plain arrays give the same layer.
    twin = getattr(fastrnn, cell)(**config)
    twin.set_weights(weights)
    assert_same(twin(plain_x, mask=valid, initial_state=plain_states), plain)

    last, sequence, ref_states = expected(cell, weights, plain_x, config, valid, plain_states)
    check_against_reference(plain, config, last, sequence, ref_states)


# ----------------------------------------------------------- stateful
@settings(max_examples=examples(100))
@given(st.data())
def test_stateful_call_sequences(data):
    draw = data.draw
    cell = draw(st.sampled_from(CELLS))
    dtype = draw(st.sampled_from(["float32", "float64"]))
    batch, features, units = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 5))
    config = layer_config(draw, cell, dtype, units)
    config["return_state"] = True
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    layer = getattr(fastrnn, cell)(stateful=True, **config)
    layer.build(features)
    weights = set_random_weights(draw, layer, rng)
    carried = None
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()) and carried is not None:
            layer.reset_states()
            carried = [np.zeros((batch, units))] * N_STATES[cell]
        steps = draw(st.integers(1, 4))
        x = present(values(rng, (batch, steps, features), draw(st.sampled_from(X_DTYPES))),
                    draw(st.sampled_from(LAYOUTS)))
        valid, mask = draw(masks(rng, batch, steps)) if draw(st.booleans()) else (None, None)
        plain_x = canonical(x, dtype)
        out = layer(x, mask=mask)
        last, sequence, carried = expected(cell, weights, plain_x, config, valid, carried)
        check_against_reference(out, config, last, sequence, carried)
        carried = [np.asarray(s, np.float64) for s in out[1:]]   # continue from fastrnn's
        np.testing.assert_array_equal(np.concatenate(layer.states, axis=1),
                                      np.concatenate(out[1:], axis=1))


# ----------------------------------------------------------- Bidirectional
@st.composite
def bidirectional_cases(draw):
    cell = draw(st.sampled_from(CELLS))
    dtype = draw(st.sampled_from(["float32", "float64"]))
    batch, steps = draw(st.integers(0, 3)), draw(st.integers(1, 5))
    features, units = draw(st.integers(0, 4)), draw(st.integers(1, 5))
    config = layer_config(draw, cell, dtype, units)
    config["go_backwards"] = False
    merge_mode = draw(st.sampled_from(["concat", "sum", "mul", "ave", None]))
    backward = None
    if draw(st.booleans()):
        # An explicit backward layer: another cell, maybe other units (only
        # concat and None merge outputs of different widths).
        b_cell = draw(st.sampled_from(CELLS))
        b_units = units if merge_mode in ("sum", "mul", "ave") else draw(st.integers(1, 5))
        b_config = layer_config(draw, b_cell, dtype, b_units)
        for key in ("return_sequences", "return_state"):
            b_config[key] = config[key]
        b_config["go_backwards"] = True
        backward = (b_cell, b_config)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    layer = fastrnn.Bidirectional(
        getattr(fastrnn, cell)(**config), merge_mode=merge_mode, dtype=dtype,
        backward_layer=getattr(fastrnn, backward[0])(**backward[1]) if backward else None)
    layer.build(features)
    weights = set_random_weights(draw, layer, rng)
    x = present(values(rng, (batch, steps, features), draw(st.sampled_from(X_DTYPES))),
                draw(st.sampled_from(LAYOUTS)))
    valid, mask = draw(masks(rng, batch, steps)) if draw(st.booleans()) else (None, None)
    cells = [(cell, layer.forward_layer.get_config()),
             backward if backward else (cell, layer.backward_layer.get_config())]
    states = None
    if draw(st.booleans()):
        states = [present(values(rng, (batch, c["units"]), draw(st.sampled_from(STATE_DTYPES)),
                                 0.5), draw(st.sampled_from(LAYOUTS)))
                  for name, c in cells for _ in range(N_STATES[name])]
    return layer, cells, weights, merge_mode, x, mask, valid, states


@settings(max_examples=examples(200))
@given(bidirectional_cases())
def test_bidirectional_any_config(case):
    layer, cells, weights, merge_mode, x, mask, valid, states = case
    dtype = layer.dtype
    plain_x = canonical(x, dtype)
    plain_states = None if states is None else [canonical(s, dtype) for s in states]
    got = layer(x, mask=mask, initial_state=states)
    plain = layer(plain_x, mask=valid, initial_state=plain_states)
    assert_same(got, plain)

    n_fw = N_STATES[cells[0][0]]
    (fw_cell, fw_cfg), (bw_cell, bw_cfg) = cells
    n_fw_w = 2 + fw_cfg["use_bias"]
    fw_w, bw_w = weights[:n_fw_w], weights[n_fw_w:]
    rs = fw_cfg["return_sequences"]
    fw = expected(fw_cell, fw_w, plain_x, fw_cfg, valid,
                  None if states is None else plain_states[:n_fw], zero_output_for_mask=rs)
    bw = expected(bw_cell, bw_w, plain_x, bw_cfg, valid,
                  None if states is None else plain_states[n_fw:], zero_output_for_mask=rs)
    y, y_rev = (fw[1], bw[1][:, ::-1]) if rs else (fw[0], bw[0])
    for a in (y, y_rev, *fw[2], *bw[2]):
        assume(np.all(np.isfinite(a)) and np.abs(a).max(initial=0) < 1e3)
    merged = {"concat": lambda: [np.concatenate([y, y_rev], axis=-1)], "sum": lambda: [y + y_rev],
              "mul": lambda: [y * y_rev], "ave": lambda: [(y + y_rev) / 2],
              None: lambda: [y, y_rev]}[merge_mode]()
    want = merged + (list(fw[2]) + list(bw[2]) if fw_cfg["return_state"] else [])
    result = as_list(plain)
    assert len(result) == len(want)
    for g, w in zip(result, want):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, **TOL[dtype])


# ----------------------------------------------------------- NaN
@settings(max_examples=examples(100))
@given(st.data())
def test_nan_spreads_as_in_the_reference(data):
    """NaN in x, states or weights: the same outputs are NaN as in the
    reference (masked steps stop it; a NaN weight reaches every row)."""
    draw = data.draw
    cell = draw(st.sampled_from(CELLS))
    dtype = draw(st.sampled_from(["float32", "float64"]))
    batch, steps, features, units = (draw(st.integers(1, 4)), draw(st.integers(1, 5)),
                                     draw(st.integers(1, 4)), draw(st.integers(1, 5)))
    config = layer_config(draw, cell, dtype, units)
    config["activation"] = draw(st.sampled_from(["tanh", "relu", "linear", "softsign"]))
    config["return_sequences"] = config["return_state"] = True
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    layer = getattr(fastrnn, cell)(**config)
    layer.build(features)
    weights = [rng.uniform(-0.5, 0.5, w.shape).astype(dtype) for w in layer.get_weights()]
    where = draw(st.sampled_from(["x", "state", "weight"]))
    x = rng.normal(size=(batch, steps, features)).astype(dtype)
    states = [rng.normal(size=(batch, units)).astype(dtype) for _ in range(N_STATES[cell])]
    if where == "x":
        x[draw(st.integers(0, batch - 1)), draw(st.integers(0, steps - 1)),
          draw(st.integers(0, features - 1))] = np.nan
    elif where == "state":
        states[draw(st.integers(0, len(states) - 1))][draw(st.integers(0, batch - 1)),
                                                      draw(st.integers(0, units - 1))] = np.nan
    else:
        k = draw(st.integers(0, len(weights) - 1))
        weights[k].reshape(-1)[draw(st.integers(0, weights[k].size - 1))] = np.nan
    layer.set_weights(weights)
    valid = rng.random((batch, steps)) < 0.6 if draw(st.booleans()) else None
    out = layer(x, mask=valid, initial_state=states)
    _, sequence, ref_states = expected(cell, layer.get_weights(), x, config, valid, states)
    for got, want in zip(out, [sequence, *ref_states]):
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))


# ----------------------------------------------------------- long runs only
@pytest.mark.fuzz
@settings(max_examples=examples(20))
@given(layer_cases(max_batch=24, max_steps=12, max_features=40, max_units=70, stable=True),
       st.sampled_from([1, 2]))
def test_bigger_layers_any_layout(case, threads):
    """Sizes across the packed kernels' panels and the thread threshold."""
    cell, config, layer, weights, x, mask, valid, states, plain_states = case
    plain_x = canonical(x, config["dtype"])
    with fastrnn.num_threads(threads):
        got = layer(x, mask=mask, initial_state=states)
        plain = layer(plain_x, mask=valid, initial_state=plain_states)
    assert_same(got, plain)
    last, sequence, ref_states = expected(cell, weights, plain_x, config, valid, plain_states)
    check_against_reference(plain, config, last, sequence, ref_states)
