"""keras.layers.RNN: a recurrent layer over a cell (keras/src/layers/rnn/rnn.py).

How a call runs:

- a built-in cell (``SimpleRNNCell``, ``LSTMCell``, ``GRUCell``): one
  ``fastrnn.layers._CellRunner`` (an ``_RNN`` whose arguments and weights
  are the cell's) runs the kernel over the whole sequence, exactly as
  ``LSTM(n)`` does: the same checks, kernel call and return conventions;
- ``StackedRNNCells`` of built-in cells: one runner per cell, layer after
  layer over the whole sequence, each returning its sequence to the next.
  This is what stacking the cells per timestep computes: at a masked
  timestep no cell's states change and the stack repeats its previous
  output. With ``go_backwards`` the first runner reads the input last to
  first and returns its sequence in that order, which the next ones read
  forwards, with the mask reversed;
- any other cell (your own, or a stack holding one): timestep by timestep
  in Python, with the masks of Keras's backend ``rnn``
  (keras/src/backend/tensorflow/rnn.py): at a masked timestep the states
  are kept and the output is the previous timestep's output (zeros before
  the first, or zeros with ``zero_output_for_mask``).

Where Keras 3's ``model.weights.h5`` keeps the weights (found by saving
``keras.Sequential([Input((4, 2)), layer])`` with Keras 3.15.1 and listing
the datasets)::

    RNN(LSTMCell(3))                  layers/rnn/cell/vars/0..2
    RNN([SimpleRNNCell, LSTMCell])    layers/rnn/cell/cells/simple_rnn_cell/vars/0..2
                                      layers/rnn/cell/cells/lstm_cell/vars/0..2
    Bidirectional(RNN(LSTMCell(3)))   layers/bidirectional/forward_layer/cell/vars/0..2
                                      layers/bidirectional/backward_layer/cell/vars/0..2

The cells of a stack are keyed by class name in snake case, numbered on
repeats (``lstm_cell``, ``lstm_cell_1``), not by their names; get_weights
lists them in cell order.
"""
from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _validate, graph
from .cells import (
    StackedRNNCells,
    _Cell,
    _cell_output_size,
    call_cell,
    deserialize_cell,
    serialize_cell,
)
from .graph import KerasTensor
from .layer import Layer, _specs
from .layers import _CellRunner, _flag

if TYPE_CHECKING:
    from typing_extensions import Self

    from ._kernels import Call
    from .layers import _Output

__all__ = ["RNN"]


def _kernel_cells(cell: Layer) -> Any:
    """The built-in cells the kernels run for ``cell``, or None (a Python loop)."""
    if isinstance(cell, _Cell):
        return [cell]
    if type(cell) is StackedRNNCells and cell.cells and all(
            isinstance(c, _Cell) for c in cell.cells):
        return list(cell.cells)
    return None


class RNN(Layer):
    """Base class for recurrent layers: runs a cell over a sequence (``keras.layers.RNN``).

    ``RNN(LSTMCell(n))`` runs the kernel ``LSTM(n)`` runs and gives the same
    results, bit for bit; ``RNN(StackedRNNCells([...]))`` (or ``RNN([...])``)
    of built-in cells runs the kernels cell after cell over the whole
    sequence. A cell of your own runs timestep by timestep in Python.
    Arguments, defaults, outputs and config are Keras 3's.

    Parameters
    ----------
    cell : cell, or list of cells
        ``SimpleRNNCell``, ``LSTMCell``, ``GRUCell``, ``StackedRNNCells``
        (a list is made one), or your own cell: an object with
        ``call(inputs, states)`` returning ``(output, new_states)`` and a
        ``state_size`` attribute (an int, or a list of ints, one per state),
        optionally ``output_size`` and ``get_initial_state(batch_size)``; a
        ``fastrnn.Layer`` subclass builds its weights in ``build``.
    return_sequences : bool, default False
        Whether to return the last output in the output sequence, or the
        full sequence.
    return_state : bool, default False
        Whether to return the last state in addition to the output.
    go_backwards : bool, default False
        If True, process the input sequence backwards and return the
        reversed sequence.
    stateful : bool, default False
        If True, the last state for each sample at index i in a batch is
        used as initial state for the sample of index i in the following
        batch.
    unroll : bool, default False
        Kept in the config; it changes nothing here.
    zero_output_for_mask : bool, default False
        Whether the output should use zeros for the masked timesteps.
    **kwargs
        Layer arguments: ``name`` (default ``"rnn"``, ``"rnn_1"``, ...),
        ``dtype`` (the outputs' dtype, "float32" by default; floating inputs
        are cast to it first, as Keras does), ``trainable`` and the other
        Keras layer arguments ``Layer`` accepts.

    Call arguments
    --------------
    x : array-like, shape (batch, timesteps, features)
        The input sequences.
    mask : array-like, shape (batch, timesteps), optional
        True (nonzero) for the timesteps to use.
    initial_state : list of array-like, optional
        The initial states: the cell's states (``[h, c]`` for LSTMCell);
        for a stack, one entry per cell, each that cell's list of states
        (``[[h0, c0], [h1]]``). Default zeros (or the cell's
        ``get_initial_state``; a stateful layer continues from its states).
    training : bool, optional
        Accepted and ignored (inference only).

    Returns
    -------
    ndarray or list
        The output (batch, output_size), or (batch, timesteps, output_size)
        with ``return_sequences``. With ``return_state``, ``[output,
        *states]``: ``[output, h, c]`` for LSTMCell; for a stack, as Keras,
        ``[output, states of cell 0, states of cell 1, ...]``, each a list.

    Notes
    -----
    Masks, ``go_backwards`` and ``zero_output_for_mask`` behave as for
    ``LSTM`` (see its Notes), for cells of your own too.

    Weights: the cell's (``get_weights`` / ``set_weights``), in Keras
    layout; a stack's are its cells' lists one after the other.

    See Also
    --------
    fastrnn.LSTMCell, fastrnn.GRUCell, fastrnn.SimpleRNNCell : The built-in cells.
    fastrnn.StackedRNNCells : A stack of cells as one cell.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> x = np.random.default_rng(0).normal(size=(2, 5, 3))
    >>> layer = fastrnn.RNN(fastrnn.GRUCell(4, seed=0), return_sequences=True)
    >>> gru = fastrnn.GRU(4, return_sequences=True, seed=0)
    >>> np.array_equal(layer(x), gru(x))
    True

    A cell of your own, as in the Keras documentation:

    >>> class MinimalRNNCell(fastrnn.Layer):
    ...     def __init__(self, units, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.units = units
    ...         self.state_size = units
    ...     def build(self, input_shape):
    ...         self.kernel = self.add_weight(shape=(input_shape[-1], self.units))
    ...         self.recurrent_kernel = self.add_weight(shape=(self.units, self.units))
    ...     def call(self, inputs, states):
    ...         output = inputs @ self.kernel + states[0] @ self.recurrent_kernel
    ...         return output, [output]
    >>> layer = fastrnn.RNN(MinimalRNNCell(2), return_state=True)
    >>> output, h = layer(x)
    >>> output.shape, np.array_equal(output, h)
    ((2, 2), True)
    """

    supports_masking = True
    has_weights = True

    def __init__(self, cell: Any, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, **kwargs: Any) -> None:
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if "call" not in dir(cell):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: cell={cell}")
        if "state_size" not in dir(cell):
            raise ValueError(
                "The RNN cell should have a `state_size` attribute (single integer or list "
                f"of integers, one integer per RNN state). Received: cell={cell}")
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.cell = cell
        self.return_sequences = _flag(cls, "return_sequences", return_sequences)
        self.return_state = _flag(cls, "return_state", return_state)
        self.go_backwards = _flag(cls, "go_backwards", go_backwards)
        self.stateful = _flag(cls, "stateful", stateful)
        self.unroll = _flag(cls, "unroll", unroll)
        state_size = getattr(cell, "state_size", None)
        if state_size is None:
            raise ValueError("state_size must be specified as property on the RNN cell.")
        if isinstance(state_size, bool) or not isinstance(state_size, (list, tuple, int)):
            raise ValueError("state_size must be an integer, or a list/tuple of integers "
                             "(one for each state tensor).")
        self.single_state = isinstance(state_size, int)
        self.state_size = [state_size] if self.single_state else list(state_size)  # type: ignore[arg-type]
        self._own_lock = threading.Lock()
        self._py_states = None
        cells = _kernel_cells(cell)
        self._runners = None
        if cells is not None:
            last = len(cells) - 1
            self._runners = [
                _CellRunner(c, self.name, return_sequences=i < last or self.return_sequences,
                            return_state=len(cells) > 1 or self.return_state,
                            go_backwards=self.go_backwards and i == 0,
                            stateful=self.stateful, zero_output_for_mask=zero_output_for_mask)
                for i, c in enumerate(cells)]
        self._zero_output_for_mask = _flag(cls, "zero_output_for_mask", zero_output_for_mask)

    # ------------------------------------------------------------ flags
    @property
    def zero_output_for_mask(self) -> bool:
        """Whether masked timesteps output zeros (``Bidirectional`` sets it)."""
        return self._zero_output_for_mask

    @zero_output_for_mask.setter
    def zero_output_for_mask(self, value: bool) -> None:
        self._zero_output_for_mask = bool(value)
        if self._runners is not None:
            self._runners[-1].zero_output_for_mask = bool(value)

    @property
    def _single(self) -> _CellRunner | None:
        """The runner of a built-in cell (not a stack), or None."""
        runners = self._runners
        return runners[0] if runners is not None and type(self.cell) is not StackedRNNCells \
            else None

    # What Bidirectional reads of the layers it wraps (a built-in cell's RNN).
    @property
    def units(self) -> int:
        """The output size (the cell's ``units`` for a built-in cell)."""
        return _cell_output_size(self.cell)

    @property
    def _state_names(self) -> tuple[str, ...]:
        if self._single is not None:
            return self.cell._state_names
        return tuple(f"state {i}" for i in range(len(self.state_size)))

    def _weight_shapes(self, input_dim: int) -> list[tuple[Any, ...]]:
        return self.cell._weight_shapes(input_dim)

    @property
    def input_dim(self) -> int | None:
        """The number of input features the weights are for, or None before build."""
        return getattr(self.cell, "input_dim", None) if self._single is not None else (
            self._runners[0].input_dim if self._runners else None)

    @property
    def _lock(self) -> threading.Lock:
        return self._single._lock if self._single is not None else self._own_lock

    @property
    def _states(self) -> list[Any] | None:
        if self._single is not None:
            return self._single._states
        if self._runners is not None:
            states = [r._states for r in self._runners]
            return None if any(s is None for s in states) else states
        return self._py_states

    def _prepare(self, x: np.ndarray, mask: np.ndarray | None,
                 initial_state: list[np.ndarray] | None) -> Call:
        """A built-in cell's kernel call, ready to run (as ``LSTM._prepare``)."""
        return self._single._prepare(self._autocast(x), mask, initial_state)  # type: ignore[union-attr]

    def _finish(self, call: Call) -> list[np.ndarray] | np.ndarray:
        return self._cast_out(self._single._finish(call))  # type: ignore[union-attr]

    def _autocast(self, x: np.ndarray) -> np.ndarray:
        # Keras's Layer.__call__ casts floating inputs to the layer's dtype
        # before the cell (of another dtype) casts them to its own.
        cell_dtype = getattr(self.cell, "dtype", self.dtype)
        if cell_dtype != self.dtype:
            x = np.asarray(x)
            if np.issubdtype(x.dtype, np.floating):
                x = x.astype(self.dtype)
        return x

    def _cast_out(self, out: np.ndarray | list[Any]) -> np.ndarray | list[Any]:
        # Keras's RNN.call casts the outputs and states to its own dtype.
        def cast(a: Any) -> Any:
            return a.astype(self.dtype, copy=False) if isinstance(a, np.ndarray) else a
        return graph.map_structure(cast, out)

    # ------------------------------------------------------------ weights
    @property
    def built(self) -> bool:
        """Whether the cell is built (has its weights)."""
        return self._built or not isinstance(self.cell, Layer) or self.cell.built

    def build(self, sequences_shape: int | Sequence[int | None], initial_state_shape: Any = None
             ) -> None:
        """Build the cell for one timestep of ``sequences_shape`` (batch, timesteps, features).

        Parameters
        ----------
        sequences_shape : tuple or int
            The input shape, or the number of features.
        initial_state_shape : optional
            Accepted (as Keras) and ignored.
        """
        if not isinstance(sequences_shape, (tuple, list)):
            sequences_shape = (None, None, sequences_shape)  # type: ignore[assignment]
        step_shape = (sequences_shape[0],) + tuple(sequences_shape[2:])  # type: ignore[index]
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build(step_shape)
            self.cell._built = True
        self._built = True

    def get_weights(self) -> list[NDArray[Any]]:
        """The cell's weights, in Keras layout (a stack: its cells' one after the other)."""
        return self.cell.get_weights() if isinstance(self.cell, Layer) else []

    def set_weights(self, weights: Sequence[ArrayLike]) -> None:
        """Set the cell's weights (as ``get_weights`` returns them)."""
        if not isinstance(self.cell, Layer):
            weights = _validate.weight_list(weights, "RNN.set_weights")
            if weights:
                raise ValueError(f"RNN expected 0 weights (its cell has none), got {len(weights)}")
            return
        self.cell.set_weights(weights)

    def _weight_count(self) -> int:
        return self.cell._weight_count() if isinstance(self.cell, Layer) else 0

    def _expected_weight_shapes(self, arrays: Any) -> list[tuple[str, tuple[int | None, ...]]]:
        return self.cell._expected_weight_shapes(None) if isinstance(self.cell, Layer) else []

    def _weight_groups(self) -> list[tuple[Any, ...]]:
        # Keras keeps the cell's weights under the layer's "cell" (see the module notes).
        if not isinstance(self.cell, Layer):
            return []
        return [("cell/" + p, n) for p, n in self.cell._weight_groups()]

    # ------------------------------------------------------------ states
    @property
    def states(self) -> Any:
        """A stateful layer's current states (copies), or None."""
        with self._lock:
            states = self._states
            return None if states is None else graph.map_structure(np.copy, states)

    def reset_states(self) -> None:
        """Zero the states of a stateful layer (``reset_state`` is the same method)."""
        with self._lock:
            self._reset_states_unlocked()

    reset_state = reset_states

    def _reset_states_unlocked(self) -> None:
        if self._runners is not None:
            for r in self._runners:
                r._reset_states_unlocked()
        elif self._py_states is not None:
            for s in graph.flatten(self._py_states):
                s[...] = 0

    # ------------------------------------------------------------ calling
    def __call__(self, x: ArrayLike, mask: ArrayLike | None = None,
                 initial_state: Sequence[Any] | None = None, training: bool | None = None
                ) -> _Output:
        """Run the cell over ``x`` (see the class's Call arguments and Returns)."""
        if graph.is_symbolic(x, mask, initial_state):
            return graph.symbolic_call(self, (x,), {"mask": mask, "initial_state": initial_state})
        if self.stateful:
            with self._lock:
                return self._run(x, mask, initial_state)  # type: ignore[arg-type]
        return self._run(x, mask, initial_state)  # type: ignore[arg-type]

    def call(self, sequences: ArrayLike, initial_state: Sequence[Any] | None = None,
             mask: ArrayLike | None = None, training: bool | None = None) -> _Output:
        """``layer(sequences, ...)``: Keras's call signature (see ``__call__``)."""
        return self.__call__(sequences, mask=mask, initial_state=initial_state)

    def _run(self, x: np.ndarray, mask: Any, initial_state: Any
            ) -> np.ndarray | list[Any]:
        if self._single is not None:
            call = self._prepare(x, mask, initial_state)
            call.run()
            return self._finish(call)
        if self._runners is not None:
            return self._run_stack(x, mask, initial_state)
        return self._run_python(x, mask, initial_state)

    def _run_stack(self, x: np.ndarray, mask: Any, initial_state: Any
                  ) -> list[np.ndarray | list[np.ndarray]] | np.ndarray:
        runners = self._runners
        per_cell = [None] * len(runners)  # type: ignore[arg-type]
        if initial_state is not None:
            if not isinstance(initial_state, (list, tuple)) or len(initial_state) != len(runners):  # type: ignore[arg-type]
                raise ValueError(
                    f"RNN over {len(runners)} stacked cells expected initial_state as a list "  # type: ignore[arg-type]
                    f"of {len(runners)} entries, one per cell (each that cell's list of "  # type: ignore[arg-type]
                    f"states), got {type(initial_state).__name__}"
                    + (f" of {len(initial_state)}" if isinstance(initial_state, (list, tuple))
                       else ""))
            per_cell = [list(s) if isinstance(s, (list, tuple)) else [s] for s in initial_state]  # type: ignore[misc]
        y = self._autocast(x)
        states = []
        for i, runner in enumerate(runners):  # type: ignore[arg-type]
            m = mask
            if i and mask is not None and self.go_backwards:
                m = np.asarray(mask)[:, ::-1]    # runner 0 returned its sequence reversed
            call = runner._prepare(y, m, per_cell[i])
            call.run()
            y, *cell_states = runner._finish(call)
            states.append(cell_states)
        y = self._cast_out(y)  # type: ignore[assignment]
        if self.return_state:
            return [y, *self._cast_out(states)]
        return y

    # -------------------------------------------- cells of your own (Python loop)
    def _initial_states(self, batch: int) -> list[np.ndarray]:
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is not None:
            states = fn(batch_size=batch)
            return list(states) if isinstance(states, (list, tuple)) else [states]
        dtype = getattr(self.cell, "dtype", self.dtype)
        return [np.zeros((batch, d), dtype) for d in self.state_size]  # type: ignore[arg-type]

    def _run_python(self, x: np.ndarray, mask: Any, initial_state: Any
                   ) -> np.ndarray | list[Any]:
        cls = type(self).__name__
        x = _validate.real_array(x, cls, "x")
        if x.ndim != 3:
            raise ValueError(f"{cls} expected x of rank 3 (batch, timesteps, features), "
                             f"got shape {x.shape}")
        batch, steps = x.shape[:2]
        if not steps:
            raise ValueError(f"{cls} expected x with at least one timestep, got shape {x.shape}")
        if np.issubdtype(x.dtype, np.floating) or x.dtype.kind in "biu":
            x = x.astype(self.dtype, copy=False)
        if not self.built:
            self._maybe_build(x.shape)
        if mask is not None:
            m = np.asarray(mask)
            if m.shape != (batch, steps):
                raise ValueError(f"{cls} expected mask of shape (batch, timesteps) = "
                                 f"{(batch, steps)}, got shape {m.shape}")
            mask = m != 0
        if initial_state is not None:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) \
                else [initial_state]
            if len(states) != len(self.state_size):
                raise ValueError(f"{cls} expected initial_state as a list of "
                                 f"{len(self.state_size)} entries (one per state), got "
                                 f"{len(states)}")
            states = graph.map_structure(np.asarray, states)
        elif self.stateful and self._py_states is not None:
            states = self._py_states
            first = graph.flatten(states)[0]
            if first.shape[0] != batch:
                raise ValueError(f"{cls} is stateful with batch size {first.shape[0]}; got x "
                                 f"with batch size {batch}")
        else:
            states = self._initial_states(batch)
        flat = graph.flatten(states)
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        outputs, previous = [], None
        for t in order:
            output, new_states = call_cell(self.cell, x[:, t], tuple(
                graph.pack_like(states, iter(flat))))
            output = np.asarray(output)
            if not isinstance(new_states, (list, tuple)):
                new_states = [new_states]
            flat_new = [np.asarray(s) for s in graph.flatten(list(new_states))]
            if mask is not None:
                keep = mask[:, t].reshape((batch,) + (1,) * (output.ndim - 1))
                if self.zero_output_for_mask or previous is None:
                    fallback = np.zeros_like(output)
                else:
                    fallback = previous
                output = np.where(keep, output, fallback)
                flat_new = [np.where(mask[:, t].reshape((batch,) + (1,) * (n.ndim - 1)), n, s)
                            for n, s in zip(flat_new, flat)]
            flat = flat_new
            previous = output
            if self.return_sequences:
                outputs.append(output)
        final = graph.pack_like(states, iter(flat))
        if self.stateful:
            self._py_states = graph.map_structure(np.copy, final)
        out = np.stack(outputs, axis=1) if self.return_sequences else previous
        out = self._cast_out(out)  # type: ignore[arg-type, assignment]
        if self.return_state:
            return [out, *self._cast_out(list(final))]
        return out  # type: ignore[return-value]

    # ------------------------------------------------------------ shapes, masks
    def compute_output_shape(self, sequences_shape: Sequence[int | None],
                             initial_state_shape: Any = None) -> Any:
        """The output shape, then with ``return_state`` each state's (Keras's rule:
        one shape per entry of ``state_size``, a list of shapes for a nested one)."""
        batch, length = sequences_shape[0], sequences_shape[1]
        states_shape = []
        for size in self.state_size:
            if isinstance(size, int):
                states_shape.append((batch, size))
            else:
                states_shape.append([(batch, s) for s in size])  # type: ignore[arg-type]
        out_size = _cell_output_size(self.cell)
        out = (batch, length, out_size) if self.return_sequences else (batch, out_size)
        return [out, *states_shape] if self.return_state else out

    def compute_output_spec(self, sequences: KerasTensor, mask: KerasTensor | None = None,
                            initial_state: Any = None, training: Any = None
                           ) -> KerasTensor | list[Any]:
        shape = self.compute_output_shape(sequences.shape)
        if not self.return_state:
            return KerasTensor(shape, self.dtype)
        out, *states = shape
        batch = sequences.shape[0]
        if isinstance(self.cell, StackedRNNCells):
            # The states come back as one list per cell (also for one-state cells).
            states = [[(batch, d) for d in (s if isinstance(s, (list, tuple)) else [s])]
                      for s in self.state_size]
        return [KerasTensor(out, self.dtype), *_specs(states, self.dtype)]

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The input mask with ``return_sequences``, else None; with ``return_state``
        followed by None for each entry of ``state_size`` (keras/src/layers/rnn/rnn.py)."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self.state_size)
        return output_mask

    # ------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        """Return the configuration, with Keras's keys.

        Returns
        -------
        dict
            ``name``, ``trainable``, ``dtype``, the flags and ``cell``, the
            serialized cell ``{"module": "keras.layers", "class_name":
            "LSTMCell", "config": {...}, "registered_name": None}``.

        Examples
        --------
        >>> import fastrnn
        >>> config = fastrnn.RNN(fastrnn.LSTMCell(3), name="rnn").get_config()
        >>> config["cell"]["class_name"], config["cell"]["config"]["units"]
        ('LSTMCell', 3)
        >>> fastrnn.RNN.from_config(config).get_config() == config
        True
        """
        return {
            **super().get_config(),
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
            "cell": serialize_cell(self.cell),
        }

    @classmethod
    def from_config(cls, config: Mapping[str, Any], custom_objects: Mapping[str, Any] | None = None
                   ) -> Self:
        """Create a layer from ``get_config()``'s dict (also Keras's).

        Parameters
        ----------
        config : dict
            With ``cell`` as a serialized cell dict (or a cell).
        custom_objects : dict, optional
            Your own cell classes, by class name.

        Returns
        -------
        RNN
        """
        config = dict(config)
        cell = config.pop("cell")
        if isinstance(cell, dict):
            cell = deserialize_cell(cell, custom_objects)
        return cls(cell, **config)

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_own_lock", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._own_lock = threading.Lock()
        if self._runners is not None:   # the cells were unpickled as objects of their own
            for runner, cell in zip(self._runners, _kernel_cells(self.cell)):
                runner.cell = cell

    def __repr__(self) -> str:
        return f"<fastrnn.RNN name={self.name!r} cell={self.cell!r}>"
