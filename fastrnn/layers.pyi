from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, TypeAlias

import numpy.typing as npt
from typing_extensions import Self

from .initializers import Initializer, _InitializerLike

__all__ = ["SimpleRNN", "LSTM", "GRU"]

#: float32 or float64: a dtype, its name, or a Keras DTypePolicy config dict.
_DType: TypeAlias = npt.DTypeLike | Mapping[str, Any] | None
#: An ndarray; with ``return_state=True`` a list ``[output, *states]``.
_Output: TypeAlias = Any

MAX_BYTES: int

class TooLargeError(MemoryError, ValueError): ...

class _RNN:
    units: int
    dtype: str
    activation: str
    use_bias: bool
    kernel_initializer: Initializer
    recurrent_initializer: Initializer
    bias_initializer: Initializer
    return_sequences: bool
    return_state: bool
    go_backwards: bool
    stateful: bool
    zero_output_for_mask: bool
    seed: int | None
    name: str
    reset_after: bool
    def __init__(self, units: int, *, activation: str | None, use_bias: bool,
                 kernel_initializer: _InitializerLike, recurrent_initializer: _InitializerLike,
                 bias_initializer: _InitializerLike, return_sequences: bool,
                 return_state: bool, go_backwards: bool, stateful: bool, seed: int | None,
                 dtype: _DType, name: str | None, zero_output_for_mask: bool,
                 cell_args: dict[str, Any], ignored: dict[str, Any]) -> None: ...
    @property
    def built(self) -> bool: ...
    @property
    def input_dim(self) -> int | None: ...
    def build(self, input_shape: int | Sequence[int | None]) -> None: ...
    def get_weights(self) -> list[npt.NDArray[Any]]: ...
    @property
    def weights(self) -> list[npt.NDArray[Any]]: ...
    def set_weights(self, weights: Sequence[npt.ArrayLike]) -> None: ...
    @property
    def states(self) -> list[npt.NDArray[Any]] | None: ...
    def reset_states(self) -> None: ...
    def reset_state(self) -> None: ...
    def __call__(self, x: npt.ArrayLike, mask: npt.ArrayLike | None = None,
                 initial_state: Sequence[npt.ArrayLike] | None = None,
                 training: bool | None = None) -> _Output: ...
    def get_config(self) -> dict[str, Any]: ...
    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self: ...
    def __eq__(self, other: object) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

class SimpleRNN(_RNN):
    def __init__(self, units: int, activation: str | None = "tanh", use_bias: bool = True,
                 kernel_initializer: _InitializerLike = "glorot_uniform",
                 recurrent_initializer: _InitializerLike = "orthogonal",
                 bias_initializer: _InitializerLike = "zeros", return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False,
                 stateful: bool = False, zero_output_for_mask: bool = False,
                 seed: int | None = None, dtype: _DType = None, name: str | None = None,
                 **kwargs: Any) -> None: ...

class LSTM(_RNN):
    recurrent_activation: str
    unit_forget_bias: bool
    def __init__(self, units: int, activation: str | None = "tanh",
                 recurrent_activation: str | None = "sigmoid", use_bias: bool = True,
                 kernel_initializer: _InitializerLike = "glorot_uniform",
                 recurrent_initializer: _InitializerLike = "orthogonal",
                 bias_initializer: _InitializerLike = "zeros", unit_forget_bias: bool = True,
                 return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False,
                 zero_output_for_mask: bool = False, seed: int | None = None,
                 dtype: _DType = None, name: str | None = None, **kwargs: Any) -> None: ...

class GRU(_RNN):
    recurrent_activation: str
    def __init__(self, units: int, activation: str | None = "tanh",
                 recurrent_activation: str | None = "sigmoid", use_bias: bool = True,
                 kernel_initializer: _InitializerLike = "glorot_uniform",
                 recurrent_initializer: _InitializerLike = "orthogonal",
                 bias_initializer: _InitializerLike = "zeros", return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False,
                 stateful: bool = False, reset_after: bool = True,
                 zero_output_for_mask: bool = False, seed: int | None = None,
                 dtype: _DType = None, name: str | None = None, **kwargs: Any) -> None: ...
