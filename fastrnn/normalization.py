"""Keras 3's BatchNormalization at inference (keras/src/layers/normalization/).

At inference Keras normalizes with the moving statistics, computed as
TensorFlow's ``tf.nn.batch_normalization`` does (keras/src/backend/tensorflow/
nn.py): ``inv = rsqrt(moving_variance + epsilon) * gamma``, then
``x * inv + (beta - moving_mean * inv)``, in the layer's dtype.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _validate, graph, initializers
from .core_layers import get_initializer
from .layer import Layer

if TYPE_CHECKING:
    from .core_layers import Layer
    from .initializers import _InitializerLike

__all__ = ["BatchNormalization"]


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

    def build(self, input_shape: Sequence[int | None]) -> None:  # type: ignore[override]
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
