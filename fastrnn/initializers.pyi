from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
from typing_extensions import Self

__all__ = [
    "Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform",
    "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal",
    "HeUniform", "HeNormal", "LecunUniform", "LecunNormal", "Orthogonal",
    "Identity", "get", "serialize",
]

class Initializer:
    def __call__(self, shape: Sequence[int], dtype: npt.DTypeLike = "float32",
                 rng: np.random.Generator | None = None) -> npt.NDArray[Any]: ...
    def get_config(self) -> dict[str, Any]: ...
    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self: ...
    def __eq__(self, other: object) -> bool: ...

class Constant(Initializer):
    value: float | npt.ArrayLike
    def __init__(self, value: float | npt.ArrayLike = 0.0) -> None: ...

class Zeros(Initializer): ...
class Ones(Initializer): ...

class RandomNormal(Initializer):
    mean: float
    stddev: float
    seed: int | None
    def __init__(self, mean: float = 0.0, stddev: float = 0.05,
                 seed: int | None = None) -> None: ...

class RandomUniform(Initializer):
    minval: float
    maxval: float
    seed: int | None
    def __init__(self, minval: float = -0.05, maxval: float = 0.05,
                 seed: int | None = None) -> None: ...

class TruncatedNormal(Initializer):
    mean: float
    stddev: float
    seed: int | None
    def __init__(self, mean: float = 0.0, stddev: float = 0.05,
                 seed: int | None = None) -> None: ...

class VarianceScaling(Initializer):
    scale: float
    mode: str
    distribution: str
    seed: int | None
    def __init__(self, scale: float = 1.0, mode: str = "fan_in",
                 distribution: str = "truncated_normal", seed: int | None = None) -> None: ...

class GlorotUniform(VarianceScaling):
    def __init__(self, seed: int | None = None) -> None: ...

class GlorotNormal(VarianceScaling):
    def __init__(self, seed: int | None = None) -> None: ...

class HeUniform(VarianceScaling):
    def __init__(self, seed: int | None = None) -> None: ...

class HeNormal(VarianceScaling):
    def __init__(self, seed: int | None = None) -> None: ...

class LecunUniform(VarianceScaling):
    def __init__(self, seed: int | None = None) -> None: ...

class LecunNormal(VarianceScaling):
    def __init__(self, seed: int | None = None) -> None: ...

class Orthogonal(Initializer):
    gain: float
    seed: int | None
    def __init__(self, gain: float = 1.0, seed: int | None = None) -> None: ...

class Identity(Initializer):
    gain: float
    def __init__(self, gain: float = 1.0) -> None: ...

#: What the layers accept as an initializer: a Keras name, a Keras config dict
#: ({"class_name": ..., "config": {...}}) or an Initializer object.
_InitializerLike: TypeAlias = str | Mapping[str, Any] | Initializer

def get(identifier: _InitializerLike) -> Initializer: ...
def serialize(initializer: Initializer) -> dict[str, Any]: ...
