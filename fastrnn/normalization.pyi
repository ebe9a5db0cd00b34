from collections.abc import Mapping, Sequence
from typing import Any

import numpy.typing as npt

from .core_layers import Layer
from .initializers import Initializer, _InitializerLike

__all__ = ["BatchNormalization", "LayerNormalization", "GroupNormalization",
           "UnitNormalization"]

class BatchNormalization(Layer):
    axis: int
    momentum: float
    epsilon: float
    center: bool
    scale: bool
    beta_initializer: Initializer
    gamma_initializer: Initializer
    moving_mean_initializer: Initializer
    moving_variance_initializer: Initializer
    synchronized: bool
    renorm: bool
    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True,
                 beta_initializer: _InitializerLike = "zeros",
                 gamma_initializer: _InitializerLike = "ones",
                 moving_mean_initializer: _InitializerLike = "zeros",
                 moving_variance_initializer: _InitializerLike = "ones",
                 beta_regularizer: Any = None, gamma_regularizer: Any = None,
                 beta_constraint: Any = None, gamma_constraint: Any = None,
                 renorm: bool = False, renorm_clipping: Mapping[str, float] | None = None,
                 renorm_momentum: float = 0.99, synchronized: bool = False,
                 **kwargs: Any) -> None: ...
    def build(self, input_shape: Sequence[int | None]) -> None: ...  # type: ignore[override]
    def call(self, x: npt.NDArray[Any], training: bool | None = None,
             mask: npt.ArrayLike | None = None) -> npt.NDArray[Any]: ...

class LayerNormalization(Layer):
    axis: int | list[int]
    epsilon: float
    center: bool
    scale: bool
    rms_scaling: bool
    beta_initializer: Initializer
    gamma_initializer: Initializer
    def __init__(self, axis: int | Sequence[int] = -1, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True,
                 beta_initializer: _InitializerLike = "zeros",
                 gamma_initializer: _InitializerLike = "ones",
                 beta_regularizer: Any = None, gamma_regularizer: Any = None,
                 beta_constraint: Any = None, gamma_constraint: Any = None,
                 rms_scaling: bool = False, **kwargs: Any) -> None: ...
    def build(self, input_shape: Sequence[int | None]) -> None: ...  # type: ignore[override]
    def call(self, inputs: npt.NDArray[Any]) -> npt.NDArray[Any]: ...

class GroupNormalization(Layer):
    groups: int
    axis: int
    epsilon: float
    center: bool
    scale: bool
    beta_initializer: Initializer
    gamma_initializer: Initializer
    def __init__(self, groups: int = 32, axis: int = -1, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True,
                 beta_initializer: _InitializerLike = "zeros",
                 gamma_initializer: _InitializerLike = "ones",
                 beta_regularizer: Any = None, gamma_regularizer: Any = None,
                 beta_constraint: Any = None, gamma_constraint: Any = None,
                 **kwargs: Any) -> None: ...
    def build(self, input_shape: Sequence[int | None]) -> None: ...  # type: ignore[override]
    def call(self, inputs: npt.NDArray[Any]) -> npt.NDArray[Any]: ...

class UnitNormalization(Layer):
    axis: int | list[int]
    def __init__(self, axis: int | Sequence[int] = -1, **kwargs: Any) -> None: ...
    def call(self, inputs: npt.NDArray[Any]) -> npt.NDArray[Any]: ...
