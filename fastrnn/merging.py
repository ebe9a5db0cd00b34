"""The Keras 3 merge layers: Concatenate, Add, Subtract, Multiply, Average,
Maximum, Minimum and Dot (keras/src/layers/merging/), and their functional
forms ``concatenate``, ``add``, ... .

Each layer is called on a list of arrays (or of symbolic tensors) and
returns one array. Shapes, broadcasting, masks and errors follow Keras 3:

- the elementwise layers (Add, Subtract, Multiply, Average, Maximum,
  Minimum) broadcast the non-batch axes (a size of 1 matches any size);
  inputs of different ranks are first given axes of size 1 after the batch
  axis until they have the same rank; the batch sizes must be equal;
- their output mask is the OR of the input masks when every input has one,
  else None (``_Merge.compute_mask``);
- Maximum and Minimum take the maximum (minimum) over the unmasked inputs
  only, and Multiply the product of the unmasked inputs (a masked input
  counts as 1; where every input is masked the product is 0), as Keras's
  ``_merge_function`` does with the masks attached to the inputs;
- Concatenate's output mask concatenates the masks (an unmasked input
  counts as all True) along ``axis`` and takes ``any`` over the last axis;
- Dot drops the mask.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._docparts import documenter
from .layer import Layer

_Inputs: TypeAlias = Sequence[ArrayLike]
_Masks: TypeAlias = Sequence[ArrayLike | None] | None
_Shapes: TypeAlias = Sequence[tuple[int | None, ...]]

__all__ = ["Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
           "Dot", "concatenate", "add", "subtract", "multiply", "average", "maximum",
           "minimum", "dot"]

# The docstring part every merge layer shares besides <<kwargs>> (fastrnn/_docparts.py).
_document = documenter({"call": """\
    Call arguments
    --------------
    inputs : list of array-like
        The inputs, each (batch, ...), of real numbers.
    mask : list of array-like or None, optional
        One mask (or None) per input, each (batch, timesteps); in a model
        the layer gets its inputs' masks, as Keras attaches them to tensors."""})


def _as_float(inputs: Any, dtype: str) -> list[np.ndarray]:
    """With a floating input, every input as the layer's dtype (Keras casts
    floating inputs to it, and promotes integers with them); else as given."""
    if any(x.dtype.kind == "f" for x in inputs):
        return [x.astype(dtype, copy=False) for x in inputs]
    return inputs


def _as_list(layer: _Merge, value: Any, what: str) -> list[Any]:
    if not isinstance(value, (list, tuple)):
        raise ValueError(
            f"A merge layer ({type(layer).__name__} {layer.name!r}) should be called on a "
            f"list of {what}. Received: {value!r} (not a list)")
    return list(value)


def _masks_for(layer: _Merge, inputs: Sequence[np.ndarray], mask: Any
              ) -> list[np.ndarray | None]:
    """The list of per-input masks (None where an input has none)."""
    if mask is None:
        return [None] * len(inputs)
    mask = _as_list(layer, mask, "masks")
    if len(mask) != len(inputs):
        raise ValueError(
            f"{type(layer).__name__} {layer.name!r}: the lists `inputs` and `mask` should "
            f"have the same length. Received {len(inputs)} inputs and {len(mask)} masks")
    return [None if m is None else np.asarray(m, bool) for m in mask]


def _broadcast_mask(layer: _Merge, mask: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``broadcast_to(expand_dims(mask, -1), x.shape)``, as Keras's merge functions."""
    try:
        return np.broadcast_to(mask[..., None], x.shape)
    except ValueError:
        raise ValueError(
            f"{type(layer).__name__} {layer.name!r}: a mask of shape {mask.shape} cannot be "
            f"applied to an input of shape {x.shape} (the mask must be the input's shape "
            "without its last axis)") from None


class _Merge(Layer):
    """Generic merge layer for elementwise merge functions (keras's ``Merge``).

    Parameters
    ----------
    <<kwargs>>

    <<call>>

    Returns
    -------
    ndarray
        The merged array, of the broadcast shape of the inputs.

    Examples
    --------
    >>> import numpy as np
    >>> from fastrnn.merging import Add
    >>> Add().compute_output_shape([(None, 3, 1), (None, 3, 4)])
    (None, 3, 4)
    """

    supports_masking = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    # ------------------------------------------------------------ shapes
    def _elementwise_shape(self, shape1: tuple[Any, ...], shape2: tuple[Any, ...]
                          ) -> tuple[Any, ...]:
        """Keras's _compute_elemwise_op_output_shape for shapes without the batch axis."""
        if shape1 is None or shape2 is None:
            return None
        if len(shape1) < len(shape2):
            return self._elementwise_shape(shape2, shape1)
        if not shape2:
            return tuple(shape1)
        out = list(shape1[:len(shape1) - len(shape2)])
        for i, j in zip(shape1[len(shape1) - len(shape2):], shape2):
            if i is None or j is None:
                out.append(None)
            elif i == 1:
                out.append(j)
            elif j == 1 or i == j:
                out.append(i)
            else:
                raise ValueError(
                    f"{type(self).__name__} {self.name!r}: inputs have incompatible shapes. "
                    f"Received shapes {tuple(shape1)} and {tuple(shape2)}")
        return tuple(out)

    def _check_shapes(self, shapes: Any) -> tuple[Any, ...]:
        """Keras's Merge.build checks: a list of shapes, one batch size, broadcastable."""
        if not isinstance(shapes, (list, tuple)) or not shapes or not all(
                isinstance(s, (list, tuple)) for s in shapes):
            raise ValueError(
                f"A merge layer ({type(self).__name__} {self.name!r}) should be called on a "
                f"list of at least 1 input. Received: input_shape={shapes!r}")
        batch_sizes = {s[0] for s in shapes if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(
                f"{type(self).__name__} {self.name!r}: cannot merge tensors with different "
                f"batch sizes. Received tensors with shapes {[tuple(s) for s in shapes]}")
        out = tuple(shapes[0][1:])
        for s in shapes[1:]:
            out = self._elementwise_shape(out, tuple(s[1:]))
        return out, batch_sizes

    def build(self, input_shape: _Shapes) -> None:
        """Check the input shapes, as Keras's Merge.build (there are no weights).

        Parameters
        ----------
        input_shape : list of tuple
            The shapes of the inputs, with the batch axis.
        """
        self._check_shapes(input_shape)

    def compute_output_shape(self, input_shape: _Shapes) -> tuple[int | None, ...]:
        """Return the broadcast shape of the inputs (None where unknown)."""
        out, batch_sizes = self._check_shapes(input_shape)
        batch = next(iter(batch_sizes)) if len(batch_sizes) == 1 else None
        return (batch,) + out

    # ------------------------------------------------------------ calling
    def call(self, inputs: Sequence[NDArray[Any]], mask: _Masks = None) -> NDArray[Any]:
        inputs = _as_list(self, inputs, "inputs")
        masks = _masks_for(self, inputs, mask)
        self._check_shapes([x.shape for x in inputs])
        inputs = _as_float(inputs, self.dtype)
        ranks = {x.ndim for x in inputs}
        if len(ranks) > 1:
            # Keras expands the lower-rank inputs at axis 1; the expanded
            # tensors are new ones, without the masks of the originals.
            top = max(ranks)
            masks = [m if x.ndim == top else None for x, m in zip(inputs, masks)]
            inputs = [x.reshape(x.shape[:1] + (1,) * (top - x.ndim) + x.shape[1:])
                      for x in inputs]
        return self._merge_function(inputs, masks)

    def _merge_function(self, inputs: list[np.ndarray], masks: list[np.ndarray | None] | None
                        ) -> np.ndarray:
        raise NotImplementedError

    def _merge_with_masks(self, op: Any, inputs: list[np.ndarray], masks: list[np.ndarray | None]
                         ) -> np.ndarray:
        """Keras's _apply_merge_op_and_or_mask: ``op`` over the unmasked inputs."""
        output = output_mask = None
        for x, m in zip(inputs, masks):
            if m is not None:
                m = _broadcast_mask(self, m, x)
            if output is None:
                output, output_mask = x, m
                continue
            if m is not None:
                x = np.where(m, x, output)
            if output_mask is not None:
                output = np.where(output_mask, output, x)
            output_mask = (output_mask | m if m is not None and output_mask is not None
                           else None)
            output = op(output, x)
        return output  # type: ignore[return-value]

    def compute_mask(self, inputs: _Inputs, mask: _Masks = None) -> NDArray[Any] | None:
        """Return the OR of the input masks, or None unless every input has one.

        Parameters
        ----------
        inputs : list of array-like
            The inputs.
        mask : list of array-like or None, optional
            One mask (or None) per input.

        Returns
        -------
        ndarray or None
        """
        if mask is None:
            return None
        masks = _masks_for(self, _as_list(self, inputs, "inputs"), mask)
        if any(m is None for m in masks):
            return None
        out = masks[0]
        for m in masks[1:]:
            try:
                out = np.logical_or(out, m)  # type: ignore[arg-type]
            except ValueError:
                raise ValueError(f"{type(self).__name__} {self.name!r}: masks of shapes "
                                 f"{out.shape} and {m.shape} do not broadcast") from None  # type: ignore[union-attr]
        return out


@_document
class Add(_Merge):
    """Performs elementwise addition operation (keras.layers.Add).

    It takes as input a list of tensors, all of the same shape (or
    broadcastable), and returns a single tensor, their sum (added left to
    right).

    Parameters
    ----------
    <<kwargs>>

    <<call>>

    Returns
    -------
    ndarray
        The sum of the inputs.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> fastrnn.Add()([np.array([[1.0, 2.0]]), np.array([[10.0, 20.0]])])
    array([[11., 22.]], dtype=float32)
    """

    def _merge_function(self, inputs: list[np.ndarray], masks: list[np.ndarray | None]  # type: ignore[override]
                       ) -> np.ndarray:
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output


@_document
class Subtract(_Merge):
    """Performs elementwise subtraction (keras.layers.Subtract).

    It takes as input a list of exactly two tensors and returns
    ``inputs[0] - inputs[1]``.

    Parameters
    ----------
    <<kwargs>>

    <<call>>

    Returns
    -------
    ndarray
        ``inputs[0] - inputs[1]``.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> fastrnn.Subtract()([np.array([[5.0, 5.0]]), np.array([[1.0, 2.0]])])
    array([[4., 3.]], dtype=float32)
    >>> fastrnn.Subtract()([np.ones((1, 2))] * 3)
    Traceback (most recent call last):
        ...
    ValueError: A `Subtract` layer ('subtract...') should be called on exactly 2 inputs...
    """

    def _check_shapes(self, shapes: Any) -> tuple[Any, ...]:
        out = super()._check_shapes(shapes)
        if len(shapes) != 2:
            raise ValueError(f"A `Subtract` layer ({self.name!r}) should be called on exactly "
                             f"2 inputs. Received {len(shapes)} inputs")
        return out

    def _merge_function(self, inputs: list[np.ndarray], masks: list[np.ndarray | None]  # type: ignore[override]
                       ) -> np.ndarray:
        return inputs[0] - inputs[1]


@_document
class Multiply(_Merge):
    """Performs elementwise multiplication (keras.layers.Multiply).

    It takes as input a list of tensors, all of the same shape (or
    broadcastable), and returns their product. With masks (Keras's rule): a
    masked position of an input counts as 1; when every input has a mask,
    the positions masked in all of them are 0.

    Parameters
    ----------
    <<kwargs>>

    <<call>>

    Returns
    -------
    ndarray
        The product of the inputs.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> a = np.array([[[2.0], [3.0]]])
    >>> b = np.array([[[5.0], [7.0]]])
    >>> fastrnn.Multiply()([a, b])[..., 0]
    array([[10., 21.]], dtype=float32)
    >>> fastrnn.Multiply()([a, b], mask=[np.array([[True, False]]), None])[..., 0]
    array([[10.,  7.]], dtype=float32)
    """

    def _merge_function(self, inputs: list[np.ndarray], masks: list[np.ndarray | None]  # type: ignore[override]
                       ) -> np.ndarray:
        every = all(m is not None for m in masks)
        output = output_mask = None
        for x, m in zip(inputs, masks):
            if m is not None:
                m = _broadcast_mask(self, m, x)
                x = np.where(m, x, np.ones((), x.dtype))
                if every:
                    output_mask = m if output_mask is None else output_mask | m
            output = x if output is None else output * x
        if every:
            output = np.where(output_mask, output, np.zeros((), output.dtype))  # type: ignore[arg-type, union-attr]
        return output  # type: ignore[return-value]


@_document
class Average(_Merge):
    """Averages a list of inputs element-wise (keras.layers.Average).

    The inputs are added left to right, and the sum multiplied by the
    reciprocal of their number (as TensorFlow runs Keras's division in a
    model).

    Parameters
    ----------
    <<kwargs>>

    <<call>>

    Returns
    -------
    ndarray
        The mean of the inputs.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> fastrnn.Average()([np.array([[1.0, 2.0]]), np.array([[3.0, 6.0]])])
    array([[2., 4.]], dtype=float32)
    """

    def _merge_function(self, inputs: list[np.ndarray], masks: list[np.ndarray | None]  # type: ignore[override]
                       ) -> np.ndarray:
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        # Keras divides by len(inputs); in a model (a tf.function, as
        # ``predict`` runs it) TensorFlow's graph optimizer turns that into a
        # multiplication by the float32 reciprocal, which fastrnn matches.
        return output * (np.asarray(1, output.dtype) / np.asarray(len(inputs), output.dtype))


@_document
class Maximum(_Merge):
    """Computes element-wise maximum on a list of inputs (keras.layers.Maximum).

    With masks (Keras's rule), the maximum is taken over the inputs not
    masked at each position; where all are masked it is the first input.

    Parameters
    ----------
    <<kwargs>>

    <<call>>

    Returns
    -------
    ndarray
        The elementwise maximum.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> a = np.array([[[1.0], [9.0]]])
    >>> b = np.array([[[4.0], [2.0]]])
    >>> fastrnn.Maximum()([a, b])[..., 0]
    array([[4., 9.]], dtype=float32)
    >>> masks = [np.array([[True, False]]), np.array([[True, True]])]
    >>> fastrnn.Maximum()([a, b], mask=masks)[..., 0]
    array([[4., 2.]], dtype=float32)
    """

    def _merge_function(self, inputs: list[np.ndarray], masks: list[np.ndarray | None]  # type: ignore[override]
                       ) -> np.ndarray:
        return self._merge_with_masks(np.maximum, inputs, masks)


@_document
class Minimum(_Merge):
    """Computes elementwise minimum on a list of inputs (keras.layers.Minimum).

    With masks (Keras's rule), the minimum is taken over the inputs not
    masked at each position; where all are masked it is the first input.

    Parameters
    ----------
    <<kwargs>>

    <<call>>

    Returns
    -------
    ndarray
        The elementwise minimum.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> fastrnn.Minimum()([np.array([[1.0, 9.0]]), np.array([[4.0, 2.0]])])
    array([[1., 2.]], dtype=float32)
    """

    def _merge_function(self, inputs: list[np.ndarray], masks: list[np.ndarray | None]  # type: ignore[override]
                       ) -> np.ndarray:
        return self._merge_with_masks(np.minimum, inputs, masks)


@_document
class Concatenate(_Merge):
    """Concatenates a list of inputs (keras.layers.Concatenate).

    It takes as input a list of tensors, all of the same shape except for
    the concatenation axis, and returns a single tensor that is the
    concatenation of all inputs.

    Parameters
    ----------
    axis : int, default -1
        Axis along which to concatenate.
    <<kwargs>>

    <<call>>

    Returns
    -------
    ndarray
        The concatenation of the inputs along ``axis``.

    Notes
    -----
    The output mask (Keras's rule): each input's mask is expanded to the
    input's shape (an unmasked input counts as all True), the expanded masks
    are concatenated along ``axis``, and ``any`` is taken over the last
    axis. So concatenating along the time axis concatenates the masks, and
    concatenating a masked and an unmasked input along the feature axis
    gives an all-True mask. None only when no input has a mask.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> x = np.arange(20).reshape(2, 2, 5)
    >>> y = np.arange(20, 30).reshape(2, 1, 5)
    >>> fastrnn.Concatenate(axis=1)([x, y]).shape
    (2, 3, 5)
    >>> layer = fastrnn.Concatenate(axis=1)
    >>> layer.compute_mask([x, y], [np.array([[True, False]] * 2), None])
    array([[ True, False,  True],
           [ True, False,  True]])
    """

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise ValueError(f"Concatenate expected an integer axis, got {axis!r}")
        self.axis = int(axis)

    def _check_shapes(self, shapes: Any) -> None:  # type: ignore[override]
        """Keras's Concatenate.build: equal ranks, and equal sizes (where known)
        on every axis but ``axis``."""
        if not isinstance(shapes, (list, tuple)) or not shapes or not all(
                isinstance(s, (list, tuple)) for s in shapes):
            raise ValueError(
                f"A `Concatenate` layer ({self.name!r}) should be called on a list of at "
                f"least 1 input. Received: input_shape={shapes!r}")
        message = (f"A `Concatenate` layer ({self.name!r}) requires inputs with matching "
                   "shapes except for the concatenation axis. Received: input_shape="
                   f"{[tuple(s) for s in shapes]}")
        reduced = []
        for s in shapes:
            s = list(s)
            if not -len(s) <= self.axis < len(s):
                raise ValueError(f"Concatenate {self.name!r}: axis {self.axis} is out of "
                                 f"range for input shape {tuple(s)}")
            del s[self.axis]
            reduced.append(s)
        if len({len(s) for s in reduced}) != 1:
            raise ValueError(message)
        for dims in zip(*reduced):
            if len({d for d in dims if d is not None}) > 1:
                raise ValueError(message)

    def compute_output_shape(self, input_shape: list[tuple[Any, ...]]) -> tuple[Any, ...]:  # type: ignore[override]
        """Return the first input's shape with the sizes along ``axis`` added up."""
        self._check_shapes(input_shape)
        out = list(input_shape[0])
        for s in input_shape[1:]:
            if out[self.axis] is None or s[self.axis] is None:
                out[self.axis] = None
                break
            out[self.axis] += s[self.axis]
        return tuple(out)

    def call(self, inputs: list[np.ndarray], mask: list[Any] | None = None) -> np.ndarray:  # type: ignore[override]
        inputs = _as_list(self, inputs, "inputs")
        self._check_shapes([x.shape for x in inputs])
        return np.concatenate(_as_float(inputs, self.dtype), axis=self.axis)

    def compute_mask(self, inputs: list[np.ndarray], mask: list[np.ndarray | None] | None = None  # type: ignore[override]
                    ) -> np.ndarray | None:
        """Return the concatenated masks reduced with ``any`` over the last axis (see Notes).

        Parameters
        ----------
        inputs : list of array-like
            The inputs.
        mask : list of array-like or None, optional
            One mask (or None) per input.

        Returns
        -------
        ndarray or None
        """
        if mask is None:
            return None
        inputs = _as_list(self, inputs, "inputs")
        masks = _masks_for(self, inputs, mask)
        if all(m is None for m in masks):
            return None
        full = []
        for x, m in zip(inputs, masks):
            shape = np.shape(x)
            if m is None:
                full.append(np.ones(shape, bool))
            elif m.ndim < len(shape):
                try:
                    full.append(np.logical_or(m[..., None], np.zeros(shape, bool)))
                except ValueError:
                    raise ValueError(
                        f"Concatenate {self.name!r}: a mask of shape {m.shape} does not fit "
                        f"an input of shape {shape}") from None
            else:
                full.append(m)
        try:
            joined = np.concatenate(full, axis=self.axis)
        except (ValueError, np.exceptions.AxisError) as e:
            raise ValueError(f"Concatenate {self.name!r}: cannot concatenate the masks: "
                             f"{e}") from None
        return np.any(joined, axis=-1)

    def get_config(self) -> dict[str, Any]:
        """Return the base config plus ``axis``."""
        return {**super().get_config(), "axis": self.axis}


def _batch_dot(layer: Dot, x: np.ndarray, y: np.ndarray, axes: list[int]) -> np.ndarray:
    """Keras's batch_dot (keras/src/layers/merging/dot.py) for two arrays."""
    if x.ndim < 2 or y.ndim < 2:
        raise ValueError(f"Dot {layer.name!r}: cannot do batch_dot on inputs with rank < 2. "
                         f"Received inputs with shapes {x.shape} and {y.shape}")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"Dot {layer.name!r}: cannot do batch_dot on inputs with different "
                         f"batch sizes. Received inputs with shapes {x.shape} and {y.shape}")
    a0, a1 = axes
    if a0 == 0 or a1 == 0:
        raise ValueError(f"Dot {layer.name!r}: cannot perform batch_dot over axis 0 (the "
                         "batch axis)")
    if x.shape[a0] != y.shape[a1]:
        raise ValueError(
            f"Dot {layer.name!r}: incompatible input shapes: axis values {x.shape[a0]} (at "
            f"axis {a0}) != {y.shape[a1]} (at axis {a1}). Full input shapes: {x.shape}, "
            f"{y.shape}")
    x_ndim0, y_ndim0 = x.ndim, y.ndim
    if x.ndim == 2:
        x = x[:, None, :]
        a0 += 1
    if y.ndim == 2:
        y = y[:, :, None]
    # The summed axis last in x, at axis 1 in y.
    x = np.moveaxis(x, a0, -1)
    y = np.moveaxis(y, a1, 1)
    mid, trail = x.shape[1:-1], y.shape[2:]
    x3 = x.reshape(x.shape[0], -1, x.shape[-1])
    y3 = y.reshape(y.shape[0], y.shape[1], -1)
    out = np.matmul(x3, y3).reshape((x.shape[0],) + mid + trail)
    if x_ndim0 == 2:
        out = out.reshape(out.shape[:1] + out.shape[2:])
    elif y_ndim0 == 2:
        out = out.reshape(out.shape[:-1])
    return out


def _l2_normalize(x: np.ndarray, axis: int) -> np.ndarray:
    """keras.ops.normalize(x, axis, order=2): ``x * min(rsqrt(sum(x**2)), 1/epsilon)``."""
    square_sum = np.sum(np.square(x), axis=axis, keepdims=True)
    with np.errstate(divide="ignore"):
        inv_norm = np.asarray(1, x.dtype) / np.sqrt(square_sum)
    return x * np.minimum(inv_norm, np.asarray(1.0 / 1e-7, x.dtype))


@_document
class Dot(_Merge):
    """Computes the dot product of two tensors over given axes (keras.layers.Dot).

    For inputs of shapes ``(batch, 3, 5)`` and ``(batch, 10, 3)`` and
    ``axes=(1, 2)``, the output is ``(batch, 5, 10)``: ``x``'s axes without
    the summed one, then ``y``'s without the batch axis and the summed one;
    an output of rank 1 is made ``(batch, 1)``. Drops the mask.

    Parameters
    ----------
    axes : int or tuple of two int
        Axis or axes along which to take the dot product: one for both
        inputs, or one per input. Negative axes count from the end; the
        sizes of the two axes must match, and axis 0 (the batch axis) cannot
        be included.
    normalize : bool, default False
        Whether to L2-normalize samples along the dot product axis before
        taking the dot product (as ``keras.ops.normalize``, with epsilon
        1e-7), so that the output is the cosine proximity of the samples.
    <<kwargs>>

    <<call>>

    Returns
    -------
    ndarray
        The batchwise dot product.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> x = np.arange(10).reshape(1, 5, 2)
    >>> y = np.arange(10, 20).reshape(1, 2, 5)
    >>> fastrnn.Dot(axes=(1, 2))([x, y])
    array([[[260., 360.],
            [320., 445.]]], dtype=float32)
    >>> fastrnn.Dot(axes=1, normalize=True)([np.array([[3.0, 4.0]]), np.array([[4.0, 3.0]])])
    array([[0.96000004]], dtype=float32)
    """

    def __init__(self, axes: int | Sequence[int], normalize: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(
                    "Invalid type for argument `axes`: it should be a list or an int. "
                    f"Received: axes={axes!r}")
            if len(axes) != 2:
                raise ValueError(
                    "Invalid format for argument `axes`: it should contain two elements. "
                    f"Received: axes={axes!r}")
            if not isinstance(axes[0], int) or not isinstance(axes[1], int):
                raise ValueError(
                    "Invalid format for argument `axes`: list elements should be integers. "
                    f"Received: axes={axes!r}")
        self.axes = axes
        self.normalize = normalize

    def _axes_for(self, ndims: tuple[int, ...]) -> list[int]:
        pair = [self.axes] * 2 if isinstance(self.axes, int) else list(self.axes)
        return [a % n if a < 0 else a for a, n in zip(pair, ndims)]

    def _check_shapes(self, shapes: list[tuple[Any, ...]]) -> tuple[int, ...]:
        if not isinstance(shapes, (list, tuple)) or len(shapes) != 2 or not all(
                isinstance(s, (list, tuple)) for s in shapes):
            raise ValueError(f"A `Dot` layer ({self.name!r}) should be called on a list of 2 "
                             f"inputs. Received: input_shape={shapes!r}")
        s1, s2 = (tuple(s) for s in shapes)
        a0, a1 = self._axes_for((len(s1), len(s2)))
        if a0 >= len(s1) or a1 >= len(s2):
            raise ValueError(f"Dot {self.name!r}: axes {self.axes} are out of range for input "
                             f"shapes {s1}, {s2}")
        if s1[a0] != s2[a1]:
            raise ValueError(
                f"Dot {self.name!r}: incompatible input shapes: axis values {s1[a0]} (at axis "
                f"{a0}) != {s2[a1]} (at axis {a1}). Full input shapes: {s1}, {s2}")
        return a0, a1

    def compute_output_shape(self, input_shape: list[tuple[Any, ...]]) -> tuple[Any, ...]:  # type: ignore[override]
        """Return ``x``'s shape without the summed axis, then ``y``'s without the batch
        and summed axes (``(batch, 1)`` if that is all)."""
        a0, a1 = self._check_shapes(input_shape)
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        shape1.pop(a0)
        shape2.pop(a1)
        shape2.pop(0)
        out = shape1 + shape2
        if len(out) == 1:
            out += [1]
        return tuple(out)

    def call(self, inputs: list[np.ndarray], mask: list[None] | None = None) -> np.ndarray:  # type: ignore[override]
        inputs = _as_list(self, inputs, "inputs")
        self._check_shapes([x.shape for x in inputs])
        x1, x2 = (np.asarray(x, self.dtype) for x in inputs)
        axes = self._axes_for((x1.ndim, x2.ndim))
        if self.normalize:
            x1 = _l2_normalize(x1, axes[0])
            x2 = _l2_normalize(x2, axes[1])
        return _batch_dot(self, x1, x2, axes)

    def compute_mask(self, inputs: list[np.ndarray], mask: list[np.ndarray | None] | None = None  # type: ignore[override]
                    ) -> None:
        """Return None: Dot drops the mask."""
        return None

    def get_config(self) -> dict[str, Any]:
        """Return the base config plus ``axes`` and ``normalize``."""
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


# ---------------------------------------------------------------- functional forms
def _functional(cls: type[_Merge], name: str) -> Callable[..., Any]:
    def merge(inputs: Any, **kwargs: Any) -> Any:
        return cls(**kwargs)(inputs)
    merge.__name__ = merge.__qualname__ = name
    merge.__doc__ = f"""Functional interface to the ``{cls.__name__}`` layer
    (keras.layers.{name}): ``{cls.__name__}(**kwargs)(inputs)``.

    Parameters
    ----------
    inputs : list of array-like or of symbolic tensors
        The inputs.
    **kwargs
        The layer's arguments.

    Returns
    -------
    ndarray or KerasTensor
        The layer's output.

    Examples
    --------
    >>> import numpy as np
    >>> from fastrnn import merging
    >>> merging.{name}([np.ones((2, 3)), np.ones((2, 3))]).shape
    (2, 3)
    """
    return merge


add = _functional(Add, "add")
subtract = _functional(Subtract, "subtract")
multiply = _functional(Multiply, "multiply")
average = _functional(Average, "average")
maximum = _functional(Maximum, "maximum")
minimum = _functional(Minimum, "minimum")


def concatenate(inputs: Any, axis: int = -1, **kwargs: Any) -> Any:
    """Functional interface to the ``Concatenate`` layer (keras.layers.concatenate).

    Parameters
    ----------
    inputs : list of array-like or of symbolic tensors
        The inputs.
    axis : int, default -1
        Concatenation axis.
    **kwargs
        The layer's other arguments.

    Returns
    -------
    ndarray or KerasTensor
        ``Concatenate(axis=axis, **kwargs)(inputs)``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastrnn import merging
    >>> merging.concatenate([np.ones((2, 3)), np.ones((2, 1))]).shape
    (2, 4)
    """
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs: Any, axes: int | Sequence[int] = -1, **kwargs: Any) -> Any:
    """Functional interface to the ``Dot`` layer (keras.layers.dot).

    Parameters
    ----------
    inputs : list of two array-like or symbolic tensors
        The inputs.
    axes : int or tuple of two int, default -1
        Axis or axes along which to take the dot product.
    **kwargs
        The layer's other arguments (``normalize``, ``name``, ...).

    Returns
    -------
    ndarray or KerasTensor
        ``Dot(axes=axes, **kwargs)(inputs)``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastrnn import merging
    >>> merging.dot([np.ones((2, 3)), np.ones((2, 3))])
    array([[3.],
           [3.]], dtype=float32)
    """
    return Dot(axes=axes, **kwargs)(inputs)

