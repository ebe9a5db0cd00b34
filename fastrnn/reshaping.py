"""The Keras 3 shape layers: RepeatVector, Permute, Cropping1D, ZeroPadding1D
and UpSampling1D (keras/src/layers/reshaping/).

None of them supports masking in Keras 3 (none sets ``supports_masking`` or
overrides ``compute_mask``), so each drops the incoming mask: the next layer
sees no mask. Floating inputs are cast to the layer's dtype; integer and
bool inputs keep theirs, as Keras's autocast does.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._docparts import documenter
from .layer import Layer

if TYPE_CHECKING:
    from .graph import KerasTensor

__all__ = ["RepeatVector", "Permute", "Cropping1D", "ZeroPadding1D", "UpSampling1D"]

_document = documenter({})   # fills <<kwargs>> (fastrnn/_docparts.py)


def _standardize_tuple(value: Any, name: str, cls: str) -> tuple[int, ...]:
    """Keras's argument_validation.standardize_tuple(value, 2, name, allow_zero=True)."""
    message = (f"{cls}: the `{name}` argument must be a tuple of 2 integers. "
               f"Received {name}={value!r}")
    pair: tuple[Any, ...]
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        pair = (int(value),) * 2
    else:
        try:
            pair = tuple(value)
        except TypeError:
            raise ValueError(message) from None
        if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                     for v in pair):
            raise ValueError(message)
        pair = tuple(int(v) for v in pair)
    if any(v < 0 for v in pair):
        raise ValueError(f"{message}, including values that do not satisfy `value >= 0`")
    return pair


def _positive_int(value: float, name: str, cls: str) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise TypeError(f"{cls}: expected an integer value for `{name}`, got {type(value)}.")
    if value <= 0:
        raise ValueError(f"{cls}: argument `{name}` should be a positive integer. "
                         f"Received: {name}={value}")
    return int(value)


class _ShapeLayer(Layer):
    """A layer that only moves values around: dtype and rank rules."""

    _ndim = 3

    def _input(self, x: np.ndarray) -> np.ndarray:
        if x.ndim != self._ndim:
            raise ValueError(
                f"Input 0 of layer {self.name!r} ({type(self).__name__}) is incompatible "
                f"with the layer: expected ndim={self._ndim}, found ndim={x.ndim}. Full shape "
                f"received: {x.shape}")
        return x.astype(self.dtype, copy=False) if x.dtype.kind == "f" else x

    def _output_dtype(self, inputs: KerasTensor) -> str:
        dt = np.dtype(inputs.dtype)
        return self.dtype if dt.kind == "f" else dt.name

    def _check_rank(self, input_shape: Any) -> None:
        if len(input_shape) != self._ndim:
            raise ValueError(
                f"Input 0 of layer {self.name!r} ({type(self).__name__}) is incompatible "
                f"with the layer: expected ndim={self._ndim}, found ndim={len(input_shape)}. "
                f"Full shape received: {tuple(input_shape)}")


@_document
class RepeatVector(_ShapeLayer):
    """Repeats the input n times (keras.layers.RepeatVector).

    Parameters
    ----------
    n : int
        Repetition factor (a positive integer).
    <<kwargs>>

    Call arguments
    --------------
    x : array-like
        (batch, features).

    Returns
    -------
    ndarray
        (batch, n, features). The mask is dropped.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> fastrnn.RepeatVector(3)(np.array([[1.0, 2.0]]))
    array([[[1., 2.],
            [1., 2.],
            [1., 2.]]], dtype=float32)
    """

    _ndim = 2

    def __init__(self, n: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.n = _positive_int(n, "n", "RepeatVector")

    def call(self, inputs: np.ndarray) -> np.ndarray:
        x = self._input(inputs)
        return np.repeat(x[:, None, :], self.n, axis=1)

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        """Return ``(batch, n, features)``."""
        self._check_rank(input_shape)
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self) -> dict[str, Any]:
        """Return the base config plus ``n``."""
        return {**super().get_config(), "n": self.n}


@_document
class Permute(_ShapeLayer):
    """Permutes the dimensions of the input according to a given pattern
    (keras.layers.Permute).

    Parameters
    ----------
    dims : tuple of int
        Permutation pattern, not including the batch dimension; indexing
        starts at 1. For instance, ``(2, 1)`` permutes the first and second
        dimensions of the input.
    <<kwargs>>

    Call arguments
    --------------
    x : array-like
        (batch, ...) of rank ``len(dims) + 1``.

    Returns
    -------
    ndarray
        ``x`` with its axes reordered, of ``x``'s dtype for integer input.
        The mask is dropped.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> fastrnn.Permute((2, 1))(np.zeros((4, 10, 64))).shape
    (4, 64, 10)
    """

    def __init__(self, dims: Sequence[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        try:
            dims = tuple(dims)
        except TypeError:
            raise ValueError(
                f"Permute expected a tuple of integers as dims, got {dims!r}") from None
        if not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in dims) \
                or sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(
                "Invalid permutation argument `dims` for Permute Layer. The set of indices in "
                f"`dims` must be consecutive and start from 1. Received dims={dims}")
        self.dims = tuple(int(d) for d in dims)
        self._ndim = len(self.dims) + 1

    def call(self, inputs: np.ndarray) -> np.ndarray:
        return np.transpose(self._input(inputs), (0,) + self.dims)

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        """Return the input shape with its axes reordered by ``dims``."""
        self._check_rank(input_shape)
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self) -> dict[str, Any]:
        """Return the base config plus ``dims`` (a tuple)."""
        return {**super().get_config(), "dims": self.dims}


@_document
class Cropping1D(_ShapeLayer):
    """Cropping layer for 1D input, e.g. temporal sequence (keras.layers.Cropping1D).

    It crops along the time dimension (axis 1).

    Parameters
    ----------
    cropping : int or tuple of 2 int, default (1, 1)
        How many units should be trimmed off at the beginning and end of the
        cropping dimension (axis 1): one int for both, or
        ``(left_crop, right_crop)``.
    <<kwargs>>

    Call arguments
    --------------
    x : array-like
        (batch, axis_to_crop, features); the crop must leave at least one
        timestep.

    Returns
    -------
    ndarray
        (batch, cropped_axis, features). The mask is dropped.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> x = np.arange(12).reshape(2, 3, 2)
    >>> fastrnn.Cropping1D(cropping=1)(x)
    array([[[2, 3]],
    <BLANKLINE>
           [[8, 9]]])
    """

    def __init__(self, cropping: int | Sequence[int] = (1, 1), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cropping = _standardize_tuple(cropping, "cropping", "Cropping1D")

    def _check_length(self, length: int | None, shape: tuple[Any, ...]) -> None:
        if length is not None and sum(self.cropping) >= length:
            raise ValueError(
                f"`cropping` parameter of `Cropping1D` layer {self.name!r} must be smaller "
                f"than the input length. Received: input_shape={tuple(shape)}, "
                f"cropping={self.cropping}")

    def call(self, inputs: np.ndarray) -> np.ndarray:
        x = self._input(inputs)
        self._check_length(x.shape[1], x.shape)
        return x[:, self.cropping[0]:x.shape[1] - self.cropping[1], :]

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        """Return ``(batch, timesteps - left_crop - right_crop, features)``."""
        self._check_rank(input_shape)
        self._check_length(input_shape[1], input_shape)
        length = None if input_shape[1] is None else input_shape[1] - sum(self.cropping)
        return (input_shape[0], length, input_shape[2])

    def get_config(self) -> dict[str, Any]:
        """Return the base config plus ``cropping`` (a tuple)."""
        return {**super().get_config(), "cropping": self.cropping}


@_document
class ZeroPadding1D(_ShapeLayer):
    """Zero-padding layer for 1D input, e.g. temporal sequence (keras.layers.ZeroPadding1D).

    Parameters
    ----------
    padding : int or tuple of 2 int, default 1
        How many zeros to add at the beginning and end of the padding
        dimension: one int for both, or ``(left_pad, right_pad)``.
    data_format : {"channels_last", "channels_first"}, optional
        The ordering of the dimensions in the inputs: "channels_last" (the
        default, for None) pads axis 1 of ``(batch, steps, features)``,
        "channels_first" axis 2 of ``(batch, features, steps)``.
    <<kwargs>>

    Call arguments
    --------------
    x : array-like
        A 3-D input.

    Returns
    -------
    ndarray
        ``x`` with zeros added along the padding dimension. The mask is
        dropped.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> fastrnn.ZeroPadding1D(padding=(1, 2))(np.ones((1, 2, 1)))[..., 0]
    array([[0., 1., 1., 0., 0.]], dtype=float32)
    """

    def __init__(self, padding: int | Sequence[int] = 1, data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if data_format is None:
            data_format = "channels_last"
        data_format = str(data_format).lower()
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                "The `data_format` argument must be one of {'channels_first', "
                f"'channels_last'}}. Received: data_format={data_format!r}")
        self.data_format = data_format
        self.padding = _standardize_tuple(padding, "padding", "ZeroPadding1D")

    def call(self, inputs: np.ndarray) -> np.ndarray:
        x = self._input(inputs)
        widths = [(0, 0)] * 3
        widths[2 if self.data_format == "channels_first" else 1] = self.padding  # type: ignore[assignment]
        return np.pad(x, widths)

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        """Return the input shape with the padding dimension grown by the padding."""
        self._check_rank(input_shape)
        out = list(input_shape)
        axis = 2 if self.data_format == "channels_first" else 1
        if out[axis] is not None:
            out[axis] += sum(self.padding)
        return tuple(out)

    def get_config(self) -> dict[str, Any]:
        """Return the base config plus ``padding`` (a tuple) and ``data_format``."""
        return {**super().get_config(), "padding": self.padding,
                "data_format": self.data_format}


@_document
class UpSampling1D(_ShapeLayer):
    """Upsampling layer for 1D inputs (keras.layers.UpSampling1D).

    Repeats each temporal step ``size`` times along the time axis.

    Parameters
    ----------
    size : int, default 2
        Upsampling factor (a positive integer).
    <<kwargs>>

    Call arguments
    --------------
    x : array-like
        (batch, steps, features).

    Returns
    -------
    ndarray
        (batch, steps * size, features). The mask is dropped.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> fastrnn.UpSampling1D(size=2)(np.array([[[1.0], [2.0]]]))[..., 0]
    array([[1., 1., 2., 2.]], dtype=float32)
    """

    def __init__(self, size: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.size = _positive_int(size, "size", "UpSampling1D")

    def call(self, inputs: np.ndarray) -> np.ndarray:
        return np.repeat(self._input(inputs), self.size, axis=1)

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        """Return ``(batch, steps * size, features)``."""
        self._check_rank(input_shape)
        steps = None if input_shape[1] is None else input_shape[1] * self.size
        return (input_shape[0], steps, input_shape[2])

    def get_config(self) -> dict[str, Any]:
        """Return the base config plus ``size``."""
        return {**super().get_config(), "size": self.size}
