"""Keras 3's convolution layers at inference (keras/src/layers/convolutional/).

Conv1D, Conv2D, Conv3D, SeparableConv1D, SeparableConv2D, DepthwiseConv1D,
DepthwiseConv2D, Conv1DTranspose and Conv2DTranspose, with Keras 3's
arguments, defaults, ``get_config`` keys and weight layouts, computing what
the TensorFlow backend computes (keras/src/backend/tensorflow/nn.py).

How: the input is brought to channels_last and padded as TensorFlow pads
(``"same"`` puts the odd pixel at the end: ``total = max((out - 1) * stride +
dilated_kernel - size, 0)``, ``total // 2`` before, the rest after;
``"causal"`` pads ``dilation * (kernel - 1)`` before). Its windows are a
strided view (``sliding_window_view``, subsampled by the strides and the
dilation), copied once into an im2col matrix and multiplied by the kernel
in one BLAS matmul (one per block of whole images when that matrix would
pass 32 MiB: a large batch never needs it whole) -- a batched matmul, one matrix per group, for
``groups > 1`` and for the depthwise layers (a depthwise convolution is a
grouped one with a group per input channel). A transposed convolution is one
matmul of the input by the kernel followed by a strided scatter-add per
kernel tap (col2im), cropped as TensorFlow's ``conv_transpose`` crops.

Masks: like Keras's, these layers do not support masking; they drop an
incoming mask (``compute_mask`` returns None).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import _blas, _validate, activations, initializers
from .core_layers import get_initializer as _get_initializer
from .layer import Layer

__all__ = ["Conv1D", "Conv2D", "Conv3D", "SeparableConv1D", "SeparableConv2D",
           "DepthwiseConv1D", "DepthwiseConv2D", "Conv1DTranspose", "Conv2DTranspose"]

# Keras's string shortcuts for regularizers and constraints, as get_config
# serializes them (keras/src/regularizers, keras/src/constraints).
_REGULARIZERS = {"l1": ("L1", {"l1": 0.01}), "l2": ("L2", {"l2": 0.01}),
                 "l1_l2": ("L1L2", {"l1": 0.0, "l2": 0.0})}
_CONSTRAINTS = {"non_neg": ("NonNeg", {}), "unit_norm": ("UnitNorm", {"axis": 0}),
                "max_norm": ("MaxNorm", {"max_value": 2, "axis": 0}),
                "min_max_norm": ("MinMaxNorm", {"min_value": 0.0, "max_value": 1.0,
                                                "rate": 1.0, "axis": 0})}


def _serialize_extra(value: Any, table: dict, module: str, what: str) -> Any:
    """A training-only regularizer/constraint as Keras's get_config reports it:
    None, a config dict kept as given, or a known string shortcut expanded."""
    if value is None or isinstance(value, dict):
        return value
    if isinstance(value, str) and value.lower() in table:
        cls, config = table[value.lower()]
        return {"module": module, "class_name": cls, "config": dict(config),
                "registered_name": None}
    raise ValueError(f"Could not interpret {what} identifier: {value!r} (fastrnn keeps "
                     f"None, a Keras config dict or one of {sorted(table)})")


def get_initializer(identifier: Any) -> Any:
    """``core_layers.get_initializer``, also reading Keras 3.15's variance-scaling
    configs, which carry ``input_axes`` / ``output_axes`` (None: the default fans)."""
    if isinstance(identifier, dict) and isinstance(identifier.get("config"), dict):
        config = identifier["config"]
        if config.get("input_axes") is None and config.get("output_axes") is None:
            config = {k: v for k, v in config.items() if k not in ("input_axes", "output_axes")}
            identifier = {**identifier, "config": config}
    return _get_initializer(identifier)


def _tuple(value: Any, n: int, name: str, allow_zero: bool = False) -> tuple:
    """Keras's standardize_tuple: an int, or n ints, each > 0 (>= 0 with allow_zero)."""
    msg = f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value!r}"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        values = (int(value),) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(msg) from None
        if len(values) != n or not all(isinstance(v, (int, np.integer))
                                       and not isinstance(v, bool) for v in values):
            raise ValueError(msg)
        values = tuple(int(v) for v in values)
    bad = {v for v in values if (v < 0 if allow_zero else v <= 0)}
    if bad:
        raise ValueError(f"{msg}, including values {bad} that do not satisfy "
                         f"`value {'>= 0' if allow_zero else '> 0'}`")
    return values


def _padding(value: Any, allow_causal: bool = False) -> str:
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError(f"The `padding` argument must be one of {allowed}. "
                         f"Received: padding={value!r}")
    return padding


def _data_format(value: Any) -> str:
    data_format = "channels_last" if value is None else str(value).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         f"'channels_last'}}. Received: data_format={value!r}")
    return data_format


def _positive(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"Invalid value for argument `{name}`. Expected a strictly positive "
                         f"value. Received {name}={value!r}.")
    return int(value)


# ---------------------------------------------------------------------------
# The arithmetic, on channels_last arrays.
# ---------------------------------------------------------------------------

def _same_pads(size: int, k_eff: int, stride: int) -> tuple:
    """TensorFlow's "SAME": output ceil(size / stride); the odd pixel goes at the end."""
    out = -(-size // stride)
    total = max((out - 1) * stride + k_eff - size, 0)
    return total // 2, total - total // 2


def _conv_pads(spatial: tuple, kernel: tuple, strides: tuple, dilation: tuple,
               padding: str) -> list:
    pads = []
    for n, k, s, d in zip(spatial, kernel, strides, dilation):
        k_eff = d * (k - 1) + 1
        if padding == "valid":
            pads.append((0, 0))
        elif padding == "causal":
            pads.append((k_eff - 1, 0))
        else:
            pads.append(_same_pads(n, k_eff, s))
    return pads


def _conv_out_size(n: Any, k: int, s: int, d: int, padding: str) -> Any:
    """Keras's compute_conv_output_shape for one spatial axis (None stays None)."""
    if n is None:
        return None
    if padding == "valid":
        return (n - d * (k - 1) - 1) // s + 1
    return (n - 1) // s + 1


# The most bytes of im2col matrix built at once (a block of whole images).
_IM2COL_BYTES = 32 << 20


def _conv(x: np.ndarray, kernel: np.ndarray, strides: tuple, dilation: tuple, pads: list,
          groups: int) -> np.ndarray:
    """Grouped N-D convolution of x (N, *S, C) by kernel (*k, C // groups, F):
    im2col from a strided view, then one (batched) matmul -- per block of whole
    images when the im2col matrix would exceed _IM2COL_BYTES."""
    rank = kernel.ndim - 2
    ksize = kernel.shape[:rank]
    if any(p for pair in pads for p in pair):
        x = np.pad(x, [(0, 0)] + list(pads) + [(0, 0)])
    k_eff = tuple(d * (k - 1) + 1 for k, d in zip(ksize, dilation))
    spatial_axes = tuple(range(1, rank + 1))
    view = sliding_window_view(x, k_eff, axis=spatial_axes)   # (N, *O', C, *k_eff)
    view = view[(slice(None),) + tuple(slice(None, None, s) for s in strides) + (slice(None),)
                + tuple(slice(None, None, d) for d in dilation)]
    view = np.moveaxis(view, rank + 1, -1)                       # (N, *O, *k, C)
    batch, out_spatial = x.shape[0], view.shape[1:rank + 1]
    per_image = math.prod(out_spatial)
    taps = math.prod(ksize)
    cg, filters = kernel.shape[-2:]
    # The im2col matrix of a block of images at a time (one block for small
    # inputs), so that it stays in cache and a large batch does not need it whole.
    image_cols = per_image * taps * cg * groups * x.itemsize
    step = max(1, _IM2COL_BYTES // max(1, image_cols))
    _validate.check_bytes(f"convolution of an input of shape {x.shape}",
                          (batch * per_image * filters * x.itemsize
                           + min(step, batch) * image_cols),
                          f"{batch * per_image} x {filters} outputs and the im2col blocks")
    if groups == 1:
        w = kernel.reshape(taps * cg, filters)
    else:
        fg = filters // groups
        view = view.reshape(view.shape[:-1] + (groups, cg))     # (N, *O, *k, g, cg)
        w = kernel.reshape(taps, cg, groups, fg).transpose(2, 0, 1, 3).reshape(
            groups, taps * cg, fg)
    y = np.empty((batch, per_image, filters), x.dtype)
    for start in range(0, batch, step):
        block = view[start:start + step]
        rows = block.shape[0] * per_image
        if groups == 1:
            cols = block.reshape(rows, taps * cg)               # the im2col copy
            _blas.matmul_rows(cols, w, y[start:start + step].reshape(rows, filters))
        else:
            cols = np.moveaxis(block, -2, 0).reshape(groups, rows, taps * cg)  # type: ignore[assignment]
            y[start:start + step] = np.matmul(cols, w).transpose(1, 0, 2).reshape(
                block.shape[0], per_image, filters)
    return y.reshape((batch,) + out_spatial + (filters,))


def _transpose_out_size(n: Any, k: int, s: int, d: int, padding: str,
                        output_padding: Any) -> Any:
    """Keras's output size for a transposed convolution (backend_utils)."""
    if n is None:
        return None
    k_eff = d * (k - 1) + 1
    if padding == "valid":
        extra = max(k_eff, s) - k_eff if output_padding is None else output_padding
        return (n - 1) * s + k_eff + extra
    if output_padding is None:
        return n * s
    return (n - 1) * s + k_eff % 2 + output_padding


def _conv_transpose(x: np.ndarray, kernel: np.ndarray, strides: tuple, dilation: tuple,
                    padding: str, output_padding: Any, name: str) -> np.ndarray:
    """Transposed N-D convolution of x (N, *I, Cin) by kernel (*k, F, Cin), as
    TensorFlow's conv_transpose (the gradient of a convolution of an output-sized
    input): one matmul, a scatter-add per kernel tap, then TF's crop."""
    rank = kernel.ndim - 2
    ksize = kernel.shape[:rank]
    filters, cin = kernel.shape[-2:]
    batch, in_spatial = x.shape[0], x.shape[1:rank + 1]
    out, before, full = [], [], []
    for i, (n, k, s, d) in enumerate(zip(in_spatial, ksize, strides, dilation)):
        op = None if output_padding is None else output_padding[i]
        o = _transpose_out_size(n, k, s, d, padding, op)
        k_eff = d * (k - 1) + 1
        # TF recomputes the forward convolution's geometry from the output size
        # and refuses sizes that do not convolve back to the input's.
        back = (o - k_eff) // s + 1 if padding == "valid" else -(-o // s)
        if back != n:
            raise ValueError(
                f"{name}: the output size {o} of spatial axis {i} (input size {n}, "
                f"kernel {k}, strides {s}, dilation {d}, padding {padding!r}, "
                f"output_padding {op}) does not convolve back to {n}; TensorFlow refuses "
                "this too (Conv2DCustomBackpropInput: size of out_backprop doesn't match)")
        out.append(o)
        before.append(0 if padding == "valid" else max((n - 1) * s + k_eff - o, 0) // 2)
        full.append((n - 1) * s + k_eff)
    taps = math.prod(ksize)
    rows = batch * math.prod(in_spatial)
    size = [max(f, b + o) for f, b, o in zip(full, before, out)]
    _validate.check_bytes(f"transposed convolution of an input of shape {x.shape}",
                          (rows * taps + batch * math.prod(size)) * filters * x.itemsize,
                          f"{rows} x {taps * filters} products and the output")
    cols = x.reshape(rows, cin) @ kernel.reshape(taps * filters, cin).T
    cols = cols.reshape((batch,) + in_spatial + (taps, filters))
    y = np.zeros((batch,) + tuple(size) + (filters,), x.dtype)
    for t, tap in enumerate(np.ndindex(*ksize)):    # a loop over kernel taps, not pixels
        index = tuple(slice(j * d, j * d + (n - 1) * s + 1, s)
                      for j, n, s, d in zip(tap, in_spatial, strides, dilation))
        y[(slice(None),) + index] += cols[..., t, :]
    crop = tuple(slice(b, b + o) for b, o in zip(before, out))
    return y[(slice(None),) + crop]


# ---------------------------------------------------------------------------
# The layers.
# ---------------------------------------------------------------------------

class _BaseConv(Layer):
    """What every convolution layer shares: argument checks, layouts, bias,
    activation, shape checks and the config."""

    rank = 0
    has_weights = True
    _transposed = False
    _allow_causal = False

    def __init__(self, kernel_size: Any, strides: Any, padding: Any, data_format: Any,
                 dilation_rate: Any, activation: Any, use_bias: Any,
                 activity_regularizer: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        rank = self.rank
        self.kernel_size = _tuple(kernel_size, rank, "kernel_size")
        self.strides = _tuple(strides, rank, "strides")
        self.dilation_rate = _tuple(dilation_rate, rank, "dilation_rate")
        self.padding = _padding(padding, self._allow_causal)
        self.data_format = _data_format(data_format)
        self.activation = activations.serialize(activation)
        self.use_bias = bool(use_bias)
        self.activity_regularizer = _serialize_extra(
            activity_regularizer, _REGULARIZERS, "keras.regularizers", "regularizer")
        self._channels: int | None = None   # the input channels the weights are for

    def _check_strides_dilation(self) -> None:
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}")

    # ------------------------------------------------------------ shapes
    def _split_shape(self, input_shape: Any) -> tuple:
        """(batch, spatial, channels) of an input shape, checking its rank."""
        shape = tuple(input_shape)
        if len(shape) != self.rank + 2:
            raise ValueError(
                f"{type(self).__name__} {self.name!r} expected input of rank "
                f"{self.rank + 2} (batch, {self._layout()}), got shape {shape}")
        if self.data_format == "channels_last":
            return shape[0], shape[1:-1], shape[-1]
        return shape[0], shape[2:], shape[1]

    def _layout(self) -> str:
        axes = ", ".join(["spatial"] * self.rank)
        return f"{axes}, channels" if self.data_format == "channels_last" else \
            f"channels, {axes}"

    def _join(self, batch: Any, spatial: Any, channels: Any) -> tuple:
        if self.data_format == "channels_last":
            return (batch,) + tuple(spatial) + (channels,)
        return (batch, channels) + tuple(spatial)

    def _out_channels(self, channels: Any) -> Any:
        raise NotImplementedError

    def _out_spatial(self, spatial: tuple) -> tuple:
        return tuple(_conv_out_size(n, k, s, d, self.padding) for n, k, s, d in
                     zip(spatial, self.kernel_size, self.strides, self.dilation_rate))

    def compute_output_shape(self, input_shape: Any) -> tuple:
        """Return the output shape for ``input_shape`` (with the batch axis), as Keras's
        ``compute_conv_output_shape`` (or, transposed, ``compute_conv_transpose_output_shape``)
        gives it; ValueError for a wrong rank or an output size of zero or less."""
        batch, spatial, channels = self._split_shape(input_shape)
        out = self._out_spatial(spatial)
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(
                f"{type(self).__name__} {self.name!r}: computed output size would be zero "
                f"or negative. Received inputs shape={tuple(input_shape)}, "
                f"kernel_size={self.kernel_size}, dilation_rate={self.dilation_rate}, "
                f"strides={self.strides}, padding={self.padding!r}")
        return self._join(batch, out, self._out_channels(channels))

    # ------------------------------------------------------------ weights
    def _kernel_shapes(self, channels: int) -> list:
        raise NotImplementedError

    def _channels_from(self, arrays: list) -> int:
        raise NotImplementedError

    def _expected_weight_shapes(self, arrays: Any) -> list:
        if self._channels is not None:
            channels = self._channels
        elif arrays:
            channels = self._channels_from(arrays)
        else:
            channels = 0
        return self._kernel_shapes(channels)

    def set_weights(self, weights: Any) -> None:
        """Set the weights from a list of arrays in Keras order and layout (see the
        class Notes); an unbuilt layer takes its input channels from the kernel."""
        super().set_weights(weights)
        if self._channels is None:
            self._channels = self._channels_from(self._weights)

    def build(self, input_shape: Any) -> None:
        """Draw the weights with the initializers for ``input_shape`` (with the batch
        axis; the channel axis must be known)."""
        _, _, channels = self._split_shape(input_shape)
        if isinstance(channels, bool) or not isinstance(channels, (int, np.integer)):
            raise ValueError(f"{type(self).__name__}.build needs the number of input channels, "
                             f"got input shape {tuple(input_shape)}")
        self._check_channels(int(channels))
        self.compute_output_shape(input_shape)
        shapes = self._kernel_shapes(int(channels))
        _validate.check_bytes(f"{type(self).__name__}.build({tuple(input_shape)})",
                              sum(math.prod(s) for _, s in shapes) * np.dtype(self.dtype).itemsize,
                              f"weights {[s for _, s in shapes]}")
        rng = np.random.default_rng()
        self._weights = [np.ascontiguousarray(self._initializer(n)(s, self.dtype, rng),
                                              dtype=self.dtype) for n, s in shapes]
        self._channels = int(channels)

    def _check_channels(self, channels: int) -> None:
        pass

    def _initializer(self, weight: str) -> Any:
        return getattr(self, "bias_initializer" if weight == "bias" else "kernel_initializer")

    # ------------------------------------------------------------ calling
    def call(self, inputs: np.ndarray) -> np.ndarray:
        """The convolution of ``inputs`` (see the class)."""
        name = f"{type(self).__name__} {self.name!r}"
        if inputs.ndim != self.rank + 2:
            raise ValueError(f"{name} expected input of rank {self.rank + 2} "
                             f"(batch, {self._layout()}), got shape {inputs.shape}")
        if not self._weights:
            self.build(inputs.shape)
        _, _, channels = self._split_shape(inputs.shape)
        if channels != self._channels:
            raise ValueError(f"{name} expected {self._channels} input channels (axis "
                             f"{-1 if self.data_format == 'channels_last' else 1}), got "
                             f"input of shape {inputs.shape}")
        self.compute_output_shape(inputs.shape)
        x = np.asarray(inputs, self.dtype)
        if self.data_format == "channels_first":
            x = np.moveaxis(x, 1, -1)
        y = self._compute(x)
        if self.data_format == "channels_first":
            y = np.moveaxis(y, -1, 1)
        if self.use_bias:
            y = self._add_bias(y, self._weights[-1])
        y = np.ascontiguousarray(y)
        if self.activation == "linear":
            return y
        if self.activation == "relu":
            # activations' np.where(y < 0, 0, y), in place and 5x faster: np.maximum
            # keeps NaN but turns -0.0 into 0.0, so those are put back.
            negative_zero = (y == 0) & np.signbit(y)
            np.maximum(y, 0, out=y)
            if negative_zero.any():
                y[negative_zero] = -0.0
            return y
        return np.asarray(activations.numpy_function(self.activation)(y), self.dtype)

    def _add_bias(self, y: np.ndarray, bias: np.ndarray) -> np.ndarray:
        """Keras's ``ops.add(outputs, reshape(bias, ...))``. On TensorFlow it becomes
        ``tf.nn.bias_add``, "NHWC" whenever the output's last axis has the bias's
        length (keras/src/backend/tensorflow/numpy.py ``add``): so with
        channels_first and a last spatial size equal to the number of output
        channels (> 1), Keras adds the bias along that spatial axis. fastrnn
        computes what Keras computes."""
        if self.data_format == "channels_last" or (bias.size > 1 and y.shape[-1] == bias.size):
            y += bias
        else:
            y += bias.reshape((bias.size,) + (1,) * self.rank)
        return y

    def _compute(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    # ------------------------------------------------------------ config
    def _config_head(self) -> dict:
        return {"kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate}


class _Conv(_BaseConv):
    """Conv1D, Conv2D and Conv3D."""

    def __init__(self, filters: Any, kernel_size: Any, strides: Any = 1, padding: Any = "valid",
                 data_format: Any = None, dilation_rate: Any = 1, groups: Any = 1,
                 activation: Any = None, use_bias: Any = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, activity_regularizer, **kwargs)
        self.filters = _positive(filters, "filters")
        if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups <= 0:
            raise ValueError("The number of groups must be a positive integer. "
                             f"Received: groups={groups!r}.")
        self.groups = int(groups)
        if self.filters % self.groups:
            raise ValueError("The number of filters must be evenly divisible by the number "
                             f"of groups. Received: groups={self.groups}, "
                             f"filters={self.filters}.")
        self._check_strides_dilation()
        self.kernel_initializer = get_initializer(kernel_initializer)
        self.bias_initializer = get_initializer(bias_initializer)
        self.kernel_regularizer = _serialize_extra(kernel_regularizer, _REGULARIZERS,
                                                   "keras.regularizers", "regularizer")
        self.bias_regularizer = _serialize_extra(bias_regularizer, _REGULARIZERS,
                                                 "keras.regularizers", "regularizer")
        self.kernel_constraint = _serialize_extra(kernel_constraint, _CONSTRAINTS,
                                                  "keras.constraints", "constraint")
        self.bias_constraint = _serialize_extra(bias_constraint, _CONSTRAINTS,
                                                "keras.constraints", "constraint")

    def _check_channels(self, channels: int) -> None:
        if channels % self.groups:
            raise ValueError(
                "The number of input channels must be evenly divisible by the number of "
                f"groups. Received groups={self.groups}, but the input has {channels} "
                "channels")

    def _kernel_shapes(self, channels: int) -> list:
        shapes = [("kernel", self.kernel_size + (channels // self.groups, self.filters))]
        return shapes + ([("bias", (self.filters,))] if self.use_bias else [])

    def _channels_from(self, arrays: list) -> int:
        kernel = arrays[0]
        if kernel.ndim != self.rank + 2:
            raise ValueError(f"{type(self).__name__} weight 'kernel' must be "
                             f"{self.rank + 2}-D (*kernel_size, channels // groups, filters), "
                             f"got shape {kernel.shape}")
        return kernel.shape[-2] * self.groups

    def _out_channels(self, channels: Any) -> Any:
        return self.filters

    def _compute(self, x: np.ndarray) -> np.ndarray:
        pads = _conv_pads(x.shape[1:-1], self.kernel_size, self.strides, self.dilation_rate,
                          self.padding)
        return _conv(x, self._weights[0], self.strides, self.dilation_rate, pads, self.groups)

    def get_config(self) -> dict:
        """Return the base config plus Keras's convolution keys (``filters``,
        ``kernel_size``, ..., ``bias_constraint``)."""
        return {**super().get_config(), "filters": self.filters, **self._config_head(),
                "groups": self.groups, "activation": self.activation, "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": self.kernel_regularizer,
                "bias_regularizer": self.bias_regularizer,
                "activity_regularizer": self.activity_regularizer,
                "kernel_constraint": self.kernel_constraint,
                "bias_constraint": self.bias_constraint}


class _DepthwiseConv(_BaseConv):
    """DepthwiseConv1D and DepthwiseConv2D: a grouped convolution with a group per
    input channel (output channel ``c * depth_multiplier + j``)."""

    def __init__(self, kernel_size: Any, strides: Any = 1, padding: Any = "valid",
                 depth_multiplier: Any = 1, data_format: Any = None, dilation_rate: Any = 1,
                 activation: Any = None, use_bias: Any = True,
                 depthwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 depthwise_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, depthwise_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, activity_regularizer, **kwargs)
        self.depth_multiplier = _positive(depth_multiplier, "depth_multiplier")
        self.depthwise_initializer = get_initializer(depthwise_initializer)
        self.bias_initializer = get_initializer(bias_initializer)
        self.depthwise_regularizer = _serialize_extra(depthwise_regularizer, _REGULARIZERS,
                                                      "keras.regularizers", "regularizer")
        self.bias_regularizer = _serialize_extra(bias_regularizer, _REGULARIZERS,
                                                 "keras.regularizers", "regularizer")
        self.depthwise_constraint = _serialize_extra(depthwise_constraint, _CONSTRAINTS,
                                                     "keras.constraints", "constraint")
        self.bias_constraint = _serialize_extra(bias_constraint, _CONSTRAINTS,
                                                "keras.constraints", "constraint")

    def _initializer(self, weight: str) -> Any:
        return self.bias_initializer if weight == "bias" else self.depthwise_initializer

    def _kernel_shapes(self, channels: int) -> list:
        shapes = [("kernel", self.kernel_size + (channels, self.depth_multiplier))]
        return shapes + ([("bias", (channels * self.depth_multiplier,))] if self.use_bias
                         else [])

    def _channels_from(self, arrays: list) -> int:
        kernel = arrays[0]
        if kernel.ndim != self.rank + 2:
            raise ValueError(f"{type(self).__name__} weight 'kernel' must be "
                             f"{self.rank + 2}-D (*kernel_size, channels, depth_multiplier), "
                             f"got shape {kernel.shape}")
        return kernel.shape[-2]

    def _out_channels(self, channels: Any) -> Any:
        return None if channels is None else channels * self.depth_multiplier

    def _depthwise(self, x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
        pads = _conv_pads(x.shape[1:-1], self.kernel_size, self.strides, self.dilation_rate,
                          self.padding)
        channels = kernel.shape[-2]
        grouped = kernel.reshape(self.kernel_size + (1, channels * kernel.shape[-1]))
        return _conv(x, grouped, self.strides, self.dilation_rate, pads, channels)

    def _compute(self, x: np.ndarray) -> np.ndarray:
        return self._depthwise(x, self._weights[0])

    def get_config(self) -> dict:
        """Return the base config plus Keras's depthwise keys (``depth_multiplier``,
        ``kernel_size``, ..., ``bias_constraint``)."""
        return {**super().get_config(), "depth_multiplier": self.depth_multiplier,
                **self._config_head(), "activation": self.activation,
                "use_bias": self.use_bias,
                "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "depthwise_regularizer": self.depthwise_regularizer,
                "bias_regularizer": self.bias_regularizer,
                "activity_regularizer": self.activity_regularizer,
                "depthwise_constraint": self.depthwise_constraint,
                "bias_constraint": self.bias_constraint}


class _SeparableConv(_DepthwiseConv):
    """SeparableConv1D and SeparableConv2D: a depthwise convolution, then a 1x1
    (pointwise) one, then the bias."""

    def __init__(self, filters: Any, kernel_size: Any, strides: Any = 1, padding: Any = "valid",
                 data_format: Any = None, dilation_rate: Any = 1, depth_multiplier: Any = 1,
                 activation: Any = None, use_bias: Any = True,
                 depthwise_initializer: Any = "glorot_uniform",
                 pointwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 depthwise_regularizer: Any = None, pointwise_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 depthwise_constraint: Any = None, pointwise_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(kernel_size, strides=strides, padding=padding,
                         depth_multiplier=depth_multiplier, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         depthwise_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer,
                         depthwise_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         depthwise_constraint=depthwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)
        self.filters = _positive(filters, "filters")
        self.pointwise_initializer = get_initializer(pointwise_initializer)
        self.pointwise_regularizer = _serialize_extra(pointwise_regularizer, _REGULARIZERS,
                                                      "keras.regularizers", "regularizer")
        self.pointwise_constraint = _serialize_extra(pointwise_constraint, _CONSTRAINTS,
                                                     "keras.constraints", "constraint")

    def _initializer(self, weight: str) -> Any:
        return {"bias": self.bias_initializer, "depthwise_kernel": self.depthwise_initializer,
                "pointwise_kernel": self.pointwise_initializer}[weight]

    def _kernel_shapes(self, channels: int) -> list:
        m = self.depth_multiplier
        shapes = [("depthwise_kernel", self.kernel_size + (channels, m)),
                  ("pointwise_kernel", (1,) * self.rank + (channels * m, self.filters))]
        return shapes + ([("bias", (self.filters,))] if self.use_bias else [])

    def _channels_from(self, arrays: list) -> int:
        kernel = arrays[0]
        if kernel.ndim != self.rank + 2:
            raise ValueError(f"{type(self).__name__} weight 'depthwise_kernel' must be "
                             f"{self.rank + 2}-D (*kernel_size, channels, depth_multiplier), "
                             f"got shape {kernel.shape}")
        return kernel.shape[-2]

    def _out_channels(self, channels: Any) -> Any:
        return self.filters

    def _compute(self, x: np.ndarray) -> np.ndarray:
        y = self._depthwise(x, self._weights[0])
        pointwise = self._weights[1]
        return y @ pointwise.reshape(pointwise.shape[-2:])

    def get_config(self) -> dict:
        """Return the base config plus Keras's separable keys (``depth_multiplier``,
        ``filters``, ..., ``bias_constraint``)."""
        config = Layer.get_config(self)
        config.update({"depth_multiplier": self.depth_multiplier, "filters": self.filters,
                       **self._config_head(), "activation": self.activation,
                       "use_bias": self.use_bias,
                       "depthwise_initializer": initializers.serialize(
                           self.depthwise_initializer),
                       "pointwise_initializer": initializers.serialize(
                           self.pointwise_initializer),
                       "bias_initializer": initializers.serialize(self.bias_initializer),
                       "depthwise_regularizer": self.depthwise_regularizer,
                       "pointwise_regularizer": self.pointwise_regularizer,
                       "bias_regularizer": self.bias_regularizer,
                       "activity_regularizer": self.activity_regularizer,
                       "depthwise_constraint": self.depthwise_constraint,
                       "pointwise_constraint": self.pointwise_constraint,
                       "bias_constraint": self.bias_constraint})
        return config


class _ConvTranspose(_Conv):
    """Conv1DTranspose and Conv2DTranspose."""

    def __init__(self, filters: Any, kernel_size: Any, strides: Any = 1, padding: Any = "valid",
                 output_padding: Any = None, data_format: Any = None, dilation_rate: Any = 1,
                 activation: Any = None, use_bias: Any = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         **kwargs)
        self.output_padding = None if output_padding is None else _tuple(
            output_padding, self.rank, "output_padding", allow_zero=True)
        if self.output_padding is not None:
            for i, (op, s) in enumerate(zip(self.output_padding, self.strides)):
                if op >= s:
                    raise ValueError(
                        "`output_padding` must be strictly less than `strides` for all "
                        f"dimensions. At dimension {i}, `output_padding` is {op} but "
                        f"`strides` is {s}. Received: output_padding={self.output_padding}, "
                        f"strides={self.strides}")

    def _kernel_shapes(self, channels: int) -> list:
        shapes = [("kernel", self.kernel_size + (self.filters, channels))]
        return shapes + ([("bias", (self.filters,))] if self.use_bias else [])

    def _channels_from(self, arrays: list) -> int:
        kernel = arrays[0]
        if kernel.ndim != self.rank + 2:
            raise ValueError(f"{type(self).__name__} weight 'kernel' must be "
                             f"{self.rank + 2}-D (*kernel_size, filters, channels), "
                             f"got shape {kernel.shape}")
        return kernel.shape[-1]

    def _out_spatial(self, spatial: tuple) -> tuple:
        ops = self.output_padding or (None,) * self.rank
        return tuple(_transpose_out_size(n, k, s, d, self.padding, op) for n, k, s, d, op in
                     zip(spatial, self.kernel_size, self.strides, self.dilation_rate, ops))

    def _compute(self, x: np.ndarray) -> np.ndarray:
        return _conv_transpose(x, self._weights[0], self.strides, self.dilation_rate,
                               self.padding, self.output_padding,
                               f"{type(self).__name__} {self.name!r}")

    def get_config(self) -> dict:
        """Return the base config plus Keras's transposed-convolution keys
        (``filters``, ``kernel_size``, ``strides``, ``padding``, ``output_padding``,
        ..., ``bias_constraint``)."""
        config = Layer.get_config(self)
        config.update({"filters": self.filters, "kernel_size": self.kernel_size,
                       "strides": self.strides, "padding": self.padding,
                       "output_padding": self.output_padding, "data_format": self.data_format,
                       "dilation_rate": self.dilation_rate, "activation": self.activation,
                       "use_bias": self.use_bias,
                       "kernel_initializer": initializers.serialize(self.kernel_initializer),
                       "bias_initializer": initializers.serialize(self.bias_initializer),
                       "kernel_regularizer": self.kernel_regularizer,
                       "bias_regularizer": self.bias_regularizer,
                       "activity_regularizer": self.activity_regularizer,
                       "kernel_constraint": self.kernel_constraint,
                       "bias_constraint": self.bias_constraint})
        return config


# ---------------------------------------------------------------------------
# The public classes, and their documentation, written once.
# ---------------------------------------------------------------------------

_P = {
    "filters": """filters : int
    The dimension of the output space (the number of filters in the
    convolution).""",
    "kernel_size": """kernel_size : int or tuple of {rank} ints
    The size of the convolution window.""",
    "strides": """strides : int or tuple of {rank} ints, default {one}
    The stride length of the convolution. ``strides > 1`` is incompatible
    with ``dilation_rate > 1``{stride_note}.""",
    "padding": """padding : {{{paddings}}}, default "valid"
    ``"valid"`` means no padding. ``"same"`` pads evenly so that the output
    has ``ceil(size / strides)`` positions, the odd pixel at the end (as
    TensorFlow's "SAME").{causal} Case-insensitive.""",
    "padding_transpose": """padding : {{"valid", "same"}}, default "valid"
    As Keras's: ``"valid"`` gives ``(size - 1) * strides + max(kernel,
    strides)`` positions (``output_padding`` replacing the excess over the
    dilated kernel), ``"same"`` gives ``size * strides`` (or ``(size - 1) *
    strides + kernel % 2 + output_padding``).""",
    "output_padding": """output_padding : int or tuple of {rank} ints, optional
    The amount of padding along each spatial axis of the output; each must
    be less than the stride. None (the default) infers it.""",
    "data_format": """data_format : {{"channels_last", "channels_first"}}, optional
    The ordering of the axes: ``(batch, {spatial}, channels)`` or ``(batch,
    channels, {spatial})``. Default (None) ``"channels_last"``, Keras's
    default ``image_data_format``.""",
    "dilation_rate": """dilation_rate : int or tuple of {rank} ints, default {one}
    The dilation rate to use for dilated convolution.""",
    "groups": """groups : int, default 1
    The number of groups the input channels are split into along the channel
    axis; each group is convolved separately with ``filters // groups``
    filters and the outputs are concatenated. Both ``filters`` and the input
    channels must be divisible by it.""",
    "depth_multiplier": """depth_multiplier : int, default 1
    The number of depthwise convolution output channels for each input
    channel (output channel ``c * depth_multiplier + j``).""",
    "activation": """activation : str or None, default None
    Activation function, any name in ``fastrnn.activations.NAMES``; None is
    linear. Applied to the output in its data format (a softmax is over
    the last axis, as Keras applies it).""",
    "use_bias": """use_bias : bool, default True
    Whether the layer adds a bias vector to the output.""",
    "kernel_initializer": """kernel_initializer, bias_initializer : str, dict or Initializer
    Initializers for the kernel (default "glorot_uniform") and the bias
    (default "zeros"), drawn unseeded when the layer builds.""",
    "depthwise_initializer": """depthwise_initializer, bias_initializer : str, dict or Initializer
    Initializers for the depthwise kernel (default "glorot_uniform") and the
    bias (default "zeros").""",
    "separable_initializers": "depthwise_initializer, pointwise_initializer, bias_initializer"
    """ : str, dict or Initializer
    Initializers for the depthwise and the pointwise kernels (default
    "glorot_uniform") and the bias (default "zeros").""",
    "training_only": """{names} : optional
    Training-only: accepted and kept in the config (None, a Keras config
    dict, or a Keras shortcut name such as "l2" or "non_neg", which the
    config reports as Keras's dict).""",
    "kwargs": """**kwargs
    The arguments of every layer (see ``fastrnn.Layer``): ``name``, ``dtype``
    ("float32", the default, or "float64": of the weights and outputs),
    ``trainable``, and Keras's ignored build-only keywords.""",
}

_CALL = """Call arguments
--------------
x : array-like
    ({shape}), of rank {ndim}; an unbuilt layer builds its weights for the
    channel axis.
training : bool, optional
    Accepted and ignored (inference only).

Returns
-------
ndarray
    ({out_shape}), of the layer's dtype, with the output
    sizes ``compute_output_shape`` gives (as Keras computes them). A mask
    is not supported (as in Keras): the layer drops it."""


def _doc(summary: str, names: list, rank: int, notes: str, examples: str,
         **fmt: Any) -> str:
    spatial = {1: "steps", 2: "rows, cols", 3: "dim1, dim2, dim3"}[rank]
    fmt = {"rank": rank, "one": "1" if rank == 1 else str((1,) * rank), "spatial": spatial,
           "paddings": '"valid", "same", "causal"' if fmt.get("causal") else '"valid", "same"',
           "stride_note": "", **fmt}
    fmt["causal"] = (' ``"causal"`` pads ``dilation_rate * (kernel_size - 1)`` steps at the '
                     'start only, so that ``output[t]`` does not depend on ``input[t + 1:]``.'
                     if fmt.get("causal") else "")
    params = []
    for name in names:
        if name.startswith("training_only:"):
            params.append(_P["training_only"].format(names=name.split(":", 1)[1]))
        else:
            params.append(_P[name].format(**fmt))
    out_channels = fmt.get("out_channels", "filters")
    call = _CALL.format(
        ndim=rank + 2, shape=f"batch, {spatial}, channels",
        out_shape=f"batch, {spatial}, {out_channels}")
    call += ("\n    With ``data_format=\"channels_first\"`` both are (batch, channels, "
             f"{spatial}).")
    return (f"{summary}\n\nParameters\n----------\n" + "\n".join(params) + "\n\n" + call
            + f"\n\nNotes\n-----\n{notes}\n\nExamples\n--------\n{examples}\n")


_CONV_PARAMS = ["filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
                "groups", "activation", "use_bias", "kernel_initializer",
                "training_only:kernel_regularizer, bias_regularizer, activity_regularizer, "
                "kernel_constraint, bias_constraint", "kwargs"]
_DEPTHWISE_PARAMS = ["kernel_size", "strides", "padding", "depth_multiplier", "data_format",
                     "dilation_rate", "activation", "use_bias", "depthwise_initializer",
                     "training_only:depthwise_regularizer, bias_regularizer, "
                     "activity_regularizer, depthwise_constraint, bias_constraint", "kwargs"]
_SEPARABLE_PARAMS = ["filters", "kernel_size", "strides", "padding", "data_format",
                     "dilation_rate", "depth_multiplier", "activation", "use_bias",
                     "separable_initializers",
                     "training_only:depthwise_regularizer, pointwise_regularizer, "
                     "bias_regularizer, activity_regularizer, depthwise_constraint, "
                     "pointwise_constraint, bias_constraint", "kwargs"]
_TRANSPOSE_PARAMS = ["filters", "kernel_size", "strides", "padding_transpose",
                     "output_padding", "data_format", "dilation_rate", "activation",
                     "use_bias", "kernel_initializer",
                     "training_only:kernel_regularizer, bias_regularizer, "
                     "activity_regularizer, kernel_constraint, bias_constraint", "kwargs"]

_CONV_NOTES = """Weights, in Keras's order and layout: ``[kernel (*kernel_size,
channels // groups, filters), bias (filters,)]``; no bias with
``use_bias=False``. Computed as im2col (a strided view of the padded input,
copied once) times the kernel in one BLAS matmul; ``groups > 1`` is one
batched matmul, a matrix per group."""
_DEPTHWISE_NOTES = """Weights, in Keras's order and layout: ``[kernel (*kernel_size, channels,
depth_multiplier), bias (channels * depth_multiplier,)]``. Unlike ``Conv``
layers, ``strides > 1`` combines with ``dilation_rate > 1`` (Keras's
TensorFlow backend then convolves at stride 1 and subsamples, which is the
same arithmetic). Computed as a grouped convolution with one group per
input channel."""
_SEPARABLE_NOTES = """Weights, in Keras's order and layout: ``[depthwise_kernel (*kernel_size,
channels, depth_multiplier), pointwise_kernel (1, ..., channels *
depth_multiplier, filters), bias (filters,)]``: the depthwise convolution
(see ``DepthwiseConv2D``), then the pointwise one (a matmul), then the
bias. ``strides > 1`` combines with ``dilation_rate > 1``."""
_TRANSPOSE_NOTES = """Weights, in Keras's order and layout: ``[kernel (*kernel_size, filters,
channels), bias (filters,)]``. Computed as TensorFlow's ``conv_transpose``
(the gradient of the convolution of an output-sized input): one matmul of
the input by the kernel, a strided scatter-add per kernel tap, and the
crop that TensorFlow's "SAME" geometry gives. Output sizes TensorFlow
refuses (``padding="same"``, an even dilated kernel and
``output_padding=0``) raise ValueError here too."""


class Conv1D(_Conv):
    rank = 1
    _allow_causal = True

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate: Any = 1, groups: int = 1,
                 activation: str | None = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)


class Conv2D(_Conv):
    rank = 2

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1),
                 padding: str = "valid", data_format: str | None = None,
                 dilation_rate: Any = (1, 1), groups: int = 1, activation: str | None = None,
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)


class Conv3D(_Conv):
    rank = 3

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1, 1),
                 padding: str = "valid", data_format: str | None = None,
                 dilation_rate: Any = (1, 1, 1), groups: int = 1,
                 activation: str | None = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)


class DepthwiseConv1D(_DepthwiseConv):
    rank = 1

    def __init__(self, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 depth_multiplier: int = 1, data_format: str | None = None,
                 dilation_rate: Any = 1, activation: str | None = None, use_bias: bool = True,
                 depthwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 depthwise_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, depthwise_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, depthwise_initializer,
                         bias_initializer, depthwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, bias_constraint, **kwargs)


class DepthwiseConv2D(_DepthwiseConv):
    rank = 2

    def __init__(self, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid",
                 depth_multiplier: int = 1, data_format: str | None = None,
                 dilation_rate: Any = (1, 1), activation: str | None = None,
                 use_bias: bool = True, depthwise_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", depthwise_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 depthwise_constraint: Any = None, bias_constraint: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, depthwise_initializer,
                         bias_initializer, depthwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, bias_constraint, **kwargs)


class SeparableConv1D(_SeparableConv):
    rank = 1

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate: Any = 1,
                 depth_multiplier: int = 1, activation: str | None = None,
                 use_bias: bool = True, depthwise_initializer: Any = "glorot_uniform",
                 pointwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 depthwise_regularizer: Any = None, pointwise_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 depthwise_constraint: Any = None, pointwise_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         depth_multiplier, activation, use_bias, depthwise_initializer,
                         pointwise_initializer, bias_initializer, depthwise_regularizer,
                         pointwise_regularizer, bias_regularizer, activity_regularizer,
                         depthwise_constraint, pointwise_constraint, bias_constraint, **kwargs)


class SeparableConv2D(_SeparableConv):
    rank = 2

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1),
                 padding: str = "valid", data_format: str | None = None,
                 dilation_rate: Any = (1, 1), depth_multiplier: int = 1,
                 activation: str | None = None, use_bias: bool = True,
                 depthwise_initializer: Any = "glorot_uniform",
                 pointwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 depthwise_regularizer: Any = None, pointwise_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 depthwise_constraint: Any = None, pointwise_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         depth_multiplier, activation, use_bias, depthwise_initializer,
                         pointwise_initializer, bias_initializer, depthwise_regularizer,
                         pointwise_regularizer, bias_regularizer, activity_regularizer,
                         depthwise_constraint, pointwise_constraint, bias_constraint, **kwargs)


class Conv1DTranspose(_ConvTranspose):
    rank = 1

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 output_padding: Any = None, data_format: str | None = None,
                 dilation_rate: Any = 1, activation: str | None = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


class Conv2DTranspose(_ConvTranspose):
    rank = 2

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1),
                 padding: str = "valid", output_padding: Any = None,
                 data_format: str | None = None, dilation_rate: Any = (1, 1),
                 activation: str | None = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


Conv1D.__doc__ = _doc(
    "1D convolution layer, e.g. temporal convolution (keras.layers.Conv1D).\n\n"
    "Convolves ``filters`` kernels over the steps of the input, adds the bias and\n"
    "applies the activation, as Keras 3 on TensorFlow computes it.",
    _CONV_PARAMS, 1, _CONV_NOTES, """>>> import numpy as np
>>> import fastrnn
>>> layer = fastrnn.Conv1D(1, 2, padding="causal", use_bias=False)
>>> layer.set_weights([np.ones((2, 1, 1))])
>>> layer(np.arange(1.0, 5.0).reshape(1, 4, 1))[0, :, 0]
array([1., 3., 5., 7.], dtype=float32)
>>> fastrnn.Conv1D(8, 3, strides=2).compute_output_shape((None, 10, 4))
(None, 4, 8)""", causal=True)
Conv2D.__doc__ = _doc(
    "2D convolution layer (keras.layers.Conv2D).\n\n"
    "Convolves ``filters`` kernels over the rows and columns of the input, adds the\n"
    "bias and applies the activation, as Keras 3 on TensorFlow computes it.",
    _CONV_PARAMS, 2, _CONV_NOTES, """>>> import numpy as np
>>> import fastrnn
>>> layer = fastrnn.Conv2D(2, 3, padding="same", activation="relu")
>>> layer.build((None, 5, 4, 3))
>>> [w.shape for w in layer.get_weights()]
[(3, 3, 3, 2), (2,)]
>>> layer(np.ones((1, 5, 4, 3))).shape
(1, 5, 4, 2)
>>> fastrnn.Conv2D(4, (3, 2), strides=2, groups=2).compute_output_shape((None, 9, 8, 6))
(None, 4, 4, 4)""")
Conv3D.__doc__ = _doc(
    "3D convolution layer, e.g. spatial convolution over volumes (keras.layers.Conv3D).",
    _CONV_PARAMS, 3, _CONV_NOTES, """>>> import numpy as np
>>> import fastrnn
>>> layer = fastrnn.Conv3D(2, 2, data_format="channels_first")
>>> layer(np.ones((1, 3, 4, 4, 4))).shape
(1, 2, 3, 3, 3)""")
DepthwiseConv1D.__doc__ = _doc(
    "1D depthwise convolution layer (keras.layers.DepthwiseConv1D).\n\n"
    "Convolves each input channel with its own ``depth_multiplier`` kernels.",
    _DEPTHWISE_PARAMS, 1, _DEPTHWISE_NOTES, """>>> import numpy as np
>>> import fastrnn
>>> layer = fastrnn.DepthwiseConv1D(3, depth_multiplier=2, padding="same")
>>> layer(np.ones((1, 6, 4))).shape
(1, 6, 8)""", out_channels="channels * depth_multiplier")
DepthwiseConv2D.__doc__ = _doc(
    "2D depthwise convolution layer (keras.layers.DepthwiseConv2D).\n\n"
    "Convolves each input channel with its own ``depth_multiplier`` kernels.",
    _DEPTHWISE_PARAMS, 2, _DEPTHWISE_NOTES, """>>> import numpy as np
>>> import fastrnn
>>> layer = fastrnn.DepthwiseConv2D(3, strides=2, dilation_rate=2, padding="same")
>>> layer.build((None, 9, 9, 3))
>>> [w.shape for w in layer.get_weights()]
[(3, 3, 3, 1), (3,)]
>>> layer(np.ones((2, 9, 9, 3))).shape
(2, 5, 5, 3)""", out_channels="channels * depth_multiplier")
SeparableConv1D.__doc__ = _doc(
    "1D separable convolution layer (keras.layers.SeparableConv1D).\n\n"
    "A depthwise convolution, then a pointwise one mixing the channels.",
    _SEPARABLE_PARAMS, 1, _SEPARABLE_NOTES, """>>> import numpy as np
>>> import fastrnn
>>> layer = fastrnn.SeparableConv1D(4, 3, depth_multiplier=2)
>>> layer.build((None, 7, 3))
>>> [w.shape for w in layer.get_weights()]
[(3, 3, 2), (1, 6, 4), (4,)]
>>> layer(np.ones((1, 7, 3))).shape
(1, 5, 4)""")
SeparableConv2D.__doc__ = _doc(
    "2D separable convolution layer (keras.layers.SeparableConv2D).\n\n"
    "A depthwise convolution, then a pointwise one mixing the channels.",
    _SEPARABLE_PARAMS, 2, _SEPARABLE_NOTES, """>>> import numpy as np
>>> import fastrnn
>>> layer = fastrnn.SeparableConv2D(4, 3, padding="same")
>>> layer(np.ones((1, 5, 5, 2))).shape
(1, 5, 5, 4)""")
Conv1DTranspose.__doc__ = _doc(
    "1D transposed convolution layer (keras.layers.Conv1DTranspose).\n\n"
    "The transpose of a convolution: it upsamples by ``strides``.",
    _TRANSPOSE_PARAMS, 1, _TRANSPOSE_NOTES, """>>> import numpy as np
>>> import fastrnn
>>> layer = fastrnn.Conv1DTranspose(1, 2, strides=2, use_bias=False)
>>> layer.set_weights([np.array([[[1.0]], [[10.0]]])])
>>> layer(np.array([[[1.0], [2.0]]]))[0, :, 0]
array([ 1., 10.,  2., 20.], dtype=float32)""")
Conv2DTranspose.__doc__ = _doc(
    "2D transposed convolution layer (keras.layers.Conv2DTranspose).\n\n"
    "The transpose of a convolution: it upsamples by ``strides``.",
    _TRANSPOSE_PARAMS, 2, _TRANSPOSE_NOTES, """>>> import numpy as np
>>> import fastrnn
>>> layer = fastrnn.Conv2DTranspose(3, 3, strides=2, padding="same")
>>> layer.build((None, 4, 5, 2))
>>> [w.shape for w in layer.get_weights()]
[(3, 3, 3, 2), (3,)]
>>> layer(np.ones((1, 4, 5, 2))).shape
(1, 8, 10, 3)
>>> fastrnn.Conv2DTranspose(3, 3, strides=2, output_padding=0).compute_output_shape(
...     (None, 4, 5, 2))
(None, 9, 11, 3)""")
