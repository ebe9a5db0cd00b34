"""ConvLSTM1D, ConvLSTM2D and ConvLSTM3D with the Keras 3 interface.

Keras's recurrent-convolutional layers (keras/src/layers/rnn/conv_lstm.py):
an LSTM whose input and recurrent transformations are convolutions. Per
timestep, with gates i, f, c, o::

    z = conv(x_t, kernel, strides, padding, dilation_rate) + bias
        + conv(h, recurrent_kernel, strides 1, "same")
    c = f * c + i * activation(z_c);  h = o * activation(c)

The whole recurrence runs in one call of the compiled kernel
(fastrnn/_conv_lstm.pxi) without the GIL: per step, the patches of x_t and h
(im2col) are written a block of rows at a time into a preallocated buffer
and multiplied by the stacked kernels with BLAS gemm; the gate math is the
LSTM kernel's. Every rank runs as 3-D, channels last: ``channels_first``
input is transposed on the way in and the outputs on the way out.

Masks, ``initial_state``, ``stateful``, ``go_backwards``,
``return_sequences`` and ``return_state`` follow keras/src/layers/rnn/rnn.py
and the backend's rnn loop: a masked timestep keeps the states and repeats
the previous output (zeros with ``zero_output_for_mask=True``).
"""
from __future__ import annotations

import threading
from typing import Any

import numpy as np

from . import _blas, _dispatch, _validate, activations, graph, initializers
from .graph import KerasTensor
from .layer import Layer

__all__ = ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]

# Keras arguments that only matter for training, with their defaults.
_TRAINING_ARGS: dict[str, Any] = {
    "kernel_regularizer": None, "recurrent_regularizer": None, "bias_regularizer": None,
    "activity_regularizer": None, "kernel_constraint": None, "recurrent_constraint": None,
    "bias_constraint": None, "dropout": 0.0, "recurrent_dropout": 0.0,
}
# Patches per gemm: a block of about this many bytes. Large: each gemm call
# wakes the BLAS's threads, and on a busy machine small calls (2 MiB blocks)
# ran 3x slower than 32 MiB ones (benchmarks/conv_lstm_keras.py's shapes).
_BLOCK_BYTES = 1 << 25
_ROWWISE = ("softmax", "log_softmax", "sparsemax")


def _flag(cls: str, name: str, value: Any) -> bool:
    try:
        return bool(value)
    except Exception as e:  # noqa: BLE001 - whatever __bool__ raised
        raise ValueError(
            f"{cls} expected a bool for argument `{name}`, got {value!r} ({e})") from None


def _tuple(cls: str, value: Any, rank: int, name: str) -> tuple[int, ...]:
    """Keras's standardize_tuple: an int for every axis, or one per axis, each >= 1."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        values: tuple[Any, ...] = (value,) * rank
    elif isinstance(value, (tuple, list)):
        values = tuple(value)
    else:
        values = ()
    if (len(values) != rank or any(isinstance(v, bool) or not isinstance(v, (int, np.integer))
                                   or v < 1 for v in values)):
        raise ValueError(f"{cls}: the `{name}` argument must be an integer or a tuple of "
                         f"{rank} positive integers. Received {name}={value!r}")
    return tuple(int(v) for v in values)


def _initializer(identifier: Any) -> Any:
    """``fastrnn.initializers.get``, also reading Keras 3.15's VarianceScaling
    configs, which add ``input_axes`` / ``output_axes`` (None: the default
    fans, which is what fastrnn computes)."""
    if isinstance(identifier, dict) and isinstance(identifier.get("config"), dict):
        config = identifier["config"]
        if (config.get("input_axes", None) is None and config.get("output_axes", None) is None
                and ("input_axes" in config or "output_axes" in config)):
            config = {k: v for k, v in config.items() if k not in ("input_axes", "output_axes")}
            identifier = {**identifier, "config": config}
    return initializers.get(identifier)


def _conv_geometry(size: int, k: int, s: int, d: int, padding: str) -> tuple[int, int]:
    """(output size, leading pad) of one axis, as TensorFlow's convolution has them."""
    if padding == "valid":
        return (size - d * (k - 1) - 1) // s + 1, 0
    out = -(-size // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return out, total // 2       # "SAME": the odd pad goes at the end


class _ConvLSTM(Layer):
    """What ConvLSTM1D, ConvLSTM2D and ConvLSTM3D share (not public)."""

    _rank = 2
    supports_masking = True
    has_weights = True

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1,
                 padding: str = "valid", data_format: str | None = None,
                 dilation_rate: Any = 1, activation: str | None = "tanh",
                 recurrent_activation: str | None = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 unit_forget_bias: bool = True, kernel_regularizer: Any = None,
                 recurrent_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 recurrent_constraint: Any = None, bias_constraint: Any = None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, seed: int | None = None,
                 return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        cls, rank = type(self).__name__, self._rank
        if (isinstance(filters, bool) or not isinstance(filters, (int, np.integer))
                or filters <= 0):
            raise ValueError(f"{cls}: `filters` must be a positive integer, got {filters!r}")
        self.filters = int(filters)
        self.kernel_size = _tuple(cls, kernel_size, rank, "kernel_size")
        self.strides = _tuple(cls, strides, rank, "strides")
        self.dilation_rate = _tuple(cls, dilation_rate, rank, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "Specifying `strides > 1` is not compatible with `dilation_rate > 1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}")
        padding = str(padding).lower()
        if padding not in ("valid", "same"):
            raise ValueError(f"{cls}: `padding` must be 'valid' or 'same', got {padding!r}")
        self.padding = padding
        data_format = "channels_last" if data_format is None else str(data_format).lower()
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"{cls}: `data_format` must be 'channels_last' or "
                             f"'channels_first', got {data_format!r}")
        self.data_format = data_format
        self.activation = activations.serialize(activation)
        self.recurrent_activation = activations.serialize(recurrent_activation)
        if data_format == "channels_first" and (
                self.activation in _ROWWISE or self.recurrent_activation in _ROWWISE):
            # They would normalize over the last spatial axis, which the
            # channels-last kernel does not see as a row.
            raise ValueError(f"{cls}: softmax-like activations are supported with "
                             "data_format='channels_last' only")
        self._codes = (activations.get(self.activation),
                       activations.get(self.recurrent_activation))
        self.use_bias = _flag(cls, "use_bias", use_bias)
        self.unit_forget_bias = _flag(cls, "unit_forget_bias", unit_forget_bias)
        self.kernel_initializer = _initializer(kernel_initializer)
        self.recurrent_initializer = _initializer(recurrent_initializer)
        self.bias_initializer = _initializer(bias_initializer)
        if seed is not None and (isinstance(seed, bool)
                                 or not isinstance(seed, (int, np.integer))):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed!r}")
        self.seed = None if seed is None else int(seed)
        self.return_sequences = _flag(cls, "return_sequences", return_sequences)
        self.return_state = _flag(cls, "return_state", return_state)
        self.go_backwards = _flag(cls, "go_backwards", go_backwards)
        self.stateful = _flag(cls, "stateful", stateful)
        self.unroll = _flag(cls, "unroll", unroll)
        self.zero_output_for_mask = _flag(cls, "zero_output_for_mask", zero_output_for_mask)
        self._training_args = {
            "kernel_regularizer": kernel_regularizer,
            "recurrent_regularizer": recurrent_regularizer,
            "bias_regularizer": bias_regularizer,
            "activity_regularizer": activity_regularizer,
            "kernel_constraint": kernel_constraint,
            "recurrent_constraint": recurrent_constraint,
            "bias_constraint": bias_constraint,
            "dropout": min(1.0, max(0.0, float(dropout))),
            "recurrent_dropout": min(1.0, max(0.0, float(recurrent_dropout))),
        }
        self._frame: tuple[int, ...] | None = None   # the spatial size build saw
        self._kernels: dict[tuple[int, ...], Any] = {}
        self._states: list[np.ndarray] | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------ shapes
    def _channel_axis(self, ndim: int) -> int:
        return 2 if self.data_format == "channels_first" else ndim - 1

    def _split_shape(self, shape: tuple, what: str) -> tuple[Any, tuple]:
        """(channels, spatial sizes) of a (batch, timesteps, ...) shape."""
        cls, rank = type(self).__name__, self._rank
        if len(shape) != rank + 3:
            raise ValueError(
                f"{cls} expected {what} of rank {rank + 3} (batch, timesteps, "
                + ("channels, *spatial" if self.data_format == "channels_first"
                   else "*spatial, channels")
                + f"), got shape {tuple(shape)}")
        if self.data_format == "channels_first":
            return shape[2], tuple(shape[3:])
        return shape[-1], tuple(shape[2:-1])

    def _out_spatial(self, spatial: tuple) -> tuple:
        out = []
        for size, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate):
            out.append(None if size is None else _conv_geometry(size, k, s, d, self.padding)[0])
        return tuple(out)

    def _state_shape(self, batch: Any, out_spatial: tuple) -> tuple:
        if self.data_format == "channels_first":
            return (batch, self.filters) + tuple(out_spatial)
        return (batch,) + tuple(out_spatial) + (self.filters,)

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output shape(s) for ``input_shape`` (batch, timesteps, ...): the
        output's, then with ``return_state`` those of h and c.

        Examples
        --------
        >>> import fastrnn
        >>> layer = fastrnn.ConvLSTM2D(8, 3, strides=2, padding="same", return_state=True)
        >>> layer.compute_output_shape((None, 10, 32, 31, 3))
        [(None, 16, 16, 8), (None, 16, 16, 8), (None, 16, 16, 8)]
        """
        input_shape = tuple(input_shape)
        _, spatial = self._split_shape(input_shape, "input")
        out = self._out_spatial(spatial)
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(f"{type(self).__name__}: the input's spatial size {spatial} is too "
                             f"small for kernel_size={self.kernel_size}, strides="
                             f"{self.strides}, dilation_rate={self.dilation_rate} and "
                             f"padding={self.padding!r} (an empty output)")
        state = self._state_shape(input_shape[0], out)
        output = (state[:1] + (input_shape[1],) + state[1:]) if self.return_sequences else state
        if self.return_state:
            return [output, state, state]
        return output

    def compute_output_spec(self, sequences: Any, mask: Any = None, initial_state: Any = None,
                            training: Any = None) -> Any:
        shapes = self.compute_output_shape(sequences.shape)
        if self.return_state:
            return [KerasTensor(s, self.dtype) for s in shapes]
        return KerasTensor(shapes, self.dtype)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The output's mask: the input mask with ``return_sequences``, else None;
        with ``return_state`` followed by None for h and c."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask, None, None]
        return output_mask

    # ------------------------------------------------------------ weights
    def _expected_weight_shapes(self, arrays: Any) -> list:
        channels = 0
        if self._weights:
            channels = self._weights[0].shape[-2]
        elif arrays and arrays[0].ndim == self._rank + 2:
            channels = arrays[0].shape[-2]
        width = 4 * self.filters
        shapes = [("kernel", self.kernel_size + (channels, width)),
                  ("recurrent_kernel", self.kernel_size + (self.filters, width))]
        if self.use_bias:
            shapes.append(("bias", (width,)))
        return shapes

    def _weight_groups(self) -> list:
        return [("cell/vars", 2 + int(self.use_bias))]

    @property
    def input_dim(self) -> int | None:
        """The number of input channels the weights are for, or None before build."""
        return int(self._weights[0].shape[-2]) if self._weights else None

    def build(self, input_shape: Any) -> None:
        """Create the weights with the initializers for ``input_shape``.

        Parameters
        ----------
        input_shape : tuple
            ``(batch, timesteps, *spatial, channels)`` (or channels first, as
            ``data_format`` says); only the channels must be known. A layer
            built for known spatial sizes refuses others, as Keras does.

        Examples
        --------
        >>> import fastrnn
        >>> layer = fastrnn.ConvLSTM2D(4, (3, 3), seed=0)
        >>> layer.build((None, 5, 16, 16, 2))
        >>> [w.shape for w in layer.get_weights()]
        [(3, 3, 2, 16), (3, 3, 4, 16), (16,)]
        """
        cls = type(self).__name__
        channels, spatial = self._split_shape(tuple(input_shape), "input_shape")
        if (isinstance(channels, bool) or not isinstance(channels, (int, np.integer))
                or channels < 1):
            raise ValueError(f"{cls}.build: the channel dimension of the inputs should be "
                             f"defined. Found {channels!r} in input_shape={tuple(input_shape)}")
        channels = int(channels)
        width = 4 * self.filters
        k = int(np.prod(self.kernel_size))
        itemsize = np.dtype(self.dtype).itemsize
        _validate.check_bytes(f"{cls}.build({tuple(input_shape)})",
                              k * (channels + self.filters) * width * itemsize,
                              f"kernel {self.kernel_size + (channels, width)}")
        rng = np.random.default_rng(None if self.seed is None else self.seed % 2**64)
        weights = [self.kernel_initializer(self.kernel_size + (channels, width), self.dtype, rng),
                   self.recurrent_initializer(self.kernel_size + (self.filters, width),
                                              self.dtype, rng)]
        if self.use_bias:
            if self.unit_forget_bias:
                f = self.filters
                bias = np.concatenate([self.bias_initializer((f,), self.dtype, rng),
                                       np.ones(f, self.dtype),
                                       self.bias_initializer((2 * f,), self.dtype, rng)])
            else:
                bias = self.bias_initializer((width,), self.dtype, rng)
            weights.append(bias)
        self._weights = [np.ascontiguousarray(w, dtype=self.dtype) for w in weights]
        self._kernels = {}
        if all(s is not None for s in spatial):
            self._frame = tuple(int(s) for s in spatial)
        if self.stateful:
            self._states = None
        self._built = True

    def _maybe_build(self, input_shape: Any) -> None:
        if self.built:
            return
        with graph.build_lock:
            if self.built:
                return
            try:
                channels, _ = self._split_shape(tuple(input_shape), "input")
            except (TypeError, ValueError):
                return
            if channels is not None:
                self.build(input_shape)

    def set_weights(self, weights: Any) -> None:
        """Set ``[kernel, recurrent_kernel, bias]`` in Keras layout (see the class)."""
        super().set_weights(weights)
        self._kernels = {}

    def _kernel(self, spatial: tuple[int, ...]) -> Any:
        """The compiled kernel for frames of ``spatial`` size (made once per size)."""
        kernel = self._kernels.get(spatial)
        if kernel is not None:
            return kernel
        pad3 = (1,) * (3 - self._rank)
        geometry = [_conv_geometry(n, k, s, d, self.padding) for n, k, s, d in
                    zip(spatial, self.kernel_size, self.strides, self.dilation_rate)]
        channels, width = self._weights[0].shape[-2], 4 * self.filters
        stacked = np.concatenate([self._weights[0].reshape(-1, width),
                                  self._weights[1].reshape(-1, width)])
        bias = self._weights[2] if self.use_bias else np.zeros(width, self.dtype)
        depth = stacked.shape[0]
        block = max(1, min(_BLOCK_BYTES // (depth * stacked.itemsize), 2**31 - 1))
        kernel = _dispatch.kernels.ConvLSTMRecurrence(
            np.ascontiguousarray(stacked), np.ascontiguousarray(bias), pad3 + spatial,
            int(channels), pad3 + tuple(g[0] for g in geometry), pad3 + self.kernel_size,
            pad3 + self.strides, pad3 + self.dilation_rate,
            (0,) * (3 - self._rank) + tuple(g[1] for g in geometry),
            self._codes[0], self._codes[1], block)
        self._kernels[spatial] = kernel
        return kernel

    # ------------------------------------------------------------ state
    @property
    def states(self) -> list | None:
        """Copies of a stateful layer's current ``[h, c]`` (in ``data_format``
        layout), or None (not stateful, or not called since it was built)."""
        with self._lock:
            if self._states is None:
                return None
            return [s.copy() for s in self._states]

    def reset_states(self) -> None:
        """Zero the states of a stateful layer (Keras's ``reset_states``).

        Examples
        --------
        >>> import numpy as np
        >>> import fastrnn
        >>> layer = fastrnn.ConvLSTM1D(2, 3, padding="same", stateful=True, seed=0)
        >>> x = np.ones((1, 2, 5, 1))
        >>> first = layer(x)
        >>> np.allclose(layer(x), first)     # went on from the first call's states
        False
        >>> layer.reset_states()
        >>> np.allclose(layer(x), first)
        True
        """
        with self._lock:
            if self._states is not None:
                for s in self._states:
                    s[...] = 0

    reset_state = reset_states

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_lock", None)
        state["_kernels"] = {}
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    # ------------------------------------------------------------ calling
    def __call__(self, x: Any, mask: Any = None, initial_state: Any = None,
                 training: Any = None) -> Any:
        """Run the layer over a batch of sequences of frames.

        Parameters
        ----------
        x : array-like
            ``(batch, timesteps, *spatial, channels)``, or ``(batch,
            timesteps, channels, *spatial)`` with
            ``data_format="channels_first"``; any real dtype, converted to the
            layer's.
        mask : array-like, optional
            (batch, timesteps), nonzero for the steps to use; a masked step
            keeps the states.
        initial_state : list of array-like, optional
            ``[h, c]``, each of the state shape (batch, *output spatial,
            filters) (channels first as ``data_format`` says). None: zeros, or
            a stateful layer's last states.
        training : bool, optional
            Accepted and ignored (inference only, no dropout).

        Returns
        -------
        ndarray or list of ndarray
            The output: the last h, or with ``return_sequences`` every
            step's (batch, timesteps, ...); with ``return_state``,
            ``[output, h, c]``.
        """
        if x.__class__ is KerasTensor or graph.is_symbolic(mask, initial_state):
            return graph.symbolic_call(self, (x,), {"mask": mask, "initial_state": initial_state})
        if self.stateful:
            with self._lock:
                return self._run(x, mask, initial_state)
        return self._run(x, mask, initial_state)

    def call(self, sequences: Any, initial_state: Any = None, mask: Any = None,
             training: Any = None) -> Any:
        """``layer(sequences, ...)``: Keras's call signature (see ``__call__``)."""
        return self.__call__(sequences, mask=mask, initial_state=initial_state)

    def _to_kernel_layout(self, a: np.ndarray, lead: int) -> np.ndarray:
        """(lead axes, [C,] *spatial, [C]) -> channels last."""
        if self.data_format == "channels_first":
            a = np.moveaxis(a, lead, -1)
        return a

    def _from_kernel_layout(self, a: np.ndarray, lead: int) -> np.ndarray:
        if self.data_format == "channels_first":
            a = np.ascontiguousarray(np.moveaxis(a, -1, lead))
        return a

    def _run(self, x: Any, mask: Any, initial_state: Any) -> Any:
        cls = type(self).__name__
        x = _validate.real_array(x, cls, "x")
        channels, spatial = self._split_shape(x.shape, "x")
        batch, steps = x.shape[:2]
        if not self._weights:
            if steps:
                with graph.build_lock:
                    if not self._weights:
                        self.build(x.shape)
        if not steps:
            raise ValueError(f"{cls} expected x with at least one timestep, got shape "
                             f"{x.shape} (Keras cannot run a recurrent layer over zero "
                             "timesteps either)")
        if channels != self.input_dim:
            raise ValueError(f"{cls} expected x with {self.input_dim} channels (built), got "
                             f"shape {x.shape}")
        if self._frame is not None and spatial != self._frame:
            raise ValueError(f"{cls} was built for frames of spatial size {self._frame}, got "
                             f"x of shape {x.shape}")
        out_spatial = self._out_spatial(spatial)
        if min(out_spatial) <= 0:
            self.compute_output_shape(x.shape)       # raises, with the message
        state_size = self.filters * int(np.prod(out_spatial))
        itemsize = np.dtype(self.dtype).itemsize
        _validate.check_bytes(
            f"{cls} call on x of shape {x.shape}",
            (batch * (steps + 4) * state_size + x.size) * itemsize + _BLOCK_BYTES * 2,
            "the converted input, the outputs and the states")
        kernel = self._kernel(tuple(int(s) for s in spatial))
        xk = _validate.kernel_array(self._to_kernel_layout(x, 2), np.dtype(self.dtype), cls,
                                    "x").reshape(batch, steps, -1)
        m = self._prepare_mask(mask, batch, steps)
        states = self._prepare_states(initial_state, batch, out_spatial)
        # The kernel's per-step GEMMs run on one BLAS thread: OpenBLAS's own
        # threads wait for cores and lose when another process is busy (fastrnn/_blas.py).
        with _blas.one_blas_thread():
            last, seq, (h, c) = kernel(xk, m, states, self.go_backwards, self.return_sequences,
                                       self.zero_output_for_mask)
        frame = tuple(out_spatial) + (self.filters,)
        h = self._from_kernel_layout(h.reshape((batch,) + frame), 1)
        c = self._from_kernel_layout(c.reshape((batch,) + frame), 1)
        if self.return_sequences:
            output = self._from_kernel_layout(seq.reshape((batch, steps) + frame), 2)
        else:
            output = self._from_kernel_layout(last.reshape((batch,) + frame), 1)
        if self.stateful:
            self._states = [h.copy(), c.copy()] if self.return_state else [h, c]
        if self.return_state:
            return [output, h, c]
        return output

    def _prepare_mask(self, mask: Any, batch: int, steps: int) -> np.ndarray | None:
        if mask is None:
            return None
        cls = type(self).__name__
        try:
            m = np.asarray(mask)
        except (TypeError, ValueError, OverflowError) as e:
            raise ValueError(f"{cls} could not convert mask to an array: {e}") from None
        if m.shape != (batch, steps):
            raise ValueError(f"{cls} expected mask of shape (batch, timesteps) = "
                             f"{(batch, steps)}, got shape {m.shape}")
        if m.dtype.kind not in "biufc":
            raise ValueError(f"{cls} expected a bool, int or float mask, got dtype {m.dtype}")
        return np.ascontiguousarray(m != 0).view(np.uint8)

    def _prepare_states(self, initial_state: Any, batch: int,
                        out_spatial: tuple) -> list | None:
        """[h, c] flattened channels last for the kernel (which copies
        them), or None for zeros."""
        cls = type(self).__name__
        shape = self._state_shape(batch, out_spatial)
        if initial_state is None:
            if not (self.stateful and self._states is not None):
                return None
            if self._states[0].shape != shape:
                raise ValueError(f"{cls} is stateful with states of shape "
                                 f"{self._states[0].shape}; got x that needs {shape}. "
                                 "reset_states() keeps the batch size; build a new layer "
                                 "for another batch size.")
            initial_state = self._states
        if isinstance(initial_state, (dict, str, bytes)) or not isinstance(
                initial_state, (list, tuple)) or len(initial_state) != 2:
            raise ValueError(f"{cls} expected initial_state as a list of 2 arrays (h, c), "
                             f"each of shape {shape}")
        states = []
        for name, s in zip(("h", "c"), initial_state):
            s = _validate.real_array(s, cls, f"initial_state '{name}'")
            if s.shape != shape:
                raise ValueError(f"{cls} expected initial_state '{name}' of shape {shape}, "
                                 f"got shape {s.shape}")
            s = _validate.kernel_array(self._to_kernel_layout(s, 1), np.dtype(self.dtype),
                                       cls, f"initial_state '{name}'")
            states.append(s.reshape(batch, -1))
        return states

    # ------------------------------------------------------------ config
    def get_config(self) -> dict:
        """Return the layer's configuration, with Keras's keys.

        Examples
        --------
        >>> import fastrnn
        >>> layer = fastrnn.ConvLSTM2D(4, 3, padding="same", name="frames")
        >>> config = layer.get_config()
        >>> config["kernel_size"], config["strides"], config["padding"]
        ((3, 3), (1, 1), 'same')
        >>> fastrnn.ConvLSTM2D.from_config(config) == layer
        True
        """
        return {
            "name": self.name, "trainable": self.trainable, "dtype": self.dtype,
            "return_sequences": self.return_sequences, "return_state": self.return_state,
            "go_backwards": self.go_backwards, "stateful": self.stateful,
            "unroll": self.unroll, "zero_output_for_mask": self.zero_output_for_mask,
            "filters": self.filters, "kernel_size": self.kernel_size,
            "strides": self.strides, "padding": self.padding,
            "data_format": self.data_format, "dilation_rate": self.dilation_rate,
            "activation": self.activation, "recurrent_activation": self.recurrent_activation,
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "unit_forget_bias": self.unit_forget_bias,
            **{k: self._training_args[k] for k in
               ("kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                "activity_regularizer", "kernel_constraint", "recurrent_constraint",
                "bias_constraint", "dropout", "recurrent_dropout")},
            "seed": self.seed,
        }

    def __eq__(self, other: object) -> bool:
        """Equal class, config, weights and stateful state."""
        from .layer import arrays_equal
        return (Layer.__eq__(self, other)
                and arrays_equal(self.states or [], other.states or []))  # type: ignore[attr-defined]

    __hash__ = None

    def __repr__(self) -> str:
        return f"<fastrnn.{type(self).__name__} name={self.name!r} filters={self.filters}>"


_PARAMETERS = """
    Parameters
    ----------
    filters : int
        The number of output filters (channels of h and c).
    kernel_size : int or tuple of {n} int
        The convolution window, of both convolutions.
    strides : int or tuple of {n} int, default 1
        Strides of the input convolution (the recurrent one has stride 1).
        Strides > 1 exclude ``dilation_rate`` > 1.
    padding : {{"valid", "same"}}, default "valid"
        Padding of the input convolution, case-insensitive; "same" pads as
        TensorFlow does (the odd pixel at the end). The recurrent
        convolution always pads "same".
    data_format : {{"channels_last", "channels_first"}}, optional
        ``(batch, time, {axes}, channels)`` (the default) or ``(batch, time,
        channels, {axes})``.
    dilation_rate : int or tuple of {n} int, default 1
        Dilation of the input convolution.
    activation : str or None, default "tanh"
        Of the cell input and of the output (any name in
        ``fastrnn.activations.NAMES``).
    recurrent_activation : str or None, default "sigmoid"
        Of the input, forget and output gates.
    use_bias : bool, default True
    kernel_initializer, recurrent_initializer, bias_initializer : optional
        Initializers of the weights (Keras names or config dicts), drawn
        with ``seed`` when the layer builds.
    unit_forget_bias : bool, default True
        Initialize the forget gate's bias to 1.
    return_sequences : bool, default False
        Return every step's output ``(batch, time, ...)``, not only the last.
    return_state : bool, default False
        Return ``[output, h, c]``.
    go_backwards : bool, default False
        Process the sequence backwards (and return it reversed).
    stateful : bool, default False
        Start each call from the states the previous call left.
    zero_output_for_mask : bool, default False
        Masked steps output zeros (else the previous output).
    seed : int, optional
        Seed of the initializers.
    kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer, \
kernel_constraint, recurrent_constraint, bias_constraint, dropout, recurrent_dropout, unroll
        Training-only; accepted, kept in the config, ignored.
    name, dtype, trainable, **kwargs
        As every ``fastrnn.Layer``: "float32" (default) or "float64".

    Notes
    -----
    Weights, in Keras's layout: ``kernel`` ``kernel_size + (channels,
    4 * filters)``, ``recurrent_kernel`` ``kernel_size + (filters,
    4 * filters)``, ``bias`` ``(4 * filters,)``, gate blocks i, f, c, o.
    The recurrence runs in one call of a compiled kernel without the GIL;
    the convolutions are BLAS gemms on patches (im2col).
"""


class ConvLSTM1D(_ConvLSTM):
    """1D Convolutional LSTM: an LSTM whose transformations are 1-D convolutions.

    As ``keras.layers.ConvLSTM1D``, on input ``(batch, time, steps,
    channels)``.
    {parameters}
    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> layer = fastrnn.ConvLSTM1D(4, 3, padding="same", return_sequences=True, seed=0)
    >>> layer(np.ones((2, 5, 16, 3))).shape
    (2, 5, 16, 4)
    """

    _rank = 1


class ConvLSTM2D(_ConvLSTM):
    """2D Convolutional LSTM: an LSTM whose transformations are 2-D convolutions.

    As ``keras.layers.ConvLSTM2D``, on input ``(batch, time, rows, cols,
    channels)`` (next-frame prediction, precipitation nowcasting).
    {parameters}
    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> layer = fastrnn.ConvLSTM2D(8, (3, 3), padding="same", return_state=True, seed=0)
    >>> output, h, c = layer(np.ones((2, 5, 16, 16, 1)))
    >>> output.shape, c.shape
    ((2, 16, 16, 8), (2, 16, 16, 8))
    >>> mask = np.array([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0]])
    >>> masked = layer(np.ones((2, 5, 16, 16, 1)), mask=mask)[0]
    >>> np.allclose(masked[1], layer(np.ones((1, 2, 16, 16, 1)))[0][0])
    True
    """

    _rank = 2


class ConvLSTM3D(_ConvLSTM):
    """3D Convolutional LSTM: an LSTM whose transformations are 3-D convolutions.

    As ``keras.layers.ConvLSTM3D``, on input ``(batch, time, dim1, dim2,
    dim3, channels)``.
    {parameters}
    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> layer = fastrnn.ConvLSTM3D(2, 3, strides=2, seed=0)
    >>> layer(np.ones((1, 3, 9, 9, 9, 1))).shape
    (1, 4, 4, 4, 2)
    """

    _rank = 3


for _cls, _axes in ((ConvLSTM1D, "steps"), (ConvLSTM2D, "rows, cols"),
                    (ConvLSTM3D, "dim1, dim2, dim3")):
    _cls.__doc__ = _cls.__doc__.replace(      # type: ignore[union-attr]
        "{parameters}", _PARAMETERS.format(n=_cls._rank, axes=_axes))
