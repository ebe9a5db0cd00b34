from collections.abc import Sequence
from typing import Any

from .core_layers import Layer

__all__ = ["RepeatVector", "Permute", "Cropping1D", "ZeroPadding1D", "UpSampling1D"]

class _ShapeLayer(Layer): ...

class RepeatVector(_ShapeLayer):
    n: int
    def __init__(self, n: int, **kwargs: Any) -> None: ...

class Permute(_ShapeLayer):
    dims: tuple[int, ...]
    def __init__(self, dims: Sequence[int], **kwargs: Any) -> None: ...

class Cropping1D(_ShapeLayer):
    cropping: tuple[int, int]
    def __init__(self, cropping: int | Sequence[int] = (1, 1), **kwargs: Any) -> None: ...

class ZeroPadding1D(_ShapeLayer):
    padding: tuple[int, int]
    data_format: str
    def __init__(self, padding: int | Sequence[int] = 1, data_format: str | None = None,
                 **kwargs: Any) -> None: ...

class UpSampling1D(_ShapeLayer):
    size: int
    def __init__(self, size: int = 2, **kwargs: Any) -> None: ...
