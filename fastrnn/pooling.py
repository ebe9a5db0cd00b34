"""The Keras 3 pooling layers (keras/src/layers/pooling/), computed as the
TensorFlow backend computes them.

- ``MaxPooling1D/2D/3D`` and ``AveragePooling1D/2D/3D``: ``tf.nn.max_pool`` /
  ``tf.nn.avg_pool`` on channels-last data (channels-first inputs are
  transposed there and back, as keras/src/backend/tensorflow/nn.py does).
  ``padding="same"`` pads as TensorFlow's SAME: the output has
  ``ceil(size / stride)`` positions and the ``max((out - 1) * stride +
  pool - size, 0)`` padded positions go half before (rounded down), the
  rest after. Padding never wins a max, and an average divides by the
  number of real (unpadded) values in its window.
- ``GlobalAveragePooling1D/2D/3D`` and ``GlobalMaxPooling1D/2D/3D``: the mean
  or max over the spatial axes (``keepdims`` keeps them as size 1).

Masks, as Keras 3.15 has them: ``GlobalAveragePooling1D`` averages the
unmasked steps only (``sum(where(mask, x, 0)) / sum(mask)``: a sample whose
steps are all masked gives NaN, 0 / 0) and returns no mask. Every other
pooling layer ignores and drops the mask: ``GlobalMaxPooling1D`` takes the
max over all steps, masked ones included (its ``call`` takes no mask).

Computed with numpy's strided windows (``sliding_window_view``), without
Python loops over positions, in the layer's dtype.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._docparts import documenter
from .layer import Layer

__all__ = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D",
           "AveragePooling2D", "AveragePooling3D", "GlobalAveragePooling1D",
           "GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalMaxPooling1D",
           "GlobalMaxPooling2D", "GlobalMaxPooling3D"]

_document = documenter({
    "pool_args": """\
    strides : int, tuple of int or None, default None
        The step between windows, per spatial axis (an int: the same for
        every axis). None: ``pool_size``.
    padding : {"valid", "same"}, default "valid"
        Case-insensitive (kept as given in the config). "valid": windows
        lie inside the input. "same": TensorFlow's SAME padding, the output
        has ``ceil(size / stride)`` positions per axis.
    data_format : {"channels_last", "channels_first"}, optional
        Where the channels are: ``(batch, *spatial, channels)`` or
        ``(batch, channels, *spatial)``. Default (None) "channels_last",
        Keras's ``image_data_format()``.""",
    "global_args": """\
    data_format : {"channels_last", "channels_first"}, optional
        Where the channels are: ``(batch, *spatial, channels)`` or
        ``(batch, channels, *spatial)``. Default (None) "channels_last".
    keepdims : bool, default False
        Keep the spatial axes, as size 1.""",
    "pool_call": """\
    Call arguments
    --------------
    inputs : array-like
        ``(batch, *spatial, channels)`` (or channels first) of real numbers,
        with as many spatial axes as the layer pools. A mask is ignored
        (and dropped), as in Keras.""",
})


def standardize_tuple(value: Any, n: int, name: str, cls: str,
                      allow_zero: bool = False) -> tuple[int, ...]:
    """Keras's argument_validation.standardize_tuple: an int or n ints, as a tuple."""
    message = f"{cls}: the `{name}` argument must be a tuple of {n} integers. " \
              f"Received {name}={value!r}"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        values = (int(value),) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(message) from None
        if len(values) != n or not all(isinstance(v, (int, np.integer))
                                       and not isinstance(v, bool) for v in values):
            raise ValueError(message)
        values = tuple(int(v) for v in values)
    bad = {v for v in values if (v < 0 if allow_zero else v <= 0)}
    if bad:
        raise ValueError(f"{message}, including values {bad} that do not satisfy "
                         f"`value {'>= 0' if allow_zero else '> 0'}`")
    return values


def standardize_data_format(data_format: Any, cls: str) -> str:
    """Keras's backend.standardize_data_format (None: "channels_last")."""
    if data_format is None:
        return "channels_last"
    value = str(data_format).lower()
    if value not in ("channels_first", "channels_last"):
        raise ValueError(f"{cls}: the `data_format` argument must be one of "
                         f"{{'channels_first', 'channels_last'}}. Received: "
                         f"data_format={data_format!r}")
    return value


def _check_rank(layer: Layer, x: np.ndarray, ndim: int) -> None:
    """Keras's InputSpec(ndim=...) check."""
    if x.ndim != ndim:
        raise ValueError(f'Input 0 of layer "{layer.name}" is incompatible with the layer: '
                         f"expected ndim={ndim}, found ndim={x.ndim}. Full shape received: "
                         f"{x.shape}")


def _to_channels_last(x: np.ndarray, data_format: str) -> np.ndarray:
    if data_format == "channels_first":
        return np.moveaxis(x, 1, -1)
    return x


def _from_channels_last(y: np.ndarray, data_format: str) -> np.ndarray:
    if data_format == "channels_first":
        return np.ascontiguousarray(np.moveaxis(y, -1, 1))
    return y


def _same_padding(size: int, pool: int, stride: int) -> tuple[int, int, int]:
    """TensorFlow's SAME: (output size, padding before, padding after)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + pool - size, 0)
    return out, total // 2, total - total // 2


class _Pooling(Layer):
    """Max or average pooling over ``rank`` spatial axes (Keras's BasePooling)."""

    rank = 0
    mode = "max"

    def __init__(self, pool_size: Any, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.pool_size = standardize_tuple(pool_size, self.rank, "pool_size", cls)
        self.strides = standardize_tuple(pool_size if strides is None else strides, self.rank,
                                         "strides", cls, allow_zero=True)
        if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
            raise ValueError(f"{cls}: argument `padding` must be either 'valid' or 'same'. "
                             f"Received: padding={padding!r}")
        self.padding = padding
        self.data_format = standardize_data_format(data_format, cls)

    def call(self, inputs: np.ndarray) -> np.ndarray:
        """Pool ``inputs`` (see the class)."""
        _check_rank(self, inputs, self.rank + 2)
        if 0 in self.strides:
            raise ValueError(f"{type(self).__name__} {self.name!r}: strides must be > 0 to "
                             f"compute, got strides={self.strides}")
        x = _to_channels_last(np.asarray(inputs, self.dtype), self.data_format)
        spatial = x.shape[1:-1]
        axes = tuple(range(1, 1 + self.rank))
        same = self.padding.lower() == "same"
        if same:
            pads = [_same_padding(n, k, s)
                    for n, k, s in zip(spatial, self.pool_size, self.strides)]
            width = [(0, 0)] + [(before, after) for _, before, after in pads] + [(0, 0)]
            fill = -np.inf if self.mode == "max" else 0
            x_padded = np.pad(x, width, constant_values=fill) if any(
                before or after for _, before, after in pads) else x
        else:
            if any(n < k for n, k in zip(spatial, self.pool_size)):
                raise ValueError(
                    f"{type(self).__name__} {self.name!r}: computed output size would be "
                    f"zero or negative. Received: inputs.shape={inputs.shape}, "
                    f"pool_size={self.pool_size}, strides={self.strides}, "
                    f"padding={self.padding!r}")
            x_padded = x
        windows = sliding_window_view(x_padded, self.pool_size, axis=axes)
        windows = windows[(slice(None),) + tuple(slice(None, None, s) for s in self.strides)]
        window_axes = tuple(range(-self.rank, 0))
        if self.mode == "max":
            y = windows.max(axis=window_axes)
        else:
            y = windows.sum(axis=window_axes)
            if same:
                # The number of real values in each window: a product over the axes.
                count = np.ones((), self.dtype)
                for i, (n, k, s) in enumerate(zip(spatial, self.pool_size, self.strides)):
                    out, before, after = _same_padding(n, k, s)
                    real = np.pad(np.ones(n, self.dtype), (before, after))
                    per_axis = sliding_window_view(real, k)[::s].sum(axis=-1)[:out]
                    shape = [1] * (self.rank + 2)
                    shape[1 + i] = out
                    count = count * per_axis.reshape(shape)
                y = y / count
            else:
                y = y / np.asarray(np.prod(self.pool_size), self.dtype)
        return _from_channels_last(np.asarray(y, self.dtype), self.data_format)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        """Keras's compute_pooling_output_shape (None sizes stay None)."""
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: '
                             f"expected ndim={self.rank + 2}, found ndim={len(input_shape)}. "
                             f"Full shape received: {input_shape}")
        last = self.data_format == "channels_last"
        spatial = input_shape[1:-1] if last else input_shape[2:]
        out: list[int | None] = []
        for n, k, s in zip(spatial, self.pool_size, self.strides):
            if n is None:
                out.append(None)
            elif self.padding.lower() == "valid":
                size = (n - k) // s + 1
                if size <= 0:
                    raise ValueError(
                        "Computed output size would be zero or negative. Received: "
                        f"`inputs.shape={input_shape}`, `pool_size={self.pool_size}`, "
                        f"`strides={self.strides}`, `padding={self.padding}`.")
                out.append(size)
            else:
                out.append((n - 1) // s + 1)
        if last:
            return (input_shape[0], *out, input_shape[-1])
        return (input_shape[0], input_shape[1], *out)

    def get_config(self) -> dict:
        """Return the base config plus ``pool_size``, ``padding``, ``strides``, ``data_format``."""
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


@_document
class MaxPooling1D(_Pooling):
    """Max pooling operation for temporal data (keras.layers.MaxPooling1D).

    Parameters
    ----------
    pool_size : int or tuple of 1 int, default 2
        The window size.
    <<pool_args>>
    <<kwargs>>

    <<pool_call>>

    Returns
    -------
    ndarray
        ``(batch, pooled_steps, channels)`` (or channels first): the max of
        each window.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> x = np.array([1.0, 5.0, 2.0, 4.0, 3.0]).reshape(1, 5, 1)
    >>> fastrnn.MaxPooling1D(2)(x)[0, :, 0]
    array([5., 4.], dtype=float32)
    >>> fastrnn.MaxPooling1D(2, padding="same")(x)[0, :, 0]
    array([5., 4., 3.], dtype=float32)
    """

    rank, mode = 1, "max"

    def __init__(self, pool_size: Any = 2, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


@_document
class MaxPooling2D(_Pooling):
    """Max pooling operation for 2D spatial data (keras.layers.MaxPooling2D).

    Parameters
    ----------
    pool_size : int or tuple of 2 int, default (2, 2)
        The window size (rows, columns).
    <<pool_args>>
    <<kwargs>>

    <<pool_call>>

    Returns
    -------
    ndarray
        ``(batch, pooled_rows, pooled_cols, channels)`` (or channels first).

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> x = np.arange(9.0).reshape(1, 3, 3, 1)
    >>> fastrnn.MaxPooling2D((2, 2), strides=1)(x)[0, :, :, 0]
    array([[4., 5.],
           [7., 8.]], dtype=float32)
    >>> fastrnn.MaxPooling2D(2, padding="same").compute_output_shape((None, 3, 3, 1))
    (None, 2, 2, 1)
    """

    rank, mode = 2, "max"

    def __init__(self, pool_size: Any = (2, 2), strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


@_document
class MaxPooling3D(_Pooling):
    """Max pooling operation for 3D data (keras.layers.MaxPooling3D).

    Parameters
    ----------
    pool_size : int or tuple of 3 int, default (2, 2, 2)
        The window size.
    <<pool_args>>
    <<kwargs>>

    <<pool_call>>

    Returns
    -------
    ndarray
        ``(batch, pooled_dim1, pooled_dim2, pooled_dim3, channels)`` (or
        channels first).

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> fastrnn.MaxPooling3D()(np.arange(8.0).reshape(1, 2, 2, 2, 1)).ravel()
    array([7.], dtype=float32)
    """

    rank, mode = 3, "max"

    def __init__(self, pool_size: Any = (2, 2, 2), strides: Any = None,
                 padding: str = "valid", data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


@_document
class AveragePooling1D(_Pooling):
    """Average pooling for temporal data (keras.layers.AveragePooling1D).

    Parameters
    ----------
    pool_size : int or tuple of 1 int
        The window size (no default, as in Keras).
    <<pool_args>>
    <<kwargs>>

    <<pool_call>>

    Returns
    -------
    ndarray
        ``(batch, pooled_steps, channels)`` (or channels first): each
        window's mean over its real values (padding is not counted).

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> x = np.array([1.0, 5.0, 2.0, 4.0, 3.0]).reshape(1, 5, 1)
    >>> fastrnn.AveragePooling1D(2, padding="same")(x)[0, :, 0]
    array([3., 3., 3.], dtype=float32)
    """

    rank, mode = 1, "average"

    def __init__(self, pool_size: Any, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


@_document
class AveragePooling2D(_Pooling):
    """Average pooling for 2D spatial data (keras.layers.AveragePooling2D).

    Parameters
    ----------
    pool_size : int or tuple of 2 int
        The window size (rows, columns); no default, as in Keras.
    <<pool_args>>
    <<kwargs>>

    <<pool_call>>

    Returns
    -------
    ndarray
        ``(batch, pooled_rows, pooled_cols, channels)`` (or channels first).

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> x = np.arange(9.0).reshape(1, 3, 3, 1)
    >>> fastrnn.AveragePooling2D(2, padding="same")(x)[0, :, :, 0]
    array([[2. , 3.5],
           [6.5, 8. ]], dtype=float32)
    """

    rank, mode = 2, "average"

    def __init__(self, pool_size: Any, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


@_document
class AveragePooling3D(_Pooling):
    """Average pooling for 3D data (keras.layers.AveragePooling3D).

    Parameters
    ----------
    pool_size : int or tuple of 3 int
        The window size; no default, as in Keras.
    <<pool_args>>
    <<kwargs>>

    <<pool_call>>

    Returns
    -------
    ndarray
        ``(batch, pooled_dim1, pooled_dim2, pooled_dim3, channels)`` (or
        channels first).

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> fastrnn.AveragePooling3D(2)(np.arange(8.0).reshape(1, 2, 2, 2, 1)).ravel()
    array([3.5], dtype=float32)
    """

    rank, mode = 3, "average"

    def __init__(self, pool_size: Any, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class _GlobalPooling(Layer):
    """Mean or max over every spatial axis (Keras's BaseGlobalPooling)."""

    rank = 0
    mode = "max"

    def __init__(self, data_format: str | None = None, keepdims: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format, type(self).__name__)
        self.keepdims = keepdims

    def _spatial_axes(self) -> tuple[int, ...]:
        first = 1 if self.data_format == "channels_last" else 2
        return tuple(range(first, first + self.rank))

    def call(self, inputs: np.ndarray) -> np.ndarray:
        """Pool ``inputs`` over its spatial axes (see the class)."""
        _check_rank(self, inputs, self.rank + 2)
        x = np.asarray(inputs, self.dtype)
        reduce = np.max if self.mode == "max" else np.mean
        return np.asarray(reduce(x, axis=self._spatial_axes(), keepdims=bool(self.keepdims)),
                          self.dtype)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        """``(batch, channels)``, or with the spatial axes as 1 when ``keepdims``."""
        input_shape = tuple(input_shape)
        spatial = len(input_shape) - 2
        if self.data_format == "channels_last":
            if self.keepdims:
                return (input_shape[0],) + (1,) * spatial + (input_shape[-1],)
            return (input_shape[0], input_shape[-1])
        if self.keepdims:
            return (input_shape[0], input_shape[1]) + (1,) * spatial
        return (input_shape[0], input_shape[1])

    def get_config(self) -> dict:
        """Return the base config plus ``data_format`` and ``keepdims``."""
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}


@_document
class GlobalAveragePooling1D(_GlobalPooling):
    """Global average pooling operation for temporal data (keras.layers.GlobalAveragePooling1D).

    With a mask, the mean over the unmasked steps only, as Keras computes it:
    ``sum(where(mask, x, 0), steps) / sum(mask, steps)`` (NaN for a sample
    whose steps are all masked). The output has no mask.

    Parameters
    ----------
    <<global_args>>
    <<kwargs>>

    Call arguments
    --------------
    inputs : array-like
        ``(batch, steps, features)``, or ``(batch, features, steps)`` with
        "channels_first".
    mask : array-like, optional
        ``(batch, steps)``: True where a step counts.

    Returns
    -------
    ndarray
        ``(batch, features)``; ``(batch, 1, features)`` (or ``(batch,
        features, 1)``) with ``keepdims``.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> x = np.array([[[1.0], [2.0], [6.0]]])
    >>> fastrnn.GlobalAveragePooling1D()(x)
    array([[3.]], dtype=float32)
    >>> fastrnn.GlobalAveragePooling1D()(x, mask=np.array([[True, True, False]]))
    array([[1.5]], dtype=float32)
    """

    rank, mode = 1, "average"
    supports_masking = True

    def call(self, inputs: np.ndarray, mask: Any = None) -> np.ndarray:
        """Average over the (unmasked) steps (see the class)."""
        if mask is None:
            return super().call(inputs)
        _check_rank(self, inputs, 3)
        x = np.asarray(inputs, self.dtype)
        mask = np.asarray(mask)
        if mask.dtype != bool:
            mask = mask.astype(bool)
        steps = 1 if self.data_format == "channels_last" else 2
        if mask.shape != (x.shape[0], x.shape[steps]):
            raise ValueError(
                f"GlobalAveragePooling1D {self.name!r}: the mask must be (batch, steps) = "
                f"{(x.shape[0], x.shape[steps])} for inputs of shape {x.shape} "
                f"(data_format={self.data_format!r}), got mask shape {mask.shape}")
        m = np.expand_dims(mask, 2 if steps == 1 else 1)
        keep = bool(self.keepdims)
        with np.errstate(invalid="ignore", divide="ignore"):
            total = np.where(m, x, np.zeros((), self.dtype)).sum(axis=steps, keepdims=keep)
            return np.asarray(total / m.astype(self.dtype).sum(axis=steps, keepdims=keep),
                              self.dtype)

    def compute_mask(self, inputs: Any, mask: Any = None) -> None:
        """Return None: the steps are pooled away."""
        return None


@_document
class GlobalAveragePooling2D(_GlobalPooling):
    """Global average pooling operation for 2D data (keras.layers.GlobalAveragePooling2D).

    Parameters
    ----------
    <<global_args>>
    <<kwargs>>

    <<pool_call>>

    Returns
    -------
    ndarray
        ``(batch, channels)``, or ``(batch, 1, 1, channels)`` (or
        ``(batch, channels, 1, 1)``) with ``keepdims``.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> fastrnn.GlobalAveragePooling2D()(np.arange(8.0).reshape(1, 2, 2, 2))
    array([[3., 4.]], dtype=float32)
    """

    rank, mode = 2, "average"


@_document
class GlobalAveragePooling3D(_GlobalPooling):
    """Global average pooling operation for 3D data (keras.layers.GlobalAveragePooling3D).

    Parameters
    ----------
    <<global_args>>
    <<kwargs>>

    <<pool_call>>

    Returns
    -------
    ndarray
        ``(batch, channels)``, or with the three spatial axes as 1 with
        ``keepdims``.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> fastrnn.GlobalAveragePooling3D(keepdims=True)(np.ones((2, 3, 4, 5, 6))).shape
    (2, 1, 1, 1, 6)
    """

    rank, mode = 3, "average"


@_document
class GlobalMaxPooling1D(_GlobalPooling):
    """Global max pooling operation for temporal data (keras.layers.GlobalMaxPooling1D).

    As in Keras 3.15, the mask is not used: the max runs over every step,
    masked ones included, and the mask is dropped.

    Parameters
    ----------
    <<global_args>>
    <<kwargs>>

    <<pool_call>>

    Returns
    -------
    ndarray
        ``(batch, features)``; ``(batch, 1, features)`` (or ``(batch,
        features, 1)``) with ``keepdims``.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> x = np.array([[[1.0], [2.0], [6.0]]])
    >>> fastrnn.GlobalMaxPooling1D()(x, mask=np.array([[True, True, False]]))
    array([[6.]], dtype=float32)
    """

    rank, mode = 1, "max"


@_document
class GlobalMaxPooling2D(_GlobalPooling):
    """Global max pooling operation for 2D data (keras.layers.GlobalMaxPooling2D).

    Parameters
    ----------
    <<global_args>>
    <<kwargs>>

    <<pool_call>>

    Returns
    -------
    ndarray
        ``(batch, channels)``, or ``(batch, 1, 1, channels)`` (or
        ``(batch, channels, 1, 1)``) with ``keepdims``.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> fastrnn.GlobalMaxPooling2D(data_format="channels_first")(
    ...     np.arange(8.0).reshape(1, 2, 2, 2))
    array([[3., 7.]], dtype=float32)
    """

    rank, mode = 2, "max"


@_document
class GlobalMaxPooling3D(_GlobalPooling):
    """Global max pooling operation for 3D data (keras.layers.GlobalMaxPooling3D).

    Parameters
    ----------
    <<global_args>>
    <<kwargs>>

    <<pool_call>>

    Returns
    -------
    ndarray
        ``(batch, channels)``, or with the three spatial axes as 1 with
        ``keepdims``.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> fastrnn.GlobalMaxPooling3D()(np.arange(16.0).reshape(1, 2, 2, 2, 2))
    array([[14., 15.]], dtype=float32)
    """

    rank, mode = 3, "max"
