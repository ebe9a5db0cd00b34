from collections.abc import Mapping, Sequence
from typing import Any

import numpy.typing as npt
from typing_extensions import Self

from .initializers import Initializer, _InitializerLike
from .layers import _DType

__all__ = ["SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells"]

class _Cell:
    units: int
    dtype: str
    name: str
    activation: str
    use_bias: bool
    kernel_initializer: Initializer
    recurrent_initializer: Initializer
    bias_initializer: Initializer
    seed: int | None
    @property
    def state_size(self) -> Any: ...
    @property
    def output_size(self) -> int: ...
    @property
    def built(self) -> bool: ...
    def build(self, input_shape: int | Sequence[int | None]) -> None: ...
    def get_weights(self) -> list[npt.NDArray[Any]]: ...
    def set_weights(self, weights: Sequence[npt.ArrayLike]) -> None: ...
    def get_initial_state(self, batch_size: int | None = None) -> list[npt.NDArray[Any]]: ...
    def call(self, inputs: npt.ArrayLike, states: Any,
             training: bool | None = None) -> tuple[npt.NDArray[Any], Any]: ...
    def __call__(self, inputs: npt.ArrayLike, states: Any,
                 training: bool | None = None) -> tuple[npt.NDArray[Any], Any]: ...
    def get_config(self) -> dict[str, Any]: ...
    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self: ...

class SimpleRNNCell(_Cell):
    def __init__(self, units: int, activation: str | None = "tanh", use_bias: bool = True,
                 kernel_initializer: _InitializerLike = "glorot_uniform",
                 recurrent_initializer: _InitializerLike = "orthogonal",
                 bias_initializer: _InitializerLike = "zeros", seed: int | None = None,
                 dtype: _DType = None, name: str | None = None, **kwargs: Any) -> None: ...

class LSTMCell(_Cell):
    recurrent_activation: str
    unit_forget_bias: bool
    def __init__(self, units: int, activation: str | None = "tanh",
                 recurrent_activation: str | None = "sigmoid", use_bias: bool = True,
                 kernel_initializer: _InitializerLike = "glorot_uniform",
                 recurrent_initializer: _InitializerLike = "orthogonal",
                 bias_initializer: _InitializerLike = "zeros", unit_forget_bias: bool = True,
                 seed: int | None = None, dtype: _DType = None, name: str | None = None,
                 **kwargs: Any) -> None: ...

class GRUCell(_Cell):
    recurrent_activation: str
    reset_after: bool
    def __init__(self, units: int, activation: str | None = "tanh",
                 recurrent_activation: str | None = "sigmoid", use_bias: bool = True,
                 kernel_initializer: _InitializerLike = "glorot_uniform",
                 recurrent_initializer: _InitializerLike = "orthogonal",
                 bias_initializer: _InitializerLike = "zeros", reset_after: bool = True,
                 seed: int | None = None, dtype: _DType = None, name: str | None = None,
                 **kwargs: Any) -> None: ...

class StackedRNNCells:
    cells: list[Any]
    name: str
    dtype: str
    def __init__(self, cells: Sequence[Any], **kwargs: Any) -> None: ...
    @property
    def state_size(self) -> list[Any]: ...
    @property
    def output_size(self) -> int: ...
    @property
    def built(self) -> bool: ...
    def build(self, input_shape: Sequence[int | None]) -> None: ...
    def get_initial_state(self, batch_size: int | None = None) -> list[Any]: ...
    def call(self, inputs: npt.ArrayLike, states: Any,
             training: bool | None = None) -> tuple[npt.NDArray[Any], Any]: ...
    def get_weights(self) -> list[npt.NDArray[Any]]: ...
    def set_weights(self, weights: Sequence[npt.ArrayLike]) -> None: ...
    def get_config(self) -> dict[str, Any]: ...
    @classmethod
    def from_config(cls, config: Mapping[str, Any],
                    custom_objects: Mapping[str, Any] | None = None) -> Self: ...
