"""The Keras 3 activation layers: ReLU, LeakyReLU, PReLU, ELU and Softmax
(keras/src/layers/activations/), computed as the TensorFlow backend does,
with fastrnn.activations' formulas where the math is the same (they match
TensorFlow's kernels on NaN, infinities and subnormals).

Every one of them passes the mask on unchanged; Softmax also uses it in its
computation (masked positions take no share and give 0).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import _validate, activations, graph, initializers
from ._docparts import documenter
from .core_layers import get_initializer
from .layer import Layer

__all__ = ["ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax"]

_document = documenter({
    "elementwise_call": """\
    Call arguments
    --------------
    inputs : array-like
        Of any shape, of real numbers. A mask is not used; it passes on.""",
})

_relu = activations.numpy_function("relu")
_relu6 = activations.numpy_function("relu6")
_elu = activations.numpy_function("elu")


def _leaky_relu(x: np.ndarray, negative_slope: float) -> np.ndarray:
    """``tf.nn.leaky_relu``: ``x > 0 ? x : x * alpha``, alpha a float32 attribute."""
    with np.errstate(all="ignore"):
        return np.where(x > 0, x, x * x.dtype.type(np.float32(negative_slope)))


def _number(value: Any, name: str, cls: str, allow_none: bool = False) -> Any:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{cls}: `{name}` must be a number, got {value!r}")
    return value


@_document
class ReLU(Layer):
    """Rectified Linear Unit activation function layer (keras.layers.ReLU).

    ``f(x) = max_value`` for ``x >= max_value``, ``x`` for ``threshold < x <
    max_value``, ``negative_slope * (x - threshold)`` otherwise, computed as
    Keras's ``activations.relu`` does with TensorFlow: with only a
    ``negative_slope``, ``tf.nn.leaky_relu``; else ``where(x > threshold, x,
    0)`` (or ``relu``, or ``relu6`` for ``max_value=6``), clipped to
    ``[0, max_value]``, minus ``negative_slope * relu(threshold - x)``.

    Parameters
    ----------
    max_value : float, optional
        The largest output (>= 0); None: no limit.
    negative_slope : float, default 0.0
        The slope below the threshold (>= 0).
    threshold : float, default 0.0
        The value below which the output is 0 (or sloped), >= 0.
    <<kwargs>>

    <<elementwise_call>>

    Returns
    -------
    ndarray
        Of ``inputs``'s shape and the layer's dtype.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> x = np.array([-2.0, 0.5, 3.0, 8.0])
    >>> fastrnn.ReLU(max_value=6.0)(x)
    array([0. , 0.5, 3. , 6. ], dtype=float32)
    >>> fastrnn.ReLU(negative_slope=0.5, threshold=1.0)(x)
    array([-1.5 , -0.25,  3.  ,  8.  ], dtype=float32)
    """

    supports_masking = True

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0,
                 threshold: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _number(max_value, "max_value", "ReLU", allow_none=True)
        if max_value is not None and max_value < 0.0:
            raise ValueError("max_value of a ReLU layer cannot be a negative value. "
                             f"Received: max_value={max_value}")
        if negative_slope is None or _number(negative_slope, "negative_slope", "ReLU") < 0.0:
            raise ValueError("negative_slope of a ReLU layer cannot be None or a negative "
                             f"value. Received: negative_slope={negative_slope}")
        if threshold is None or _number(threshold, "threshold", "ReLU") < 0.0:
            raise ValueError("threshold of a ReLU layer cannot be None or a negative value. "
                             f"Received: threshold={threshold}")
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold

    def call(self, inputs: np.ndarray) -> np.ndarray:
        """Apply the rectifier (see the class)."""
        x = np.asarray(inputs, self.dtype)
        t = x.dtype.type
        slope, max_value, threshold = self.negative_slope, self.max_value, self.threshold
        with np.errstate(all="ignore"):
            if slope != 0.0:
                if max_value is None and threshold == 0:
                    return _leaky_relu(x, slope)
                negative = _relu(-x + t(threshold)) if threshold != 0 else _relu(-x)
            clip = max_value is not None
            if threshold != 0:
                y = np.where(x > t(threshold), x, t(0))
            elif max_value == 6:
                y, clip = _relu6(x), False
            else:
                y = _relu(x)
            if clip:
                y = np.minimum(np.maximum(y, t(0)), t(max_value))
            if slope != 0.0:
                y = y - t(slope) * negative
        return np.asarray(y, self.dtype)

    def get_config(self) -> dict:
        """Return the base config plus ``max_value``, ``negative_slope``, ``threshold``."""
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


@_document
class LeakyReLU(Layer):
    """Leaky version of a Rectified Linear Unit activation layer (keras.layers.LeakyReLU).

    ``x`` for ``x > 0``, ``x * negative_slope`` otherwise (``tf.nn.leaky_relu``,
    whose slope is a float32 attribute).

    Parameters
    ----------
    negative_slope : float, default 0.3
        The slope for ``x <= 0`` (>= 0). Keras's deprecated ``alpha=`` keyword
        is read as it.
    <<kwargs>>

    <<elementwise_call>>

    Returns
    -------
    ndarray
        Of ``inputs``'s shape and the layer's dtype.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> fastrnn.LeakyReLU(negative_slope=0.5)(np.array([-2.0, 3.0]))
    array([-1.,  3.], dtype=float32)
    """

    supports_masking = True

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any) -> None:
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        if negative_slope is None or _number(negative_slope, "negative_slope",
                                             "LeakyReLU") < 0:
            raise ValueError("The negative_slope value of a Leaky ReLU layer cannot be None "
                             "or negative value. Expected a float. Received: "
                             f"negative_slope={negative_slope}")
        self.negative_slope = negative_slope

    def call(self, inputs: np.ndarray) -> np.ndarray:
        """Apply the leaky rectifier (see the class)."""
        return np.asarray(_leaky_relu(np.asarray(inputs, self.dtype), self.negative_slope),
                          self.dtype)

    def get_config(self) -> dict:
        """Return the base config plus ``negative_slope``."""
        return {**super().get_config(), "negative_slope": self.negative_slope}


@_document
class PReLU(Layer):
    """Parametric Rectified Linear Unit activation layer (keras.layers.PReLU).

    ``relu(x) - alpha * relu(-x)``, with ``alpha`` a weight of the input's
    shape without the batch axis (size 1 along ``shared_axes``), as Keras
    computes it.

    Parameters
    ----------
    alpha_initializer : str, dict or Initializer, default "Zeros"
        Initializer of ``alpha``.
    alpha_regularizer, alpha_constraint : optional
        Training-only; kept in the config as given.
    shared_axes : int or list of int, optional
        The (1-based, batch excluded) axes along which ``alpha`` is shared:
        for ``(batch, height, width, channels)`` images, ``[1, 2]`` gives
        one ``alpha`` per channel.
    <<kwargs>>

    <<elementwise_call>>

    Returns
    -------
    ndarray
        Of ``inputs``'s shape and the layer's dtype.

    Notes
    -----
    Weights: ``[alpha]``, of ``input_shape[1:]`` with the shared axes as 1.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> layer = fastrnn.PReLU(shared_axes=[1])
    >>> layer.build((None, 3, 2))
    >>> layer.set_weights([np.array([[0.5, 2.0]])])
    >>> layer(np.array([[[-1.0, -1.0], [1.0, -2.0], [0.0, 0.0]]]))[0]
    array([[-0.5, -2. ],
           [ 1. , -4. ],
           [ 0. ,  0. ]], dtype=float32)
    """

    supports_masking = True
    has_weights = True

    def __init__(self, alpha_initializer: Any = "Zeros", alpha_regularizer: Any = None,
                 alpha_constraint: Any = None, shared_axes: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alpha_initializer = get_initializer(alpha_initializer)
        self.alpha_regularizer = alpha_regularizer
        self.alpha_constraint = alpha_constraint
        if shared_axes is None:
            self.shared_axes = None
        elif not isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [shared_axes]
        else:
            self.shared_axes = list(shared_axes)
        for a in self.shared_axes or []:
            if isinstance(a, bool) or not isinstance(a, (int, np.integer)) or a == 0:
                raise ValueError(f"PReLU: shared_axes must be non-batch axis numbers, got "
                                 f"{shared_axes!r}")

    def _param_shape(self, input_shape: Any) -> tuple:
        shape = list(input_shape[1:])
        for a in self.shared_axes or []:
            if not -len(shape) <= a - 1 < len(shape):
                raise ValueError(f"PReLU {self.name!r}: shared axis {a} is out of range for "
                                 f"input shape {tuple(input_shape)}")
            shape[a - 1] = 1
        return tuple(shape)

    def _expected_weight_shapes(self, arrays: Any) -> list:
        if self._weights:
            return [("alpha", self._weights[0].shape)]
        if arrays:
            return [("alpha", arrays[0].shape)]
        return [("alpha", ())]

    def build(self, input_shape: Any) -> None:
        """Create ``alpha`` for ``input_shape`` (every non-batch size known).

        Parameters
        ----------
        input_shape : tuple of int
            The input shape, with the batch axis.
        """
        shape = self._param_shape(tuple(input_shape))
        if None in shape:
            raise ValueError(f"PReLU {self.name!r}: every non-shared size of the input must be "
                             f"known to build, got input shape {tuple(input_shape)}")
        shape = tuple(int(d) for d in shape)
        _validate.check_bytes(f"PReLU.build({shape})",
                              int(np.prod(shape, dtype=np.int64)) * np.dtype(self.dtype).itemsize,
                              shape)
        self._weights = [np.ascontiguousarray(
            self.alpha_initializer(shape, self.dtype, np.random.default_rng()), dtype=self.dtype)]

    def _maybe_build(self, input_shape: Any) -> None:
        with graph.build_lock:
            if self.built:
                return
            try:
                shape = self._param_shape(tuple(input_shape))
            except (TypeError, ValueError):
                return
            if None not in shape:
                self.build(input_shape)
                self._built = True

    def call(self, inputs: np.ndarray) -> np.ndarray:
        """Apply the parametric rectifier (see the class)."""
        x = np.asarray(inputs, self.dtype)
        if not self._weights:
            self.build(x.shape)
        alpha = self._weights[0]
        shared = set(self.shared_axes or [])
        if x.ndim != alpha.ndim + 1 or not all(
                i in shared or x.shape[i] == alpha.shape[i - 1] for i in range(1, x.ndim)):
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: alpha has '
                f"shape {alpha.shape} (shared_axes={self.shared_axes}), but received input "
                f"with shape {x.shape}")
        with np.errstate(all="ignore"):
            return np.asarray(_relu(x) + -alpha * _relu(-x), self.dtype)

    def get_config(self) -> dict:
        """Return the base config plus Keras's PReLU keys."""
        return {**super().get_config(),
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": self.alpha_regularizer,
                "alpha_constraint": self.alpha_constraint, "shared_axes": self.shared_axes}


@_document
class ELU(Layer):
    """Applies an Exponential Linear Unit function to an output (keras.layers.ELU).

    ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise, as TensorFlow's
    ``tf.nn.elu`` (times ``alpha`` where ``x <= 0`` when ``alpha != 1``).

    Parameters
    ----------
    alpha : float, default 1.0
        The scale of the negative part. (Keras's ELU has no ``get_config`` of
        its own: Keras records the constructor arguments, ``alpha``, itself.)
    <<kwargs>>

    <<elementwise_call>>

    Returns
    -------
    ndarray
        Of ``inputs``'s shape and the layer's dtype.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> fastrnn.ELU(alpha=2.0)(np.array([0.0, 1.0, -100.0]))
    array([ 0.,  1., -2.], dtype=float32)
    >>> fastrnn.ELU(alpha=2.0).get_config()["alpha"]
    2.0
    """

    supports_masking = True

    def __init__(self, alpha: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alpha = _number(alpha, "alpha", "ELU")

    def call(self, inputs: np.ndarray) -> np.ndarray:
        """Apply the exponential linear unit (see the class)."""
        x = np.asarray(inputs, self.dtype)
        y = _elu(x)
        if self.alpha != 1:
            y = np.where(x > 0, y, x.dtype.type(self.alpha) * y)
        return np.asarray(y, self.dtype)

    def get_config(self) -> dict:
        """Return the base config plus ``alpha``."""
        return {**super().get_config(), "alpha": self.alpha}


def _softmax_axis(x: np.ndarray, axis: int) -> np.ndarray:
    """``tf.nn.softmax(x, axis)``: fastrnn's last-axis softmax, moved."""
    softmax = activations.numpy_function("softmax")
    if axis in (-1, x.ndim - 1):
        return softmax(x)
    return np.moveaxis(softmax(np.moveaxis(x, axis, -1)), -1, axis)


def _logsumexp(x: np.ndarray, axes: tuple) -> np.ndarray:
    """``tf.math.reduce_logsumexp(x, axes, keepdims=True)``."""
    raw_max = x.max(axis=axes, keepdims=True)
    shift = np.where(np.isfinite(raw_max), raw_max, np.zeros((), x.dtype))
    return np.log(np.exp(x - shift).sum(axis=axes, keepdims=True)) + shift


@_document
class Softmax(Layer):
    """Softmax activation layer (keras.layers.Softmax).

    ``exp(x) / sum(exp(x), axis)``. With a mask, as Keras computes it: the
    masked positions are set to -1e9 before the softmax and to 0 after it
    (so a fully masked row gives zeros, not a uniform row). The mask is
    right-aligned against the input (NumPy broadcasting: each of its sizes
    must be 1 or the input's); a float mask counts where it is > 0.5. The
    mask passes on unchanged.

    Parameters
    ----------
    axis : int or list of int, default -1
        The axis (or axes) to normalize over. Several axes: ``exp(x -
        logsumexp(x, axis))``.
    <<kwargs>>

    Call arguments
    --------------
    inputs : array-like
        Of any shape, of real numbers.
    mask : array-like, optional
        Broadcastable to ``inputs`` from the right, without more axes: True
        (or > 0.5) where a value counts.

    Returns
    -------
    ndarray
        Of ``inputs``'s shape and the layer's dtype.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> x = np.array([[0.0, np.log(3.0), 5.0]])
    >>> np.round(fastrnn.Softmax()(x, mask=np.array([[True, True, False]])), 4)
    array([[0.25, 0.75, 0.  ]], dtype=float32)
    >>> fastrnn.Softmax()(x, mask=np.zeros((1, 3), bool))
    array([[0., 0., 0.]], dtype=float32)
    """

    supports_masking = True

    def __init__(self, axis: int | list = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            bad = not axis or not all(isinstance(a, (int, np.integer)) for a in axis)
        else:
            bad = not isinstance(axis, (int, np.integer))
        if bad or isinstance(axis, bool):
            raise ValueError(f"Softmax: `axis` must be an int or a list of ints, got {axis!r}")
        self.axis = axis

    def call(self, inputs: np.ndarray, mask: Any = None) -> np.ndarray:
        """Apply the softmax over ``axis``, with the mask's rule (see the class)."""
        x = np.asarray(inputs, self.dtype)
        axes = [int(a) for a in self.axis] if isinstance(self.axis, (list, tuple)) \
            else [int(self.axis)]
        for a in axes:
            if not -x.ndim <= a < x.ndim:
                raise ValueError(f"Softmax {self.name!r}: axis {a} is out of bounds for input "
                                 f"shape {x.shape}")
        if mask is not None:
            mask = np.asarray(mask)
            if mask.ndim > x.ndim:
                raise ValueError("The `mask` must be broadcastable to `inputs` and must not "
                                 f"have more dimensions. Received: inputs.shape={x.shape}, "
                                 f"mask.shape={mask.shape}")
            for m, i in zip(mask.shape[::-1], x.shape[::-1]):
                if m != 1 and m != i:
                    raise ValueError(
                        "The `mask` must be broadcastable to `inputs`. Each mask dimension "
                        "must be 1 or match the corresponding input dimension. Received: "
                        f"inputs.shape={x.shape}, mask.shape={mask.shape}")
            if mask.dtype != bool:
                mask = mask > mask.dtype.type(0.5)
            x = np.where(mask, x, x.dtype.type(-1e9))
        with np.errstate(all="ignore"):
            if len(axes) > 1:
                y = np.exp(x - _logsumexp(x, tuple(axes)))
            else:
                y = _softmax_axis(x, axes[0])
        if mask is not None:
            y = np.where(mask, y, np.zeros((), self.dtype))
        return np.asarray(y, self.dtype)

    def get_config(self) -> dict:
        """Return the base config plus ``axis``."""
        return {**super().get_config(), "axis": self.axis}
