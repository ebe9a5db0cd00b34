"""Parity with real Keras 3: every fixture under tests/data/keras.

Each fixture was made by tools/make_keras_fixtures.py running real Keras
(TensorFlow CPU): a layer config, its weights, the call arguments and every
tensor Keras returned. The test rebuilds the same layer with fastrnn's public
API and checks every returned tensor. The test id names the feature covered.
"""
import json
from pathlib import Path

import numpy as np
import pytest

import fastrnn
from support import arrays, load_case

DATA = Path(__file__).parent / "data" / "keras"
CASES = sorted(DATA.glob("*.npz"))
TOLERANCE = {np.dtype(np.float32): dict(rtol=1e-4, atol=1e-5),
             np.dtype(np.float64): dict(rtol=1e-9, atol=1e-12)}


def build_layer(spec, data):
    layer = getattr(fastrnn, spec["layer"])(**spec["config"])
    bidi = spec["bidirectional"]
    if spec.get("preset_weights"):
        preset = arrays(data, "preset_weight_")
        layer.build(preset[0].shape[0])
        layer.set_weights(preset)
    if bidi is not None:
        backward = None
        if bidi.get("backward_layer"):
            b = bidi["backward_layer"]
            backward = getattr(fastrnn, b["layer"])(**b["config"])
        kwargs = {"dtype": bidi["dtype"]} if bidi.get("dtype") else {}
        layer = fastrnn.Bidirectional(layer, merge_mode=bidi["merge_mode"],
                                      backward_layer=backward, **kwargs)
    return layer


def test_fixtures_present():
    # Guards against an empty glob silently passing the parity tests.
    assert len(CASES) >= 300


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_keras_parity(path):
    spec, data = load_case(path)
    if spec.get("expect_error"):
        with pytest.raises(ValueError):
            build_layer(spec, data)
        return
    layer = build_layer(spec, data)
    if spec["set_weights"]:
        layer.set_weights(arrays(data, "weight_"))
    else:
        # Weights came from the initializers; Keras saved what it built.
        x0 = data["call0_x"]
        layer.build(x0.shape[-1])
    for want, got in zip(arrays(data, "weight_"), layer.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=0)

    for i, call in enumerate(spec["calls"]):
        if call.get("reset_before"):
            layer.reset_states()
        kwargs = {}
        if call["mask"]:
            kwargs["mask"] = data[f"call{i}_mask"]
        if call["n_initial_state"]:
            kwargs["initial_state"] = arrays(data, f"call{i}_initial_state_")
        result = layer(data[f"call{i}_x"], **kwargs)
        assert isinstance(result, list) == call["is_list"]
        got = result if call["is_list"] else [result]
        want = arrays(data, f"call{i}_output_")
        assert len(got) == len(want) == call["n_outputs"]
        for k, (g, w) in enumerate(zip(got, want)):
            assert g.shape == w.shape, f"call {i} output {k}"
            assert g.dtype == w.dtype, f"call {i} output {k}"
            np.testing.assert_allclose(g, w, **TOLERANCE[w.dtype],
                                       err_msg=f"call {i} output {k}")


def test_accepted_activations_match_keras():
    accepted = json.loads((DATA / "activations.json").read_text())["accepted"]
    for layer_name, names in accepted.items():
        assert set(names) == set(fastrnn.activations.NAMES), layer_name
