"""Real Keras functional graphs, cells, merges and custom layers (tests/data/graphs).

The files, inputs and expected outputs come from Keras 3.15.1 (TensorFlow 2.21 CPU) via
tools/make_graph_fixtures.py; never edit them by hand. Each case loads through
``fastrnn.load_model`` (the .keras file, and the .h5 file where Keras itself reads it back)
and must give Keras's outputs, in Keras's structure, to float32 rounding. The custom
layers are numpy equivalents of the Keras classes in tests/data/graphs/README.md, given
to load_model through ``custom_objects``.
"""
import json
from pathlib import Path

import numpy as np
import pytest

import fastrnn

DATA = Path(__file__).parent / "data" / "graphs"
CASES = json.loads((DATA / "cases.json").read_text())
RTOL, ATOL = 1e-4, 1e-5


# ---------------------------------------------------------------- the custom layers
class CustomDense(fastrnn.Layer):
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units))
        self.b = self.add_weight(shape=(self.units,))

    def call(self, inputs):
        return np.maximum(inputs @ self.w + self.b, 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class CustomScale(fastrnn.Layer):
    def __init__(self, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return (inputs * self.factor).astype(np.float32)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class MinimalRNNCell(fastrnn.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units))
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units))

    def call(self, inputs, states):
        output = inputs @ self.kernel + states[0] @ self.recurrent_kernel
        return output, [output]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class MyLayer(fastrnn.Layer):
    """A layer of layers (the masking guide's): its sub-layers' weights load too."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.embedding = fastrnn.Embedding(input_dim=20, output_dim=4, mask_zero=True)
        self.lstm = fastrnn.LSTM(4)

    def call(self, inputs):
        x = self.embedding(inputs)
        return self.lstm(x, mask=self.embedding.compute_mask(inputs))


class TemporalSplit(fastrnn.Layer):
    def call(self, inputs):
        return np.split(inputs, 2, axis=1)

    def compute_mask(self, inputs, mask=None):
        return None if mask is None else np.split(mask, 2, axis=1)


class CustomEmbedding(fastrnn.Layer):
    def __init__(self, input_dim, output_dim, mask_zero=False, **kwargs):
        super().__init__(**kwargs)
        self.input_dim, self.output_dim, self.mask_zero = input_dim, output_dim, mask_zero

    def build(self, input_shape):
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim))

    def call(self, inputs):
        return self.embeddings[inputs.astype(np.int32)]

    def compute_mask(self, inputs, mask=None):
        return np.not_equal(inputs, 0) if self.mask_zero else None

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim,
                "output_dim": self.output_dim, "mask_zero": self.mask_zero}


class MyActivation(fastrnn.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return np.maximum(inputs, 0)


class TemporalSoftmax(fastrnn.Layer):
    def call(self, inputs, mask=None):
        m = np.asarray(mask, np.float32)[..., None]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.exp(inputs) * m / np.sum(inputs * m, axis=1, keepdims=True)


CUSTOM = {cls.__name__: cls for cls in (CustomDense, CustomScale, MinimalRNNCell, MyLayer,
                                        TemporalSplit, CustomEmbedding, MyActivation,
                                        TemporalSoftmax)}


# ---------------------------------------------------------------- helpers
def fixture(case, prefix="", data=DATA):
    with np.load(data / f"{case}.npz", allow_pickle=False) as z:
        names = json.loads(str(z["names"]))
        ins = [z[f"{prefix}in/{i}"] for i in range(len(names["inputs"]))]
        outs = [z[f"{prefix}out/{i}"] for i in range(len(names["outputs"]))]
    return names, ins, outs


def flat_outputs(got, names):
    structure = names["output_structure"]
    if structure == "single":
        assert isinstance(got, np.ndarray)
        return [got]
    if structure == "dict":
        assert isinstance(got, dict) and sorted(got) == sorted(names["outputs"])
        return [got[k] for k in names["outputs"]]
    assert isinstance(got, list)
    return got


def check(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL)


def model_inputs(model, ins):
    return ins[0] if len(ins) == 1 else ins


KERAS_CASES = sorted(CASES)
# Keras wrote a legacy .h5 for every case (it cannot read back the 11 whose graphs record
# mask ops; fastrnn reads them all).
H5_CASES = sorted(c for c in CASES if (DATA / f"{c}.h5").exists())


# ---------------------------------------------------------------- the tests
@pytest.mark.parametrize("case", KERAS_CASES)
def test_keras_file_matches_keras(case):
    pytest.importorskip("h5py")
    model = fastrnn.load_model(DATA / f"{case}.keras", custom_objects=CUSTOM)
    names, ins, want = fixture(case)
    check(flat_outputs(model.predict(model_inputs(model, ins), verbose=0), names), want)
    if "call2/in/0" in np.load(DATA / f"{case}.npz"):
        _, ins2, want2 = fixture(case, "call2/")
        check(flat_outputs(model.predict(model_inputs(model, ins2), verbose=0), names), want2)


@pytest.mark.parametrize("case", H5_CASES)
def test_h5_file_matches_keras(case):
    pytest.importorskip("h5py")
    model = fastrnn.load_model(DATA / f"{case}.h5", custom_objects=CUSTOM)
    names, ins, want = fixture(case)
    check(flat_outputs(model.predict(model_inputs(model, ins), verbose=0), names), want)


@pytest.mark.parametrize("case", [c for c in KERAS_CASES if "stateful" not in c])
def test_saved_keras_file_loads_back_the_same(case, tmp_path):
    # fastrnn's .keras and .npz files hold the same model (tools/check_keras_roundtrip.py
    # checks that real Keras reads the .keras files fastrnn writes).
    pytest.importorskip("h5py")
    model = fastrnn.load_model(DATA / f"{case}.keras", custom_objects=CUSTOM)
    names, ins, want = fixture(case)
    for ext in (".keras", ".npz"):
        model.save(tmp_path / f"m{ext}")
        again = fastrnn.load_model(tmp_path / f"m{ext}", custom_objects=CUSTOM)
        assert type(again) is type(model)
        got = flat_outputs(again.predict(model_inputs(again, ins), verbose=0), names)
        check(got, want)


def test_a_custom_layer_without_custom_objects_is_named():
    pytest.importorskip("h5py")
    with pytest.raises(NotImplementedError, match=r"custom class 'fixtures>CustomDense'.*"
                                                  r"custom_objects"):
        fastrnn.load_model(DATA / "custom_dense.keras")


def test_custom_objects_must_be_fastrnn_layers():
    pytest.importorskip("h5py")
    with pytest.raises(ValueError, match="fastrnn.Layer subclass"):
        fastrnn.load_model(DATA / "custom_dense.keras", custom_objects={"CustomDense": dict})


def test_a_custom_layer_in_a_legacy_h5_without_custom_objects_is_named():
    # Legacy configs put the registered "package>Class" name in class_name.
    pytest.importorskip("h5py")
    with pytest.raises(NotImplementedError, match=r"custom class 'fixtures>CustomDense'.*"
                                                  r"custom_objects=\{'CustomDense'"):
        fastrnn.load_model(DATA / "custom_dense.h5")
