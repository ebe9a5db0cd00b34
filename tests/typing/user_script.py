"""A small typed program on fastrnn's public API.

``mypy --strict`` must accept it with fastrnn's inline types
(tests/test_typing.py and tools/check.sh run it), and it runs: it prints "ok".
"""
from __future__ import annotations

import os
import tempfile
from typing import Any

import numpy as np
import numpy.typing as npt

import fastrnn
from fastrnn.initializers import Constant, GlorotUniform, Initializer
from fastrnn.layers import MAX_BYTES, TooLargeError

Array = npt.NDArray[Any]


def make_model(units: int, features: int) -> fastrnn.Sequential:
    return fastrnn.Sequential([
        fastrnn.InputLayer(shape=(None, features)),
        fastrnn.Masking(mask_value=0.0),
        fastrnn.Bidirectional(
            fastrnn.LSTM(units, return_sequences=True, kernel_initializer=Constant(0.1),
                         recurrent_initializer=GlorotUniform(seed=1), seed=0),
            merge_mode="sum"),
        fastrnn.GRU(units, reset_after=True, seed=0),
        fastrnn.Dense(1, activation="sigmoid"),
    ])


def layer_outputs(x: Array) -> list[Array]:
    layer = fastrnn.LSTM(3, return_state=True, dtype="float64", name="lstm_typed")
    output, h, c = layer(x)
    states: list[Array] | None = layer.states
    assert states is None
    weights: list[Array] = layer.get_weights()
    layer.set_weights(weights)
    config: dict[str, Any] = layer.get_config()
    same: fastrnn.LSTM = fastrnn.LSTM.from_config(config)
    same.set_weights(layer.get_weights())
    return [output, h, c]


def torch_style(x: Array) -> tuple[int, ...]:
    hidden, features = 4, x.shape[-1]
    rng = np.random.default_rng(0)
    state = {"weight_ih_l0": rng.normal(size=(3 * hidden, features)),
             "weight_hh_l0": rng.normal(size=(3 * hidden, hidden)),
             "bias_ih_l0": np.zeros(3 * hidden), "bias_hh_l0": np.zeros(3 * hidden)}
    model: fastrnn.TorchRNN = fastrnn.from_torch(state, mode="GRU", batch_first=True)
    output, h_n = model(x)
    return tuple(output.shape)


def main() -> None:
    x: npt.NDArray[np.float32] = np.random.default_rng(0).normal(size=(2, 4, 5)).astype(
        np.float32)
    model = make_model(3, 5)
    scores: Array = model.predict(x, batch_size=1, verbose=0)
    assert scores.shape == (2, 1)

    with fastrnn.num_threads(1):
        threads: int = fastrnn.get_num_threads()
        assert threads == 1
    fastrnn.set_num_threads(0)

    outputs = layer_outputs(x.astype(np.float64))
    assert [o.shape for o in outputs] == [(2, 3)] * 3
    assert torch_style(x) == (2, 4, 4)

    init: Initializer = fastrnn.initializers.get("orthogonal")
    kernel: Array = init((3, 3), "float32", np.random.default_rng(0))
    assert kernel.shape == (3, 3)
    names: tuple[str, ...] = fastrnn.activations.NAMES
    assert "tanh" in names and fastrnn.activations.serialize(None) == "linear"
    assert MAX_BYTES > 0 and issubclass(TooLargeError, MemoryError)

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.npz")
        model.save(path)
        loaded: fastrnn.Model = fastrnn.load_model(path)
        assert isinstance(loaded, fastrnn.Sequential)   # a functional Keras file gives a Model
        assert loaded == model and len(loaded) == len(model.layers)
    version: str = fastrnn.__version__
    print("ok", version)


if __name__ == "__main__":
    main()
