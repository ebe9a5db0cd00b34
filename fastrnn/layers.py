"""SimpleRNN, LSTM and GRU with the Keras 3 interface.

``_RNN`` holds what the three layers share: argument handling, validation,
weights in Keras layout, stateful state and the return conventions of
keras/src/layers/rnn/rnn.py. Each subclass states its weight layout and
which kernel runs it.

Validation: every public entry point (constructor, build, set_weights,
__call__'s x / mask / initial_state) checks its arguments before any kernel
runs, and errors name the argument, what was given and what was expected.
Sizes are checked before anything is allocated: a layer whose weights, or a
call whose scratch and outputs, would need more than ``MAX_BYTES`` (the
machine's physical memory) raises ``TooLargeError`` (a MemoryError and a
ValueError). The fast path of ``_RNN._prepare`` (a C-contiguous array of the
layer's dtype, no mask, no initial_state) leaves those checks to the kernel
entry, which re-checks dtype, layout and shapes.

Threads: calls on a non-stateful layer share nothing mutable and may run
concurrently. A stateful layer holds a lock for the whole of a call (and
for reset_states), so concurrent calls are serialized and each one starts
from the states the previous one left.
"""
import itertools
import os
import re
import threading

import numpy as np

from . import _dispatch, activations, initializers
from ._kernels import Cell

__all__ = ["SimpleRNN", "LSTM", "GRU"]

# Arguments Keras accepts that only matter for training or graph building.
_TRAINING_ARGS = {
    "kernel_regularizer": None, "recurrent_regularizer": None, "bias_regularizer": None,
    "activity_regularizer": None, "kernel_constraint": None, "recurrent_constraint": None,
    "bias_constraint": None, "dropout": 0.0, "recurrent_dropout": 0.0, "unroll": False,
    "trainable": True, "autocast": True,
}
# Also accepted by LSTM and GRU only.
_CUDNN_ARGS = {"use_cudnn": "auto", "implementation": 2}

_name_counters = {}


def _physical_memory():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


#: The most memory one build or one call may need, in bytes: the machine's
#: physical memory (64 TiB if unknown), never more than 2**62 so that no
#: size computed by the kernels can overflow. Checked before allocating;
#: assign to change it.
MAX_BYTES = min(_physical_memory() or 2**46, 2**62)


class TooLargeError(MemoryError, ValueError):
    """A build or call would need more than ``fastrnn.layers.MAX_BYTES``."""


def _gib(nbytes):
    return f"{nbytes / 2**30:.3g} GiB"


def _check_bytes(what, nbytes, detail):
    """Raise TooLargeError when ``what`` needs more than MAX_BYTES."""
    if nbytes > MAX_BYTES:
        raise TooLargeError(
            f"{what} would need {_gib(nbytes)} ({detail}), more than "
            f"fastrnn.layers.MAX_BYTES = {_gib(MAX_BYTES)} (the physical memory); "
            "refused before allocating"
        )


# Scratch rows of the packed float32 kernels are padded to whole panels of
# SIMD vectors: at most this many extra columns per gate (4 vectors of 16
# floats, the widest build).
_PANEL_PAD = 64

# Builds an unbuilt layer on its first call exactly once, also when several
# threads make that first call at the same time.
_build_lock = threading.Lock()


def _default_name(cls_name):
    # Keras names layers "lstm", "lstm_1", "lstm_2", ...
    base = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", cls_name)
    base = re.sub("([a-z])([A-Z])", r"\1_\2", base).lower()
    counter = _name_counters.setdefault(base, itertools.count())
    n = next(counter)
    return base if n == 0 else f"{base}_{n}"


def _as_dtype(dtype):
    if isinstance(dtype, dict):  # a Keras DTypePolicy config
        dtype = dtype.get("config", {}).get("name")
    if dtype is None:
        return np.dtype(np.float32)
    try:
        dt = np.dtype(dtype)
    except (TypeError, ValueError):
        dt = None
    if dt is None or dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    return dt


def _check_units(units):
    if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
        raise ValueError(
            "Received an invalid value for argument `units`, expected a positive "
            f"integer, got {units!r}."
        )
    return int(units)


def _check_seed(seed):
    # Keras's message; Keras also takes negative seeds (build folds them).
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed!r}")
    return None if seed is None else int(seed)


def _flag(cls, name, value):
    """Keras takes any truthy value for its boolean arguments; so do we, but
    name the argument when the value has no truth value (an array, say)."""
    try:
        return bool(value)
    except Exception as e:  # noqa: BLE001 - whatever __bool__ raised
        raise ValueError(
            f"{cls} expected a bool for argument `{name}`, got {value!r} ({e})") from None


def _real_array(value, cls, what, kinds="biuf"):
    """``np.asarray(value)``, refusing what cannot be a real array: ragged
    nested lists, strings, objects, complex, dates."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError, OverflowError) as e:
        raise ValueError(f"{cls} could not convert {what} to an array: {e}") from None
    if arr.dtype.kind not in kinds:
        raise ValueError(f"{cls} expected {what} of real numbers, got {_what_dtype(value, arr)}")
    return arr


def _what_dtype(value, arr):
    if arr.dtype == object and arr.ndim == 0:
        return f"a {type(value).__name__}"   # None, a dict, a generator, ...
    if arr.dtype == object:
        return "dtype object (a ragged or non-numeric nested sequence?)"
    return f"dtype {arr.dtype}"


def _c_array(arr, dtype):
    """``arr`` as an aligned, native-order, C-contiguous array of ``dtype``
    (what the kernels read), copying only when needed."""
    out = np.ascontiguousarray(arr, dtype=dtype)
    # ascontiguousarray keeps a misaligned array (a view into a bytes
    # buffer at an odd offset, say); the kernels need aligned data.
    return out if out.flags.aligned else out.copy()


class _RNN:
    """Shared machinery of the recurrent layers (not public)."""

    _gates = 1            # gate blocks in the kernel's columns
    _state_names = ("h",)
    _cell = Cell.SIMPLE_RNN
    _recurrent_activation_code = 0
    reset_after = False

    def __init__(self, units, *, activation, use_bias, kernel_initializer,
                 recurrent_initializer, bias_initializer, return_sequences,
                 return_state, go_backwards, stateful, seed, dtype, name,
                 zero_output_for_mask, cell_args, ignored):
        cls = type(self).__name__
        unknown = set(ignored) - set(_TRAINING_ARGS) - set(self._extra_accepted) - {
            "input_shape", "input_dim"}
        if unknown:
            raise ValueError(
                f"Unrecognized keyword arguments passed to {cls}: "
                f"{ {k: ignored[k] for k in sorted(unknown)} }"
            )
        self.units = _check_units(units)
        self.dtype = _as_dtype(dtype).name
        width = self._gates * self.units
        _check_bytes(f"{cls}(units={self.units}) weights",
                     self.units * width * np.dtype(self.dtype).itemsize,
                     f"a ({self.units}, {width}) {self.dtype} recurrent kernel")
        self.activation = activations.serialize(activation)
        self.use_bias = _flag(cls, "use_bias", use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.return_sequences = _flag(cls, "return_sequences", return_sequences)
        self.return_state = _flag(cls, "return_state", return_state)
        self.go_backwards = _flag(cls, "go_backwards", go_backwards)
        self.stateful = _flag(cls, "stateful", stateful)
        self.zero_output_for_mask = _flag(cls, "zero_output_for_mask", zero_output_for_mask)
        self.seed = _check_seed(seed)
        if name is not None and not isinstance(name, str):
            raise ValueError(f"{cls} expected a string for argument `name`, got {name!r}")
        self.name = name if name is not None else _default_name(cls)
        self._cell_args = cell_args
        self._training_args = {k: ignored.get(k, v) for k, v in _TRAINING_ARGS.items()}
        self._training_args.update(
            {k: ignored.get(k, v) for k, v in _CUDNN_ARGS.items() if k in self._extra_accepted})
        self._weights = None
        self._recurrence = None
        self._states = None
        self._lock = threading.Lock()   # held by calls of a stateful layer
        self._activation_code = activations.get(self.activation)

    _extra_accepted = ()

    # ------------------------------------------------------------ weights
    @property
    def built(self):
        return self._weights is not None

    @property
    def input_dim(self):
        return None if self._weights is None else self._weights[0].shape[0]

    def _weight_shapes(self, input_dim):
        """[(name, shape)] in Keras order for this cell and input_dim."""
        width = self._gates * self.units
        shapes = [("kernel", (input_dim, width)), ("recurrent_kernel", (self.units, width))]
        if self.use_bias:
            shapes.append(("bias", self._bias_shape()))
        return shapes

    def _bias_shape(self):
        return (self._gates * self.units,)

    def _initial_bias(self, rng):
        return self.bias_initializer(self._bias_shape(), self.dtype, rng)

    def build(self, input_shape):
        """Create the weights with the initializers.

        ``input_shape`` is the number of input features, or a shape whose last
        entry is (as Keras's ``build(sequences_shape)``).
        """
        cls = type(self).__name__
        if isinstance(input_shape, (tuple, list)):
            input_dim = input_shape[-1] if len(input_shape) else None
        else:
            input_dim = input_shape
        if (isinstance(input_dim, bool) or not isinstance(input_dim, (int, np.integer))
                or input_dim < 0):
            raise ValueError(
                f"{cls}.build expected a feature count (an integer >= 0) or a shape "
                f"ending in one, got {input_shape!r}")
        input_dim = int(input_dim)
        width = self._gates * self.units
        _check_bytes(f"{cls}.build({input_dim})",
                     (input_dim + self.units + 2) * width * np.dtype(self.dtype).itemsize,
                     f"kernel ({input_dim}, {width}) and recurrent kernel ({self.units}, {width})")
        # Keras takes negative seeds too; numpy wants them non-negative.
        rng = np.random.default_rng(None if self.seed is None else self.seed % 2**64)
        weights = [self.kernel_initializer((input_dim, width), self.dtype, rng),
                   self.recurrent_initializer((self.units, width), self.dtype, rng)]
        if self.use_bias:
            weights.append(self._initial_bias(rng))
        self._set_weights_unchecked(weights)
        if self.stateful:
            self._states = None

    def _set_weights_unchecked(self, weights):
        weights = [np.array(w, dtype=self.dtype, order="C") for w in weights]
        recurrence = self._new_recurrence(weights)
        # The kernel first, then the weights: another thread that sees the
        # layer built (weights set) also sees its kernel.
        self._recurrence = recurrence
        self._weights = weights

    def _make_recurrence(self):
        self._recurrence = self._new_recurrence(self._weights)

    def _new_recurrence(self, weights):
        """Hand the weights to the kernel once; every call reuses them."""
        width = self._gates * self.units
        zeros = np.zeros(width, self.dtype)
        bias = weights[2].reshape(-1, width) if self.use_bias else zeros[None]
        # GRU(reset_after=True) keeps a second, recurrent bias row.
        recurrent_bias = bias[1] if bias.shape[0] > 1 else zeros
        return _dispatch.kernels.Recurrence(
            self._cell, weights[0], weights[1], bias[0], recurrent_bias,
            self._activation_code, self._recurrent_activation_code, self.reset_after)

    def __getstate__(self):
        # The kernel object belongs to this CPU's build; rebuild it on load.
        state = self.__dict__.copy()
        state["_recurrence"] = None
        state.pop("_lock", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()
        if self._weights is not None:
            self._make_recurrence()

    def get_weights(self):
        """Copies of the weights in Keras layout: [kernel, recurrent_kernel, (bias)]."""
        return [] if self._weights is None else [w.copy() for w in self._weights]

    @property
    def weights(self):
        return self.get_weights()

    def set_weights(self, weights):
        """Set the weights from a list in Keras layout (see get_weights)."""
        cls = type(self).__name__
        weights = _weight_list(weights, f"{cls}.set_weights")
        expected = self._weight_shapes(self.input_dim if self.built else 0)
        if len(weights) != len(expected):
            raise ValueError(
                f"{cls} expected {len(expected)} weights "
                f"({', '.join(n for n, _ in expected)}), got {len(weights)}"
            )
        arrays = []
        for (wname, shape), w in zip(expected, weights):
            try:
                w = np.asarray(w)
            except (TypeError, ValueError, OverflowError) as e:
                raise ValueError(
                    f"{cls} could not convert weight '{wname}' to an array: {e}") from None
            if w.dtype.kind not in "iuf":
                given = _what_dtype(weights[len(arrays)], w)
                raise ValueError(f"{cls} weight '{wname}' must be real numbers, got {given}")
            if wname == "kernel" and not self.built:
                # An unbuilt layer takes input_dim from the kernel.
                if w.ndim == 2 and w.shape[1] == shape[1]:
                    shape = w.shape
                else:
                    raise ValueError(
                        f"{cls} weight 'kernel' expected shape (input_dim, {shape[1]}), "
                        f"got shape {w.shape}"
                    )
            if w.shape != shape:
                raise ValueError(
                    f"{cls} weight '{wname}' expected shape {shape}, got shape {w.shape}"
                )
            arrays.append(w)
        self._set_weights_unchecked(arrays)

    # ------------------------------------------------------------ state
    @property
    def states(self):
        return None if self._states is None else [s.copy() for s in self._states]

    def reset_states(self):
        """Zero the states of a stateful layer (Keras's reset_states)."""
        with self._lock:
            if self._states is not None:
                for s in self._states:
                    s[...] = 0

    reset_state = reset_states

    # ------------------------------------------------------------ calling
    def __call__(self, x, mask=None, initial_state=None, training=None):
        if self.stateful:
            # One call at a time: each starts from the states the last one left.
            with self._lock:
                call = self._prepare(x, mask, initial_state)
                call.run()
                return self._finish(call)
        call = self._prepare(x, mask, initial_state)
        call.run()
        return self._finish(call)

    def _prepare(self, x, mask, initial_state):
        """Validate the arguments; a kernel call ready to run (see Call.run)."""
        recurrence = self._recurrence
        if (mask is None and initial_state is None and type(x) is np.ndarray
                and recurrence is not None):
            # Fast path: the kernel entry checks dtype, layout and shapes itself
            # and raises ValueError when x needs converting (or the batch size
            # differs from a stateful layer's): then the checked path below
            # converts, or explains.
            try:
                return recurrence.prepare(
                    x, None, self._states if self.stateful else None, self.go_backwards,
                    self.return_sequences, self.zero_output_for_mask)
            except ValueError:
                pass
        x = self._prepare_x(x)
        batch, steps, _ = x.shape
        mask = self._prepare_mask(mask, batch, steps)
        states = self._prepare_states(initial_state, batch)
        return self._recurrence.prepare(x, mask, states, self.go_backwards,
                                        self.return_sequences, self.zero_output_for_mask)

    def _prepare_x(self, x):
        """x as the kernel reads it; builds an unbuilt layer for its features."""
        cls = type(self).__name__
        x = _real_array(x, cls, "x")
        if x.ndim != 3:
            raise ValueError(
                f"{cls} expected x of rank 3 (batch, timesteps, features), "
                f"got shape {x.shape}"
            )
        batch, steps, features = x.shape
        if steps == 0:
            raise ValueError(
                f"{cls} expected x with at least one timestep, got shape {x.shape} "
                "(Keras cannot run a recurrent layer over zero timesteps either)"
            )
        if not self.built:
            with _build_lock:
                if not self.built:
                    self.build(features)
        if features != self.input_dim:
            raise ValueError(
                f"{cls} expected x with {self.input_dim} features (built input_dim), "
                f"got shape {x.shape}"
            )
        self._check_call_size(x, batch, steps, features)
        return _c_array(x, self.dtype)

    def _check_call_size(self, x, batch, steps, features):
        """TooLargeError if a call on x would need more than MAX_BYTES: the
        input projection (batch*T rows of gates*units, padded to the packed
        kernels' panels), the outputs (the sequence counted whether returned
        or not) and states, and a converted copy of x."""
        rows, units = batch * steps, self.units
        # (A converted copy of x is counted whether or not one is made.)
        items = (rows * (self._gates * (units + _PANEL_PAD) + units + features)
                 + batch * (self._gates + 4) * units)
        nbytes = items * (4 if self.dtype == "float32" else 8)
        if nbytes > MAX_BYTES:
            _check_bytes(f"{type(self).__name__} call on x of shape {x.shape}", nbytes,
                         f"an input projection of {batch}*{steps} rows of {self._gates}*{units} "
                         f"{self.dtype} values, and the outputs")

    def _finish(self, call):
        """The Keras return value of a call that has run."""
        states = call.states
        if self.stateful:
            # Keep our own copies when the caller gets the arrays too.
            self._states = [s.copy() for s in states] if self.return_state else states
        output = call.sequence if self.return_sequences else call.last
        if self.return_state:
            return [output, *states]
        return output

    def _prepare_mask(self, mask, batch, steps):
        if mask is None:
            return None
        cls = type(self).__name__
        try:
            m = np.asarray(mask)
        except (TypeError, ValueError, OverflowError) as e:
            raise ValueError(f"{cls} could not convert mask to an array: {e}") from None
        if m.shape != (batch, steps):
            raise ValueError(
                f"{cls} expected mask of shape (batch, timesteps) = {(batch, steps)}, "
                f"got shape {m.shape}"
            )
        # Keras casts any number to bool (complex too); not strings or objects.
        if m.dtype.kind not in "biufc":
            raise ValueError(f"{cls} expected a bool, int or float mask, got dtype {m.dtype}")
        # Keras casts the mask to bool: any nonzero value is a valid step.
        return np.ascontiguousarray(m != 0).view(np.uint8)

    def _prepare_states(self, initial_state, batch):
        """The initial states as C-contiguous arrays of the layer's dtype, or
        None for zeros. The kernel copies them."""
        cls = type(self).__name__
        n = len(self._state_names)
        shape = (batch, self.units)
        if initial_state is None:
            if self.stateful and self._states is not None:
                if self._states[0].shape[0] != batch:
                    raise ValueError(
                        f"{cls} is stateful with batch size {self._states[0].shape[0]}; "
                        f"got x with batch size {batch}. Call reset_states() does not "
                        "change the batch size; build a new layer for another batch size."
                    )
                return self._states
            return None
        if isinstance(initial_state, (dict, str, bytes)):
            raise ValueError(
                f"{cls} expected initial_state as a list of {n} array(s) "
                f"({', '.join(self._state_names)}), got {type(initial_state).__name__}")
        if not isinstance(initial_state, (list, tuple)):
            initial_state = [initial_state]
        if len(initial_state) != n:
            raise ValueError(
                f"{cls} expected initial_state as a list of {n} array(s) "
                f"({', '.join(self._state_names)}), each of shape {shape}; "
                f"got {len(initial_state)}"
            )
        states = []
        for sname, s in zip(self._state_names, initial_state):
            try:
                s = np.asarray(s)
            except (TypeError, ValueError, OverflowError) as e:
                raise ValueError(
                    f"{cls} could not convert initial_state '{sname}' to an array: {e}") from None
            # Keras casts bool and integer states to the layer's dtype too.
            if s.dtype.kind not in "biuf":
                raise ValueError(
                    f"{cls} expected a real initial_state '{sname}', got "
                    f"{_what_dtype(initial_state[len(states)], s)}")
            if s.shape != shape:
                raise ValueError(
                    f"{cls} expected initial_state '{sname}' of shape (batch, units) = "
                    f"{shape}, got shape {s.shape}"
                )
            states.append(_c_array(s, self.dtype))
        return states

    # ------------------------------------------------------------ config
    def get_config(self):
        config = {
            "name": self.name,
            "trainable": self._training_args["trainable"],
            "dtype": self.dtype,
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self._training_args["unroll"],
            "zero_output_for_mask": self.zero_output_for_mask,
            "units": self.units,
            "activation": self.activation,
            **self._cell_args,
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "seed": self.seed,
        }
        for k, v in self._training_args.items():
            config.setdefault(k, v)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        """Equal class, config, weights and stateful state (as after unpickling)."""
        if type(self) is not type(other) or self.get_config() != other.get_config():
            return False
        return (_arrays_equal(self.get_weights(), other.get_weights())
                and _arrays_equal(self.states or [], other.states or []))

    __hash__ = None

    def __repr__(self):
        return f"<fastrnn.{type(self).__name__} name={self.name!r} units={self.units}>"


def _weight_list(weights, where):
    """``weights`` as a list, refusing what is not a sequence of arrays."""
    if weights is None or isinstance(weights, (str, bytes, dict, np.ndarray)):
        raise ValueError(
            f"{where} expected a list of arrays, got {type(weights).__name__}"
            + (" (one array: wrap it in a list)" if isinstance(weights, np.ndarray) else ""))
    try:
        return list(weights)
    except TypeError:
        raise ValueError(
            f"{where} expected a list of arrays, got {type(weights).__name__}") from None


def _arrays_equal(a, b):
    return len(a) == len(b) and all(
        x.shape == y.shape and x.dtype == y.dtype and np.array_equal(x, y, equal_nan=True)
        for x, y in zip(a, b))


class SimpleRNN(_RNN):
    """Fully connected RNN: ``h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)``.

    Arguments, defaults and weight layout are those of ``keras.layers.SimpleRNN``.
    """

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, zero_output_for_mask=False,
                 seed=None, dtype=None, name=None, **kwargs):
        super().__init__(
            units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, return_sequences=return_sequences,
            return_state=return_state, go_backwards=go_backwards, stateful=stateful,
            seed=seed, dtype=dtype, name=name, zero_output_for_mask=zero_output_for_mask,
            cell_args={}, ignored=kwargs)



class LSTM(_RNN):
    """Long Short-Term Memory layer, gates i, f, c, o (Keras order).

    Arguments, defaults and weight layout are those of ``keras.layers.LSTM``;
    the states are ``[h, c]``.
    """

    _gates = 4
    _state_names = ("h", "c")
    _cell = Cell.LSTM_CELL
    _extra_accepted = tuple(_CUDNN_ARGS)

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, zero_output_for_mask=False,
                 seed=None, dtype=None, name=None, **kwargs):
        self.recurrent_activation = activations.serialize(recurrent_activation)
        self.unit_forget_bias = _flag("LSTM", "unit_forget_bias", unit_forget_bias)
        super().__init__(
            units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, return_sequences=return_sequences,
            return_state=return_state, go_backwards=go_backwards, stateful=stateful,
            seed=seed, dtype=dtype, name=name, zero_output_for_mask=zero_output_for_mask,
            cell_args={"recurrent_activation": self.recurrent_activation,
                       "unit_forget_bias": self.unit_forget_bias},
            ignored=kwargs)
        self._recurrent_activation_code = activations.get(self.recurrent_activation)

    def _initial_bias(self, rng):
        if not self.unit_forget_bias:
            return super()._initial_bias(rng)
        # keras/src/layers/rnn/lstm.py: the forget gate's bias starts at one.
        h = self.units
        return np.concatenate([self.bias_initializer((h,), self.dtype, rng),
                               np.ones(h, self.dtype),
                               self.bias_initializer((2 * h,), self.dtype, rng)])



class GRU(_RNN):
    """Gated Recurrent Unit layer, gates z, r, h (Keras order).

    Arguments, defaults and weight layout are those of ``keras.layers.GRU``.
    With ``reset_after=True`` (the default, and PyTorch's formulation) the
    bias has shape (2, 3*units): row 0 is added to the input projection,
    row 1 to the recurrent one.
    """

    _gates = 3
    _cell = Cell.GRU_CELL
    _extra_accepted = tuple(_CUDNN_ARGS)

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, reset_after=True, zero_output_for_mask=False,
                 seed=None, dtype=None, name=None, **kwargs):
        self.recurrent_activation = activations.serialize(recurrent_activation)
        self.reset_after = _flag("GRU", "reset_after", reset_after)
        super().__init__(
            units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, return_sequences=return_sequences,
            return_state=return_state, go_backwards=go_backwards, stateful=stateful,
            seed=seed, dtype=dtype, name=name, zero_output_for_mask=zero_output_for_mask,
            cell_args={"recurrent_activation": self.recurrent_activation,
                       "reset_after": self.reset_after},
            ignored=kwargs)
        self._recurrent_activation_code = activations.get(self.recurrent_activation)

    def _bias_shape(self):
        width = 3 * self.units
        return (2, width) if self.reset_after else (width,)

