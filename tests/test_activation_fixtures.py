"""Every activation on special values against real Keras: tests/data/keras_activations.

Made by tools/make_activation_fixtures.py (real Keras 3.15.1, TensorFlow
2.21 CPU; its docstring says how each layer is set up so that the
pre-activations are exactly NaN, +-inf, +-0, huge, tiny and the values
where the piecewise rules switch). Each case runs through:

- ``Dense`` and ``Activation`` (the NumPy formulas of fastrnn/activations.py);
- SimpleRNN, LSTM and GRU with the name as ``activation`` and as
  ``recurrent_activation``, under every kernel build this CPU runs. In
  float32, SimpleRNN, LSTM and GRU(reset_after=True) with elementwise
  activations take the packed path (the vectorized tanh/sigmoid/relu);
  GRU(reset_after=False), the row-wise activations and float64 take the
  generic path (its own loops: the products here are far below the BLAS
  threshold, and the activations do not depend on who did the product).

Agreement (``assert_keras_equal``): NaN in the same places; infinities in
the same places with the same sign; finite values within rtol 1e-5
(float32) / 1e-12 (float64), and atol the dtype's smallest normal number.
That atol is there because TensorFlow flushes subnormal results to zero in
most kernels (relu, selu, tanh, ..., not elu or linear, which pass values
through). fastrnn flushes only the intermediates where that shows in a
normal result (exp, sigmoid, erfc); the atol lets a subnormal result stand
for zero and nothing else. The sign of a zero is not compared.

Where the fixture records that TensorFlow's default oneDNN kernel and its
own Eigen kernel disagree (float32 softmax of rows holding NaN or +inf),
fastrnn follows the Eigen kernel, which float64 Keras also uses: NaN for the
whole row.
"""
import json
from pathlib import Path

import numpy as np
import pytest

import fastrnn
from fastrnn import _dispatch

DATA = Path(__file__).parent / "data" / "keras_activations"
DTYPES = ("float32", "float64")
RTOL = {"float32": 1e-5, "float64": 1e-12}
BUILDS = _dispatch.available()


def load(dtype):
    with np.load(DATA / f"{dtype}.npz") as data:
        arrays = {k: data[k] for k in data.files}
    return json.loads(str(arrays.pop("spec"))), arrays


FIXTURES = {dtype: load(dtype) for dtype in DTYPES}


def assert_keras_equal(got, want, dtype, what):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, what
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=f"NaN, {what}")
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want), err_msg=f"inf, {what}")
    inf = np.isinf(want)
    np.testing.assert_array_equal(got[inf], want[inf], err_msg=f"inf sign, {what}")
    finite = np.isfinite(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=RTOL[dtype],
                               atol=np.finfo(dtype).tiny, err_msg=what)


def expected(arrays, gid, i, r):
    """Keras's outputs for name i, row r: the Eigen kernel's where oneDNN's differs."""
    return arrays.get(f"{gid}.eigen_output", arrays[f"{gid}.output"])[i, r]


def make_layer(group, name, r, arrays):
    config = dict(group["config"])
    config[group["slot"]] = name
    if group["layer"] == "Activation":
        return fastrnn.Activation(config.pop("activation"), **config)
    layer = getattr(fastrnn, group["layer"])(**config)
    layer.set_weights([arrays[f"{group['id']}.weight_{k}"][r] for k in range(group["n_weights"])])
    return layer


def run(group, name, r, arrays):
    layer = make_layer(group, name, r, arrays)
    x = arrays[f"{group['id']}.x"][r]
    if group["initial_state"]:
        result = layer(x, initial_state=[arrays[f"{group['id']}.initial_state"][r]])
    else:
        result = layer(x)
    return layer, result if isinstance(result, list) else [result]


def cases(dtype, layers):
    spec, arrays = FIXTURES[dtype]
    for group in spec["groups"]:
        if group["layer"] in layers:
            for i, name in enumerate(group["names"]):
                for r in range(group["rows"]):
                    yield group, i, name, r, arrays


def test_every_accepted_activation_is_covered():
    for dtype in DTYPES:
        spec, _ = FIXTURES[dtype]
        kinds = {}
        for group in spec["groups"]:
            kinds.setdefault(group["id"].split("_")[0], set()).update(group["names"])
        assert set(kinds) == {"activation", "dense", "simplernn", "lstm-act", "lstm-ract",
                              "gru1-act", "gru0-act", "gru1-ract", "gru0-ract"}
        for kind, names in kinds.items():
            assert names == set(fastrnn.activations.NAMES), (dtype, kind)


@pytest.mark.parametrize("dtype", DTYPES)
def test_dense_and_activation(dtype):
    for group, i, name, r, arrays in cases(dtype, ("Dense", "Activation")):
        _, got = run(group, name, r, arrays)
        want = expected(arrays, group["id"], i, r)
        for k, g in enumerate(got):
            assert_keras_equal(g, want[k], dtype, f"{group['id']} {name} row {r} output {k}")


@pytest.fixture(params=BUILDS)
def kernels(request, monkeypatch):
    module = _dispatch.load(request.param)
    monkeypatch.setattr(_dispatch, "kernels", module)
    return module


@pytest.mark.parametrize("dtype", DTYPES)
def test_recurrent_layers(kernels, dtype):
    paths = set()
    for group, i, name, r, arrays in cases(dtype, ("SimpleRNN", "LSTM", "GRU")):
        layer, got = run(group, name, r, arrays)
        paths.add(layer._recurrence.packed)
        want = expected(arrays, group["id"], i, r)
        assert len(got) == group["n_outputs"]
        for k, g in enumerate(got):
            assert_keras_equal(g, want[k], dtype, f"{kernels.__name__} {group['id']} {name} "
                               f"row {r} output {k}")
    # float32: SimpleRNN, LSTM, GRU(reset_after=True) with elementwise
    # activations run packed; GRU(reset_after=False) and row-wise ones generic.
    assert paths == ({True, False} if dtype == "float32" else {False})
