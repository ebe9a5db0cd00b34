import os
from types import ModuleType
from typing import Literal

from ..models import Sequential

__all__ = ["load_keras_model", "SUPPORTED_LAYERS", "UnsupportedLayerError", "require_h5py"]

SUPPORTED_LAYERS: tuple[str, ...]

def require_h5py() -> ModuleType: ...

class UnsupportedLayerError(NotImplementedError, ValueError): ...

def load_keras_model(path: str | os.PathLike[str], kind: Literal["keras", "h5"]) -> Sequential: ...
