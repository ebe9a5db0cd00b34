"""Keras 3's normalization layers at inference (keras/src/layers/normalization/):
BatchNormalization, LayerNormalization, GroupNormalization and
UnitNormalization.

BatchNormalization normalizes with the moving statistics, computed as
TensorFlow's ``tf.nn.batch_normalization`` does (keras/src/backend/tensorflow/
nn.py): ``inv = rsqrt(moving_variance + epsilon) * gamma``, then
``x * inv + (beta - moving_mean * inv)``, in the layer's dtype.

LayerNormalization and GroupNormalization use each sample's own statistics,
in Keras's order (keras/src/ops/nn.py ``_layer_normalization``,
group_normalization.py): ``mean, variance = moments(x)`` (``tf.nn.moments``:
the mean, then the mean of the squared differences), ``inv = rsqrt(variance +
epsilon)``, ``inv *= gamma``, ``res = -mean * inv (+ beta)``, output ``x * inv
+ res``. UnitNormalization is ``x * min(rsqrt(sum(x ** 2)), 1e12)``
(``ops.normalize``). All four pass the mask on unchanged.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _validate, graph, initializers
from ._docparts import documenter
from .core_layers import get_initializer
from .layer import Layer

if TYPE_CHECKING:
    from .core_layers import Layer
    from .initializers import _InitializerLike

__all__ = ["BatchNormalization", "LayerNormalization", "GroupNormalization",
           "UnitNormalization"]


class BatchNormalization(Layer):
    """Layer that normalizes its inputs, here at inference (keras.layers.BatchNormalization).

    ``(x - moving_mean) / sqrt(moving_variance + epsilon) * gamma + beta``
    over the axis ``axis`` (the features), with TensorFlow's order of
    operations: ``inv = 1 / sqrt(moving_variance + epsilon) * gamma`` and
    ``x * inv + (beta - moving_mean * inv)``. The mask passes through (it is
    checked, and only matters in training).

    Parameters
    ----------
    axis : int, default -1
        The axis that should be normalized (typically the features axis).
    momentum : float, default 0.99
        Momentum for the moving average (training only; kept in the config).
    epsilon : float, default 1e-3
        Small float added to the variance to avoid dividing by zero.
    center : bool, default True
        If True, add offset of ``beta`` to normalized tensor. If False,
        ``beta`` is ignored (and not a weight).
    scale : bool, default True
        If True, multiply by ``gamma``. If False, ``gamma`` is not used (and
        not a weight).
    beta_initializer, gamma_initializer : str, dict or Initializer
        Initializers for beta (default "zeros") and gamma (default "ones").
    moving_mean_initializer, moving_variance_initializer : str, dict or Initializer
        Initializers for the moving mean (default "zeros") and variance
        (default "ones").
    beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint : optional
        Training-only; kept in the config as given (None or Keras config dicts).
    renorm : bool, default False
        Batch renormalization (training only). With True the layer has
        Keras's three extra weights ``moving_stddev``, ``renorm_mean`` and
        ``renorm_stddev`` (inference does not use them).
    renorm_clipping : dict, optional
        Training-only (keys "rmax", "rmin", "dmax"); kept in the config.
    renorm_momentum : float, default 0.99
        Training-only; kept in the config.
    synchronized : bool, default False
        Training-only (synchronized statistics across devices); kept in the
        config.
    **kwargs
        The arguments of every layer (see ``fastrnn.Layer``): ``name``,
        ``dtype`` ("float32", the default, or "float64": of the weights and
        outputs), ``trainable``, and Keras's ignored build-only keywords.

    Call arguments
    --------------
    x : array-like
        The input, of any rank, with the normalized axis of the built size.
    mask : array-like, optional
        Checked to have one dimension less than ``x``; passed on unchanged.
    training : bool, optional
        True raises ValueError: fastrnn runs inference only.

    Returns
    -------
    ndarray
        The normalized input, of ``x``'s shape and the layer's dtype.

    Notes
    -----
    Weights, in Keras's order: ``[gamma, beta, moving_mean,
    moving_variance]``, each ``(features,)``; ``gamma`` is absent with
    ``scale=False`` and ``beta`` with ``center=False``; with ``renorm=True``
    ``moving_stddev``, ``renorm_mean`` and ``renorm_stddev`` follow.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> layer = fastrnn.BatchNormalization(epsilon=0.0)
    >>> layer.set_weights([np.array([1.0, 2.0]), np.array([0.0, 1.0]),
    ...                    np.array([1.0, 1.0]), np.array([4.0, 1.0])])
    >>> layer(np.array([[3.0, 3.0]]))
    array([[1., 5.]], dtype=float32)
    >>> layer = fastrnn.BatchNormalization(center=False)
    >>> layer.build((None, 7, 3))
    >>> [w.shape for w in layer.get_weights()]
    [(3,), (3,), (3,)]
    """

    supports_masking = True
    has_weights = True

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True,
                 beta_initializer: _InitializerLike = "zeros",
                 gamma_initializer: _InitializerLike = "ones",
                 moving_mean_initializer: _InitializerLike = "zeros",
                 moving_variance_initializer: _InitializerLike = "ones",
                 beta_regularizer: Any = None, gamma_regularizer: Any = None,
                 beta_constraint: Any = None, gamma_constraint: Any = None, renorm: bool = False,
                 renorm_clipping: Mapping[str, float] | None = None, renorm_momentum: float = 0.99,
                 synchronized: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise ValueError(f"BatchNormalization expected an integer axis, got {axis!r}")
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.beta_initializer = get_initializer(beta_initializer)
        self.gamma_initializer = get_initializer(gamma_initializer)
        self.moving_mean_initializer = get_initializer(moving_mean_initializer)
        self.moving_variance_initializer = get_initializer(moving_variance_initializer)
        self.beta_regularizer = beta_regularizer
        self.gamma_regularizer = gamma_regularizer
        self.beta_constraint = beta_constraint
        self.gamma_constraint = gamma_constraint
        self.synchronized = synchronized
        self.renorm = renorm
        if renorm:
            renorm_clipping = renorm_clipping or {}
            keys = ["rmax", "rmin", "dmax"]
            if set(renorm_clipping) - set(keys):
                raise ValueError(
                    "Received invalid keys for `renorm_clipping` argument: "
                    f"{renorm_clipping}. Supported values: {keys}.")
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self._ndim: int | None = None   # the input rank, fixed by build (Keras's InputSpec)

    # ------------------------------------------------------------ weights
    def _weight_names(self) -> list[str]:
        names = (["gamma"] if self.scale else []) + (["beta"] if self.center else [])
        names += ["moving_mean", "moving_variance"]
        if self.renorm:
            names += ["moving_stddev", "renorm_mean", "renorm_stddev"]
        return names

    def _expected_weight_shapes(self, arrays: list[np.ndarray] | None) -> list[tuple[Any, ...]]:
        if self._weights:
            size = self._weights[0].shape[0]
        elif arrays:
            if arrays[0].ndim != 1:
                raise ValueError(f"BatchNormalization weight '{self._weight_names()[0]}' must "
                                 f"be 1-D (features,), got shape {arrays[0].shape}")
            size = arrays[0].shape[0]
        else:
            size = 0
        return [(name, (size,)) for name in self._weight_names()]

    def build(self, input_shape: Sequence[int | None]) -> None:
        """Create the weights for the size of ``input_shape[axis]``.

        Parameters
        ----------
        input_shape : tuple of int
            The input shape (with the batch axis); its ``axis`` must be known.
        """
        size = input_shape[self.axis]
        if size is None:
            raise ValueError(f"BatchNormalization {self.name!r}: the size of axis {self.axis} "
                             f"must be known to build, got input shape {tuple(input_shape)}")
        size = int(size)
        _validate.check_bytes(f"BatchNormalization.build({size})",
                              size * len(self._weight_names()) * np.dtype(self.dtype).itemsize,
                              f"{len(self._weight_names())} weights of ({size},)")
        self._ndim = len(input_shape)
        rng = np.random.default_rng()
        inits = {"gamma": self.gamma_initializer, "beta": self.beta_initializer,
                 "moving_mean": self.moving_mean_initializer,
                 "moving_variance": self.moving_variance_initializer,
                 "renorm_mean": self.moving_mean_initializer}
        weights = []
        for name in self._weight_names():
            if name in ("moving_stddev", "renorm_stddev"):
                value = np.sqrt(self.moving_variance_initializer((size,), self.dtype, rng))
            else:
                value = inits[name]((size,), self.dtype, rng)
            weights.append(np.ascontiguousarray(value, dtype=self.dtype))
        self._weights = weights

    def _maybe_build(self, input_shape: tuple[Any, ...]) -> None:
        # Keras builds for the first input's shape even when other sizes are
        # unknown; only the normalized axis must be known.
        with graph.build_lock:
            if self.built:
                return
            try:
                size = input_shape[self.axis]
            except (IndexError, TypeError):
                return
            if size is not None:
                self.build(input_shape)
                self._built = True

    # ------------------------------------------------------------ calling
    def call(self, x: NDArray[Any], training: bool | None = None, mask: ArrayLike | None = None
            ) -> NDArray[Any]:
        """Normalize ``x`` with the moving statistics (see the class)."""
        cls = f"BatchNormalization {self.name!r}"
        if training:
            raise ValueError("BatchNormalization: fastrnn runs inference only "
                             "(training=True is not supported)")
        if not -x.ndim <= self.axis < x.ndim:
            raise ValueError(f"{cls}: axis {self.axis} is out of bounds for input shape "
                             f"{x.shape}")
        if not self._weights:
            self.build(x.shape)
        size = self._weights[0].shape[0]
        if (self._ndim is not None and x.ndim != self._ndim) or x.shape[self.axis] != size:
            raise ValueError(
                f"Input 0 of layer {self.name!r} (BatchNormalization) is incompatible with "
                f"the layer: expected axis {self.axis} of input shape to have value {size}"
                + (f" and ndim={self._ndim}" if self._ndim is not None else "")
                + f", but received input with shape {x.shape}")
        if mask is not None and np.ndim(mask) != x.ndim - 1:
            raise ValueError(
                f"{cls}: the mask provided should be one dimension less than the inputs. "
                f"Received: mask.shape={np.shape(mask)}, inputs.shape={x.shape}")
        x = np.asarray(x, self.dtype)
        w = dict(zip(self._weight_names(), self._weights))
        shape = [1] * x.ndim
        shape[self.axis] = size
        eps = np.asarray(self.epsilon, self.dtype)
        inv = np.asarray(1, self.dtype) / np.sqrt(w["moving_variance"] + eps)
        if self.scale:
            inv = inv * w["gamma"]
        shift = (w["beta"] - w["moving_mean"] * inv) if self.center else -w["moving_mean"] * inv
        return x * inv.reshape(shape) + shift.reshape(shape)

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        """Return ``input_shape`` (``axis`` must be within its rank)."""
        if not -len(input_shape) <= self.axis < len(input_shape):
            raise ValueError(f"Axis {self.axis} is out of bounds for input shape "
                             f"{tuple(input_shape)}. Received: axis={self.axis}")
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        """Return the base config plus Keras's BatchNormalization keys."""
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer": initializers.serialize(
                    self.moving_variance_initializer),
                "beta_regularizer": self.beta_regularizer,
                "gamma_regularizer": self.gamma_regularizer,
                "beta_constraint": self.beta_constraint,
                "gamma_constraint": self.gamma_constraint,
                "synchronized": self.synchronized, "renorm": self.renorm,
                "renorm_clipping": self.renorm_clipping,
                "renorm_momentum": self.renorm_momentum}


_document = documenter({
    "norm_args": """\
    epsilon : float, default 1e-3
        Small float added to the variance to avoid dividing by zero.
    center : bool, default True
        If True, add the offset ``beta`` (a weight); if False, no ``beta``.
    scale : bool, default True
        If True, multiply by ``gamma`` (a weight); if False, no ``gamma``.
    beta_initializer, gamma_initializer : str, dict or Initializer
        Initializers for beta (default "zeros") and gamma (default "ones").
    beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint : optional
        Training-only; kept in the config as given (None or Keras config dicts).""",
})


def _moments(x: np.ndarray, axes: tuple) -> tuple[np.ndarray, np.ndarray]:
    """``tf.nn.moments(x, axes, keepdims=True)``: the mean, then the mean of
    the squared differences from it."""
    mean = x.mean(axis=axes, keepdims=True)
    variance = np.square(x - mean).mean(axis=axes, keepdims=True)
    return mean, variance


def _rsqrt(v: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(1, v.dtype) / np.sqrt(v)


def _check_axes(layer: Layer, axes: list, ndim: int, shape: Any) -> None:
    for axis in axes:
        if not -ndim <= axis < ndim:
            raise ValueError(f"Axis {axis} is out of bounds for input shape {tuple(shape)}. "
                             f"Received: axis={layer.axis}")  # type: ignore[attr-defined]


def _axis_argument(axis: Any, cls: str) -> int | list:
    if isinstance(axis, (list, tuple)):
        if not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axis):
            raise TypeError(f"{cls}: expected an int or a list/tuple of ints for the argument "
                            f"'axis', but received: {axis!r}")
        return [int(a) for a in axis]
    if isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
        return int(axis)
    raise TypeError(f"{cls}: expected an int or a list/tuple of ints for the argument 'axis', "
                    f"but received: {axis!r}")


class _StatsNormalization(Layer):
    """What LayerNormalization and GroupNormalization share: gamma then beta
    (Keras's add_weight order), their initializers, the training-only keys."""

    supports_masking = True

    def _init_weights_args(self, epsilon: float, center: bool, scale: bool,
                           beta_initializer: Any, gamma_initializer: Any,
                           beta_regularizer: Any, gamma_regularizer: Any,
                           beta_constraint: Any, gamma_constraint: Any) -> None:
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = get_initializer(beta_initializer)
        self.gamma_initializer = get_initializer(gamma_initializer)
        self.beta_regularizer = beta_regularizer
        self.gamma_regularizer = gamma_regularizer
        self.beta_constraint = beta_constraint
        self.gamma_constraint = gamma_constraint

    def _weight_names(self) -> list:
        return (["gamma"] if self.scale else []) + (["beta"] if self.center else [])

    @property
    def has_weights(self) -> bool:  # type: ignore[override]
        """Whether the layer has gamma or beta."""
        return bool(self._weight_names())

    def _weight_shape(self) -> tuple:
        raise NotImplementedError

    def _expected_weight_shapes(self, arrays: Any) -> list:
        names = self._weight_names()
        if self._weights:
            shape = self._weights[0].shape
        elif arrays:
            shape = self._weight_shape_from(arrays[0])
        else:
            shape = self._unbuilt_shape()
        return [(name, shape) for name in names]

    def _weight_shape_from(self, array: np.ndarray) -> tuple:
        return array.shape

    def _unbuilt_shape(self) -> tuple:
        return (0,)

    def _make_weights(self, shape: tuple) -> None:
        names = self._weight_names()
        _validate.check_bytes(f"{type(self).__name__}.build({shape})",
                              int(np.prod(shape, dtype=np.int64)) * len(names)
                              * np.dtype(self.dtype).itemsize,
                              f"{len(names)} weights of {shape}")
        rng = np.random.default_rng()
        inits = {"gamma": self.gamma_initializer, "beta": self.beta_initializer}
        self._weights = [np.ascontiguousarray(inits[n](shape, self.dtype, rng), dtype=self.dtype)
                         for n in names]

    def _gamma_beta(self) -> tuple[Any, Any]:
        w = dict(zip(self._weight_names(), self._weights))
        return w.get("gamma"), w.get("beta")

    def _config(self) -> dict:
        return {"epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": self.beta_regularizer,
                "gamma_regularizer": self.gamma_regularizer,
                "beta_constraint": self.beta_constraint,
                "gamma_constraint": self.gamma_constraint}


@_document
class LayerNormalization(_StatsNormalization):
    """Layer normalization layer (keras.layers.LayerNormalization, Ba et al., 2016).

    Normalizes each sample over ``axis`` with its own mean and variance, in
    Keras's order: ``inv = rsqrt(variance + epsilon) * gamma``, output ``x *
    inv + (beta - mean * inv)``. ``gamma`` and ``beta`` have the shape of
    the normalized axes. The mask passes through.

    Parameters
    ----------
    axis : int or list of int, default -1
        The axis or axes to normalize over (typically the features axis).
        Once built, Keras keeps it as a sorted list, so ``get_config()``
        gives ``[-1]`` for the default.
    <<norm_args>>
    rms_scaling : bool, default False
        Keras 3's deprecated RMS scaling: ``x * rsqrt(variance + epsilon) *
        gamma`` (the variance, not the mean square, as Keras computes it);
        ``gamma`` is a weight even with ``scale=False``, ``beta`` never.
    <<kwargs>>

    Call arguments
    --------------
    inputs : array-like
        Of any rank that has the ``axis`` axes, of the built sizes.

    Returns
    -------
    ndarray
        The normalized input, of ``inputs``'s shape and the layer's dtype.

    Notes
    -----
    Weights, in Keras's order: ``[gamma, beta]``, each of the shape of the
    normalized axes; no ``gamma`` with ``scale=False`` (and
    ``rms_scaling=False``), no ``beta`` with ``center=False`` or
    ``rms_scaling=True``.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> layer = fastrnn.LayerNormalization(epsilon=0.0)
    >>> layer(np.array([[1.0, 3.0]]))
    array([[-1.,  1.]], dtype=float32)
    >>> layer.get_config()["axis"]
    [-1]
    >>> layer = fastrnn.LayerNormalization(axis=[1, 2])
    >>> layer.build((None, 3, 4))
    >>> [w.shape for w in layer.get_weights()]
    [(3, 4), (3, 4)]
    """

    def __init__(self, axis: int | list = -1, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer: Any = "zeros",
                 gamma_initializer: Any = "ones", beta_regularizer: Any = None,
                 gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, rms_scaling: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis: int | list = _axis_argument(axis, "LayerNormalization")
        self.rms_scaling = rms_scaling
        self._init_weights_args(epsilon, center, scale, beta_initializer, gamma_initializer,
                                beta_regularizer, gamma_regularizer, beta_constraint,
                                gamma_constraint)
        self._built_once = False

    def _axes(self) -> list:
        return sorted(self.axis) if isinstance(self.axis, list) else [self.axis]

    def _weight_names(self) -> list:
        return ((["gamma"] if self.scale or self.rms_scaling else [])
                + (["beta"] if self.center and not self.rms_scaling else []))

    def _weight_shape_from(self, array: np.ndarray) -> tuple:
        if array.ndim != len(self._axes()):
            raise ValueError(f"LayerNormalization weight '{self._weight_names()[0]}' must have "
                             f"one axis per normalized axis {self._axes()}, got shape "
                             f"{array.shape}")
        return array.shape

    def _unbuilt_shape(self) -> tuple:
        return (0,) * len(self._axes())

    @property
    def built(self) -> bool:
        """Whether build has run (or the weights are set)."""
        return self._built_once or bool(self._weights)

    def build(self, input_shape: Any) -> None:
        """Create the weights for the sizes of ``input_shape`` at ``axis``.

        Parameters
        ----------
        input_shape : tuple of int
            The input shape (with the batch axis); its ``axis`` sizes must be known.
        """
        input_shape = tuple(input_shape)
        axes = self._axes()
        _check_axes(self, axes, len(input_shape), input_shape)
        shape = tuple(input_shape[a] for a in axes)
        if None in shape:
            raise ValueError(f"LayerNormalization {self.name!r}: the sizes of axis {axes} must "
                             f"be known to build, got input shape {input_shape}")
        self.axis = axes
        if not self._weights:
            self._make_weights(tuple(int(d) for d in shape))
        self._built_once = True

    def _maybe_build(self, input_shape: Any) -> None:
        with graph.build_lock:
            if self.built:
                return
            try:
                known = all(input_shape[a] is not None for a in self._axes())
            except (IndexError, TypeError):
                return
            if known:
                self.build(input_shape)

    def call(self, inputs: np.ndarray) -> np.ndarray:
        """Normalize ``inputs`` over ``axis`` (see the class)."""
        x = np.asarray(inputs, self.dtype)
        axes = self._axes()
        _check_axes(self, axes, x.ndim, x.shape)
        if not self.built:
            self.build(x.shape)
        sizes = tuple(x.shape[a] for a in axes)
        if self._weights and self._weights[0].shape != sizes:
            raise ValueError(
                f"LayerNormalization {self.name!r}: input of shape {x.shape} has sizes {sizes} "
                f"at axis {axes}, the weights are {self._weights[0].shape}")
        shape = [1] * x.ndim
        for a in axes:
            shape[a] = x.shape[a]
        gamma, beta = self._gamma_beta()
        eps = np.asarray(self.epsilon, self.dtype)
        reduce = tuple(axes)
        if self.rms_scaling:
            variance = np.square(x - x.mean(axis=reduce, keepdims=True)).mean(
                axis=reduce, keepdims=True)
            out = x * _rsqrt(variance + eps)
            if gamma is not None:
                out = out * gamma.reshape(shape)
            return np.asarray(out, self.dtype)
        mean, variance = _moments(x, reduce)
        inv = _rsqrt(variance + eps)
        if gamma is not None:
            inv = inv * gamma.reshape(shape)
        res = -mean * inv
        if beta is not None:
            res = res + beta.reshape(shape)
        return np.asarray(x * inv + res, self.dtype)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        """Return ``input_shape`` (every ``axis`` must be within its rank)."""
        _check_axes(self, self._axes(), len(input_shape), input_shape)
        return tuple(input_shape)

    def get_config(self) -> dict:
        """Return the base config plus Keras's LayerNormalization keys."""
        config = self._config()
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale, "rms_scaling": self.rms_scaling,
                **{k: v for k, v in config.items() if k not in ("epsilon", "center", "scale")}}


@_document
class GroupNormalization(_StatsNormalization):
    """Group normalization layer (keras.layers.GroupNormalization, Wu et al., 2018).

    Splits the channels of ``axis`` into ``groups`` groups and normalizes
    each sample's group with its mean and variance over the group's
    channels and every other non-batch axis, in Keras's order (``inv =
    rsqrt(variance + epsilon) * gamma``, output ``x * inv + (beta - mean *
    inv)``). ``groups=-1`` is instance normalization (one group per
    channel); ``groups=1`` is layer normalization over all axes. The mask
    passes through.

    Parameters
    ----------
    groups : int, default 32
        The number of groups; it must divide the number of channels. -1:
        as many as channels (the config then says that number, once built).
    axis : int, default -1
        The channels axis.
    <<norm_args>>
    <<kwargs>>

    Call arguments
    --------------
    inputs : array-like
        Of the built rank, with ``axis`` of the built size.

    Returns
    -------
    ndarray
        The normalized input, of ``inputs``'s shape and the layer's dtype.

    Notes
    -----
    Weights, in Keras's order: ``[gamma, beta]``, each ``(channels,)``; no
    ``gamma`` with ``scale=False``, no ``beta`` with ``center=False``.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> layer = fastrnn.GroupNormalization(groups=2, epsilon=0.0)
    >>> layer(np.array([[1.0, 3.0, 10.0, 30.0]]))
    array([[-1.,  1., -1.,  1.]], dtype=float32)
    """

    def __init__(self, groups: int = 32, axis: int = -1, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer: Any = "zeros",
                 gamma_initializer: Any = "ones", beta_regularizer: Any = None,
                 gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, **kwargs: Any) -> None:
        if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or (
                groups <= 0 and groups != -1):
            raise ValueError(
                "Received an invalid value for argument `groups`, expected a positive integer "
                f"(or `-1` for instance normalization). Received: groups={groups!r}")
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise ValueError(f"GroupNormalization expected an integer axis, got {axis!r}")
        self.groups = int(groups)
        self.axis = int(axis)
        self._init_weights_args(epsilon, center, scale, beta_initializer, gamma_initializer,
                                beta_regularizer, gamma_regularizer, beta_constraint,
                                gamma_constraint)
        self._ndim: int | None = None   # the input rank, fixed by build (Keras's InputSpec)
        self._dim: int | None = None

    def _weight_shape_from(self, array: np.ndarray) -> tuple:
        if array.ndim != 1:
            raise ValueError(f"GroupNormalization weight '{self._weight_names()[0]}' must be "
                             f"1-D (channels,), got shape {array.shape}")
        return array.shape

    @property
    def built(self) -> bool:
        """Whether build has run (or the weights are set)."""
        return self._dim is not None or bool(self._weights)

    def build(self, input_shape: Any) -> None:
        """Check ``groups`` against ``input_shape[axis]`` and create the weights.

        Parameters
        ----------
        input_shape : tuple of int
            The input shape (with the batch axis); its ``axis`` must be known.
        """
        input_shape = tuple(input_shape)
        if not -len(input_shape) <= self.axis < len(input_shape):
            raise ValueError(f"Axis {self.axis} is out of bounds for input shape "
                             f"{input_shape}. Received: axis={self.axis}")
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined "
                             f"dimension but the layer received an input with shape "
                             f"{input_shape}.")
        dim = int(dim)
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f"Number of groups ({self.groups}) cannot be more than the "
                             f"number of channels ({dim}).")
        if dim % self.groups != 0:
            raise ValueError(f"Number of groups ({self.groups}) must be a multiple of the "
                             f"number of channels ({dim}).")
        if self._weights and self._weights[0].shape != (dim,):
            raise ValueError(f"GroupNormalization {self.name!r}: input shape {input_shape} "
                             f"has {dim} channels, the weights {self._weights[0].shape[0]}")
        self._ndim, self._dim = len(input_shape), dim
        if not self._weights:
            self._make_weights((dim,))

    def _maybe_build(self, input_shape: Any) -> None:
        with graph.build_lock:
            if self._dim is not None:
                return
            try:
                size = input_shape[self.axis]
            except (IndexError, TypeError):
                return
            if size is not None:
                self.build(input_shape)

    def call(self, inputs: np.ndarray) -> np.ndarray:
        """Normalize each group of channels (see the class)."""
        x = np.asarray(inputs, self.dtype)
        if self._dim is None:
            self.build(x.shape)
        if x.ndim != self._ndim or x.shape[self.axis] != self._dim:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                f"axis {self.axis} of input shape to have value {self._dim} and "
                f"ndim={self._ndim}, but received input with shape {x.shape}")
        axis = self.axis % x.ndim
        groups = self.groups
        dim = int(self._dim)  # type: ignore[arg-type]  # built just above
        grouped = x.reshape(x.shape[:axis] + (groups, dim // groups)
                            + x.shape[axis + 1:])
        reduce = tuple(a for a in range(1, x.ndim + 1) if a != axis)
        mean, variance = _moments(grouped, reduce)
        inv = _rsqrt(variance + np.asarray(self.epsilon, self.dtype))
        shape = [1] * (x.ndim + 1)
        shape[axis], shape[axis + 1] = groups, dim // groups
        gamma, beta = self._gamma_beta()
        if gamma is not None:
            inv = inv * gamma.reshape(shape)
        res = -mean * inv
        if beta is not None:
            res = res + beta.reshape(shape)
        return np.asarray(grouped * inv + res, self.dtype).reshape(x.shape)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        """Return ``input_shape`` (``axis`` must be within its rank)."""
        if not -len(input_shape) <= self.axis < len(input_shape):
            raise ValueError(f"Axis {self.axis} is out of bounds for input shape "
                             f"{tuple(input_shape)}. Received: axis={self.axis}")
        return tuple(input_shape)

    def get_config(self) -> dict:
        """Return the base config plus Keras's GroupNormalization keys."""
        return {**super().get_config(), "groups": self.groups, "axis": self.axis,
                **self._config()}


@_document
class UnitNormalization(Layer):
    """Unit normalization layer (keras.layers.UnitNormalization).

    Scales each sample to unit L2 norm over ``axis``, as Keras's
    ``ops.normalize(x, axis, order=2, epsilon=1e-12)``: ``x *
    min(rsqrt(sum(x ** 2, axis)), 1e12)`` (zeros stay zeros). No weights;
    the mask passes through.

    Parameters
    ----------
    axis : int or list of int, default -1
        The axis or axes to normalize over.
    <<kwargs>>

    Call arguments
    --------------
    inputs : array-like
        Of any rank that has the ``axis`` axes.

    Returns
    -------
    ndarray
        The normalized input, of ``inputs``'s shape and the layer's dtype.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> fastrnn.UnitNormalization()(np.array([[3.0, 4.0], [0.0, 0.0]]))
    array([[0.6, 0.8],
           [0. , 0. ]], dtype=float32)
    """

    supports_masking = True

    def __init__(self, axis: int | list = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = _axis_argument(axis, "UnitNormalization")

    def call(self, inputs: np.ndarray) -> np.ndarray:
        """Scale ``inputs`` to unit norm over ``axis`` (see the class)."""
        x = np.asarray(inputs, self.dtype)
        if x.ndim == 0:
            x = x[None]
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        _check_axes(self, axes, x.ndim, x.shape)
        inv = _rsqrt(np.square(x).sum(axis=tuple(axes), keepdims=True))
        return np.asarray(x * np.minimum(inv, np.asarray(1.0 / 1e-12, self.dtype)), self.dtype)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        """Return ``input_shape`` (every ``axis`` must be within its rank)."""
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        _check_axes(self, axes, len(input_shape), input_shape)
        return tuple(input_shape)

    def get_config(self) -> dict:
        """Return the base config plus ``axis``."""
        return {**super().get_config(), "axis": self.axis}
