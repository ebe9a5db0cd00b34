import os

from ..models import Sequential
from .torch import TorchRNN as TorchRNN
from .torch import from_torch as from_torch

__all__ = ["load_model", "from_torch", "TorchRNN"]

def load_model(
    path: str | bytes | os.PathLike[str] | os.PathLike[bytes],
) -> Sequential: ...
