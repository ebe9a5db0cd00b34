"""Small non-recurrent Keras 3 layers that recurrent models are built with.

InputLayer, Masking, Embedding, Dense, TimeDistributed, Dropout,
SpatialDropout1D, Activation, Flatten and Reshape: inference only, with
Keras 3's argument names, defaults, weight layouts and mask rules
(keras/src/layers/...). Every layer is a plain Python object holding numpy
arrays, so it pickles (to an equal object) and compares with ``==``.

Mask rules, as Keras 3 applies them: a layer that ``supports_masking``
passes ``compute_mask(inputs, mask)`` on (by default the incoming mask);
any other layer drops the mask. Masking and Embedding(mask_zero=True) make
a new mask; Flatten, Reshape and Embedding(mask_zero=False) drop it.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
from numpy.typing import ArrayLike

from . import _validate, activations, graph, initializers
from .layer import Layer, check_name

if TYPE_CHECKING:
    from .graph import KerasTensor
    from .initializers import Initializer, _InitializerLike
    from .layers import _DType

_Shape: TypeAlias = tuple[int | None, ...]

__all__ = ["Layer", "Input", "InputLayer", "Masking", "Embedding", "Dense", "TimeDistributed",
           "Dropout", "SpatialDropout1D", "Activation", "Flatten", "Reshape"]

# Keras 3 aliases that fastrnn.initializers.get does not know (keras/src/initializers).
_INITIALIZER_ALIASES: dict[str, Callable[[], Initializer]] = {
    "uniform": lambda: initializers.RandomUniform(minval=-0.05, maxval=0.05),
    "normal": lambda: initializers.RandomNormal(mean=0.0, stddev=0.05),
}


def get_initializer(identifier: _InitializerLike) -> Initializer:
    """``fastrnn.initializers.get``, also knowing Keras's "uniform" and "normal"."""
    if isinstance(identifier, str) and identifier in _INITIALIZER_ALIASES:
        return _INITIALIZER_ALIASES[identifier]()
    return initializers.get(identifier)


class InputLayer(Layer):
    """The model input: its batch shape and dtype (keras.layers.InputLayer / keras.Input).

    Calling it converts ``x`` to ``dtype`` (float32 unless given; int32 for
    token ids) and checks the rank and the fixed dimensions, as a Keras model
    does with its inputs (a missing or extra trailing axis of size 1 is added or
    removed, as Keras's ``_adjust_input_rank`` does).

    Parameters
    ----------
    shape : int or tuple of int or None, optional
        Shape tuple (not including the batch axis); None for a dimension
        that may vary (e.g. ``(None,)`` for token sequences of any length).
        Give ``shape`` or ``batch_shape``, not both.
    batch_size : int, optional
        Static batch size, combined with ``shape``.
    dtype : str or numpy dtype, optional
        The data type the input is converted to: any real numeric dtype
        (default "float32"; e.g. "int32" for token ids). A Keras
        ``DTypePolicy`` config dict is read too.
    sparse : bool, optional
        Not supported: True raises ValueError.
    batch_shape : tuple of int or None, optional
        Shape, including the batch dimension.
    input_tensor : optional
        Not supported: anything but None raises ValueError.
    optional : bool, default False
        Whether the input is optional (kept in the config).
    name : str, optional
        Name of the layer. Default ``"input_layer"``, ``"input_layer_1"``, ...
    ragged : bool, optional
        Not supported: True raises ValueError.
    batch_input_shape : tuple, optional
        Keras 2's name for ``batch_shape`` (read from old model files).
    **kwargs
        Only ``trainable`` is accepted (and ignored); anything else raises
        ValueError.

    Call arguments
    --------------
    x : array-like
        The model input, of real numbers (or bool).

    Returns
    -------
    ndarray
        ``x`` as ``dtype``, of rank ``len(batch_shape)``.

    Notes
    -----
    ``batch_shape`` is the attribute holding the full input shape.
    ``Sequential`` lists the InputLayer in ``input_layer``, not in ``layers``,
    as Keras does.

    See Also
    --------
    Sequential : Takes an InputLayer as its first layer.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> inp = fastrnn.InputLayer(shape=(None,), dtype="int32")
    >>> inp.batch_shape
    (None, None)
    >>> tokens = inp(np.array([[3.0, 1.0, 4.0]]))
    >>> tokens.dtype.name, tokens.shape
    ('int32', (1, 3))
    >>> inp = fastrnn.InputLayer(shape=(5, 2))
    >>> inp(np.zeros((1, 4, 2)))
    Traceback (most recent call last):
        ...
    ValueError: Input 'input_layer...' expected shape (None, 5, 2), got shape (1, 4, 2) (axis 1)
    """

    def __init__(self, shape: int | Sequence[int | None] | None = None,
                 batch_size: int | None = None, dtype: _DType = None, sparse: bool | None = None,
                 batch_shape: Sequence[int | None] | None = None, input_tensor: None = None,
                 optional: bool = False, name: str | None = None, ragged: bool | None = None,
                 batch_input_shape: Sequence[int | None] | None = None, **kwargs: Any) -> None:
        kwargs.pop("trainable", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to InputLayer: {kwargs}")
        if sparse or ragged:
            raise ValueError("InputLayer: sparse and ragged inputs are not supported")
        if input_tensor is not None:
            raise ValueError("InputLayer: input_tensor is not supported")
        if batch_shape is None and batch_input_shape is not None:  # Keras 2 name
            batch_shape = batch_input_shape
        if shape is not None and batch_shape is not None:
            raise ValueError("InputLayer: give `shape` or `batch_shape`, not both")
        if batch_shape is None:
            if shape is None:
                raise ValueError("InputLayer needs `shape` or `batch_shape`")
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size,) + tuple(shape)
        self.batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self.name = check_name("InputLayer", name)
        dtype = _validate.policy_name(dtype)
        dt = np.dtype("float32" if dtype is None else dtype)  # type: ignore[arg-type]
        if (not (np.issubdtype(dt, np.number) or dt == np.dtype(bool))
                or np.issubdtype(dt, np.complexfloating)):
            raise ValueError(f"InputLayer dtype must be a real numeric dtype, got {dtype!r}")
        self.dtype = dt.name
        self.optional = bool(optional)
        self.trainable = True
        self._weights = []
        # The symbolic tensor the model's graph starts from (keras.Input returns it).
        self.output = graph.KerasTensor(self.batch_shape, self.dtype, name=self.name)
        graph.Node(self, (), {}, self.output)

    def __call__(self, x: np.ndarray, mask: Any = None, training: Any = None) -> np.ndarray:
        """Return ``x`` as ``dtype``, checked against ``batch_shape`` (see the class)."""
        x = _validate.real_array(x, f"Input {self.name!r}", "input")
        want = len(self.batch_shape)
        if x.ndim == want - 1 and self.batch_shape[-1] == 1:
            x = x[..., None]
        elif x.ndim == want + 1 and x.shape[-1] == 1:
            x = x[..., 0]
        if x.ndim != want:
            raise ValueError(
                f"Input {self.name!r} expected an array of rank {want}, shape "
                f"{self.batch_shape}, got shape {x.shape}")
        # Keras checks a model input without its batch axis (functional.py gives
        # the model's InputSpec shape_with_no_batch_size(x.shape)), so a
        # batch_size is never enforced; a stateful RNN fixes its own.
        for i, (d, n) in enumerate(zip(self.batch_shape, x.shape)):
            if i and d is not None and d != n:
                raise ValueError(
                    f"Input {self.name!r} expected shape {self.batch_shape}, got shape "
                    f"{x.shape} (axis {i})")
        return x.astype(self.dtype, copy=False)

    def compute_output_shape(self, input_shape: Sequence[int | None] | None = None) -> _Shape:
        """Return ``batch_shape`` (``input_shape`` is ignored)."""
        return self.batch_shape

    def get_config(self) -> dict[str, Any]:
        """Return ``batch_shape``, ``dtype``, ``name`` and ``optional``, as Keras."""
        return {"batch_shape": list(self.batch_shape), "dtype": self.dtype, "name": self.name,
                "optional": self.optional}


def Input(shape: int | Sequence[int | None] | None = None, batch_size: int | None = None,
          dtype: Any = None, sparse: bool | None = None,
          batch_shape: Sequence[int | None] | None = None, name: str | None = None,
          tensor: Any = None, optional: bool = False) -> KerasTensor:
    """A symbolic model input, as ``keras.Input``: call layers on it, then build
    a ``fastrnn.Model`` from it and the outputs.

    Parameters
    ----------
    shape, batch_size, dtype, sparse, batch_shape, name, optional
        As for ``InputLayer``.
    tensor : optional
        ``InputLayer``'s ``input_tensor``: not supported.

    Returns
    -------
    KerasTensor
        The symbolic tensor of shape ``(batch_size,) + shape`` (or
        ``batch_shape``) and ``dtype`` (float32 unless given).

    Examples
    --------
    >>> import fastrnn
    >>> x = fastrnn.Input(shape=(None, 8), name="x")
    >>> x.shape, x.dtype, x.name
    ((None, None, 8), 'float32', 'x')
    >>> fastrnn.LSTM(4, return_sequences=True)(x).shape
    (None, None, 4)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name, input_tensor=tensor,
                       optional=optional)
    return layer.output


class Masking(Layer):
    """Masks a sequence by using a mask value to skip timesteps.

    As keras.layers.Masking: for each timestep, if all values equal
    ``mask_value``, the timestep is masked (skipped) in all downstream layers
    that support masking. The mask is ``any(x != mask_value, axis=-1)``, and
    masked timesteps of the output are set to 0.

    Parameters
    ----------
    mask_value : int or float, default 0.0
        The value whose timesteps are masked.
    name : str, optional
        Name of the layer. Default ``"masking"``, ``"masking_1"``, ... as Keras
        numbers them.
    dtype : str, numpy dtype or dict, optional
        "float32" (the default) or "float64": the dtype of the output. A Keras
        ``DTypePolicy`` config dict is read too.
    **kwargs
        Other Keras layer arguments, accepted and ignored at inference:
        ``trainable`` (kept in the config), ``autocast``,
        ``activity_regularizer`` and the build-only ``input_shape``,
        ``input_dim``, ``batch_input_shape``, ``batch_size``,
        ``input_length``. Any other keyword raises ValueError naming it.

    Call arguments
    --------------
    x : array-like
        (batch, timesteps, features): the input.
    mask : array-like, optional
        Accepted and ignored.
    training : bool, optional
        Accepted and ignored (inference only).

    Returns
    -------
    ndarray
        ``x`` with the masked timesteps set to 0, of the layer's dtype.

    Notes
    -----
    ``compute_mask(x)`` is the (batch, timesteps) mask the next layer sees.

    See Also
    --------
    Embedding : Makes a mask from padding index 0 with ``mask_zero=True``.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> x = np.array([[[1.0, 2.0], [-1.0, -1.0], [3.0, -1.0]]])
    >>> layer = fastrnn.Masking(mask_value=-1.0)
    >>> print(layer(x))
    [[[ 1.  2.]
      [ 0.  0.]
      [ 3. -1.]]]
    >>> layer.compute_mask(x)
    array([[ True, False,  True]])

    In a model, masked timesteps are skipped by the recurrent layer:

    >>> model = fastrnn.Sequential([layer, fastrnn.SimpleRNN(2, seed=0)])
    >>> np.allclose(model(x), model(x[:, [0, 2]]))
    True
    """

    supports_masking = True

    def __init__(self, mask_value: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(mask_value, (bool, np.bool_)) or not isinstance(
                mask_value, (int, float, np.integer, np.floating)):
            raise ValueError(f"Masking expected a number as mask_value, got {mask_value!r}")
        self.mask_value = mask_value.item() if isinstance(mask_value, np.generic) else mask_value

    def _keep(self, x: np.ndarray) -> np.ndarray:
        return np.any(x != np.asarray(self.mask_value, x.dtype), axis=-1)

    def call(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, self.dtype)
        keep = self._keep(x)
        return np.where(keep[..., None], x, np.zeros((), x.dtype))

    def compute_mask(self, inputs: np.ndarray, mask: Any = None) -> np.ndarray:
        """Return the mask ``any(inputs != mask_value, axis=-1)`` (``mask`` is ignored)."""
        return self._keep(np.asarray(inputs, self.dtype))

    def get_config(self) -> dict[str, Any]:
        """Return the base config plus ``mask_value``."""
        return {**super().get_config(), "mask_value": self.mask_value}


class Embedding(Layer):
    """Turns nonnegative integers (indexes) into dense vectors of fixed size.

    Looks up rows of ``embeddings`` (input_dim, output_dim) by integer index,
    as keras.layers.Embedding: float indices are cast to int (truncated),
    negative indices count from the end; ``mask_zero=True`` makes the mask
    ``inputs != 0`` (and only then does the layer pass a mask on). An index
    outside [-input_dim, input_dim) raises ValueError (TensorFlow raises too).

    Parameters
    ----------
    input_dim : int
        Size of the vocabulary, i.e. maximum integer index + 1.
    output_dim : int
        Dimension of the dense embedding.
    embeddings_initializer : str, dict or Initializer, default "uniform"
        Initializer for the ``embeddings`` matrix (Keras's "uniform" is
        ``RandomUniform(-0.05, 0.05)``). Drawn unseeded when the layer builds.
    embeddings_regularizer, embeddings_constraint : optional
        Training-only; accepted and ignored.
    mask_zero : bool, default False
        Whether or not the input value 0 is a special "padding" value that
        should be masked out. This is useful when using recurrent layers
        which may take variable length input. If True, then all subsequent
        layers in the model need to support masking. If ``mask_zero`` is set
        to True, as a consequence, index 0 cannot be used in the vocabulary
        (``input_dim`` should equal size of vocabulary + 1).
    weights : array-like or list of one array-like, optional
        Initial embeddings, (input_dim, output_dim): the table, or
        ``[table]`` as ``get_weights`` returns it. As in Keras, anything but a
        list of one array is taken as the table itself.
    lora_rank, lora_alpha, quantization_config : optional
        LoRA and quantization are not supported: a ``lora_rank`` or
        ``quantization_config`` raises ValueError.
    name : str, optional
        Name of the layer. Default ``"embedding"``, ``"embedding_1"``, ... as Keras
        numbers them.
    dtype : str, numpy dtype or dict, optional
        "float32" (the default) or "float64": the dtype of the weights and
        outputs. A Keras ``DTypePolicy`` config dict is read too.
    **kwargs
        Other Keras layer arguments, accepted and ignored at inference:
        ``trainable`` (kept in the config), ``autocast``,
        ``activity_regularizer`` and the build-only ``input_shape``,
        ``input_dim``, ``batch_input_shape``, ``batch_size``,
        ``input_length``. Any other keyword raises ValueError naming it.

    Call arguments
    --------------
    x : array-like
        Integer (or float, truncated) indices of any shape, e.g. (batch, timesteps).
    mask : array-like, optional
        Accepted and ignored.
    training : bool, optional
        Accepted and ignored (inference only).

    Returns
    -------
    ndarray
        ``embeddings[x]``, of shape ``x.shape + (output_dim,)``.

    Notes
    -----
    Weights: ``[embeddings (input_dim, output_dim)]``.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> table = np.arange(8).reshape(4, 2)          # input_dim=4, output_dim=2
    >>> layer = fastrnn.Embedding(4, 2, mask_zero=True, weights=[table])
    >>> tokens = np.array([[1, 3, 0]])
    >>> print(layer(tokens))
    [[[2. 3.]
      [6. 7.]
      [0. 1.]]]
    >>> layer.compute_mask(tokens)
    array([[ True,  True, False]])
    >>> layer(np.array([[4]]))
    Traceback (most recent call last):
        ...
    ValueError: Embedding 'embedding...': index 4 is out of range for input_dim=4 (valid: -4 .. 3)
    """

    def __init__(self, input_dim: int, output_dim: int,
                 embeddings_initializer: _InitializerLike = "uniform",
                 embeddings_regularizer: Any = None, embeddings_constraint: Any = None,
                 mask_zero: bool = False, weights: ArrayLike | None = None,
                 lora_rank: int | None = None, lora_alpha: float | None = None,
                 quantization_config: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for arg, v in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v <= 0:
                raise ValueError(f"Embedding expected a positive integer `{arg}`, got {v!r}")
        if lora_rank or quantization_config:
            raise ValueError("Embedding: LoRA and quantized embeddings are not supported")
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        # The table's size is known already: refuse it here, as the recurrent
        # layers refuse their recurrent kernel.
        self._check_table_size(f"Embedding({self.input_dim}, {self.output_dim}) weights")
        self.embeddings_initializer = get_initializer(embeddings_initializer)
        self.mask_zero = bool(mask_zero)
        if weights is not None:
            # keras/src/layers/core/embedding.py: anything but a list of one
            # array is the table itself.
            if not (isinstance(weights, list) and len(weights) == 1):
                weights = [weights]  # type: ignore[assignment]
            self.set_weights(weights)

    def _check_table_size(self, what: str) -> None:
        _validate.check_bytes(what, self.input_dim * self.output_dim
                              * np.dtype(self.dtype).itemsize,
                              f"a ({self.input_dim}, {self.output_dim}) {self.dtype} table")

    @property
    def supports_masking(self) -> bool:  # type: ignore[override]
        """True with ``mask_zero=True``: only then does the layer pass a mask on."""
        return self.mask_zero

    def _expected_weight_shapes(self, weights: list[np.ndarray] | None) -> list[tuple[Any, ...]]:
        return [("embeddings", (self.input_dim, self.output_dim))]

    has_weights = True

    def build(self, input_shape: tuple[Any, ...] | None = None) -> None:
        """Draw the ``embeddings`` with the initializer if the layer has none yet.

        Parameters
        ----------
        input_shape : tuple, optional
            Ignored: the shape of the weights is (input_dim, output_dim).
        """
        if not self._weights:
            self._check_table_size("Embedding.build()")
            self._weights = [self.embeddings_initializer(
                (self.input_dim, self.output_dim), self.dtype, np.random.default_rng())]

    def call(self, x: np.ndarray) -> np.ndarray:
        self.build()
        idx = x if np.issubdtype(x.dtype, np.integer) else x.astype(np.int64)
        if idx.size and (idx.min() < -self.input_dim or idx.max() >= self.input_dim):
            bad = idx[(idx < -self.input_dim) | (idx >= self.input_dim)].flat[0]
            raise ValueError(
                f"Embedding {self.name!r}: index {bad} is out of range for input_dim="
                f"{self.input_dim} (valid: {-self.input_dim} .. {self.input_dim - 1})")
        _validate.check_bytes(f"Embedding call on x of shape {x.shape}",
                              idx.size * self.output_dim * self._weights[0].itemsize,
                              f"{idx.size} rows of {self.output_dim} {self.dtype} values")
        return self._weights[0][idx]

    def compute_mask(self, inputs: np.ndarray, mask: Any = None) -> np.ndarray | None:
        """Return ``inputs != 0`` with ``mask_zero=True``, else None."""
        if not self.mask_zero:
            return None
        return np.asarray(inputs) != 0

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        """Return ``input_shape + (output_dim,)``."""
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self) -> dict[str, Any]:
        """Return the base config plus ``input_dim``, ``output_dim``,
        ``embeddings_initializer`` and ``mask_zero``."""
        return {**super().get_config(), "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "mask_zero": self.mask_zero}


class Dense(Layer):
    """Just your regular densely-connected NN layer.

    ``activation(x @ kernel + bias)`` over the last axis, for input of any
    rank >= 2 (so also on the (batch, timesteps, features) output of a
    recurrent layer with ``return_sequences=True``). As keras.layers.Dense:
    kernel (input_dim, units), bias (units,); a mask passes through unchanged
    (masked timesteps are computed, not zeroed).

    Parameters
    ----------
    units : int
        Positive integer, dimensionality of the output space.
    activation : str or None, default None
        Activation function to use. If you don't specify anything, no
        activation is applied (ie. "linear" activation: ``a(x) = x``). Any
        name in ``fastrnn.activations.NAMES``.
    use_bias : bool, default True
        Whether the layer uses a bias vector.
    kernel_initializer : str, dict or Initializer, default "glorot_uniform"
        Initializer for the ``kernel`` weights matrix (drawn unseeded when
        the layer builds).
    bias_initializer : str, dict or Initializer, default "zeros"
        Initializer for the bias vector.
    kernel_regularizer, bias_regularizer, kernel_constraint, bias_constraint : optional
        Training-only; accepted and ignored.
    lora_rank, lora_alpha, quantization_config : optional
        LoRA and quantization are not supported: a ``lora_rank`` or
        ``quantization_config`` raises ValueError.
    name : str, optional
        Name of the layer. Default ``"dense"``, ``"dense_1"``, ... as Keras
        numbers them.
    dtype : str, numpy dtype or dict, optional
        "float32" (the default) or "float64": the dtype of the weights and
        outputs. A Keras ``DTypePolicy`` config dict is read too.
    **kwargs
        Other Keras layer arguments, accepted and ignored at inference:
        ``trainable`` (kept in the config), ``autocast``,
        ``activity_regularizer`` and the build-only ``input_shape``,
        ``input_dim``, ``batch_input_shape``, ``batch_size``,
        ``input_length``. Any other keyword raises ValueError naming it.

    Call arguments
    --------------
    x : array-like
        (..., input_dim): input of any rank >= 1, of real numbers; an
        unbuilt layer builds its weights for the last axis.
    mask : array-like, optional
        Accepted and ignored (the incoming mask passes through).
    training : bool, optional
        Accepted and ignored (inference only).

    Returns
    -------
    ndarray
        (..., units), of the layer's dtype.

    Notes
    -----
    Weights: ``[kernel (input_dim, units), bias (units,)]``; no bias with
    ``use_bias=False``.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> layer = fastrnn.Dense(2, activation="relu")
    >>> layer.set_weights([np.array([[1.0, -1.0], [2.0, 0.0]]), np.array([0.5, 0.0])])
    >>> print(layer(np.array([[1.0, 1.0]])))
    [[3.5 0. ]]
    >>> layer(np.ones((4, 6, 2))).shape      # on every timestep of a sequence
    (4, 6, 2)
    """

    supports_masking = True

    def __init__(self, units: int, activation: str | None = None, use_bias: bool = True,
                 kernel_initializer: _InitializerLike = "glorot_uniform",
                 bias_initializer: _InitializerLike = "zeros", kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, lora_rank: int | None = None,
                 lora_alpha: float | None = None, quantization_config: Any = None, **kwargs: Any
                ) -> None:
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError(
                "Received an invalid value for `units`, expected a positive integer. "
                f"Received: units={units!r}")
        if lora_rank or quantization_config:
            raise ValueError("Dense: LoRA and quantized kernels are not supported")
        self.units = int(units)
        self.activation = activations.serialize(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = get_initializer(kernel_initializer)
        self.bias_initializer = get_initializer(bias_initializer)

    @property
    def input_dim(self) -> int | None:
        """The size of the input's last axis the kernel is for, or None before build."""
        return self._weights[0].shape[0] if self._weights else None

    def _expected_weight_shapes(self, arrays: list[np.ndarray] | None) -> list[tuple[Any, ...]]:
        if self._weights:
            input_dim = self.input_dim
        elif arrays:
            # An unbuilt layer takes input_dim from the kernel.
            if arrays[0].ndim != 2:
                raise ValueError(f"Dense weight 'kernel' must be 2-D (input_dim, units), "
                                 f"got shape {arrays[0].shape}")
            input_dim = arrays[0].shape[0]
        else:
            input_dim = 0
        shapes = [("kernel", (input_dim, self.units))]
        if self.use_bias:
            shapes.append(("bias", (self.units,)))  # type: ignore[arg-type]
        return shapes

    has_weights = True

    def build(self, input_shape: int | Sequence[int | None]) -> None:
        """Draw the kernel and bias with the initializers.

        Parameters
        ----------
        input_shape : int or tuple of int
            The input's last-axis size, or a shape ending in it.

        Examples
        --------
        >>> import fastrnn
        >>> layer = fastrnn.Dense(3)
        >>> layer.build((None, 5))
        >>> [w.shape for w in layer.get_weights()]
        [(5, 3), (3,)]
        """
        input_dim = input_shape[-1] if isinstance(input_shape, (tuple, list)) else input_shape
        if isinstance(input_dim, bool) or not isinstance(input_dim, (int, np.integer)):
            raise ValueError(f"Dense.build expected a feature count, got {input_shape!r}")
        _validate.check_bytes(f"Dense.build({input_dim})",
                              (int(input_dim) + 1) * self.units * np.dtype(self.dtype).itemsize,
                              f"kernel ({input_dim}, {self.units}) and bias ({self.units},)")
        rng = np.random.default_rng()
        weights = [self.kernel_initializer((int(input_dim), self.units), self.dtype, rng)]
        if self.use_bias:
            weights.append(self.bias_initializer((self.units,), self.dtype, rng))
        self._weights = [np.ascontiguousarray(w, dtype=self.dtype) for w in weights]

    def call(self, x: np.ndarray) -> np.ndarray:
        if x.ndim < 1:
            raise ValueError(f"Dense {self.name!r} expected input of rank >= 1, got a scalar")
        if not self._weights:
            self.build(x.shape[-1])
        if x.shape[-1] != self.input_dim:
            raise ValueError(
                f"Dense {self.name!r} expected input with {self.input_dim} features on the "
                f"last axis, got shape {x.shape}")
        rows = math.prod(x.shape[:-1])
        _validate.check_bytes(f"Dense call on x of shape {x.shape}",
                              rows * (self.units + x.shape[-1]) * np.dtype(self.dtype).itemsize,
                              f"{rows} rows of {self.units} {self.dtype} outputs, and x converted")
        y = np.asarray(x, self.dtype) @ self._weights[0]
        if self.use_bias:
            y += self._weights[1]
        return np.asarray(activations.numpy_function(self.activation)(y), self.dtype)

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        """Return ``input_shape`` with the last axis replaced by ``units``."""
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict[str, Any]:
        """Return the base config plus ``units``, ``activation``, ``use_bias`` and the
        initializers."""
        return {**super().get_config(), "units": self.units, "activation": self.activation,
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer)}


class Dropout(Layer):
    """Applies dropout to the input: the identity at inference (keras.layers.Dropout).

    Keras's Dropout randomly sets input units to 0 during training only; at
    inference it returns its input unchanged, which is all fastrnn runs. The
    mask passes through.

    Parameters
    ----------
    rate : float
        Float between 0 and 1. Fraction of the input units to drop (in
        training).
    noise_shape : list of int, optional
        Kept in the config.
    seed : int, optional
        A Python integer to use as random seed (kept in the config).
    name : str, optional
        Name of the layer. Default ``"dropout"``, ``"dropout_1"``, ... as Keras
        numbers them.
    dtype : str, numpy dtype or dict, optional
        "float32" (the default) or "float64": the dtype of the output. A Keras
        ``DTypePolicy`` config dict is read too.
    **kwargs
        Other Keras layer arguments, accepted and ignored at inference:
        ``trainable`` (kept in the config), ``autocast``,
        ``activity_regularizer`` and the build-only ``input_shape``,
        ``input_dim``, ``batch_input_shape``, ``batch_size``,
        ``input_length``. Any other keyword raises ValueError naming it.

    Call arguments
    --------------
    x : array-like
        The input, of any shape.
    mask : array-like, optional
        Accepted and ignored (the incoming mask passes through).
    training : bool, optional
        True raises ValueError: fastrnn runs inference only.

    Returns
    -------
    ndarray
        ``x`` itself (as an array).

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> x = np.array([[1.0, 2.0, 3.0]])
    >>> print(fastrnn.Dropout(0.5)(x))
    [[1. 2. 3.]]
    >>> fastrnn.Dropout(0.5)(x, training=True)
    Traceback (most recent call last):
        ...
    ValueError: Dropout: fastrnn runs inference only (training=True is not supported)
    """

    supports_masking = True

    def __init__(self, rate: float, noise_shape: Sequence[int | None] | None = None,
                 seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float, np.number)) \
                or not 0 <= rate <= 1:
            raise ValueError(
                "Invalid value received for argument `rate`. Expected a float value "
                f"between 0 and 1. Received: rate={rate!r}")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else list(noise_shape)
        self.seed = seed

    def call(self, x: np.ndarray, training: bool | None = None) -> np.ndarray:
        """Return ``x`` unchanged (as an array); ``training=True`` raises ValueError."""
        if training:
            raise ValueError(f"{type(self).__name__}: fastrnn runs inference only "
                             "(training=True is not supported)")
        return x

    def get_config(self) -> dict[str, Any]:
        """Return the base config plus ``rate``, ``noise_shape`` and ``seed``."""
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}


class SpatialDropout1D(Dropout):
    """Spatial 1D version of Dropout: the identity at inference.

    As keras.layers.SpatialDropout1D, which drops entire 1D feature maps in
    training only. The input must be 3-D; the mask passes through.

    Parameters
    ----------
    rate : float
        Float between 0 and 1. Fraction of the input units to drop (in
        training).
    seed : int, optional
        Random seed (kept in the config).
    name : str, optional
        Name of the layer. Default ``"spatial_dropout1d"``, ...
    dtype : str, numpy dtype or dict, optional
        "float32" (the default) or "float64".
    **kwargs
        As for ``Dropout``.

    Call arguments
    --------------
    x : array-like
        (batch, timesteps, channels).
    mask : array-like, optional
        Accepted and ignored (the incoming mask passes through).
    training : bool, optional
        True raises ValueError: fastrnn runs inference only.

    Returns
    -------
    ndarray
        ``x`` itself (as an array).

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> layer = fastrnn.SpatialDropout1D(0.2)
    >>> layer(np.ones((2, 3, 4))).shape
    (2, 3, 4)
    >>> layer(np.ones((2, 3)))
    Traceback (most recent call last):
        ...
    ValueError: SpatialDropout1D '...' expected 3-D input, got shape (2, 3)
    """

    def __init__(self, rate: float, seed: int | None = None, name: str | None = None,
                 dtype: _DType = None, **kwargs: Any) -> None:
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)

    def call(self, x: np.ndarray, training: Any = None) -> np.ndarray:
        """Return the 3-D ``x`` unchanged; other ranks and ``training=True`` raise ValueError."""
        x = super().call(x, training=training)
        if x.ndim != 3:
            raise ValueError(f"SpatialDropout1D {self.name!r} expected 3-D input, "
                             f"got shape {x.shape}")
        return x

    def get_config(self) -> dict[str, Any]:
        """Return the Dropout config without ``noise_shape``, as Keras."""
        config = super().get_config()
        del config["noise_shape"]
        return config


class Activation(Layer):
    """Applies an activation function to an output (keras.layers.Activation).

    Parameters
    ----------
    activation : str or None
        Activation function: a name in ``fastrnn.activations.NAMES``, or None
        (linear). Applied elementwise, or over the last axis for "softmax",
        "log_softmax" and "sparsemax".
    name : str, optional
        Name of the layer. Default ``"activation"``, ``"activation_1"``, ... as Keras
        numbers them.
    dtype : str, numpy dtype or dict, optional
        "float32" (the default) or "float64": the dtype of the output. A Keras
        ``DTypePolicy`` config dict is read too.
    **kwargs
        Other Keras layer arguments, accepted and ignored at inference:
        ``trainable`` (kept in the config), ``autocast``,
        ``activity_regularizer`` and the build-only ``input_shape``,
        ``input_dim``, ``batch_input_shape``, ``batch_size``,
        ``input_length``. Any other keyword raises ValueError naming it.

    Call arguments
    --------------
    x : array-like
        The input, of any shape.
    mask : array-like, optional
        Accepted and ignored (the incoming mask passes through).
    training : bool, optional
        Accepted and ignored (inference only).

    Returns
    -------
    ndarray
        ``activation(x)``, of the layer's dtype.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> print(fastrnn.Activation("relu")(np.array([[-1.0, 2.0]])))
    [[0. 2.]]
    >>> print(np.round(fastrnn.Activation("softmax")(np.array([[0.0, np.log(3.0)]])), 4))
    [[0.25 0.75]]
    """

    supports_masking = True

    def __init__(self, activation: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = activations.serialize(activation)

    def call(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, self.dtype)
        return np.asarray(activations.numpy_function(self.activation)(x), self.dtype)

    def get_config(self) -> dict[str, Any]:
        """Return the base config plus ``activation`` (its canonical name)."""
        return {**super().get_config(), "activation": self.activation}


class Flatten(Layer):
    """Flattens the input. Does not affect the batch size (keras.layers.Flatten).

    Drops the mask.

    Parameters
    ----------
    data_format : {"channels_last", "channels_first"}, optional
        The ordering of the dimensions in the inputs; None means
        "channels_last". With "channels_first" the channel axis (axis 1) is
        moved last before flattening, as Keras does.
    name : str, optional
        Name of the layer. Default ``"flatten"``, ``"flatten_1"``, ... as Keras
        numbers them.
    dtype : str, numpy dtype or dict, optional
        "float32" (the default) or "float64": the dtype of the output
        (floating inputs). A Keras ``DTypePolicy`` config dict is read too.
    **kwargs
        Other Keras layer arguments, accepted and ignored at inference:
        ``trainable`` (kept in the config), ``autocast``,
        ``activity_regularizer`` and the build-only ``input_shape``,
        ``input_dim``, ``batch_input_shape``, ``batch_size``,
        ``input_length``. Any other keyword raises ValueError naming it.

    Call arguments
    --------------
    x : array-like
        (batch, ...): input of rank >= 1.
    mask : array-like, optional
        Accepted and ignored.
    training : bool, optional
        Accepted and ignored (inference only).

    Returns
    -------
    ndarray
        (batch, product of the other dimensions).

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> layer = fastrnn.Flatten()
    >>> layer(np.zeros((2, 3, 4))).shape
    (2, 12)
    >>> layer.compute_output_shape((None, 3, 4))
    (None, 12)
    """

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if data_format is None:
            data_format = "channels_last"
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                "The `data_format` argument must be one of {'channels_first', "
                f"'channels_last'}}. Received: data_format={data_format!r}")
        self.data_format = data_format

    def call(self, x: np.ndarray) -> np.ndarray:
        if x.ndim < 1:
            raise ValueError(f"Flatten {self.name!r} expected input of rank >= 1")
        if self.data_format == "channels_first" and x.ndim > 2:
            x = np.transpose(x, (0, *range(2, x.ndim), 1))
        return np.ascontiguousarray(x).reshape(x.shape[0], -1).astype(
            self.dtype if np.issubdtype(x.dtype, np.floating) else x.dtype, copy=False)

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        """Return ``(batch, product of the other dimensions)`` (None if one is unknown)."""
        rest = input_shape[1:]
        n = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], n)

    def get_config(self) -> dict[str, Any]:
        """Return the base config plus ``data_format``."""
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Layer that reshapes inputs into the given shape (keras.layers.Reshape).

    All axes but the batch axis are reshaped to ``target_shape``. Drops the
    mask.

    Parameters
    ----------
    target_shape : tuple of int
        Target shape. Tuple of integers, does not include the samples
        dimension (batch size). One entry may be -1, inferred from the size
        of the input.
    name : str, optional
        Name of the layer. Default ``"reshape"``, ``"reshape_1"``, ... as Keras
        numbers them.
    dtype : str, numpy dtype or dict, optional
        "float32" (the default) or "float64": the dtype of the output
        (floating inputs). A Keras ``DTypePolicy`` config dict is read too.
    **kwargs
        Other Keras layer arguments, accepted and ignored at inference:
        ``trainable`` (kept in the config), ``autocast``,
        ``activity_regularizer`` and the build-only ``input_shape``,
        ``input_dim``, ``batch_input_shape``, ``batch_size``,
        ``input_length``. Any other keyword raises ValueError naming it.

    Call arguments
    --------------
    x : array-like
        (batch, ...): input with a batch axis.
    mask : array-like, optional
        Accepted and ignored.
    training : bool, optional
        Accepted and ignored (inference only).

    Returns
    -------
    ndarray
        (batch, *target_shape).

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> layer = fastrnn.Reshape((2, -1))
    >>> layer(np.zeros((3, 6))).shape
    (3, 2, 3)
    >>> layer.compute_output_shape((None, 6))
    (None, 2, 3)
    """

    def __init__(self, target_shape: Sequence[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        try:
            target = tuple(int(d) for d in target_shape)
        except (TypeError, ValueError):
            raise ValueError(f"Reshape expected a tuple of integers as target_shape, "
                             f"got {target_shape!r}") from None
        if sum(d == -1 for d in target) > 1 or any(d < -1 or d == 0 for d in target):
            raise ValueError(
                "Reshape: target_shape may contain at most one -1 and otherwise positive "
                f"integers, got {target_shape!r}")
        self.target_shape = target

    def call(self, x: np.ndarray) -> np.ndarray:
        if x.ndim < 1:
            raise ValueError(f"Reshape {self.name!r} expected input with a batch axis")
        try:
            y = x.reshape((x.shape[0],) + self.target_shape)
        except ValueError:
            raise ValueError(
                f"Reshape {self.name!r} cannot reshape input of shape {x.shape} to "
                f"(batch,) + {self.target_shape}") from None
        return y.astype(self.dtype, copy=False) if np.issubdtype(y.dtype, np.floating) else y

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        """Return ``(batch, *target_shape)`` with -1 filled in (None if unknown)."""
        rest = input_shape[1:]
        if -1 not in self.target_shape:
            return (input_shape[0],) + self.target_shape
        known = math.prod(d for d in self.target_shape if d != -1)
        if any(d is None for d in rest):
            fill = None
        else:
            fill = math.prod(rest) // known
        return (input_shape[0],) + tuple(fill if d == -1 else d for d in self.target_shape)

    def get_config(self) -> dict[str, Any]:
        """Return the base config plus ``target_shape``."""
        return {**super().get_config(), "target_shape": list(self.target_shape)}


_TIME_DISTRIBUTABLE = ("Dense", "Activation", "Dropout", "Flatten", "Reshape", "Embedding",
                       "Conv1D", "Conv2D", "Conv3D", "SeparableConv1D", "SeparableConv2D",
                       "DepthwiseConv1D", "DepthwiseConv2D", "Conv1DTranspose",
                       "Conv2DTranspose")


class TimeDistributed(Layer):
    """This wrapper allows to apply a layer to every temporal slice of an input.

    As keras.TimeDistributed: every input should be at least 3D, and the
    dimension of index one of the first input will be considered to be the
    temporal dimension. ``layer`` is any fastrnn layer; it sees ``(batch,
    ...)`` slices, one timestep at a time, and shares its weights across
    timesteps. The output mask is the incoming mask, unchanged (Keras's
    TimeDistributed has no compute_mask of its own, whatever the inner
    layer's).

    Parameters
    ----------
    layer : Layer or dict
        A fastrnn layer instance, or its ``{"class_name": ..., "config":
        ...}`` dict. Anything else raises ValueError.
    name : str, optional
        Name of the layer. Default ``"time_distributed"``, ...
    dtype : str, numpy dtype or dict, optional
        Default: the inner layer's dtype.
    **kwargs
        As for the other layers (see ``Dense``).

    Call arguments
    --------------
    x : array-like
        (batch, timesteps, ...): input of rank >= 3.
    mask : array-like, optional
        (batch, timesteps, ...): its first two sizes must be ``x``'s. If the
        inner layer's ``call`` takes a mask, it gets ``mask[:, t]`` with
        ``x[:, t]`` for every timestep ``t``, as Keras's step function
        passes it (a (batch, timesteps) mask thus arrives as a (batch,)
        vector); else the mask is only passed on.
    training : bool, optional
        Accepted and ignored.

    Returns
    -------
    ndarray
        (batch, timesteps, ...): the inner layer's output for every timestep.

    Notes
    -----
    The weights (``get_weights``, ``set_weights``, ``count_params``) are the
    inner layer's; Keras saves them under ``layer/vars``. Without a mask for
    the inner layer, the timesteps are computed at once, as one batch of
    ``batch * timesteps`` slices (each fastrnn layer treats the samples of a
    batch independently, so this is Keras's per-timestep result).

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> layer = fastrnn.TimeDistributed(fastrnn.Dense(3))
    >>> layer(np.ones((2, 4, 5))).shape
    (2, 4, 3)
    >>> [w.shape for w in layer.get_weights()]
    [(5, 3), (3,)]
    >>> pool = fastrnn.TimeDistributed(fastrnn.GlobalAveragePooling1D())
    >>> x = np.array([[[[1.0], [3.0]], [[5.0], [7.0]]]])    # (1, 2, 2, 1)
    >>> pool(x, mask=np.array([[[True, True], [True, False]]]))
    array([[[2.],
            [5.]]], dtype=float32)
    """

    supports_masking = True

    def __init__(self, layer: Layer | Mapping[str, Any], **kwargs: Any) -> None:
        if isinstance(layer, dict):
            # A Keras (or fastrnn) {"class_name", "config"} entry, read by the
            # loader's rules (any layer class it knows; Keras-only config keys).
            from .io import keras_config
            layer = keras_config.layer_from_config(layer)
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `TimeDistributed` layer with a fastrnn "
                             f"Layer instance. Received: {layer!r}")
        kwargs.setdefault("dtype", layer.dtype)
        super().__init__(**kwargs)
        self.layer = layer

    @property
    def built(self) -> bool:
        """Whether the inner layer is built."""
        return self.layer.built

    @property
    def has_weights(self) -> bool:  # type: ignore[override]
        """Whether the inner layer has weights."""
        return self.layer.has_weights

    def build(self, input_shape: Sequence[int | None]) -> None:
        """Build the inner layer for one timestep of ``input_shape`` (batch, timesteps, ...)."""
        if not self.layer.built:
            self.layer.build((input_shape[0],) + tuple(input_shape[2:]))

    def _maybe_build(self, input_shape: Any) -> None:
        # The inner layer's own rule, for the shape of one timestep.
        if isinstance(input_shape, tuple) and len(input_shape) >= 3 and not self.layer.built:
            self.layer._maybe_build((input_shape[0],) + tuple(input_shape[2:]))

    def get_weights(self) -> list[np.ndarray]:
        """Return the inner layer's weights."""
        return self.layer.get_weights()

    def set_weights(self, weights: list[np.ndarray]) -> None:
        """Set the inner layer's weights (see its ``set_weights``)."""
        self.layer.set_weights(weights)

    def count_params(self) -> int:
        """Return the inner layer's number of weight values."""
        return self.layer.count_params()

    def _weight_count(self) -> int:
        return self.layer._weight_count()

    def _expected_weight_shapes(self, arrays: Any) -> list[tuple[str, tuple[int | None, ...]]]:
        return self.layer._expected_weight_shapes(arrays)

    def _weight_groups(self) -> list[tuple[Any, ...]]:
        return [("layer/" + p, n) for p, n in self.layer._weight_groups()]

    def call(self, x: np.ndarray, mask: np.ndarray | None = None, training: Any = None
            ) -> np.ndarray:
        """Apply the inner layer to every timestep of ``x`` (see the class)."""
        if x.ndim < 3:
            raise ValueError(f"TimeDistributed {self.name!r} expected input of rank >= 3 "
                             f"(batch, timesteps, ...), got shape {x.shape}")
        if mask is not None:
            mask = np.asarray(mask)
            if mask.ndim < 2:
                raise ValueError(
                    "The `mask` passed to the `TimeDistributed` layer must be at least 2D "
                    f"(e.g., `(batch_size, timesteps)`), but it has {mask.ndim} dimension(s) "
                    f"with shape {mask.shape}.")
            if mask.shape[:2] != x.shape[:2]:
                raise ValueError(
                    f"The `mask` passed to the `TimeDistributed` layer has a shape "
                    f"{mask.shape} that is incompatible with the input shape {x.shape}. The "
                    "first two dimensions of the mask (batch size and timesteps) must match "
                    "the input's first two dimensions. Expected mask shape prefix: "
                    f"({x.shape[0]}, {x.shape[1]}).")
        batch, steps = x.shape[:2]
        if mask is not None and self.layer._call_takes("mask"):
            # Keras's step function: layer.call(inputs[t], mask=mask[t]) per timestep.
            outputs = [np.asarray(self.layer(x[:, t], mask=mask[:, t])) for t in range(steps)]
            return np.stack(outputs, axis=1)
        y = np.asarray(self.layer(x.reshape((batch * steps,) + x.shape[2:])))
        return y.reshape((batch, steps) + y.shape[1:])

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        """Return ``(batch, timesteps)`` followed by the inner layer's output shape."""
        if len(input_shape) < 3:
            raise ValueError("`TimeDistributed` Layer should be passed an `input_shape` with "
                             f"at least 3 dimensions, received: {tuple(input_shape)}")
        inner = self.layer.compute_output_shape((input_shape[0],) + tuple(input_shape[2:]))
        return (inner[0], input_shape[1]) + tuple(inner[1:])

    def get_config(self) -> dict[str, Any]:
        """Return the base config plus ``layer``, a ``{"class_name", "config"}`` dict."""
        return {**super().get_config(),
                "layer": {"class_name": type(self.layer).__name__,
                          "config": self.layer.get_config()}}

    def __eq__(self, other: TimeDistributed) -> bool:  # type: ignore[override]
        return (type(self) is type(other) and self.name == other.name
                and self.dtype == other.dtype and self.layer == other.layer)
