"""SimpleRNN, LSTM and GRU with the Keras 3 interface.

``_RNN`` holds what the three layers share: argument handling, validation,
weights in Keras layout, stateful state and the return conventions of
keras/src/layers/rnn/rnn.py. Each subclass states its weight layout and
which kernel runs it.

Validation: every public entry point (constructor, build, set_weights,
__call__'s x / mask / initial_state) checks its arguments before any kernel
runs, and errors name the argument, what was given and what was expected.
Arrays, weights and dtypes are converted by fastrnn._validate, by the same
rules as everywhere else. Sizes are checked before anything is allocated: a
layer whose weights, or a call whose scratch and outputs, would need more
than ``MAX_BYTES`` (the machine's physical memory) raises ``TooLargeError``
(a MemoryError and a ValueError). Every call is checked once, before the
kernel entry is called once; the fast path of ``_RNN._prepare`` (x already
what the kernel reads, no mask, no initial_state) only skips converting.

Threads: calls on a non-stateful layer share nothing mutable and may run
concurrently. A stateful layer holds a lock for the whole of a call (and
for reset_states), so concurrent calls are serialized and each one starts
from the states the previous one left.
"""
from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TypeAlias, TypeVar

import numpy as np
from numpy.random import Generator
from numpy.typing import ArrayLike, DTypeLike, NDArray

from . import _dispatch, _validate, activations, graph, initializers
from ._kernels import Cell
from .graph import KerasTensor
from .layer import Layer, arrays_equal, check_name

if TYPE_CHECKING:
    from typing_extensions import Self

    from ._kernels import Call, Recurrence
    from .cells import _Cell
    from .initializers import _InitializerLike

__all__ = ["SimpleRNN", "LSTM", "GRU"]

#: float32 or float64: a dtype, its name, or a Keras DTypePolicy config dict.
_DType: TypeAlias = DTypeLike | Mapping[str, Any] | None
#: An ndarray; with ``return_state=True`` a list ``[output, *states]``.
_Output: TypeAlias = Any

# Arguments Keras accepts that only matter for training or graph building.
_TRAINING_ARGS = {
    "kernel_regularizer": None, "recurrent_regularizer": None, "bias_regularizer": None,
    "activity_regularizer": None, "kernel_constraint": None, "recurrent_constraint": None,
    "bias_constraint": None, "dropout": 0.0, "recurrent_dropout": 0.0, "unroll": False,
    "trainable": True, "autocast": True,
}
# Also accepted by LSTM and GRU only.
_CUDNN_ARGS = {"use_cudnn": "auto", "implementation": 2}



def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


#: The most memory one build, weight, loaded model or call may need, in
#: bytes: the machine's physical memory (64 TiB if unknown), never more than
#: 2**62 so that no size computed by the kernels can overflow. Checked before
#: allocating (fastrnn._validate.check_bytes reads it at every check); assign
#: to change it.
MAX_BYTES: int = min(_physical_memory() or 2**46, 2**62)


class TooLargeError(MemoryError, ValueError):
    """A build, weight, loaded model or call would need more than MAX_BYTES.

    Raised before anything is allocated. Being a ``ValueError``, it is caught
    by code that handles bad arguments; being a ``MemoryError``, by code that
    handles allocation failures.

    Parameters
    ----------
    *args
        The message, as for any exception.

    See Also
    --------
    fastrnn.layers.MAX_BYTES : The limit, in bytes (assign to change it).

    Examples
    --------
    >>> import fastrnn
    >>> try:
    ...     fastrnn.SimpleRNN(10**9)      # a (1e9, 1e9) recurrent kernel
    ... except fastrnn.layers.TooLargeError as e:
    ...     print(type(e).__name__, isinstance(e, ValueError), isinstance(e, MemoryError))
    TooLargeError True True
    """


# Scratch rows of the packed float32 kernels are padded to whole panels of
# SIMD vectors: at most this many extra columns per gate (4 vectors of 16
# floats, the widest build).
_PANEL_PAD = 64

# Builds an unbuilt layer on its first call exactly once, also when several
# threads make that first call at the same time.


def _check_units(units: float | str | None) -> int:
    if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
        raise ValueError(
            "Received an invalid value for argument `units`, expected a positive "
            f"integer, got {units!r}."
        )
    return int(units)


def _check_seed(seed: Any) -> int | None:
    # Keras's message; Keras also takes negative seeds (build folds them).
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed!r}")
    return None if seed is None else int(seed)


def _flag(cls: str, name: str, value: np.ndarray | bool | str) -> bool:
    """Keras takes any truthy value for its boolean arguments; so do we, but
    name the argument when the value has no truth value (an array, say)."""
    try:
        return bool(value)
    except Exception as e:  # noqa: BLE001 - whatever __bool__ raised
        raise ValueError(
            f"{cls} expected a bool for argument `{name}`, got {value!r} ({e})") from None


# ---------------------------------------------------------------- shared docs
# The argument and notes paragraphs the three layers (here) and the three
# cells (fastrnn.cells) share, written once. In a docstring, a line holding
# only ``{name}`` (or ``{name:argument}``, which fills the part's ``{0}``) is
# replaced by the part, indented as that line.
_DOC_PARTS = {
    "units": """\
units : int
    Positive integer, dimensionality of the output space (and of each
    state).""",
    "activation": """\
activation : str or None, default "tanh"
    Activation function to use. Default: hyperbolic tangent (``tanh``).
    If you pass None, no activation is applied (ie. "linear" activation:
    ``a(x) = x``). Any name in ``fastrnn.activations.NAMES``.""",
    "recurrent_activation": """\
recurrent_activation : str or None, default "sigmoid"
    Activation function to use for the recurrent step. Default: sigmoid
    (``sigmoid``). If you pass None, no activation is applied (ie.
    "linear" activation: ``a(x) = x``). Keras 3's ``"hard_sigmoid"`` is
    ``relu6(x + 3) / 6``.""",
    "use_bias": """\
use_bias : bool, default True
    Whether the layer should use a bias vector.""",
    "kernel_initializer": """\
kernel_initializer : str, dict or Initializer, default "glorot_uniform"
    Initializer for the ``kernel`` weights matrix, used for the linear
    transformation of the inputs: a Keras name, a Keras config dict or an
    object of ``fastrnn.initializers``.""",
    "recurrent_initializer": """\
recurrent_initializer : str, dict or Initializer, default "orthogonal"
    Initializer for the ``recurrent_kernel`` weights matrix, used for the
    linear transformation of the recurrent state.""",
    "bias_initializer": """\
bias_initializer : str, dict or Initializer, default "zeros"
    Initializer for the bias vector.""",
    "unit_forget_bias": """\
unit_forget_bias : bool, default True
    If True, add 1 to the bias of the forget gate at initialization: the
    forget block of the bias starts at ones and the other blocks come from
    ``bias_initializer`` (as Keras 3 does). Recommended in Jozefowicz et
    al., 2015. Only matters when the weights are built.""",
    "reset_after": """\
reset_after : bool, default True
    GRU convention (whether to apply the reset gate after or before the
    matrix multiplication). False is "before", True is "after" (the
    default, cuDNN and PyTorch compatible). With True the reset gate
    multiplies the recurrent projection including its own bias, so the
    bias has two rows, shape (2, 3*units): row 0 is added to the input
    projection, row 1 to the recurrent projection. With False the bias
    has shape (3*units,).""",
    "return_sequences": """\
return_sequences : bool, default False
    Whether to return the last output in the output sequence, or the full
    sequence.""",
    "return_state": """\
return_state : bool, default False
    Whether to return the last state in addition to the output.""",
    "go_backwards": """\
go_backwards : bool, default False
    If True, process the input sequence backwards and return the reversed
    sequence.""",
    "stateful": """\
stateful : bool, default False
    If True, the last state for each sample at index i in a batch will be
    used as initial state for the sample of index i in the following
    batch. The first call fixes the batch size; ``reset_states()``
    zeroes the states.""",
    "zero_output_for_mask": """\
zero_output_for_mask : bool, default False
    Whether the output should use zeros for the masked timesteps;
    otherwise a masked timestep repeats the previous timestep's output.
    (This also makes the last output zeros when the last timestep is
    masked. ``Bidirectional`` sets it to ``return_sequences``.)""",
    "seed": """\
seed : int, optional
    Random seed for the initializers: the weights built are reproducible
    from it, and two layers (or cells) of the same configuration and seed
    get the same weights. (Keras uses ``seed`` for dropout, which does
    nothing at inference; initializers with their own ``seed`` use that.
    The numbers are NumPy's, not the ones Keras draws.)""",
    "dtype": """\
dtype : str, numpy dtype or dict, optional
    "float32" (the default) or "float64": the dtype of the weights, of the
    computation and of the outputs. A Keras ``DTypePolicy`` config dict
    is read too.""",
    "layer_kwargs": """\
**kwargs
    Training-only Keras arguments, accepted and ignored at inference (and
    reported by ``get_config``): ``dropout``, ``recurrent_dropout``,
    ``kernel_regularizer``, ``recurrent_regularizer``,
    ``bias_regularizer``, ``activity_regularizer``, ``kernel_constraint``,
    ``recurrent_constraint``, ``bias_constraint``, ``unroll``,
    ``trainable``, ``autocast``{0}; also ``input_shape`` and
    ``input_dim``. Any other keyword raises ValueError naming it.""",
    "cell_kwargs": """\
**kwargs
    Training-only Keras arguments, accepted and ignored at inference (and
    reported by ``get_config``): ``dropout``, ``recurrent_dropout`` (both
    clipped to [0, 1], as Keras does), ``kernel_regularizer``,
    ``recurrent_regularizer``, ``bias_regularizer``,
    ``kernel_constraint``, ``recurrent_constraint``,
    ``bias_constraint``{0}; the layer arguments ``trainable``,
    ``autocast``, ``activity_regularizer``, ``input_shape``,
    ``input_dim``. Any other keyword raises ValueError naming it.""",
    "call_arguments": """\
Call arguments
--------------
x : array-like, shape (batch, timesteps, features)
    A 3D tensor of any real dtype and memory layout, converted to the
    layer's dtype.
mask : array-like, shape (batch, timesteps), optional
    Binary tensor indicating whether a given timestep should be masked.
    A True (nonzero) entry indicates that the corresponding timestep
    should be utilized, while a False (zero) entry indicates that it
    should be ignored. Bool, int or float. Defaults to None.
initial_state : list of array-like, optional
    List of initial state tensors to be passed to the first call of the
    cell: ``[{0}]``, each of shape (batch, units). None (the default)
    creates zero-filled initial states; a stateful layer continues from
    the states its previous call left.
training : bool, optional
    Accepted for Keras compatibility and ignored: inference only, no
    dropout.

Returns
-------
ndarray or list of ndarray
    The output, of the layer's dtype: (batch, units) (the last timestep's
    output), or (batch, timesteps, units) with ``return_sequences=True``.
    With ``return_state=True``, the list ``[output, {0}]`` of the
    output and the final states, each state (batch, units).""",
    "simple_rnn_weights": """\
Weights (``get_weights()`` / ``set_weights()``, Keras layout), with D
input features and H = ``units``: ``[kernel (D, H), recurrent_kernel
(H, H), bias (H,)]``; ``use_bias=False`` drops the bias. The weights
are built with the initializers on the first call (or with ``build``).""",
    "lstm_weights": """\
Weights (``get_weights()`` / ``set_weights()``, Keras layout), with D
input features and H = ``units``: ``[kernel (D, 4H), recurrent_kernel
(H, 4H), bias (4H,)]``, each in gate blocks i, f, c, o of H columns;
``use_bias=False`` drops the bias. The weights are built with the
initializers on the first call (or with ``build``).""",
    "gru_weights": """\
Weights (``get_weights()`` / ``set_weights()``, Keras layout), with D
input features and H = ``units``: ``[kernel (D, 3H), recurrent_kernel
(H, 3H), bias]``, each in gate blocks z, r, h of H columns; the bias is
(2, 3H) with ``reset_after=True`` (row 0 input bias, row 1 recurrent
bias), else (3H,); ``use_bias=False`` drops it. The weights are built
with the initializers on the first call (or with ``build``).""",
    "sequence_notes": """\
Masking follows Keras: at a masked timestep the states are carried over
unchanged and the output repeats the previous timestep's output (zeros
before the first valid timestep, or zeros throughout with
``zero_output_for_mask=True``). Without ``zero_output_for_mask``, the
last output is thus the output of the last valid timestep.

With ``go_backwards=True`` the timesteps are processed last to first and
a returned sequence is in that processing order: its first entry belongs
to the last input timestep, as in Keras (``y[:, ::-1]`` restores input
order).

Calls on a non-stateful layer may run concurrently from several threads;
calls on a stateful layer are serialized.""",
}

_DOC_LINE = re.compile(r"^([ \t]*)\{([a-z_]+)(?::([^}\n]*))?\}[ \t]*$", re.MULTILINE)


_C = TypeVar("_C", bound=type)


def _doc(obj: _C) -> _C:
    """Fill the ``{part}`` lines of ``obj``'s docstring from _DOC_PARTS."""
    def fill(match: re.Match[str]) -> str:
        indent, key, argument = match.groups()
        text = _DOC_PARTS[key]
        if argument is not None:
            text = text.replace("{0}", argument)
        return "\n".join(indent + line if line else "" for line in text.split("\n"))
    obj.__doc__ = _DOC_LINE.sub(fill, obj.__doc__)  # type: ignore[arg-type]
    return obj


class _CellCore:
    """One cell type's arguments and weights (not public): shared by the
    layers (``SimpleRNN``, ``LSTM``, ``GRU``, each its own cell, so that its
    call reads its kernel from its own attributes) and the cells
    (``fastrnn.cells``, whose ``RNN`` reads the kernel from the cell).

    Holds ``units``, ``activation``, ``use_bias``, the initializers, ``seed``,
    ``dtype``, the weights in Keras layout and the kernel object
    (``_recurrence``) the weights were handed to. The per-type mixins below
    (``_SimpleRNNCore``, ``_LSTMCore``, ``_GRUCore``) add the gate layout and
    the type's own arguments.
    """

    _gates = 1            # gate blocks in the kernel's columns
    _state_names: tuple[str, ...] = ("h",)
    _weights: Any                       # list[np.ndarray], or None before build
    _recurrence: Recurrence | None      # the kernel object the weights were handed to
    has_weights = True
    _cell = Cell.SIMPLE_RNN
    _recurrent_activation_code = 0
    reset_after: bool = False

    def _init_core(self, units: float | str | None, activation: Any, use_bias: bool | np.ndarray,
                   kernel_initializer: Any, recurrent_initializer: Any, bias_initializer: Any,
                   seed: Any, dtype: Any, name: int | str | None, cell_args: dict[str, Any]
                  ) -> None:
        cls = type(self).__name__
        self.units = _check_units(units)
        self._np_dtype = _validate.float_dtype(dtype)
        self.dtype = self._np_dtype.name
        width = self._gates * self.units
        _validate.check_bytes(f"{cls}(units={self.units}) weights",
                              self.units * width * self._np_dtype.itemsize,
                              f"a ({self.units}, {width}) {self.dtype} recurrent kernel")
        # What a call allocates, per row of x and per sample (see _check_call_size);
        # a sample has at least one row, hence the bound per row.
        self._call_row_bound = sum(self._call_bytes(1, 1))
        self.activation = activations.serialize(activation)
        self.use_bias = _flag(cls, "use_bias", use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.seed = _check_seed(seed)
        self.name = check_name(cls, name)
        self._cell_args = cell_args
        self._weights = None
        self._recurrence = None
        self._activation_code = activations.get(self.activation)

    def _core_config(self) -> dict[str, Any]:
        """The cell's arguments, with Keras's keys, in Keras's order."""
        return {
            "units": self.units,
            "activation": self.activation,
            **{k: v for k, v in self._cell_args.items() if k != "reset_after"},
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
        }

    def _on_new_weights(self) -> None:
        """Called after build draws new weights (a stateful layer forgets its states)."""

    def _call_bytes(self, batch: int, steps: int) -> tuple[int, ...]:
        """What a call on (batch, steps, D) allocates, in bytes: for its rows,
        the input projection (gates*units values per row, padded by _PANEL_PAD
        columns per gate for the packed kernels) and the output sequence
        (counted whether returned or not); for its samples, the last output,
        the states and their copies. (Converting x, when needed, is checked
        where it is converted.)"""
        units, itemsize = self.units, self._np_dtype.itemsize
        return (batch * steps * (self._gates * (units + _PANEL_PAD) + units) * itemsize,
                batch * (self._gates + 4) * units * itemsize)

    def _weight_count(self) -> int:
        return 2 + int(self.use_bias)

    def _expected_weight_shapes(self, arrays: None) -> list[tuple[Any, ...]]:
        return self._weight_shapes(self.input_dim if self.built else 0)

    # ------------------------------------------------------------ weights
    @property
    def built(self) -> bool:
        """Whether the layer has weights (after ``build``, ``set_weights`` or a call)."""
        return self._weights is not None

    @property
    def input_dim(self) -> int | None:
        """The number of input features D the weights are for, or None before build."""
        return None if self._weights is None else self._weights[0].shape[0]

    def _weight_shapes(self, input_dim: int | None) -> list[tuple[str, tuple[int | None, ...]]]:
        """[(name, shape)] in Keras order for this cell and input_dim."""
        width = self._gates * self.units
        shapes = [("kernel", (input_dim, width)), ("recurrent_kernel", (self.units, width))]
        if self.use_bias:
            shapes.append(("bias", self._bias_shape()))  # type: ignore[arg-type]
        return shapes  # type: ignore[return-value]

    def _bias_shape(self) -> tuple[int, ...]:
        return (self._gates * self.units,)

    def _initial_bias(self, rng: Generator) -> np.ndarray:
        return self.bias_initializer(self._bias_shape(), self.dtype, rng)

    def build(self, input_shape: int | Sequence[int | None]) -> None:
        """Create the weights with the initializers.

        A layer builds itself on its first call; call ``build`` to create the
        weights before that (to inspect or save them, say). The layer's
        ``seed`` seeds the draws, so two layers of the same configuration and
        seed get the same weights. Building again replaces the weights with a
        new draw (the same one with a seed), and a stateful layer forgets its
        states.

        Parameters
        ----------
        input_shape : int or tuple of int
            The number of input features D, or a shape whose last entry is D,
            such as Keras's ``build(sequences_shape)`` takes:
            ``(batch, timesteps, D)``, where batch and timesteps may be None.

        Raises
        ------
        ValueError
            If ``input_shape`` is neither a feature count nor a shape ending in one.
        fastrnn.layers.TooLargeError
            If the weights would need more than ``fastrnn.layers.MAX_BYTES``.

        Examples
        --------
        >>> import fastrnn
        >>> layer = fastrnn.LSTM(3, seed=0)
        >>> layer.built
        False
        >>> layer.build((None, 10, 5))
        >>> layer.built, layer.input_dim
        (True, 5)
        >>> [w.shape for w in layer.get_weights()]
        [(5, 12), (3, 12), (12,)]
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
        _validate.check_bytes(
            f"{cls}.build({input_dim})",
            (input_dim + self.units + 2) * width * self._np_dtype.itemsize,
            f"kernel ({input_dim}, {width}) and recurrent kernel ({self.units}, {width})")
        # Keras takes negative seeds too; numpy wants them non-negative.
        rng = np.random.default_rng(None if self.seed is None else self.seed % 2**64)
        weights = [self.kernel_initializer((input_dim, width), self.dtype, rng),
                   self.recurrent_initializer((self.units, width), self.dtype, rng)]
        if self.use_bias:
            weights.append(self._initial_bias(rng))
        self._set_weights_unchecked(weights)
        self._on_new_weights()

    def _set_weights_unchecked(self, weights: list[np.ndarray]) -> None:
        weights = [np.array(w, dtype=self.dtype, order="C") for w in weights]
        recurrence = self._new_recurrence(weights)
        # The kernel first, then the weights: another thread that sees the
        # layer built (weights set) also sees its kernel.
        self._recurrence = recurrence
        self._weights = weights

    def _make_recurrence(self) -> None:
        self._recurrence = self._new_recurrence(self._weights)

    def _new_recurrence(self, weights: list[np.ndarray]) -> Recurrence:
        """Hand the weights to the kernel once; every call reuses them."""
        width = self._gates * self.units
        zeros = np.zeros(width, self.dtype)
        bias = weights[2].reshape(-1, width) if self.use_bias else zeros[None]
        # GRU(reset_after=True) keeps a second, recurrent bias row.
        recurrent_bias = bias[1] if bias.shape[0] > 1 else zeros
        return _dispatch.kernels.Recurrence(
            self._cell, weights[0], weights[1], bias[0], recurrent_bias,
            self._activation_code, self._recurrent_activation_code, self.reset_after)

    def __getstate__(self) -> dict[str, Any]:
        # The kernel object belongs to this CPU's build; rebuild it on load.
        state = super().__getstate__()  # type: ignore[misc]
        state["_recurrence"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if self._weights is not None:
            self._make_recurrence()

    def get_weights(self) -> list[NDArray[Any]]:
        """Return copies of the weights in Keras layout and gate order.

        Returns
        -------
        list of ndarray
            ``[kernel, recurrent_kernel, bias]`` (no ``bias`` with
            ``use_bias=False``) of the layer's dtype, or ``[]`` before the
            layer is built. With D input features and H = ``units``:

            - SimpleRNN: kernel (D, H), recurrent_kernel (H, H), bias (H,);
            - LSTM: kernel (D, 4H), recurrent_kernel (H, 4H), bias (4H,), in
              gate blocks i, f, c, o;
            - GRU: kernel (D, 3H), recurrent_kernel (H, 3H), in gate blocks
              z, r, h; bias (2, 3H) with ``reset_after=True`` (row 0 the input
              bias, row 1 the recurrent bias), else (3H,).

            This is the list ``keras_layer.get_weights()`` returns.

        Examples
        --------
        >>> import fastrnn
        >>> layer = fastrnn.GRU(2, seed=0)
        >>> layer.get_weights()
        []
        >>> layer.build(3)
        >>> [w.shape for w in layer.get_weights()]
        [(3, 6), (2, 6), (2, 6)]
        """
        return [] if self._weights is None else [w.copy() for w in self._weights]

    @property
    def weights(self) -> list[NDArray[Any]]:
        """Copies of the weights, as ``get_weights()`` returns them."""
        return self.get_weights()

    def set_weights(self, weights: Sequence[ArrayLike]) -> None:
        """Set the weights from a list of arrays in Keras layout (see ``get_weights``).

        Parameters
        ----------
        weights : list of array-like
            ``[kernel, recurrent_kernel, bias]`` (no ``bias`` with
            ``use_bias=False``), for instance ``keras_layer.get_weights()``.
            Any real dtype; the arrays are copied and converted to the layer's
            dtype. An unbuilt layer takes its number of input features from
            the kernel's first dimension.

        Raises
        ------
        ValueError
            If the list has the wrong length, or a weight the wrong shape (the
            message names the weight and both shapes) or a non-real dtype.

        Examples
        --------
        >>> import numpy as np
        >>> import fastrnn
        >>> layer = fastrnn.SimpleRNN(2)
        >>> layer.set_weights([np.full((3, 2), 0.5), np.eye(2), np.zeros(2)])
        >>> layer.input_dim
        3
        >>> print(np.round(layer(np.ones((1, 1, 3))), 4))      # tanh(1.5)
        [[0.9051 0.9051]]
        >>> layer.set_weights([np.zeros((4, 2)), np.eye(2), np.zeros(2)])
        Traceback (most recent call last):
            ...
        ValueError: SimpleRNN weight 'kernel' expected shape (3, 2), got shape (4, 2)
        """
        cls = type(self).__name__
        weights = _validate.weight_list(weights, f"{cls}.set_weights")
        expected = self._weight_shapes(self.input_dim if self.built else 0)
        if len(weights) != len(expected):
            raise ValueError(
                f"{cls} expected {len(expected)} weights "
                f"({', '.join(n for n, _ in expected)}), got {len(weights)}"
            )
        arrays = []
        for (wname, shape), w in zip(expected, weights):
            w = _validate.weight_array(w, cls, f"weight '{wname}'", self.dtype)
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


class _SimpleRNNCore(_CellCore):
    """SimpleRNN's cell: one gate block, one state ``h``."""


class _LSTMCore(_CellCore):
    """LSTM's cell: gate blocks i, f, c, o; states ``h``, ``c``; ``unit_forget_bias``."""

    _gates = 4
    _state_names = ("h", "c")
    _cell = Cell.LSTM_CELL

    def _lstm_args(self, recurrent_activation: str | None, unit_forget_bias: bool | np.ndarray
                  ) -> dict[str, Any]:
        self.recurrent_activation = activations.serialize(recurrent_activation)
        self.unit_forget_bias = _flag(type(self).__name__, "unit_forget_bias", unit_forget_bias)
        self._recurrent_activation_code = activations.get(self.recurrent_activation)
        return {"recurrent_activation": self.recurrent_activation,
                "unit_forget_bias": self.unit_forget_bias}

    def _initial_bias(self, rng: Generator) -> np.ndarray:
        if not self.unit_forget_bias:
            return super()._initial_bias(rng)
        # keras/src/layers/rnn/lstm.py: the forget gate's bias starts at one.
        h = self.units
        return np.concatenate([self.bias_initializer((h,), self.dtype, rng),
                               np.ones(h, self.dtype),
                               self.bias_initializer((2 * h,), self.dtype, rng)])


class _GRUCore(_CellCore):
    """GRU's cell: gate blocks z, r, h; one state ``h``; ``reset_after``."""

    _gates = 3
    _cell = Cell.GRU_CELL

    def _gru_args(self, recurrent_activation: str | None, reset_after: bool | np.ndarray
                 ) -> dict[str, Any]:
        self.recurrent_activation = activations.serialize(recurrent_activation)
        self.reset_after = _flag(type(self).__name__, "reset_after", reset_after)
        self._recurrent_activation_code = activations.get(self.recurrent_activation)
        return {"recurrent_activation": self.recurrent_activation,
                "reset_after": self.reset_after}

    def _bias_shape(self) -> tuple[int, ...]:
        width = 3 * self.units
        return (2, width) if self.reset_after else (width,)


class _RNN(_CellCore, Layer):
    """Shared machinery of the recurrent layers (not public).

    ``SimpleRNN``, ``LSTM`` and ``GRU`` inherit their methods from here:
    ``__call__``, ``build``, ``get_weights`` / ``set_weights``,
    ``reset_states``, ``get_config`` / ``from_config``. See those classes for
    the constructor arguments. Each layer is its own cell (``_CellCore``):
    its call reads the kernel from its own ``_recurrence``; ``fastrnn.RNN``
    runs the same methods with the kernel read from a cell
    (``fastrnn.rnn._CellRunner``).
    """

    supports_masking = True

    def __init__(self, units: int, *, activation: str | None, use_bias: bool,
                 kernel_initializer: _InitializerLike, recurrent_initializer: _InitializerLike,
                 bias_initializer: _InitializerLike, return_sequences: bool, return_state: bool,
                 go_backwards: bool, stateful: bool, seed: int | None, dtype: _DType,
                 name: str | None, zero_output_for_mask: bool, cell_args: dict[str, Any],
                 ignored: dict[str, Any]) -> None:
        cls = type(self).__name__
        unknown = set(ignored) - set(_TRAINING_ARGS) - set(self._extra_accepted) - {
            "input_shape", "input_dim"}
        if unknown:
            raise ValueError(
                f"Unrecognized keyword arguments passed to {cls}: "
                f"{ {k: ignored[k] for k in sorted(unknown)} }"
            )
        self._init_core(units, activation, use_bias, kernel_initializer,
                        recurrent_initializer, bias_initializer, seed, dtype, name, cell_args)
        self._init_layer_flags(return_sequences, return_state, go_backwards, stateful,
                               zero_output_for_mask)
        self._training_args = {k: ignored.get(k, v) for k, v in _TRAINING_ARGS.items()}
        self._training_args.update(
            {k: ignored.get(k, v) for k, v in _CUDNN_ARGS.items() if k in self._extra_accepted})

    def _init_layer_flags(self, return_sequences: np.ndarray | bool | str,
                          return_state: bool | np.ndarray, go_backwards: bool | np.ndarray,
                          stateful: bool | np.ndarray, zero_output_for_mask: bool | np.ndarray
                         ) -> None:
        cls = type(self).__name__
        self.return_sequences = _flag(cls, "return_sequences", return_sequences)
        self.return_state = _flag(cls, "return_state", return_state)
        self.go_backwards = _flag(cls, "go_backwards", go_backwards)
        self.stateful = _flag(cls, "stateful", stateful)
        self.zero_output_for_mask = _flag(cls, "zero_output_for_mask", zero_output_for_mask)
        self._states = None
        self._lock = threading.Lock()   # held by calls of a stateful layer

    _extra_accepted: tuple[str, ...] = ()

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_lock", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._lock = threading.Lock()

    def _on_new_weights(self) -> None:
        if self.stateful:
            self._states = None

    # ------------------------------------------------------------ state
    @property
    def states(self) -> list[NDArray[Any]] | None:
        """Copies of a stateful layer's current states (``[h]``, or ``[h, c]`` for
        LSTM), or None (not stateful, or not called since it was built)."""
        with self._lock:        # not halfway through reset_states or a call
            return None if self._states is None else [s.copy() for s in self._states]

    def reset_states(self) -> None:
        """Zero the states of a stateful layer (Keras's ``reset_states``).

        The next call starts from zero states again; the batch size stays the
        one the first call fixed. A layer that is not stateful, or has not been
        called yet, has no states and is left as it is. ``reset_state`` is the
        same method.

        Examples
        --------
        >>> import numpy as np
        >>> import fastrnn
        >>> layer = fastrnn.SimpleRNN(2, stateful=True, seed=0)
        >>> x = np.ones((1, 3, 4))
        >>> first = layer(x)
        >>> second = layer(x)      # starts from the states the first call left
        >>> np.allclose(first, second)
        False
        >>> layer.reset_states()
        >>> np.allclose(layer(x), first)
        True
        """
        with self._lock:
            self._reset_states_unlocked()

    reset_state = reset_states

    def _reset_states_unlocked(self) -> None:
        if self._states is not None:
            for s in self._states:
                s[...] = 0

    # ------------------------------------------------------------ calling
    def __call__(self, x: ArrayLike, mask: ArrayLike | None = None,
                 initial_state: Sequence[ArrayLike] | None = None, training: bool | None = None
                ) -> _Output:
        """Run the layer over a batch of sequences.

        An unbuilt layer first builds its weights for the number of features
        of ``x``. Calls on a non-stateful layer may run concurrently from
        several threads; calls on a stateful layer are serialized.

        Parameters
        ----------
        x : array-like, shape (batch, timesteps, features)
            A 3D tensor of any real dtype and memory layout, converted to the
            layer's dtype.
        mask : array-like, shape (batch, timesteps), optional
            Binary tensor indicating whether a given timestep should be
            masked. A True (nonzero) entry indicates that the corresponding
            timestep should be utilized, while a False (zero) entry indicates
            that it should be ignored. Bool, int or float. Defaults to None.
        initial_state : list of array-like, optional
            List of initial state tensors to be passed to the first call of
            the cell: ``[h]``, or ``[h, c]`` for LSTM, each of shape
            (batch, units). None (the default) creates zero-filled initial
            states; a stateful layer continues from the states its previous
            call left.
        training : bool, optional
            Accepted for Keras compatibility and ignored: fastrnn runs
            inference only, without dropout.

        Returns
        -------
        ndarray or list of ndarray
            The output, of the layer's dtype: (batch, units), or (batch,
            timesteps, units) with ``return_sequences=True``. With
            ``return_state=True``, the list ``[output, *states]``: ``[output,
            h]``, or ``[output, h, c]`` for LSTM, each state (batch, units).

        Raises
        ------
        ValueError
            If ``x``, ``mask`` or ``initial_state`` has the wrong rank, shape
            or dtype (the message names the argument and the expected shape),
            or ``x`` has no timesteps.
        fastrnn.layers.TooLargeError
            If the call would need more than ``fastrnn.layers.MAX_BYTES``.

        Examples
        --------
        >>> import numpy as np
        >>> import fastrnn
        >>> layer = fastrnn.LSTM(4, return_state=True, seed=0)
        >>> x = np.ones((2, 5, 3))
        >>> output, h, c = layer(x)
        >>> output.shape, h.shape, c.shape, output.dtype.name
        ((2, 4), (2, 4), (2, 4), 'float32')
        >>> zeros = np.zeros((2, 4))
        >>> np.allclose(layer(x, initial_state=[zeros, zeros])[0], output)
        True
        >>> mask = [[1, 1, 1, 1, 1], [1, 1, 0, 0, 0]]     # sample 1: two valid steps
        >>> masked = layer(x, mask=mask)[0]
        >>> np.allclose(masked[1], layer(x[1:, :2])[0][0])
        True
        """
        if x.__class__ is KerasTensor or (mask is not None or initial_state is not None) \
                and graph.is_symbolic(mask, initial_state):
            return graph.symbolic_call(self, (x,), {"mask": mask, "initial_state": initial_state})
        if self.stateful:
            # One call at a time: each starts from the states the last one left.
            with self._lock:
                call = self._prepare(x, mask, initial_state)
                call.run()
                return self._finish(call)
        call = self._prepare(x, mask, initial_state)
        call.run()
        return self._finish(call)

    def call(self, sequences: ArrayLike, initial_state: Sequence[ArrayLike] | None = None,
             mask: ArrayLike | None = None, training: bool | None = None) -> _Output:
        """``layer(sequences, ...)``: Keras's call signature (see ``__call__``)."""
        return self.__call__(sequences, mask=mask, initial_state=initial_state)

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> Any:
        """The output shape(s) for ``input_shape`` (batch, timesteps, features): the
        output's, then with ``return_state`` each state's (batch, units)."""
        cls = type(self).__name__
        if len(input_shape) != 3:
            raise ValueError(f"{cls} {self.name!r} expects 3-D input (batch, timesteps, "
                             f"features), got shape {tuple(input_shape)}")
        batch, steps = input_shape[0], input_shape[1]
        out = (batch, steps, self.units) if self.return_sequences else (batch, self.units)
        if self.return_state:
            return [out] + [(batch, self.units)] * len(self._state_names)
        return out

    def compute_output_spec(self, sequences: KerasTensor, mask: KerasTensor | None = None,
                            initial_state: list[KerasTensor] | None = None, training: Any = None
                           ) -> KerasTensor | list[KerasTensor]:
        shapes = self.compute_output_shape(sequences.shape)
        if self.return_state:
            return [KerasTensor(s, self.dtype) for s in shapes]
        return KerasTensor(shapes, self.dtype)

    def compute_mask(self, inputs: np.ndarray, mask: np.ndarray | None = None
                    ) -> list[None] | np.ndarray | None:
        """The output's mask: the input mask with ``return_sequences``, else None;
        with ``return_state`` followed by None for each state
        (keras/src/layers/rnn/rnn.py)."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self._state_names)  # type: ignore[return-value]
        return output_mask

    def _weight_groups(self) -> list[tuple[Any, ...]]:
        return [("cell/vars", self._weight_count())]

    @property
    def trainable(self) -> bool:  # type: ignore[override]
        """Kept in the config (fastrnn does not train)."""
        return self._training_args["trainable"]  # type: ignore[return-value]

    def _prepare(self, x: Any, mask: Any, initial_state: Any) -> Call:
        """Validate the arguments; a kernel call ready to run (see Call.run).

        Every call is checked here, once, before the kernel entry is called
        (once): x's rank, timesteps and features, the stateful batch size and
        the size of the call. Only the conversions are skipped on the fast
        path, when x already is what the kernel reads.
        """
        recurrence = self._recurrence
        # The fast path, chosen by one test (in C): x already is what the
        # kernel reads, within the size limit (_call_row_bound bounds each
        # row's share of a call, see _call_bytes), no mask or initial state.
        if (mask is None and initial_state is None and recurrence is not None
                and recurrence.fits(x, MAX_BYTES // self._call_row_bound)):
            states = self._prepare_states(None, len(x)) if self.stateful else None
            return recurrence.prepare(x, None, states, self.go_backwards,
                                      self.return_sequences, self.zero_output_for_mask)
        # The checked path: the same checks, with messages, and conversions.
        x = _validate.real_array(x, type(self).__name__, "x")
        try:
            batch, steps, features = x.shape
        except ValueError:
            raise ValueError(f"{type(self).__name__} expected x of rank 3 (batch, timesteps, "
                             f"features), got shape {x.shape}") from None
        if recurrence is None and steps:  # the first call builds the layer for x's features
            with graph.build_lock:
                if not self.built:
                    self.build(features)
            recurrence = self._recurrence
        if not steps or features != recurrence.input_dim:  # type: ignore[union-attr]
            self._refuse_shape(x.shape, recurrence)
        if batch * steps * self._call_row_bound > MAX_BYTES:
            self._check_call_size(x.shape)
        x = _validate.kernel_array(x, self._np_dtype, type(self).__name__, "x")
        mask = self._prepare_mask(mask, batch, steps)
        states = self._prepare_states(initial_state, batch)
        return recurrence.prepare(x, mask, states, self.go_backwards,  # type: ignore[union-attr]
                                  self.return_sequences, self.zero_output_for_mask)

    def _refuse_shape(self, shape: tuple[int, ...], recurrence: Recurrence | None) -> NoReturn:
        """Raise the ValueError for x of a rank-3 ``shape`` the kernel cannot run."""
        cls = type(self).__name__
        if not shape[1]:
            raise ValueError(
                f"{cls} expected x with at least one timestep, got shape {shape} "
                "(Keras cannot run a recurrent layer over zero timesteps either)")
        raise ValueError(f"{cls} expected x with {recurrence.input_dim} features (built "  # type: ignore[union-attr]
                         f"input_dim), got shape {shape}")

    def _check_call_size(self, shape: tuple[int, ...]) -> None:
        """TooLargeError if a call on x of ``shape`` needs more than MAX_BYTES."""
        batch, steps, _ = shape
        nbytes = sum(self._call_bytes(batch, steps))
        _validate.check_bytes(
            f"{type(self).__name__} call on x of shape {shape}", nbytes,
            f"an input projection of {batch}*{steps} rows of {self._gates}*{self.units} "
            f"{self.dtype} values, and the outputs")

    def _finish(self, call: Call) -> list[np.ndarray] | np.ndarray:
        """The Keras return value of a call that has run."""
        states = call.states
        if self.stateful:
            # Keep our own copies when the caller gets the arrays too.
            self._states = [s.copy() for s in states] if self.return_state else states  # type: ignore[assignment]
        output = call.sequence if self.return_sequences else call.last
        if self.return_state:
            return [output, *states]  # type: ignore[list-item]
        return output  # type: ignore[return-value]

    def _prepare_mask(self, mask: Any, batch: int, steps: int
                     ) -> np.ndarray | None:
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

    def _prepare_states(self, initial_state: Any, batch: int) -> list[np.ndarray] | None:
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
                        f"got x with batch size {batch}. reset_states() keeps the batch "
                        "size; build a new layer for another batch size."
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
            # Keras casts bool and integer states to the layer's dtype too.
            s = _validate.real_array(s, cls, f"initial_state '{sname}'")
            if s.shape != shape:
                raise ValueError(
                    f"{cls} expected initial_state '{sname}' of shape (batch, units) = "
                    f"{shape}, got shape {s.shape}"
                )
            states.append(_validate.kernel_array(s, self._np_dtype, cls,
                                                 f"initial_state '{sname}'"))
        return states

    # ------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        """Return the layer's configuration, with Keras's keys.

        Returns
        -------
        dict
            The constructor arguments, as ``keras_layer.get_config()`` has
            them: activations by their canonical name, initializers as Keras
            config dicts, and the training-only arguments (``dropout``,
            regularizers, ...) with the values given. The weights are not
            part of it.

        Examples
        --------
        >>> import fastrnn
        >>> layer = fastrnn.GRU(4, reset_after=False, name="gru")
        >>> config = layer.get_config()
        >>> config["units"], config["reset_after"], config["activation"]
        (4, False, 'tanh')
        >>> config["kernel_initializer"]["class_name"]
        'GlorotUniform'
        >>> fastrnn.GRU.from_config(config) == layer
        True
        """
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
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        """Create a layer from its configuration (Keras's ``from_config``).

        Parameters
        ----------
        config : dict
            A dict as ``get_config()`` returns it (also a Keras layer's config).

        Returns
        -------
        layer
            A new, unbuilt layer of this class.

        Examples
        --------
        >>> import fastrnn
        >>> clone = fastrnn.LSTM.from_config(fastrnn.LSTM(3, name="encoder").get_config())
        >>> clone.name, clone.units, clone.built
        ('encoder', 3, False)
        """
        return cls(**config)

    def __eq__(self, other: object) -> bool:
        """Equal class, config, weights and stateful state (as after unpickling)."""
        if type(self) is not type(other) or self.get_config() != other.get_config():
            return False
        return (arrays_equal(self.get_weights(), other.get_weights())
                and arrays_equal(self.states or [], other.states or []))

    __hash__ = None

    def __repr__(self) -> str:
        return f"<fastrnn.{type(self).__name__} name={self.name!r} units={self.units}>"


@_doc
class SimpleRNN(_SimpleRNNCore, _RNN):
    """Fully-connected RNN where the output is to be fed back as the new input.

    ``h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)``, and
    the output at each timestep is ``h_t``. Arguments, defaults, weight layout
    and results are those of ``keras.layers.SimpleRNN`` (Keras 3), to float32
    rounding.

    Parameters
    ----------
    {units}
    {activation}
    {use_bias}
    {kernel_initializer}
    {recurrent_initializer}
    {bias_initializer}
    {return_sequences}
    {return_state}
    {go_backwards}
    {stateful}
    {zero_output_for_mask}
    {seed}
    {dtype}
    name : str, optional
        Name of the layer. Default ``"simple_rnn"``, ``"simple_rnn_1"``, ...
        as Keras numbers them.
    {layer_kwargs:}

    {call_arguments:h}

    Notes
    -----
    {simple_rnn_weights}

    {sequence_notes}

    See Also
    --------
    LSTM, GRU : The gated recurrent layers.
    Bidirectional : Runs a recurrent layer in both directions.
    fastrnn.from_torch : Runs a PyTorch ``nn.RNN`` with this layer.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> from fastrnn.initializers import Constant
    >>> x = np.arange(12, dtype="float32").reshape(1, 4, 3) / 10  # (batch, timesteps, features)
    >>> layer = fastrnn.SimpleRNN(2, kernel_initializer=Constant(0.1),
    ...                           recurrent_initializer=Constant(0.1))
    >>> print(np.round(layer(x), 4))
    [[0.333 0.333]]

    The full sequence and the final state; the recurrence written out with the
    layer's weights gives the same state:

    >>> layer = fastrnn.SimpleRNN(4, return_sequences=True, return_state=True, seed=0)
    >>> x = np.random.default_rng(0).normal(size=(2, 5, 3))
    >>> sequence, h = layer(x)
    >>> sequence.shape, h.shape
    ((2, 5, 4), (2, 4))
    >>> kernel, recurrent_kernel, bias = layer.get_weights()
    >>> kernel.shape, recurrent_kernel.shape, bias.shape
    ((3, 4), (4, 4), (4,))
    >>> h_t = np.zeros((2, 4))
    >>> for t in range(5):
    ...     h_t = np.tanh(x[:, t] @ kernel + h_t @ recurrent_kernel + bias)
    >>> np.allclose(h, h_t, atol=1e-5)
    True

    A masked timestep repeats the previous output:

    >>> layer = fastrnn.SimpleRNN(2, kernel_initializer=Constant(0.1),
    ...                           recurrent_initializer=Constant(0.1), return_sequences=True)
    >>> x = np.arange(12, dtype="float32").reshape(1, 4, 3) / 10
    >>> print(np.round(layer(x, mask=[[True, False, True, False]]), 4))
    [[[0.03   0.03  ]
      [0.03   0.03  ]
      [0.2127 0.2127]
      [0.2127 0.2127]]]

    ``go_backwards=True`` reads the sequence last to first (the same ``seed``
    gives the same weights):

    >>> backward = fastrnn.SimpleRNN(3, go_backwards=True, return_sequences=True, seed=1)
    >>> forward = fastrnn.SimpleRNN(3, return_sequences=True, seed=1)
    >>> np.allclose(backward(x), forward(x[:, ::-1]))
    True
    """

    def __init__(self, units: int, activation: str | None = "tanh", use_bias: bool = True,
                 kernel_initializer: _InitializerLike = "glorot_uniform",
                 recurrent_initializer: _InitializerLike = "orthogonal",
                 bias_initializer: _InitializerLike = "zeros", return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 zero_output_for_mask: bool = False, seed: int | None = None, dtype: _DType = None,
                 name: str | None = None, **kwargs: Any) -> None:
        super().__init__(
            units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, return_sequences=return_sequences,
            return_state=return_state, go_backwards=go_backwards, stateful=stateful,
            seed=seed, dtype=dtype, name=name, zero_output_for_mask=zero_output_for_mask,
            cell_args={}, ignored=kwargs)



@_doc
class LSTM(_LSTMCore, _RNN):
    """Long Short-Term Memory layer - Hochreiter 1997.

    Gates i, f, c, o (Keras order): ``i = recurrent_activation(x_t W_i +
    h_{t-1} U_i + b_i)``, likewise ``f`` and ``o``; ``c_t = f * c_{t-1} + i *
    activation(x_t W_c + h_{t-1} U_c + b_c)`` and ``h_t = o * activation(c_t)``.
    The states are ``[h, c]``; the output at each timestep is ``h_t``.
    Arguments, defaults, weight layout and results are those of
    ``keras.layers.LSTM`` (Keras 3), to float32 rounding.

    Parameters
    ----------
    {units}
    {activation}
    {recurrent_activation}
    {use_bias}
    {kernel_initializer}
    {recurrent_initializer}
    {bias_initializer}
    {unit_forget_bias}
    {return_sequences}
    {return_state}
    {go_backwards}
    {stateful}
    {zero_output_for_mask}
    {seed}
    {dtype}
    name : str, optional
        Name of the layer. Default ``"lstm"``, ``"lstm_1"``, ... as Keras
        numbers them.
    {layer_kwargs:, ``use_cudnn``, ``implementation``}

    {call_arguments:h, c}

    Notes
    -----
    {lstm_weights}

    {sequence_notes}

    See Also
    --------
    SimpleRNN, GRU : The other recurrent layers.
    Bidirectional : Runs a recurrent layer in both directions.
    fastrnn.from_torch : Runs a PyTorch ``nn.LSTM`` with this layer.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> from fastrnn.initializers import Constant
    >>> x = np.arange(12, dtype="float32").reshape(1, 4, 3) / 10  # (batch, timesteps, features)
    >>> layer = fastrnn.LSTM(3, kernel_initializer=Constant(0.1),
    ...                      recurrent_initializer=Constant(0.1), return_state=True)
    >>> output, h, c = layer(x)
    >>> print(np.round(output, 4))
    [[0.184 0.184 0.184]]
    >>> print(np.round(c, 4))
    [[0.3275 0.3275 0.3275]]
    >>> np.array_equal(output, h)
    True

    Weights in Keras layout; ``unit_forget_bias`` starts the forget gate's
    bias block at one:

    >>> layer = fastrnn.LSTM(2, seed=0)
    >>> layer.build(3)
    >>> [w.shape for w in layer.get_weights()]
    [(3, 8), (2, 8), (8,)]
    >>> print(layer.get_weights()[2])              # blocks i, f, c, o
    [0. 0. 1. 1. 0. 0. 0. 0.]

    A stateful layer carries its states from one call to the next, so a long
    sequence can be fed in chunks:

    >>> x = np.random.default_rng(0).normal(size=(2, 6, 3))
    >>> whole = fastrnn.LSTM(4, seed=0)(x)
    >>> chunked = fastrnn.LSTM(4, stateful=True, seed=0)
    >>> _ = chunked(x[:, :3])
    >>> np.allclose(chunked(x[:, 3:]), whole, atol=1e-6)
    True

    Training-only arguments are accepted and ignored; unknown ones are refused:

    >>> layer = fastrnn.LSTM(2, dropout=0.2, recurrent_dropout=0.1)
    >>> fastrnn.LSTM(2, dropuot=0.2)
    Traceback (most recent call last):
        ...
    ValueError: Unrecognized keyword arguments passed to LSTM: {'dropuot': 0.2}
    """

    _extra_accepted = tuple(_CUDNN_ARGS)

    def __init__(self, units: int, activation: str | None = "tanh",
                 recurrent_activation: str | None = "sigmoid", use_bias: bool = True,
                 kernel_initializer: _InitializerLike = "glorot_uniform",
                 recurrent_initializer: _InitializerLike = "orthogonal",
                 bias_initializer: _InitializerLike = "zeros", unit_forget_bias: bool = True,
                 return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False,
                 zero_output_for_mask: bool = False, seed: int | None = None, dtype: _DType = None,
                 name: str | None = None, **kwargs: Any) -> None:
        cell_args = self._lstm_args(recurrent_activation, unit_forget_bias)
        super().__init__(
            units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, return_sequences=return_sequences,
            return_state=return_state, go_backwards=go_backwards, stateful=stateful,
            seed=seed, dtype=dtype, name=name, zero_output_for_mask=zero_output_for_mask,
            cell_args=cell_args, ignored=kwargs)


@_doc
class GRU(_GRUCore, _RNN):
    """Gated Recurrent Unit - Cho et al. 2014.

    Gates z (update), r (reset) and h (candidate), in Keras order:
    ``h_t = z * h_{t-1} + (1 - z) * hh``, where ``hh = activation(x_t W_h +
    b_h + r * (h_{t-1} U_h + b_rec_h))`` with ``reset_after=True``, or
    ``activation(x_t W_h + b_h + (r * h_{t-1}) U_h)`` with False. One state,
    ``h``, which is also the output at each timestep. Arguments, defaults,
    weight layout and results are those of ``keras.layers.GRU`` (Keras 3), to
    float32 rounding.

    Parameters
    ----------
    {units}
    {activation}
    {recurrent_activation}
    {use_bias}
    {kernel_initializer}
    {recurrent_initializer}
    {bias_initializer}
    {reset_after}
    {return_sequences}
    {return_state}
    {go_backwards}
    {stateful}
    {zero_output_for_mask}
    {seed}
    {dtype}
    name : str, optional
        Name of the layer. Default ``"gru"``, ``"gru_1"``, ... as Keras
        numbers them.
    {layer_kwargs:, ``use_cudnn``, ``implementation``}

    {call_arguments:h}

    Notes
    -----
    {gru_weights}

    {sequence_notes}

    See Also
    --------
    SimpleRNN, LSTM : The other recurrent layers.
    Bidirectional : Runs a recurrent layer in both directions.
    fastrnn.from_torch : Runs a PyTorch ``nn.GRU`` with this layer.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> from fastrnn.initializers import Constant
    >>> x = np.arange(12, dtype="float32").reshape(1, 4, 3) / 10  # (batch, timesteps, features)
    >>> layer = fastrnn.GRU(3, kernel_initializer=Constant(0.1),
    ...                     recurrent_initializer=Constant(0.1), return_sequences=True)
    >>> print(np.round(layer(x), 4))
    [[[0.0148 0.0148 0.0148]
      [0.0649 0.0649 0.0649]
      [0.1324 0.1324 0.1324]
      [0.2073 0.2073 0.2073]]]

    The bias layout depends on ``reset_after``:

    >>> layer = fastrnn.GRU(2, seed=0)
    >>> layer.build(3)
    >>> [w.shape for w in layer.get_weights()]
    [(3, 6), (2, 6), (2, 6)]
    >>> layer = fastrnn.GRU(2, reset_after=False, seed=0)
    >>> layer.build(3)
    >>> [w.shape for w in layer.get_weights()]
    [(3, 6), (2, 6), (6,)]

    float64 weights and outputs:

    >>> fastrnn.GRU(2, dtype="float64", seed=0)(x).dtype.name
    'float64'
    """

    _extra_accepted = tuple(_CUDNN_ARGS)

    def __init__(self, units: int, activation: str | None = "tanh",
                 recurrent_activation: str | None = "sigmoid", use_bias: bool = True,
                 kernel_initializer: _InitializerLike = "glorot_uniform",
                 recurrent_initializer: _InitializerLike = "orthogonal",
                 bias_initializer: _InitializerLike = "zeros", return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 reset_after: bool = True, zero_output_for_mask: bool = False,
                 seed: int | None = None, dtype: _DType = None, name: str | None = None,
                 **kwargs: Any) -> None:
        cell_args = self._gru_args(recurrent_activation, reset_after)
        super().__init__(
            units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, return_sequences=return_sequences,
            return_state=return_state, go_backwards=go_backwards, stateful=stateful,
            seed=seed, dtype=dtype, name=name, zero_output_for_mask=zero_output_for_mask,
            cell_args=cell_args, ignored=kwargs)


class _CellRunner(_RNN):
    """An ``_RNN`` over a cell's kernel (not public): the arguments and weights
    are the cell's (``fastrnn.cells``), the flags (``return_sequences``,
    ``go_backwards``, ...) and stateful states its own. ``fastrnn.RNN`` runs
    a built-in cell with one, and a stack of them with one per cell; a cell's
    one-step ``call`` uses one too. The checks, the kernel call and the
    return conventions are ``_RNN``'s: ``RNN(LSTMCell(n))`` computes what
    ``LSTM(n)`` does, bit for bit.
    """

    def __init__(self, cell: _Cell, name: str, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 zero_output_for_mask: bool = False) -> None:
        self.cell = cell
        self.name = name
        # Fixed by the cell's constructor.
        for attr in ("units", "dtype", "_np_dtype", "_gates", "_state_names",
                     "_call_row_bound"):
            setattr(self, attr, getattr(cell, attr))
        self._init_layer_flags(return_sequences, return_state, go_backwards, stateful,
                               zero_output_for_mask)

    # The cell's, read at every call: a cell's set_weights reaches every RNN using it.
    @property
    def _weights(self) -> None:  # type: ignore[override]
        return self.cell._weights

    @property
    def _recurrence(self) -> Recurrence | None:  # type: ignore[override]
        return self.cell._recurrence

    def build(self, input_shape: int) -> None:  # type: ignore[override]
        self.cell.build(input_shape)
        self._on_new_weights()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_lock", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
