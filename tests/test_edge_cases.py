"""Edge cases against real Keras: every fixture under tests/data/keras_edge.

Made by tools/make_edge_fixtures.py (real Keras 3.15.1, TensorFlow 2.21 CPU):
an empty batch, zero timesteps, zero features, inputs of other dtypes and
memory layouts, NaN and infinities in inputs, states and weights, masks of
every numeric dtype and odd values, initial states of other dtypes. Each
spec records what Keras did and what fastrnn must do ("fastrnn"):

- "match": Keras's outputs, NaN and infinities in the same places;
- "ValueError": Keras cannot run it (zero timesteps); fastrnn says why;
- "empty-outputs": Keras's LSTM fails on an empty batch (a Keras bug: its
  SimpleRNN and GRU return empty arrays); fastrnn returns empty arrays.

Every "match" case is also run through the other input path (the kernel's
fast path for a C-contiguous array of the layer's dtype, the checked path
for anything else) and must give bit-identical results.
"""
import json
from pathlib import Path

import numpy as np
import pytest

import fastrnn
from support import arrays, load_case
from fastrnn import layers as fl

DATA = Path(__file__).parent / "data" / "keras_edge"
CASES = sorted(DATA.glob("*.npz"))
TOLERANCE = {np.dtype(np.float32): dict(rtol=1e-4, atol=1e-5),
             np.dtype(np.float64): dict(rtol=1e-9, atol=1e-12)}


def build_layer(spec, data):
    layer = getattr(fastrnn, spec["layer"])(**spec["config"])
    if spec["bidirectional"] is not None:
        layer = fastrnn.Bidirectional(layer, merge_mode=spec["bidirectional"]["merge_mode"])
    layer.set_weights(arrays(data, "weight_"))
    return layer


def call_args(data, i, call):
    kwargs = {}
    if call["mask"]:
        kwargs["mask"] = data[f"call{i}_mask"]
    if call["n_initial_state"]:
        kwargs["initial_state"] = arrays(data, f"call{i}_initial_state_")
    return data[f"call{i}_x"], kwargs


def other_path(spec, x):
    """x for the other input path: a C-contiguous array of the layer's dtype
    when x is anything else (that is what the checked path makes of it),
    else the same values as a Fortran-ordered copy (which the kernel entry
    refuses, so the checked path converts it)."""
    dtype = np.dtype(spec["config"]["dtype"])
    if x.dtype == dtype and x.flags.c_contiguous:
        return np.asfortranarray(x)
    return np.ascontiguousarray(x, dtype=dtype)


def test_fixtures_present():
    assert len(CASES) >= 100
    policies = {load_case(p)[0]["fastrnn"] for p in CASES}
    assert policies == {"match", "ValueError", "empty-outputs"}


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_keras_edge(path):
    spec, data = load_case(path)
    layer = build_layer(spec, data)
    for want, got in zip(arrays(data, "weight_"), layer.get_weights()):
        np.testing.assert_array_equal(got, want)

    if spec["fastrnn"] == "ValueError":
        x, kwargs = call_args(data, 0, spec["calls"][0])
        with pytest.raises(ValueError, match="expected x with at least one timestep, got shape"):
            layer(x, **kwargs)
        return

    for i, call in enumerate(spec["calls"]):
        x, kwargs = call_args(data, i, call)
        result = layer(x, **kwargs)
        got = result if isinstance(result, list) else [result]
        if spec["fastrnn"] == "empty-outputs":
            check_empty(spec, x, got)
            continue
        assert isinstance(result, list) == call["is_list"]
        want = arrays(data, f"call{i}_output_")
        assert len(got) == len(want) == call["n_outputs"]
        for k, (g, w) in enumerate(zip(got, want)):
            assert g.shape == w.shape and g.dtype == w.dtype, f"call {i} output {k}"
            np.testing.assert_array_equal(np.isnan(g), np.isnan(w), err_msg=f"NaN, output {k}")
            np.testing.assert_allclose(g, w, **TOLERANCE[w.dtype], err_msg=f"call {i} output {k}")

    if len(spec["calls"]) == 1 and spec["fastrnn"] == "match":
        # The same call through the other input path: identical bits.
        x, kwargs = call_args(data, 0, spec["calls"][0])
        again = build_layer(spec, data)(other_path(spec, x), **kwargs)
        again = again if isinstance(again, list) else [again]
        for g, w in zip(again, got):
            np.testing.assert_array_equal(g, w)


def check_empty(spec, x, got):
    config = spec["config"]
    units, batch, steps = config["units"], x.shape[0], x.shape[1]
    bidi = spec["bidirectional"] is not None
    width = units * (2 if bidi and spec["bidirectional"]["merge_mode"] == "concat" else 1)
    shapes = [(batch, steps, width) if config["return_sequences"] else (batch, width)]
    if config["return_state"]:
        n = (2 if spec["layer"] == "LSTM" else 1) * (2 if bidi else 1)
        shapes += [(batch, units)] * n
    assert [g.shape for g in got] == shapes
    assert all(g.dtype == np.dtype(config["dtype"]) for g in got)


# ------------------------------------------------------------------ probes
# probes.json records what Keras does with inputs that are not arrays of
# numbers in the usual shapes; fastrnn's column states its rule. Each rule
# is checked here; a probe without a check fails the test (keep them in step).
X = np.random.default_rng(7).uniform(-1, 1, (2, 4, 3)).astype(np.float32)
GRU2 = lambda **kw: fastrnn.GRU(2, seed=0, **kw)  # noqa: E731


def accepted(fn):
    fn()


def refused(error, match):
    def check(fn):
        with pytest.raises(error, match=match):
            fn()
    return check


PROBES = {
    "x as a nested list": (
        lambda: np.testing.assert_array_equal(GRU2()(X.tolist()), GRU2()(X)), accepted),
    "mask of shape (batch, T, 1)": (
        lambda: GRU2()(X, mask=np.ones((2, 4, 1), bool)),
        refused(ValueError, r"expected mask of shape \(batch, timesteps\)")),
    "mask of shape (1, T)": (
        lambda: GRU2()(X, mask=np.ones((1, 4), bool)),
        refused(ValueError, r"expected mask of shape \(batch, timesteps\)")),
    "mask of shape (batch,)": (
        lambda: GRU2()(X, mask=np.ones((2,), bool)),
        refused(ValueError, r"expected mask of shape \(batch, timesteps\)")),
    "mask of strings": (
        lambda: GRU2()(X, mask=np.full((2, 4), "a")),
        refused(ValueError, "expected a bool, int or float mask")),
    "mask complex64": (
        lambda: np.testing.assert_array_equal(
            GRU2()(X, mask=np.array([[1, 1j, 0, 1]] * 2, np.complex64)),
            GRU2()(X, mask=np.array([[1, 1, 0, 1]] * 2, bool))), accepted),
    "x complex64": (
        lambda: GRU2()(X.astype(np.complex64)), refused(ValueError, "expected x of real numbers")),
    "x of rank 2": (lambda: GRU2()(X[0]), refused(ValueError, "expected x of rank 3")),
    "initial_state of shape (1, units)": (
        lambda: GRU2()(X, initial_state=[np.zeros((1, 2), np.float32)]),
        refused(ValueError, r"expected initial_state 'h' of shape \(batch, units\)")),
    "initial_state with the wrong batch": (
        lambda: GRU2()(X, initial_state=[np.zeros((3, 2), np.float32)]),
        refused(ValueError, r"expected initial_state 'h' of shape \(batch, units\)")),
    "initial_state = []": (
        lambda: GRU2()(X, initial_state=[]),
        refused(ValueError, r"expected initial_state as a list of 1 array\(s\)")),
    "initial_state one array (not a list) for GRU": (
        lambda: GRU2()(X, initial_state=np.zeros((2, 2), np.float32)), accepted),
    "units=0": (lambda: fastrnn.GRU(0), refused(ValueError, "argument `units`")),
    "units=3.0": (lambda: fastrnn.GRU(3.0), refused(ValueError, "argument `units`")),
    "units=10**12 (construction only)": (
        lambda: fastrnn.GRU(10 ** 12), refused(fl.TooLargeError, "refused before allocating")),
    "seed=-1": (lambda: fastrnn.GRU(2, seed=-1)(X), accepted),
    "seed='a'": (lambda: fastrnn.GRU(2, seed="a"),
                 refused(ValueError, "Argument `seed` must be an integer")),
    "return_sequences='no' (truthy)": (
        lambda: GRU2(return_sequences="no")(X).shape == (2, 4, 2) or pytest.fail("shape"),
        accepted),
    "Bidirectional, backward GRU(1) under LSTM(3), merge sum (broadcasts)": (
        lambda: fastrnn.Bidirectional(fastrnn.LSTM(3), merge_mode="sum",
                                      backward_layer=fastrnn.GRU(1, go_backwards=True))(X),
        accepted),
}


def test_probes_are_all_checked():
    recorded = json.loads((DATA / "probes.json").read_text())
    assert set(recorded) == set(PROBES)


@pytest.mark.parametrize("name", sorted(PROBES))
def test_probe(name):
    fn, check = PROBES[name]
    check(fn)
