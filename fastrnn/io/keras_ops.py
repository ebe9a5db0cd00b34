"""The Keras operations a saved functional graph may hold between layers.

Keras 3 records, in a functional config, the operations it ran on symbolic
tensors: for Masking and Embedding(mask_zero=True) the ``NotEqual`` / ``Any``
that compute their masks, which later layers get as ``mask=``; and the ops a
user wrote between layers. These are the ones fastrnn runs (numpy, as
keras/src/ops/numpy.py and core.py define them); any other is refused by name.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _validate, graph
from ..layer import Layer

__all__ = ["OPS", "from_config"]


class _Op(Layer):
    """A Keras operation as a graph node: ``fn(*arrays, **config)``."""

    _is_op = True
    _keras_module = "keras.src.ops.numpy"
    _fn: Callable[..., Any]

    def __init__(self, name: str | None = None, **config: Any) -> None:
        super().__init__(name=name)
        self.config = config

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if graph.is_symbolic(args, kwargs):
            return graph.symbolic_call(self, args, kwargs)
        arrays = graph.map_structure(np.asarray, list(args))
        return type(self)._fn(*arrays, **{**self.config, **kwargs})

    def compute_output_spec(self, *args: Any, **kwargs: Any) -> Any:
        # Run the op on zeros of the inputs' shapes (unknown sizes as 1): the
        # result's rank and dtype are what the symbolic tensor needs.
        def probe(v: Any) -> Any:
            if isinstance(v, graph.KerasTensor):
                shape = [1 if d is None else d for d in v.shape]
                # (a config can declare any size: the probe is checked like any array)
                _validate.check_bytes(f"operation {self.name!r} on an input of shape "
                                      f"{v.shape}", 4 * math.prod(shape), "its result")
                return np.zeros(shape, "bool" if v.dtype == "bool" else "float32")
            return v
        out = type(self)._fn(*graph.map_structure(probe, list(args)),
                             **{**self.config, **kwargs})
        first = next(a for a in graph.flatten(list(args)) if isinstance(a, graph.KerasTensor))

        def spec(a: Any) -> Any:
            shape = list(np.shape(a))
            for i, d in enumerate(first.shape[:len(shape)]):
                if d is None:
                    shape[i] = None
            return graph.KerasTensor(tuple(shape), np.asarray(a).dtype.name)
        return [spec(a) for a in out] if isinstance(out, list) else spec(out)

    def get_config(self) -> dict:
        return {"name": self.name, **self.config}


def _axis(axis: Any) -> Any:
    return tuple(axis) if isinstance(axis, list) else axis


def _op(name: str, fn: Callable[..., Any]) -> type:
    return type(name, (_Op,), {"_fn": staticmethod(fn), "__doc__": f"keras.ops {name}."})


OPS = {cls.__name__: cls for cls in [
    _op("NotEqual", lambda x, y: np.not_equal(x, y)),
    _op("Equal", lambda x, y: np.equal(x, y)),
    _op("Any", lambda x, axis=None, keepdims=False: np.any(x, axis=_axis(axis),
                                                           keepdims=keepdims)),
    _op("All", lambda x, axis=None, keepdims=False: np.all(x, axis=_axis(axis),
                                                           keepdims=keepdims)),
    _op("LogicalAnd", lambda x, y: np.logical_and(x, y)),
    _op("LogicalOr", lambda x, y: np.logical_or(x, y)),
    _op("LogicalNot", lambda x: np.logical_not(x)),
    _op("Squeeze", lambda x, axis=None: np.squeeze(x, axis=_axis(axis))),
    _op("ExpandDims", lambda x, axis: np.expand_dims(x, _axis(axis))),
    _op("ZerosLike", lambda x, dtype=None: np.zeros_like(x, dtype=_validate.policy_name(dtype))),
    _op("OnesLike", lambda x, dtype=None: np.ones_like(x, dtype=_validate.policy_name(dtype))),
    _op("Concatenate", lambda xs, axis=0: np.concatenate(
        xs, axis=axis)),
    _op("Split", lambda x, indices_or_sections, axis=0: np.split(
        x, indices_or_sections, axis=axis)),
    _op("Cast", lambda x, dtype: np.asarray(x).astype(_validate.policy_name(dtype))),
]}


def from_config(class_name: str, config: dict, module: str = "keras.src.ops.numpy") -> Any:
    from .keras_config import unsupported

    cls = OPS.get(class_name)
    if cls is None:
        raise unsupported(class_name, config.get("name", "?"),
                          "operations between layers are not supported (only the mask "
                          f"operations Keras records: {', '.join(sorted(OPS))})")
    config = dict(config)
    name = config.pop("name", None)
    try:
        op = cls(name=name, **config)
        op._keras_module = module
        return op
    except TypeError as e:
        raise ValueError(f"operation {name!r} ({class_name}) has an unexpected config: "
                         f"{e}") from None

globals().update(OPS)   # so that models holding ops pickle
