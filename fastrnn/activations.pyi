from collections.abc import Callable
from typing import Any

import numpy.typing as npt

__all__ = ["get", "serialize", "NAMES", "numpy_function"]

NAMES: tuple[str, ...]

def serialize(identifier: str | None) -> str: ...
def get(identifier: str | None) -> int: ...
def numpy_function(
    identifier: str | None,
) -> Callable[[npt.NDArray[Any]], npt.NDArray[Any]]: ...
