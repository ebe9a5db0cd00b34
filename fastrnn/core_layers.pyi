from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, TypeAlias

import numpy.typing as npt
from typing_extensions import Self

from .bidirectional import Bidirectional
from .initializers import Initializer, _InitializerLike
from .layers import _RNN, _DType

from .graph import KerasTensor

__all__ = ["Layer", "Input", "InputLayer", "Masking", "Embedding", "Dense", "TimeDistributed",
           "Dropout", "SpatialDropout1D", "Activation", "Flatten", "Reshape"]

_Shape: TypeAlias = tuple[int | None, ...]

def get_initializer(identifier: _InitializerLike) -> Initializer: ...
def layer_from_config(entry: Mapping[str, Any]) -> Layer | _RNN | Bidirectional: ...

class Layer:
    supports_masking: bool
    takes_mask: ClassVar[bool]
    has_weights: bool
    name: str
    dtype: str
    trainable: bool
    def __init__(self, name: str | None = None, dtype: _DType = None, trainable: bool = True,
                 **kwargs: Any) -> None: ...
    @property
    def built(self) -> bool: ...
    def build(self, input_shape: Any = None) -> None: ...
    def get_weights(self) -> list[npt.NDArray[Any]]: ...
    @property
    def weights(self) -> list[npt.NDArray[Any]]: ...
    def count_params(self) -> int: ...
    def set_weights(self, weights: Sequence[npt.ArrayLike]) -> None: ...
    def __call__(self, x: npt.ArrayLike, mask: npt.ArrayLike | None = None,
                 training: bool | None = None) -> npt.NDArray[Any]: ...
    def call(self, x: npt.NDArray[Any]) -> npt.NDArray[Any]: ...
    def compute_mask(self, inputs: npt.ArrayLike,
                     mask: npt.ArrayLike | None = None) -> npt.NDArray[Any] | None: ...
    def compute_output_shape(self, input_shape: Sequence[int | None]) -> _Shape: ...
    def get_config(self) -> dict[str, Any]: ...
    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self: ...
    def __eq__(self, other: object) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

def Input(shape: int | Sequence[int | None] | None = None, batch_size: int | None = None,
          dtype: Any = None, sparse: bool | None = None,
          batch_shape: Sequence[int | None] | None = None, name: str | None = None,
          tensor: Any = None, optional: bool = False) -> KerasTensor: ...

class InputLayer(Layer):
    batch_shape: _Shape
    optional: bool
    def __init__(self, shape: int | Sequence[int | None] | None = None,
                 batch_size: int | None = None, dtype: _DType = None, sparse: bool | None = None,
                 batch_shape: Sequence[int | None] | None = None, input_tensor: None = None,
                 optional: bool = False, name: str | None = None, ragged: bool | None = None,
                 batch_input_shape: Sequence[int | None] | None = None,
                 **kwargs: Any) -> None: ...
    def compute_output_shape(self, input_shape: Sequence[int | None] | None = None) -> _Shape: ...

class Masking(Layer):
    mask_value: float
    def __init__(self, mask_value: float = 0.0, **kwargs: Any) -> None: ...

class Embedding(Layer):
    input_dim: int
    output_dim: int
    embeddings_initializer: Initializer
    mask_zero: bool
    @property
    def supports_masking(self) -> bool: ...  # type: ignore[override]
    def __init__(self, input_dim: int, output_dim: int,
                 embeddings_initializer: _InitializerLike = "uniform",
                 embeddings_regularizer: Any = None, embeddings_constraint: Any = None,
                 mask_zero: bool = False, weights: npt.ArrayLike | None = None,
                 lora_rank: int | None = None, lora_alpha: float | None = None,
                 quantization_config: Any = None, **kwargs: Any) -> None: ...

class Dense(Layer):
    units: int
    activation: str
    use_bias: bool
    kernel_initializer: Initializer
    bias_initializer: Initializer
    def __init__(self, units: int, activation: str | None = None, use_bias: bool = True,
                 kernel_initializer: _InitializerLike = "glorot_uniform",
                 bias_initializer: _InitializerLike = "zeros", kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, lora_rank: int | None = None,
                 lora_alpha: float | None = None, quantization_config: Any = None,
                 **kwargs: Any) -> None: ...
    @property
    def input_dim(self) -> int | None: ...
    def build(self, input_shape: int | Sequence[int | None]) -> None: ...  # type: ignore[override]

class Dropout(Layer):
    rate: float
    noise_shape: list[int | None] | None
    seed: int | None
    def __init__(self, rate: float, noise_shape: Sequence[int | None] | None = None,
                 seed: int | None = None, **kwargs: Any) -> None: ...

class SpatialDropout1D(Dropout):
    def __init__(self, rate: float, seed: int | None = None, name: str | None = None,
                 dtype: _DType = None, **kwargs: Any) -> None: ...

class Activation(Layer):
    activation: str
    def __init__(self, activation: str | None, **kwargs: Any) -> None: ...

class Flatten(Layer):
    data_format: str
    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None: ...

class Reshape(Layer):
    target_shape: tuple[int, ...]
    def __init__(self, target_shape: Sequence[int], **kwargs: Any) -> None: ...

class TimeDistributed(Layer):
    layer: Layer
    def __init__(self, layer: Layer | Mapping[str, Any], **kwargs: Any) -> None: ...
    @property
    def has_weights(self) -> bool: ...  # type: ignore[override]
    def build(self, input_shape: Sequence[int | None]) -> None: ...  # type: ignore[override]
