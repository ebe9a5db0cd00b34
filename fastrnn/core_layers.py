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
import itertools
import math
import re

import numpy as np

from . import activations, initializers

__all__ = ["Layer", "InputLayer", "Masking", "Embedding", "Dense", "TimeDistributed",
           "Dropout", "SpatialDropout1D", "Activation", "Flatten", "Reshape"]

# Keyword arguments every Keras 3 layer accepts; they do nothing at inference.
_BASE_ARGS = {"trainable", "autocast", "activity_regularizer", "input_shape", "input_dim",
              "batch_input_shape", "batch_size", "input_length"}

_name_counters = {}


def _snake_case(name):
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(cls_name):
    """Keras-style default names: "dense", "dense_1", ..."""
    base = _snake_case(cls_name)
    n = next(_name_counters.setdefault(base, itertools.count()))
    return base if n == 0 else f"{base}_{n}"


def float_dtype(dtype, what="dtype"):
    """'float32' (default) or 'float64'; also reads a Keras DTypePolicy config."""
    if isinstance(dtype, dict):
        dtype = dtype.get("config", {}).get("name")
    if dtype is None:
        return "float32"
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"{what} must be 'float32' or 'float64', got {dtype!r}")
    return dt.name


def _arrays_equal(a, b):
    return len(a) == len(b) and all(
        x.shape == y.shape and x.dtype == y.dtype and np.array_equal(x, y, equal_nan=True)
        for x, y in zip(a, b))


def _as_array(x, who):
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{who} could not convert its input to an array: {e}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool) \
            or np.issubdtype(arr.dtype, np.complexfloating):
        raise ValueError(f"{who} expected an array of real numbers, got dtype {arr.dtype}")
    return arr


# Keras 3 aliases that fastrnn.initializers.get does not know (keras/src/initializers).
_INITIALIZER_ALIASES = {
    "uniform": lambda: initializers.RandomUniform(minval=-0.05, maxval=0.05),
    "normal": lambda: initializers.RandomNormal(mean=0.0, stddev=0.05),
}


def get_initializer(identifier):
    if isinstance(identifier, str) and identifier in _INITIALIZER_ALIASES:
        return _INITIALIZER_ALIASES[identifier]()
    return initializers.get(identifier)


class Layer:
    """Base of the non-recurrent layers (name, dtype, weights, config, masks)."""

    supports_masking = False   # passes (its compute_mask of) the incoming mask on
    takes_mask = False         # __call__ accepts mask=

    def __init__(self, name=None, dtype=None, trainable=True, **kwargs):
        unknown = set(kwargs) - _BASE_ARGS
        if unknown:
            raise ValueError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: "
                f"{ {k: kwargs[k] for k in sorted(unknown)} }")
        self.name = name if name is not None else unique_name(type(self).__name__)
        self.dtype = float_dtype(dtype, f"{type(self).__name__} dtype")
        self.trainable = bool(trainable)
        self._weights = []

    # ------------------------------------------------------------ weights
    has_weights = False

    @property
    def built(self):
        return bool(self._weights) or not self.has_weights

    def build(self, input_shape=None):
        pass

    def get_weights(self):
        return [w.copy() for w in self._weights]

    @property
    def weights(self):
        return self.get_weights()

    def count_params(self):
        return int(sum(w.size for w in self._weights))

    def set_weights(self, weights):
        weights = list(weights)
        expected = self._expected_weight_shapes(weights)
        cls = type(self).__name__
        if len(weights) != len(expected):
            raise ValueError(
                f"{cls} expected {len(expected)} weights "
                f"({', '.join(n for n, _ in expected) or 'none'}), got {len(weights)}")
        arrays = []
        for (wname, shape), w in zip(expected, weights):
            w = np.asarray(w)
            if shape is not None and w.shape != tuple(shape):
                raise ValueError(
                    f"{cls} weight '{wname}' expected shape {tuple(shape)}, got shape {w.shape}")
            if not (np.issubdtype(w.dtype, np.floating) or np.issubdtype(w.dtype, np.integer)):
                raise ValueError(
                    f"{cls} weight '{wname}' must be real numbers, got dtype {w.dtype}")
            arrays.append(np.ascontiguousarray(w, dtype=self.dtype))
        self._weights = arrays

    def _expected_weight_shapes(self, weights):
        return []

    # ------------------------------------------------------------ calling
    def __call__(self, x, mask=None, training=None):
        return self.call(_as_array(x, type(self).__name__))

    def call(self, x):
        raise NotImplementedError

    def compute_mask(self, inputs, mask=None):
        return mask if self.supports_masking else None

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    # ------------------------------------------------------------ config
    def get_config(self):
        return {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return (type(self) is type(other) and self.get_config() == other.get_config()
                and _arrays_equal(self.get_weights(), other.get_weights()))

    __hash__ = None

    def __repr__(self):
        return f"<fastrnn.{type(self).__name__} name={self.name!r}>"


class InputLayer(Layer):
    """The model input: its batch shape and dtype (keras.layers.InputLayer / keras.Input).

    Calling it converts ``x`` to ``dtype`` (float32 unless given; int32 for
    token ids) and checks the rank and the fixed dimensions, as a Keras model
    does with its inputs (a missing or extra trailing axis of size 1 is added or
    removed, as Keras's ``_adjust_input_rank`` does).
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, ragged=None,
                 batch_input_shape=None, **kwargs):
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
        self.name = name if name is not None else unique_name("InputLayer")
        if isinstance(dtype, dict):
            dtype = dtype.get("config", {}).get("name")
        dt = np.dtype("float32" if dtype is None else dtype)
        if (not (np.issubdtype(dt, np.number) or dt == np.dtype(bool))
                or np.issubdtype(dt, np.complexfloating)):
            raise ValueError(f"InputLayer dtype must be a real numeric dtype, got {dtype!r}")
        self.dtype = dt.name
        self.optional = bool(optional)
        self.trainable = True
        self._weights = []

    def __call__(self, x, mask=None, training=None):
        x = _as_array(x, f"Input {self.name!r}")
        want = len(self.batch_shape)
        if x.ndim == want - 1 and self.batch_shape[-1] == 1:
            x = x[..., None]
        elif x.ndim == want + 1 and x.shape[-1] == 1:
            x = x[..., 0]
        if x.ndim != want:
            raise ValueError(
                f"Input {self.name!r} expected an array of rank {want}, shape "
                f"{self.batch_shape}, got shape {x.shape}")
        for i, (d, n) in enumerate(zip(self.batch_shape, x.shape)):
            if d is not None and d != n:
                raise ValueError(
                    f"Input {self.name!r} expected shape {self.batch_shape}, got shape "
                    f"{x.shape} (axis {i})")
        return x.astype(self.dtype, copy=False)

    def compute_output_shape(self, input_shape=None):
        return self.batch_shape

    def get_config(self):
        return {"batch_shape": list(self.batch_shape), "dtype": self.dtype, "name": self.name,
                "optional": self.optional}


class Masking(Layer):
    """Mask the timesteps whose features all equal ``mask_value``, and zero them.

    As keras.layers.Masking: the mask is ``any(x != mask_value, axis=-1)``;
    masked timesteps of the output are set to 0.
    """

    supports_masking = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, (bool, np.bool_)) or not isinstance(
                mask_value, (int, float, np.integer, np.floating)):
            raise ValueError(f"Masking expected a number as mask_value, got {mask_value!r}")
        self.mask_value = mask_value.item() if isinstance(mask_value, np.generic) else mask_value

    def _keep(self, x):
        return np.any(x != np.asarray(self.mask_value, x.dtype), axis=-1)

    def call(self, x):
        x = np.asarray(x, self.dtype)
        keep = self._keep(x)
        return np.where(keep[..., None], x, np.zeros((), x.dtype))

    def compute_mask(self, inputs, mask=None):
        return self._keep(np.asarray(inputs, self.dtype))

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}


class Embedding(Layer):
    """Look up rows of ``embeddings`` (input_dim, output_dim) by integer index.

    As keras.layers.Embedding: float indices are cast to int (truncated),
    negative indices count from the end; ``mask_zero=True`` makes the mask
    ``inputs != 0`` (and only then does the layer pass a mask on). An index
    outside [-input_dim, input_dim) raises ValueError (TensorFlow raises too).
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, lora_alpha=None, quantization_config=None,
                 **kwargs):
        super().__init__(**kwargs)
        for arg, v in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v <= 0:
                raise ValueError(f"Embedding expected a positive integer `{arg}`, got {v!r}")
        if lora_rank or quantization_config:
            raise ValueError("Embedding: LoRA and quantized embeddings are not supported")
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.embeddings_initializer = get_initializer(embeddings_initializer)
        self.mask_zero = bool(mask_zero)
        if weights is not None:
            self.set_weights(weights)

    @property
    def supports_masking(self):
        return self.mask_zero

    def _expected_weight_shapes(self, weights):
        return [("embeddings", (self.input_dim, self.output_dim))]

    has_weights = True

    def build(self, input_shape=None):
        if not self._weights:
            self._weights = [self.embeddings_initializer(
                (self.input_dim, self.output_dim), self.dtype, np.random.default_rng())]

    def call(self, x):
        self.build()
        idx = x if np.issubdtype(x.dtype, np.integer) else x.astype(np.int64)
        if idx.size and (idx.min() < -self.input_dim or idx.max() >= self.input_dim):
            bad = idx[(idx < -self.input_dim) | (idx >= self.input_dim)].flat[0]
            raise ValueError(
                f"Embedding {self.name!r}: index {bad} is out of range for input_dim="
                f"{self.input_dim} (valid: {-self.input_dim} .. {self.input_dim - 1})")
        return self._weights[0][idx]

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return np.asarray(inputs) != 0

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "mask_zero": self.mask_zero}


class Dense(Layer):
    """``activation(x @ kernel + bias)`` over the last axis, for input of any rank ≥ 2.

    As keras.layers.Dense: kernel (input_dim, units), bias (units,); a mask
    passes through unchanged (masked timesteps are computed, not zeroed).
    """

    supports_masking = True

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None,
                 quantization_config=None, **kwargs):
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
    def input_dim(self):
        return self._weights[0].shape[0] if self._weights else None

    def _expected_weight_shapes(self, weights):
        if self._weights:
            input_dim = self.input_dim
        else:
            first = np.asarray(weights[0]) if weights else None
            if first is not None and first.ndim != 2:
                raise ValueError(f"Dense weight 'kernel' must be 2-D (input_dim, units), "
                                 f"got shape {first.shape}")
            input_dim = first.shape[0] if first is not None else 0
        shapes = [("kernel", (input_dim, self.units))]
        if self.use_bias:
            shapes.append(("bias", (self.units,)))
        return shapes

    has_weights = True

    def build(self, input_shape):
        input_dim = input_shape[-1] if isinstance(input_shape, (tuple, list)) else input_shape
        if isinstance(input_dim, bool) or not isinstance(input_dim, (int, np.integer)):
            raise ValueError(f"Dense.build expected a feature count, got {input_shape!r}")
        rng = np.random.default_rng()
        weights = [self.kernel_initializer((int(input_dim), self.units), self.dtype, rng)]
        if self.use_bias:
            weights.append(self.bias_initializer((self.units,), self.dtype, rng))
        self._weights = [np.ascontiguousarray(w, dtype=self.dtype) for w in weights]

    def call(self, x):
        if x.ndim < 1:
            raise ValueError(f"Dense {self.name!r} expected input of rank >= 1, got a scalar")
        if not self._weights:
            self.build(x.shape[-1])
        if x.shape[-1] != self.input_dim:
            raise ValueError(
                f"Dense {self.name!r} expected input with {self.input_dim} features on the "
                f"last axis, got shape {x.shape}")
        y = np.asarray(x, self.dtype) @ self._weights[0]
        if self.use_bias:
            y += self._weights[1]
        return np.asarray(activations.numpy_function(self.activation)(y), self.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": self.activation,
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer)}


class Dropout(Layer):
    """Identity at inference (keras.layers.Dropout); the mask passes through."""

    supports_masking = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float, np.number)) \
                or not 0 <= rate <= 1:
            raise ValueError(
                "Invalid value received for argument `rate`. Expected a float value "
                f"between 0 and 1. Received: rate={rate!r}")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else list(noise_shape)
        self.seed = seed

    def __call__(self, x, mask=None, training=None):
        if training:
            raise ValueError(f"{type(self).__name__}: fastrnn runs inference only "
                             "(training=True is not supported)")
        return _as_array(x, type(self).__name__)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}


class SpatialDropout1D(Dropout):
    """Identity at inference (keras.layers.SpatialDropout1D); input must be 3-D."""

    def __init__(self, rate, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)

    def __call__(self, x, mask=None, training=None):
        x = super().__call__(x, training=training)
        if x.ndim != 3:
            raise ValueError(f"SpatialDropout1D {self.name!r} expected 3-D input, "
                             f"got shape {x.shape}")
        return x

    def get_config(self):
        config = super().get_config()
        del config["noise_shape"]
        return config


class Activation(Layer):
    """Apply a Keras activation by name (keras.layers.Activation); the mask passes through."""

    supports_masking = True

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.serialize(activation)

    def call(self, x):
        x = np.asarray(x, self.dtype)
        return np.asarray(activations.numpy_function(self.activation)(x), self.dtype)

    def get_config(self):
        return {**super().get_config(), "activation": self.activation}


class Flatten(Layer):
    """Flatten all axes but the batch axis (keras.layers.Flatten); drops the mask."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format is None:
            data_format = "channels_last"
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                "The `data_format` argument must be one of {'channels_first', "
                f"'channels_last'}}. Received: data_format={data_format!r}")
        self.data_format = data_format

    def call(self, x):
        if x.ndim < 1:
            raise ValueError(f"Flatten {self.name!r} expected input of rank >= 1")
        if self.data_format == "channels_first" and x.ndim > 2:
            x = np.transpose(x, (0, *range(2, x.ndim), 1))
        return np.ascontiguousarray(x).reshape(x.shape[0], -1).astype(
            self.dtype if np.issubdtype(x.dtype, np.floating) else x.dtype, copy=False)

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        n = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], n)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshape all axes but the batch axis to ``target_shape`` (keras.layers.Reshape).

    One entry may be -1. Drops the mask.
    """

    def __init__(self, target_shape, **kwargs):
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

    def call(self, x):
        if x.ndim < 1:
            raise ValueError(f"Reshape {self.name!r} expected input with a batch axis")
        try:
            y = x.reshape((x.shape[0],) + self.target_shape)
        except ValueError:
            raise ValueError(
                f"Reshape {self.name!r} cannot reshape input of shape {x.shape} to "
                f"(batch,) + {self.target_shape}") from None
        return y.astype(self.dtype, copy=False) if np.issubdtype(y.dtype, np.floating) else y

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        if -1 not in self.target_shape:
            return (input_shape[0],) + self.target_shape
        known = math.prod(d for d in self.target_shape if d != -1)
        if any(d is None for d in rest):
            fill = None
        else:
            fill = math.prod(rest) // known
        return (input_shape[0],) + tuple(fill if d == -1 else d for d in self.target_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}


_TIME_DISTRIBUTABLE = ("Dense", "Activation", "Dropout", "Flatten", "Reshape", "Embedding")


class TimeDistributed(Layer):
    """Apply ``layer`` to every timestep (keras.layers.TimeDistributed).

    ``layer`` is one of fastrnn's Dense, Activation, Dropout, Flatten, Reshape
    or Embedding (they all treat timesteps independently). The mask passes
    through unchanged.
    """

    supports_masking = True
    takes_mask = True

    def __init__(self, layer, **kwargs):
        if isinstance(layer, dict):
            layer = layer_from_config(layer)
        if type(layer).__name__ not in _TIME_DISTRIBUTABLE or not isinstance(layer, Layer):
            raise ValueError(
                "TimeDistributed supports fastrnn "
                f"{', '.join(_TIME_DISTRIBUTABLE)} layers, got {layer!r}")
        kwargs.setdefault("dtype", layer.dtype)
        super().__init__(**kwargs)
        self.layer = layer

    @property
    def built(self):
        return self.layer.built

    @property
    def has_weights(self):
        return self.layer.has_weights

    def build(self, input_shape):
        if not self.layer.built:
            self.layer.build((input_shape[0],) + tuple(input_shape[2:]))

    def get_weights(self):
        return self.layer.get_weights()

    def set_weights(self, weights):
        self.layer.set_weights(weights)

    def count_params(self):
        return self.layer.count_params()

    def __call__(self, x, mask=None, training=None):
        x = _as_array(x, "TimeDistributed")
        if x.ndim < 3:
            raise ValueError(f"TimeDistributed {self.name!r} expected input of rank >= 3 "
                             f"(batch, timesteps, ...), got shape {x.shape}")
        if mask is not None and np.shape(mask)[:2] != x.shape[:2]:
            raise ValueError(f"TimeDistributed {self.name!r}: mask of shape {np.shape(mask)} "
                             f"does not match input of shape {x.shape}")
        batch, steps = x.shape[:2]
        y = self.layer(x.reshape((batch * steps,) + x.shape[2:]))
        return y.reshape((batch, steps) + y.shape[1:])

    def compute_output_shape(self, input_shape):
        inner = self.layer.compute_output_shape((input_shape[0],) + tuple(input_shape[2:]))
        return (input_shape[0], input_shape[1]) + tuple(inner[1:])

    def get_config(self):
        return {**super().get_config(),
                "layer": {"class_name": type(self.layer).__name__,
                          "config": self.layer.get_config()}}

    def __eq__(self, other):
        return (type(self) is type(other) and self.name == other.name
                and self.dtype == other.dtype and self.layer == other.layer)


def layer_from_config(entry):
    """Rebuild a fastrnn layer from ``{"class_name": ..., "config": {...}}``."""
    from . import bidirectional, layers

    name = entry["class_name"]
    cls = (globals().get(name) if name in __all__ and name != "Layer"
           else getattr(layers, name, None) if name in ("SimpleRNN", "LSTM", "GRU")
           else bidirectional.Bidirectional if name == "Bidirectional" else None)
    if cls is None:
        raise ValueError(f"Unknown fastrnn layer class {name!r}")
    return cls.from_config(dict(entry["config"]))
