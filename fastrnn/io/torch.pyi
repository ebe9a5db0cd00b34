from collections.abc import Mapping
from typing import Any, ClassVar

import numpy.typing as npt
from typing_extensions import Self

from ..bidirectional import Bidirectional
from ..layers import _RNN

__all__ = ["from_torch", "TorchRNN"]

MODES: tuple[str, ...]

class TorchRNN:
    mode: str
    input_size: int
    hidden_size: int
    num_layers: int
    bias: bool
    batch_first: bool
    dropout: float
    bidirectional: bool
    proj_size: int
    dtype: str
    layers: list[_RNN | Bidirectional]
    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0,
                 dtype: npt.DTypeLike = "float32") -> None: ...
    @property
    def num_directions(self) -> int: ...
    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None: ...
    def state_dict(self) -> dict[str, npt.NDArray[Any]]: ...
    # (output, h_n), or for an LSTM (output, (h_n, c_n)).
    def __call__(self, input: Any, hx: Any = None) -> tuple[npt.NDArray[Any], Any]: ...
    def forward(self, input: Any, hx: Any = None) -> tuple[npt.NDArray[Any], Any]: ...
    def get_config(self) -> dict[str, Any]: ...
    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self: ...
    def __eq__(self, other: object) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

def from_torch(module_or_state_dict: Any, mode: str | None = None,
               **kwargs: Any) -> TorchRNN: ...
