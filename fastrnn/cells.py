"""The Keras cell API: SimpleRNNCell, LSTMCell, GRUCell and StackedRNNCells.

A built-in cell holds its arguments and weights exactly as the matching
layer does (the layers and the cells share ``fastrnn.layers._CellCore`` and
its per-type mixins), so ``fastrnn.RNN(LSTMCell(n))`` runs the kernel
``LSTM(n)`` runs, over the whole sequence in one call. A cell's own
``call(inputs, states)`` computes one timestep with that kernel (for use
outside ``RNN``, and by ``StackedRNNCells`` holding cells of your own).

The constructors take Keras 3's arguments with Keras 3's defaults
(keras/src/layers/rnn/simple_rnn.py, lstm.py, gru.py: the Cell classes) and
``get_config`` writes Keras's keys.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _validate, graph
from .layer import BASE_ARGS, Layer, snake_case
from .layers import _DOC_PARTS, _CellCore, _CellRunner, _doc, _GRUCore, _LSTMCore, _SimpleRNNCore

if TYPE_CHECKING:
    from typing_extensions import Self

    from .initializers import _InitializerLike
    from .layers import _DType

__all__ = ["SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells"]

# Arguments a Keras cell takes that only matter for training, and their defaults.
_CELL_TRAINING_ARGS = {
    "kernel_regularizer": None, "recurrent_regularizer": None, "bias_regularizer": None,
    "kernel_constraint": None, "recurrent_constraint": None, "bias_constraint": None,
    "dropout": 0.0, "recurrent_dropout": 0.0,
}


class _Cell(_CellCore, Layer):
    """What the three built-in cells share (not public)."""

    _extra_accepted: tuple[str, ...] = ()

    def __init__(self, units: int, *, activation: str | None, use_bias: bool,
                 kernel_initializer: _InitializerLike, recurrent_initializer: _InitializerLike,
                 bias_initializer: _InitializerLike, seed: int | None, dtype: _DType,
                 name: str | None, cell_args: dict[str, Any], ignored: dict[str, Any]) -> None:
        cls = type(self).__name__
        unknown = set(ignored) - set(_CELL_TRAINING_ARGS) - BASE_ARGS - set(self._extra_accepted)
        if unknown:
            raise ValueError(
                f"Unrecognized keyword arguments passed to {cls}: "
                f"{ {k: ignored[k] for k in sorted(unknown)} }")
        self._init_core(units, activation, use_bias, kernel_initializer,
                        recurrent_initializer, bias_initializer, seed, dtype, name, cell_args)
        self.trainable = bool(ignored.get("trainable", True))
        self._training_args = {k: ignored.get(k, v) for k, v in _CELL_TRAINING_ARGS.items()}
        for key in ("dropout", "recurrent_dropout"):   # Keras clips them to [0, 1]
            self._training_args[key] = min(1.0, max(0.0, float(self._training_args[key])))  # type: ignore[arg-type]
        self._step_runner: _CellRunner | None = None

    @property
    def state_size(self) -> Any:
        """The size of each state: ``units``, or ``[units, units]`` for LSTMCell (as Keras)."""
        return self.units

    @property
    def output_size(self) -> int:
        """The size of the output at each timestep: ``units``."""
        return self.units

    def get_initial_state(self, batch_size: int | None = None) -> list[NDArray[Any]]:
        """Zero states ``[h]`` (``[h, c]`` for LSTMCell), each (batch_size, units)."""
        return [np.zeros((batch_size, self.units), self.dtype) for _ in self._state_names]  # type: ignore[arg-type]

    def call(self, inputs: ArrayLike, states: Any, training: bool | None = None
            ) -> tuple[NDArray[Any], Any]:
        """One timestep: ``(output, new_states)``, as the Keras cell's ``call``.

        Runs the layer's kernel over one timestep, so the result is the one
        the layer (and ``RNN``) computes at that step.
        """
        cls = type(self).__name__
        x = _validate.real_array(inputs, cls, "inputs")
        if x.ndim != 2:
            raise ValueError(f"{cls} expected inputs of rank 2 (batch, features), "
                             f"got shape {x.shape}")
        nested = isinstance(states, (list, tuple))
        given = list(states) if nested else [states]
        runner = self._step_runner
        if runner is None:
            runner = self._step_runner = _CellRunner(self, self.name, return_state=True)
        call = runner._prepare(x[:, None, :], None, given)
        call.run()
        output, *new_states = runner._finish(call)
        if len(self._state_names) == 1 and not nested:
            return output, new_states[0]
        return output, new_states

    def get_config(self) -> dict[str, Any]:
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype,
                  **self._core_config(), **self._training_args}
        if "reset_after" in self._cell_args:
            config["reset_after"] = self.reset_after
        config["seed"] = self.seed
        return config

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state["_step_runner"] = None
        return state

    def __repr__(self) -> str:
        return f"<fastrnn.{type(self).__name__} name={self.name!r} units={self.units}>"


_DOC_PARTS["cell_call"] = """\
Call arguments
--------------
inputs : array-like, shape (batch, features)
    One timestep of the input.
states : list of array-like
    The states from the previous timestep: ``{0}``, each (batch, units).
training : bool, optional
    Accepted and ignored (inference only).

Returns
-------
tuple
    ``(output, new_states)``: the output (batch, units) and the new states
    as a list (``{0}``); as in Keras, a single state given as an array
    (not in a list) comes back as an array (not GRUCell's or
    SimpleRNNCell's list)."""


@_doc
class SimpleRNNCell(_SimpleRNNCore, _Cell):
    """Cell class for SimpleRNN: one timestep of ``keras.layers.SimpleRNNCell``.

    ``fastrnn.RNN(SimpleRNNCell(units))`` computes what ``SimpleRNN(units)``
    does, with the same kernel. Arguments, defaults, weights and config are
    Keras 3's.

    Parameters
    ----------
    {units}
    {activation}
    {use_bias}
    {kernel_initializer}
    {recurrent_initializer}
    {bias_initializer}
    {seed}
    {dtype}
    name : str, optional
        Name of the cell. Default ``"simple_rnn_cell"``, ``"simple_rnn_cell_1"``, ...
    {cell_kwargs:}
    {cell_call:[h]}
    Notes
    -----
    {simple_rnn_weights}

    See Also
    --------
    fastrnn.RNN : Runs a cell over a sequence.
    fastrnn.SimpleRNN : The layer, ``RNN(SimpleRNNCell(...))`` in one.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> cell = fastrnn.SimpleRNNCell(2)
    >>> cell.set_weights([np.full((3, 2), 0.5), np.eye(2), np.zeros(2)])
    >>> output, [h] = cell(np.ones((1, 3)), [np.zeros((1, 2))])
    >>> print(np.round(output, 4))                       # tanh(1.5)
    [[0.9051 0.9051]]
    >>> cell.state_size, cell.output_size
    (2, 2)
    """

    def __init__(self, units: int, activation: str | None = "tanh", use_bias: bool = True,
                 kernel_initializer: _InitializerLike = "glorot_uniform",
                 recurrent_initializer: _InitializerLike = "orthogonal",
                 bias_initializer: _InitializerLike = "zeros", seed: int | None = None,
                 dtype: _DType = None, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(units, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, seed=seed, dtype=dtype,
                         name=name, cell_args={}, ignored=kwargs)


@_doc
class LSTMCell(_LSTMCore, _Cell):
    """Cell class for the LSTM layer: one timestep of ``keras.layers.LSTMCell``.

    ``fastrnn.RNN(LSTMCell(units))`` computes what ``LSTM(units)`` does, with
    the same kernel. Arguments, defaults, weights and config are Keras 3's.

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
    {seed}
    {dtype}
    name : str, optional
        Name of the cell. Default ``"lstm_cell"``, ``"lstm_cell_1"``, ...
    {cell_kwargs:, ``implementation``}
    {cell_call:[h, c]}
    Notes
    -----
    {lstm_weights}

    See Also
    --------
    fastrnn.RNN : Runs a cell over a sequence.
    fastrnn.LSTM : The layer, ``RNN(LSTMCell(...))`` in one.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> x = np.random.default_rng(0).normal(size=(2, 5, 3))
    >>> cell = fastrnn.LSTMCell(4, seed=0)
    >>> layer = fastrnn.RNN(cell, return_state=True)
    >>> output, h, c = layer(x)
    >>> lstm = fastrnn.LSTM(4, return_state=True)
    >>> lstm.set_weights(cell.get_weights())
    >>> all(np.array_equal(a, b) for a, b in zip(lstm(x), [output, h, c]))
    True

    One timestep:

    >>> zeros = np.zeros((2, 4))
    >>> step_output, [step_h, step_c] = cell(x[:, 0], [zeros, zeros])
    >>> np.array_equal(step_output, lstm(x[:, :1])[0])
    True
    >>> cell.state_size
    [4, 4]
    """

    _extra_accepted = ("implementation",)

    def __init__(self, units: int, activation: str | None = "tanh",
                 recurrent_activation: str | None = "sigmoid", use_bias: bool = True,
                 kernel_initializer: _InitializerLike = "glorot_uniform",
                 recurrent_initializer: _InitializerLike = "orthogonal",
                 bias_initializer: _InitializerLike = "zeros", unit_forget_bias: bool = True,
                 seed: int | None = None, dtype: _DType = None, name: str | None = None,
                 **kwargs: Any) -> None:
        cell_args = self._lstm_args(recurrent_activation, unit_forget_bias)
        super().__init__(units, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, seed=seed, dtype=dtype,
                         name=name, cell_args=cell_args, ignored=kwargs)

    @property
    def state_size(self) -> list[int]:
        """``[units, units]``: the states ``h`` and ``c``."""
        return [self.units, self.units]


@_doc
class GRUCell(_GRUCore, _Cell):
    """Cell class for the GRU layer: one timestep of ``keras.layers.GRUCell``.

    ``fastrnn.RNN(GRUCell(units))`` computes what ``GRU(units)`` does, with
    the same kernel. Arguments, defaults, weights and config are Keras 3's.

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
    {seed}
    {dtype}
    name : str, optional
        Name of the cell. Default ``"gru_cell"``, ``"gru_cell_1"``, ...
    {cell_kwargs:, ``implementation``}
    {cell_call:[h]}
    Notes
    -----
    {gru_weights}

    See Also
    --------
    fastrnn.RNN : Runs a cell over a sequence.
    fastrnn.GRU : The layer, ``RNN(GRUCell(...))`` in one.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> cell = fastrnn.GRUCell(2, seed=0)
    >>> cell.build((None, 3))
    >>> [w.shape for w in cell.get_weights()]
    [(3, 6), (2, 6), (2, 6)]
    >>> output, h = cell(np.ones((1, 3)), np.zeros((1, 2)))   # a bare state in, a bare state out
    >>> np.array_equal(output, h)
    True
    """

    _extra_accepted = ("implementation",)

    def __init__(self, units: int, activation: str | None = "tanh",
                 recurrent_activation: str | None = "sigmoid", use_bias: bool = True,
                 kernel_initializer: _InitializerLike = "glorot_uniform",
                 recurrent_initializer: _InitializerLike = "orthogonal",
                 bias_initializer: _InitializerLike = "zeros", reset_after: bool = True,
                 seed: int | None = None, dtype: _DType = None, name: str | None = None,
                 **kwargs: Any) -> None:
        cell_args = self._gru_args(recurrent_activation, reset_after)
        super().__init__(units, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, seed=seed, dtype=dtype,
                         name=name, cell_args=cell_args, ignored=kwargs)


BUILTIN_CELLS = {"SimpleRNNCell": SimpleRNNCell, "LSTMCell": LSTMCell, "GRUCell": GRUCell}


# ---------------------------------------------------------------- serialization
def serialize_cell(cell: Layer) -> dict[str, Any]:
    """A cell as Keras's ``serialize_keras_object`` writes it:
    ``{"module", "class_name", "config", "registered_name"}``."""
    cls = type(cell)
    if cls in BUILTIN_CELLS.values() or cls is StackedRNNCells:
        return {"module": "keras.layers", "class_name": cls.__name__,
                "config": cell.get_config(), "registered_name": None}
    return {"module": cls.__module__, "class_name": cls.__name__,
            "config": cell.get_config(), "registered_name": cls.__name__}


def deserialize_cell(config: _Cell | dict[str, Any], custom_objects: Any = None) -> Layer:
    """A cell from ``serialize_cell``'s dict (also Keras's); cells of your own
    are looked up by class name (or registered name) in ``custom_objects``."""
    if isinstance(config, Layer):   # already a cell (fastrnn.io rebuilt it)
        return config
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Expected a serialized cell (a dict with 'class_name'), got {config!r}")
    custom_objects = custom_objects or {}
    name = config["class_name"]
    inner = dict(config.get("config") or {})
    for key in (config.get("registered_name"), name):
        if key in custom_objects:
            cls = custom_objects[key]
            break
    else:
        if name in BUILTIN_CELLS:
            return BUILTIN_CELLS[name].from_config(inner)  # type: ignore[attr-defined]
        if name == "StackedRNNCells":
            return StackedRNNCells.from_config(inner, custom_objects=custom_objects)
        raise ValueError(
            f"Unknown cell class {name!r}: pass it in custom_objects={{{name!r}: {name}}}")
    if cls is StackedRNNCells:
        return cls.from_config(inner, custom_objects=custom_objects)
    return cls.from_config(inner)


def _cell_output_size(cell: Layer) -> int:
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    state_size = cell.state_size  # type: ignore[attr-defined]
    return state_size[0] if isinstance(state_size, (list, tuple)) else state_size


def _check_cell(cell: Any, what: str) -> None:
    if "call" not in dir(cell):
        raise ValueError(f"{what} should have a `call` method. Received: cell={cell}")
    if "state_size" not in dir(cell):
        raise ValueError(
            f"{what} should have a `state_size` attribute (single integer or list of "
            f"integers, one integer per RNN state). Received: cell={cell}")


def call_cell(cell: Any, inputs: Any, states: Any) -> tuple[Any, ...]:
    """Keras's way of calling a cell: ``cell(...)`` if callable, else ``cell.call``."""
    fn = cell.__call__ if callable(cell) else cell.call
    return fn(inputs, states)


class StackedRNNCells(Layer):
    """Wrapper allowing a stack of RNN cells to behave as a single cell.

    As ``keras.layers.StackedRNNCells``: at each timestep the cells run in
    order, each one's output the next one's input. ``fastrnn.RNN`` runs a
    stack of built-in cells layer by layer over the whole sequence with the
    kernels (the same result: a masked timestep changes no cell's states),
    and a stack holding cells of your own timestep by timestep.

    Parameters
    ----------
    cells : list of cells
        Built-in cells (``SimpleRNNCell``, ``LSTMCell``, ``GRUCell``) or your
        own (anything with ``call(inputs, states)`` and ``state_size``).
    **kwargs
        Layer arguments: ``name`` (default ``"stacked_rnn_cells"``),
        ``dtype``, ``trainable``.

    Notes
    -----
    ``state_size`` is the list of the cells' state sizes (nested for
    LSTMCell: ``[[4, 4], 3]``); the states of a stack are one entry per cell,
    each that cell's list of states. Weights (``get_weights``) are the
    cells' lists one after the other.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> cells = fastrnn.StackedRNNCells([fastrnn.LSTMCell(4), fastrnn.GRUCell(3)])
    >>> cells.state_size, cells.output_size
    ([[4, 4], 3], 3)
    >>> layer = fastrnn.RNN(cells, return_state=True)
    >>> output, [h0, c0], [h1] = layer(np.ones((2, 5, 6)))
    >>> output.shape, c0.shape, h1.shape
    ((2, 3), (2, 4), (2, 3))
    >>> [w.shape for w in cells.get_weights()]
    [(6, 16), (4, 16), (16,), (4, 9), (3, 9), (2, 9)]
    """

    has_weights = True

    def __init__(self, cells: Sequence[Any], **kwargs: Any) -> None:
        if isinstance(cells, (str, bytes)) or not isinstance(cells, (list, tuple)):
            raise ValueError(f"StackedRNNCells expected a list of cells, got {cells!r}")
        super().__init__(**kwargs)
        for cell in cells:
            if "call" not in dir(cell):
                raise ValueError("All cells must have a `call` method. "
                                 f"Received cell without a `call` method: {cell}")
            if "state_size" not in dir(cell):
                raise ValueError("All cells must have a `state_size` attribute. "
                                 f"Received cell without a `state_size`: {cell}")
        self.cells = list(cells)

    @property
    def state_size(self) -> list[Any]:
        """The cells' state sizes, in order."""
        return [c.state_size for c in self.cells]

    @property
    def output_size(self) -> int:
        """The last cell's output size."""
        return _cell_output_size(self.cells[-1])

    @property
    def built(self) -> bool:
        """Whether every cell that is a layer is built."""
        return all(c.built for c in self.cells if isinstance(c, Layer))

    def build(self, input_shape: Sequence[int | None]) -> None:
        """Build each cell for the output size of the one before it."""
        input_shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(input_shape)
                cell._built = True
            input_shape = (graph.flatten(input_shape)[0], _cell_output_size(cell))

    def get_initial_state(self, batch_size: int | None = None) -> list[Any]:
        """Each cell's initial states (its ``get_initial_state``, else zeros)."""
        states = []
        for cell in self.cells:
            fn = getattr(cell, "get_initial_state", None)
            if fn is not None:
                states.append(fn(batch_size=batch_size))
            elif isinstance(cell.state_size, int):
                states.append(np.zeros((batch_size, cell.state_size), self.dtype))
            else:
                states.append([np.zeros((batch_size, d), self.dtype) for d in cell.state_size])
        return states

    def call(self, inputs: ArrayLike, states: Any, training: bool | None = None
            ) -> tuple[NDArray[Any], Any]:
        """One timestep through every cell: ``(last cell's output, new states)``."""
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            is_list = isinstance(cell_states, (list, tuple))
            cell_states = list(cell_states) if is_list else [cell_states]
            inputs, cell_states = call_cell(cell, inputs, cell_states)
            if not isinstance(cell_states, (list, tuple)):
                cell_states = [cell_states]
            if len(cell_states) == 1 and not is_list:
                cell_states = cell_states[0]
            new_states.append(cell_states)
        if len(new_states) == 1:
            new_states = new_states[0]
        return inputs, new_states  # type: ignore[return-value]

    # ------------------------------------------------------------ weights
    def _layer_cells(self) -> list[_Cell]:
        return [c for c in self.cells if isinstance(c, Layer)]  # type: ignore[misc]

    def get_weights(self) -> list[NDArray[Any]]:
        """The cells' weights, one cell's list after the other."""
        return [w for c in self._layer_cells() for w in c.get_weights()]

    def set_weights(self, weights: Sequence[ArrayLike]) -> None:
        """Set the cells' weights from one list (as ``get_weights`` returns it)."""
        weights = _validate.weight_list(weights, "StackedRNNCells.set_weights")
        counts = [c._weight_count() for c in self._layer_cells()]
        if len(weights) != sum(counts):
            raise ValueError(f"StackedRNNCells expected {sum(counts)} weights "
                             f"({' + '.join(map(str, counts))} for its cells), "
                             f"got {len(weights)}")
        start = 0
        for cell, n in zip(self._layer_cells(), counts):
            if n:
                cell.set_weights(weights[start:start + n])
            start += n

    def _weight_count(self) -> int:
        return sum(c._weight_count() for c in self._layer_cells())

    def _expected_weight_shapes(self, arrays: Any) -> list[tuple[str, tuple[int | None, ...]]]:
        return [s for c in self._layer_cells() for s in c._expected_weight_shapes(None)]

    def _weight_groups(self) -> list[tuple[Any, ...]]:
        # Keras saves the cells list as a container: cells/<class name in snake
        # case>, numbered on repeats (saving_lib._save_container_state).
        groups: list[Any] = []
        used: dict[str, int] = {}
        for cell in self._layer_cells():
            base = snake_case(type(cell).__name__)
            key = base if base not in used else f"{base}_{used[base]}"
            used[base] = used.get(base, 0) + 1
            groups += [(f"cells/{key}/{p}", n) for p, n in cell._weight_groups()]
        return groups

    # ------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        """The configuration: ``name``, ``trainable``, ``dtype`` and ``cells``,
        the list of serialized cells (``{"module", "class_name", "config",
        "registered_name"}``), as Keras writes it."""
        return {**super().get_config(), "cells": [serialize_cell(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config: Mapping[str, Any], custom_objects: Mapping[str, Any] | None = None
                   ) -> Self:
        """A stack from ``get_config()``'s dict (also Keras's); your own cells'
        classes by name in ``custom_objects``."""
        config = dict(config)
        cells = [deserialize_cell(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)

    def __repr__(self) -> str:
        return f"<fastrnn.StackedRNNCells name={self.name!r} cells={len(self.cells)}>"
