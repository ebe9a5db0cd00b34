"""Bidirectional composition of two recurrent layers, as keras.layers.Bidirectional.

The Keras rules followed here (keras/src/layers/rnn/bidirectional.py):
- the forward layer is rebuilt from ``layer.get_config()``, so weights the
  given layer already had are not used;
- without ``backward_layer``, the backward layer is rebuilt from the same
  config with ``go_backwards=True`` (set, not toggled: a ``layer`` with
  ``go_backwards=True`` and no ``backward_layer`` is an error);
- an explicit ``backward_layer`` is used as given, and must differ from the
  forward layer in ``go_backwards`` and agree in ``stateful``,
  ``return_sequences`` and ``return_state``;
- both layers get ``zero_output_for_mask = return_sequences``, so masked
  steps of a returned sequence are zeros;
- with ``return_sequences`` the backward output is flipped back to input
  time order, whatever the layers' ``go_backwards``;
- floating inputs are cast to the Bidirectional's own ``dtype`` (float32
  unless given) before the layers see them, and so is the merged output;
  the states keep their layers' dtype.
"""
from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _validate, graph
from .graph import KerasTensor
from .layer import Layer, check_name
from .layers import _RNN
from .rnn import RNN

if TYPE_CHECKING:
    from typing_extensions import Self

    from .layers import _DType, _Output

__all__ = ["Bidirectional"]

_MERGE_MODES = ("concat", "sum", "mul", "ave", None)
_LAYER_ARGS = {"trainable", "autocast", "activity_regularizer", "input_shape", "input_dim"}


def _recurrent(layer: Any) -> bool:
    """A layer Bidirectional runs: SimpleRNN, LSTM, GRU, or an RNN over one
    built-in cell (which runs the same kernel, see fastrnn.rnn)."""
    return isinstance(layer, _RNN) or (isinstance(layer, RNN) and layer._single is not None)


def _renamed(name: str, prefix: str) -> str:
    return prefix + (name[len(prefix):] if name.startswith(prefix) else name)


class Bidirectional(Layer):
    """Bidirectional wrapper for RNNs.

    Runs ``layer`` forwards and a copy of it backwards over the same input,
    and merges the two outputs. Arguments, defaults, weight layout and
    results are those of ``keras.layers.Bidirectional`` (Keras 3).

    Parameters
    ----------
    layer : SimpleRNN, LSTM, GRU, or RNN over a built-in cell
        The recurrent layer to run in both directions. The forward layer is
        rebuilt from ``layer.get_config()`` (named ``"forward_" + name``), so
        weights ``layer`` already had are not used. Its ``stateful``,
        ``return_sequences`` and ``return_state`` are the wrapper's.
    merge_mode : {"concat", "sum", "mul", "ave", None}, default "concat"
        Mode by which outputs of the forward and backward RNNs will be
        combined. If None, the outputs will not be combined, they will be
        returned as a list.
    weights : list of array-like, optional
        Initial weights, as ``set_weights`` takes them: the forward layer's,
        then the backward layer's.
    backward_layer : SimpleRNN, LSTM, GRU or RNN, optional
        Instance to be used to handle backwards input processing, used as
        given. If not provided, the backward layer is rebuilt from
        ``layer.get_config()`` with ``go_backwards=True`` (set, not toggled:
        a ``layer`` with ``go_backwards=True`` needs an explicit
        ``backward_layer``) and named ``"backward_" + name``. The provided
        ``backward_layer`` should have properties matching those of
        ``layer``: the same ``stateful``, ``return_state`` and
        ``return_sequences``, and a different ``go_backwards``; a
        ValueError is raised otherwise.
    dtype : str, numpy dtype or dict, optional
        The wrapper's own dtype, "float32" (the default) or "float64":
        floating inputs and initial states are cast to it before the inner
        layers see them, and so is the merged output (the states keep the
        inner layers' dtype), as Keras's autocasting does.
    name : str, optional
        Name of the layer. Default ``"bidirectional"``,
        ``"bidirectional_1"``, ... as Keras numbers them.
    **kwargs
        Keras layer arguments accepted and ignored: ``trainable``,
        ``autocast``, ``activity_regularizer``, ``input_shape``,
        ``input_dim``. Any other keyword raises ValueError naming it.

    Call arguments
    --------------
    x : array-like, shape (batch, timesteps, features)
        A 3D tensor of any real dtype.
    mask : array-like, shape (batch, timesteps), optional
        Binary tensor indicating whether a given timestep should be masked
        (True or nonzero: use the timestep), passed to both layers.
    initial_state : list of array-like, optional
        The forward layer's initial states followed by the backward layer's,
        e.g. ``[h_fw, c_fw, h_bw, c_bw]`` for an LSTM, each (batch, units):
        the first half of the list is passed to the forward RNN call and the
        last half to the backward RNN call. None (the default) means zeros
        (or, for a stateful wrapper, the states the previous call left).
    training : bool, optional
        Accepted and ignored: inference only.

    Returns
    -------
    ndarray or list of ndarray
        The merged output: (batch, 2*units) with ``merge_mode="concat"``,
        (batch, units) with "sum", "mul" or "ave", and (batch, timesteps,
        ...) with ``return_sequences=True``. With ``merge_mode=None``, the
        list ``[forward_output, backward_output]``. With
        ``return_state=True``, ``[output, *forward_states,
        *backward_states]`` (with ``merge_mode=None`` the output is the two
        entries).

    Notes
    -----
    With ``return_sequences=True`` the backward layer's sequence is flipped
    back to input time order before merging, so step t of the output combines
    both directions at input timestep t. Both layers run with
    ``zero_output_for_mask`` set to ``return_sequences``, so masked
    timesteps of a returned sequence are zeros, as in Keras.

    Weights (``get_weights`` / ``set_weights``) are the forward layer's list
    followed by the backward layer's, each in its layer's Keras layout. The
    two directions run concurrently when two threads are allowed (see
    ``fastrnn.set_num_threads``).

    See Also
    --------
    SimpleRNN, LSTM, GRU : The layers it wraps.

    Examples
    --------
    The notebook example: a Bidirectional LSTM with constant weights, one
    sample of 4 timesteps and 5 features.

    >>> import numpy as np
    >>> import fastrnn
    >>> from fastrnn.initializers import Constant
    >>> train_X = np.array([[[0.1, 4.2, 1.5, 1.1, 2.8], [1.0, 3.1, 2.5, 0.7, 1.1],
    ...                      [0.3, 2.1, 1.5, 2.1, 0.1], [2.2, 1.4, 0.5, 0.9, 1.1]]])
    >>> layer = fastrnn.Bidirectional(fastrnn.LSTM(
    ...     units=3, kernel_initializer=Constant(0.1), recurrent_initializer=Constant(0.1),
    ...     bias_initializer=Constant(0), return_state=True))
    >>> hidden, forward_h, forward_c, backward_h, backward_c = layer(train_X)
    >>> print(np.round(hidden, 4))
    [[0.6303 0.6303 0.6303 0.7039 0.7039 0.7039]]
    >>> print(np.round(forward_c, 4))
    [[1.5707 1.5707 1.5707]]
    >>> print(np.round(backward_c, 4))
    [[1.6402 1.6402 1.6402]]

    Without merging, the two sequences come back in input time order (the
    backward layer gets the same config and seed, so here the same weights):

    >>> layer = fastrnn.Bidirectional(fastrnn.GRU(2, return_sequences=True, seed=0),
    ...                               merge_mode=None)
    >>> x = np.random.default_rng(0).normal(size=(2, 5, 3))
    >>> forward, backward = layer(x)
    >>> forward.shape, backward.shape
    ((2, 5, 2), (2, 5, 2))
    >>> reverse = fastrnn.GRU(2, go_backwards=True, return_sequences=True, seed=0)
    >>> np.allclose(backward, reverse(x)[:, ::-1])
    True
    >>> [w.shape for w in layer.get_weights()]      # forward, then backward
    [(3, 6), (2, 6), (2, 6), (3, 6), (2, 6), (2, 6)]
    """

    def __init__(self, layer: _RNN, merge_mode: str | None = "concat",
                 weights: Sequence[ArrayLike] | None = None, backward_layer: _RNN | None = None,
                 dtype: _DType = None, name: str | None = None, **kwargs: Any) -> None:
        unknown = set(kwargs) - _LAYER_ARGS
        if unknown:
            raise ValueError(
                "Unrecognized keyword arguments passed to Bidirectional: "
                f"{ {k: kwargs[k] for k in sorted(unknown)} }"
            )
        if not _recurrent(layer):
            raise ValueError(
                "Bidirectional expected `layer` to be a fastrnn SimpleRNN, LSTM or GRU "
                f"instance, or an RNN over a SimpleRNNCell, LSTMCell or GRUCell, got {layer!r}"
            )
        if backward_layer is not None and not _recurrent(backward_layer):
            raise ValueError(
                "Bidirectional expected `backward_layer` to be a fastrnn SimpleRNN, LSTM "
                f"or GRU instance, or an RNN over a built-in cell, got {backward_layer!r}"
            )
        if not (merge_mode is None or isinstance(merge_mode, str)) \
                or merge_mode not in _MERGE_MODES:
            raise ValueError(
                f"Invalid merge mode. Received: {merge_mode!r}. Merge mode should be one "
                'of {"sum", "mul", "ave", "concat", None}'
            )
        self.merge_mode = merge_mode
        self.dtype = _validate.float_dtype(dtype).name
        self.name = check_name("Bidirectional", name)
        self.trainable = bool(kwargs.get("trainable", True))

        config = layer.get_config()
        config["name"] = _renamed(layer.name, "forward_")
        self.forward_layer = type(layer).from_config(config)
        if backward_layer is None:
            config = layer.get_config()
            config["go_backwards"] = True
            config["name"] = _renamed(layer.name, "backward_")
            backward_layer = type(layer).from_config(config)
        self.backward_layer = backward_layer
        # Held while a call takes both directions' kernels (their weights)
        # and while set_weights replaces both: a call never mixes old and new.
        self._weights_lock = threading.Lock()
        self._verify_layers()
        fw, bw = self.forward_layer, self.backward_layer
        if (merge_mode in ("sum", "mul", "ave") and fw.units != bw.units
                and 1 not in (fw.units, bw.units)):
            # (Keras fails at the first call; one unit broadcasts, there and here.)
            raise ValueError(
                f"Bidirectional merge_mode={merge_mode!r} combines the two outputs elementwise: "
                f"expected layers of the same units, got {fw.units} (forward) and "
                f"{bw.units} (backward)"
            )
        for sub in (self.forward_layer, self.backward_layer):
            sub.zero_output_for_mask = sub.return_sequences

        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        if weights is not None and not (isinstance(weights, (list, tuple)) and not weights):
            self.set_weights(weights)

    def _verify_layers(self) -> None:
        fw, bw = self.forward_layer, self.backward_layer
        if fw.go_backwards == bw.go_backwards:
            raise ValueError(
                "Forward layer and backward layer should have different `go_backwards` "
                f"value. Received: forward_layer.go_backwards={fw.go_backwards}, "
                f"backward_layer.go_backwards={bw.go_backwards}"
            )
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(fw, attr) != getattr(bw, attr):
                raise ValueError(
                    "Forward layer and backward layer are expected to have the same "
                    f'value for attribute "{attr}", got "{getattr(fw, attr)}" for forward '
                    f'layer and "{getattr(bw, attr)}" for backward layer'
                )

    # ------------------------------------------------------------ weights
    @property
    def built(self) -> bool:
        """Whether both layers have weights."""
        return self.forward_layer.built and self.backward_layer.built

    @property
    def input_dim(self) -> int | None:
        """The number of input features the weights are for, or None before build."""
        return self.forward_layer.input_dim

    def build(self, input_shape: int | Sequence[int | None]) -> None:
        """Create the weights of both layers that have none yet, with their initializers.

        Parameters
        ----------
        input_shape : int or tuple of int
            The number of input features, or a shape ending in it, such as
            ``(batch, timesteps, features)``.

        Examples
        --------
        >>> import fastrnn
        >>> layer = fastrnn.Bidirectional(fastrnn.SimpleRNN(4, seed=0))
        >>> layer.build((None, None, 3))
        >>> layer.built, layer.input_dim
        (True, 3)
        """
        if not self.forward_layer.built:
            self.forward_layer.build(input_shape)
        if not self.backward_layer.built:
            self.backward_layer.build(input_shape)

    def get_weights(self) -> list[NDArray[Any]]:
        """Return the forward layer's weights followed by the backward layer's.

        Returns
        -------
        list of ndarray
            Copies, each layer's in its Keras layout (see
            ``LSTM.get_weights``), as ``keras_bidirectional.get_weights()``
            lists them; ``[]`` before build.

        Examples
        --------
        >>> import fastrnn
        >>> layer = fastrnn.Bidirectional(fastrnn.LSTM(2, seed=0))
        >>> layer.build(3)
        >>> [w.shape for w in layer.get_weights()]
        [(3, 8), (2, 8), (8,), (3, 8), (2, 8), (8,)]
        """
        return self.forward_layer.get_weights() + self.backward_layer.get_weights()

    @property
    def weights(self) -> list[NDArray[Any]]:
        """Copies of the weights, as ``get_weights()`` returns them."""
        return self.get_weights()

    def set_weights(self, weights: Sequence[ArrayLike]) -> None:
        """Set the weights: the forward layer's list followed by the backward layer's.

        Parameters
        ----------
        weights : list of array-like
            As ``get_weights`` returns them (or ``keras_layer.get_weights()``);
            each half goes to its layer's ``set_weights``, so an unbuilt layer
            takes its number of input features from the kernel.

        Raises
        ------
        ValueError
            If the number of arrays or a shape is wrong.

        Examples
        --------
        >>> import numpy as np
        >>> import fastrnn
        >>> layer = fastrnn.Bidirectional(fastrnn.SimpleRNN(2), merge_mode="sum")
        >>> one_direction = [np.full((3, 2), 0.5), np.eye(2), np.zeros(2)]
        >>> layer.set_weights(one_direction + one_direction)
        >>> print(np.round(layer(np.ones((1, 1, 3))), 4))     # 2 * tanh(1.5)
        [[1.8103 1.8103]]
        """
        weights = _validate.weight_list(weights, "Bidirectional.set_weights")
        n_forward = len(self.forward_layer._weight_shapes(0))
        n_backward = len(self.backward_layer._weight_shapes(0))
        if len(weights) != n_forward + n_backward:
            raise ValueError(
                f"Bidirectional expected {n_forward + n_backward} weights "
                f"({n_forward} forward, then {n_backward} backward), got {len(weights)}"
            )
        with self._weights_lock:
            self.forward_layer.set_weights(weights[:n_forward])
            self.backward_layer.set_weights(weights[n_forward:])

    # ------------------------------------------------------------ state
    @property
    def states(self) -> list[NDArray[Any]] | None:
        """A stateful wrapper's current states, forward then backward, or None."""
        # Under both layers' locks, as a call or reset_states holds them.
        with self.forward_layer._lock, self.backward_layer._lock:
            fw, bw = self.forward_layer._states, self.backward_layer._states
            if fw is None or bw is None:
                return None
            return [s.copy() for s in fw + bw]

    def reset_states(self) -> None:
        """Zero the states of both layers of a stateful wrapper.

        ``reset_state`` is the same method.

        Raises
        ------
        AttributeError
            If the wrapper is not stateful (as Keras).

        Examples
        --------
        >>> import numpy as np
        >>> import fastrnn
        >>> layer = fastrnn.Bidirectional(fastrnn.GRU(2, stateful=True, seed=0))
        >>> _ = layer(np.ones((1, 3, 2)))
        >>> len(layer.states)
        2
        >>> layer.reset_states()
        >>> print(layer.states[0])
        [[0. 0.]]
        """
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        with self.forward_layer._lock, self.backward_layer._lock:
            for layer in (self.forward_layer, self.backward_layer):
                layer._reset_states_unlocked()

    reset_state = reset_states

    # ------------------------------------------------------------ calling
    def __call__(self, x: ArrayLike, mask: ArrayLike | None = None,
                 initial_state: Sequence[ArrayLike] | None = None, training: bool | None = None
                ) -> _Output:
        """Run both layers over ``x`` and merge their outputs.

        Parameters
        ----------
        x : array-like, shape (batch, timesteps, features)
            A 3D tensor of any real dtype.
        mask : array-like, shape (batch, timesteps), optional
            True (nonzero) for the timesteps to use; passed to both layers.
        initial_state : list of array-like, optional
            The forward layer's states followed by the backward layer's, each
            (batch, units). Default zeros.
        training : bool, optional
            Accepted and ignored.

        Returns
        -------
        ndarray or list of ndarray
            The merged output, ``[forward, backward]`` with
            ``merge_mode=None``; with ``return_state=True`` followed by the
            forward layer's final states and the backward layer's.

        Raises
        ------
        ValueError
            If an argument has the wrong type or shape.

        Examples
        --------
        >>> import numpy as np
        >>> import fastrnn
        >>> layer = fastrnn.Bidirectional(fastrnn.LSTM(3, return_state=True, seed=0),
        ...                               merge_mode="ave")
        >>> h0 = c0 = np.zeros((2, 3))
        >>> output, h_fw, c_fw, h_bw, c_bw = layer(np.ones((2, 4, 5)),
        ...                                        initial_state=[h0, c0, h0, c0])
        >>> output.shape, h_bw.shape
        ((2, 3), (2, 3))
        """
        if graph.is_symbolic(x, mask, initial_state):
            return graph.symbolic_call(self, (x,), {"mask": mask, "initial_state": initial_state})
        if self.stateful:
            # As a stateful layer: one call at a time (see fastrnn.layers).
            with self.forward_layer._lock, self.backward_layer._lock:
                return self._call(x, mask, initial_state)
        return self._call(x, mask, initial_state)

    def call(self, sequences: ArrayLike, initial_state: Sequence[ArrayLike] | None = None,
             mask: ArrayLike | None = None, training: bool | None = None) -> _Output:
        """``layer(sequences, ...)``: Keras's call signature (see ``__call__``)."""
        return self.__call__(sequences, mask=mask, initial_state=initial_state)

    def compute_output_shape(self, input_shape: tuple[Any, ...]
                            ) -> tuple[Any, ...] | list[tuple[Any, ...]]:
        """The output shape(s): the merged output's (two with ``merge_mode=None``),
        then with ``return_state`` the forward states' and the backward states'."""
        fw, bw = self.forward_layer, self.backward_layer
        out_fw, out_bw = fw.compute_output_shape(input_shape), bw.compute_output_shape(input_shape)
        states = []
        if self.return_state:
            states = out_fw[1:] + out_bw[1:]
            out_fw, out_bw = out_fw[0], out_bw[0]
        if self.merge_mode is None:
            return [out_fw, out_bw] + states
        out = out_fw[:-1] + (fw.units + bw.units if self.merge_mode == "concat"
                             else max(fw.units, bw.units),)
        return [out] + states if self.return_state else out

    def compute_output_spec(self, sequences: KerasTensor, mask: KerasTensor | None = None,
                            initial_state: Any = None, training: Any = None
                           ) -> KerasTensor | list[KerasTensor]:
        shapes = self.compute_output_shape(sequences.shape)
        if isinstance(shapes, list):
            return [KerasTensor(s, self.dtype) for s in shapes]
        return KerasTensor(shapes, self.dtype)

    def compute_mask(self, inputs: np.ndarray, mask: np.ndarray | None = None
                    ) -> list[None] | np.ndarray | None:
        """The outputs' masks (keras/src/layers/rnn/bidirectional.py): the input
        mask for each returned sequence, None for the last outputs and states."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        output_mask = mask if self.return_sequences else None
        masks = [output_mask] * (2 if self.merge_mode is None else 1)
        if self.return_state:
            masks += [None] * (len(self.forward_layer._state_names)
                               + len(self.backward_layer._state_names))
        return masks if len(masks) > 1 else masks[0]  # type: ignore[return-value]

    supports_masking = True
    has_weights = True

    def _expected_weight_shapes(self, arrays: Any) -> list[tuple[str, tuple[int | None, ...]]]:
        return self.forward_layer._expected_weight_shapes(None) + \
            self.backward_layer._expected_weight_shapes(None)

    def _weight_count(self) -> int:
        return self.forward_layer._weight_count() + self.backward_layer._weight_count()

    def _weight_groups(self) -> list[tuple[Any, ...]]:
        return [("forward_layer/" + p, n) for p, n in self.forward_layer._weight_groups()] + \
            [("backward_layer/" + p, n) for p, n in self.backward_layer._weight_groups()]

    def _call(self, x: Any, mask: Any, initial_state: Any) -> list[np.ndarray] | np.ndarray:
        x = self._autocast(x, "x")
        if x.ndim == 3 and x.shape[1] == 0:
            raise ValueError(
                f"Bidirectional expected x with at least one timestep, got shape {x.shape} "
                "(Keras cannot run a recurrent layer over zero timesteps either)"
            )
        forward_state = backward_state = None
        if initial_state is not None:
            fw, bw = self.forward_layer._state_names, self.backward_layer._state_names
            names = (", ".join(f"forward {n}" for n in fw) + ", then "
                     + ", ".join(f"backward {n}" for n in bw))
            if not isinstance(initial_state, (list, tuple)):
                raise ValueError(
                    "Bidirectional expected initial_state as a list: the forward layer's "
                    f"states followed by the backward layer's ({names}); got "
                    f"{type(initial_state).__name__}"
                )
            if len(initial_state) != len(fw) + len(bw):
                raise ValueError(
                    f"Bidirectional expected initial_state as a list of {len(fw) + len(bw)} "
                    f"arrays ({names}); got {len(initial_state)}"
                )
            initial_state = [self._autocast(s, "initial_state") for s in initial_state]
            # Keras splits at the half; the forward layer's count is the same
            # for two layers of one cell, and right for two different cells.
            forward_state, backward_state = initial_state[:len(fw)], initial_state[len(fw):]
        with self._weights_lock:
            forward = self.forward_layer._prepare(x, mask, forward_state)
            backward = self.backward_layer._prepare(x, mask, backward_state)
        # Concatenated sequences of the wrapper's dtype: each direction writes
        # its half of the output (the backward one time-reversed, as Keras
        # flips it), rather than two arrays joined afterwards.
        fw_seq, bw_seq = forward.sequence, backward.sequence
        in_place = (self.merge_mode == "concat" and fw_seq is not None and bw_seq is not None
                    and fw_seq.dtype == bw_seq.dtype == np.dtype(self.dtype))
        output: Any = None
        if in_place:
            batch, steps, width = fw_seq.shape  # type: ignore[union-attr]
            output = np.empty((batch, steps, width + bw_seq.shape[2]), self.dtype)  # type: ignore[union-attr]
            forward.write_sequence_into(output, 0, False)
            backward.write_sequence_into(output, width, True)
        # The two directions run concurrently when two threads are allowed.
        forward.run_with(backward)
        y = self.forward_layer._finish(forward)
        y_rev = self.backward_layer._finish(backward)
        states: list[np.ndarray] = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if not in_place:
            y = y.astype(self.dtype, copy=False)  # type: ignore[union-attr]
            y_rev = y_rev.astype(self.dtype, copy=False)  # type: ignore[union-attr]
            if self.return_sequences:
                y_rev = y_rev[:, ::-1]
            output = self._merge(y, y_rev)
        if self.return_state:
            return output + states if self.merge_mode is None else [output, *states]
        return output

    def _autocast(self, value: np.ndarray | list[Any], what: str) -> np.ndarray:
        # Keras's Layer.__call__ casts floating inputs to the wrapper's own
        # dtype before the wrapped layers see them (and cast them again).
        try:
            value = np.asarray(value)
        except (TypeError, ValueError, OverflowError) as e:
            raise ValueError(f"Bidirectional could not convert {what} to an array: {e}") from None
        if np.issubdtype(value.dtype, np.floating):
            return value.astype(self.dtype, copy=False)
        return value

    def _merge(self, y: np.ndarray, y_rev: np.ndarray) -> list[np.ndarray] | np.ndarray:
        mode = self.merge_mode
        if mode == "concat":
            return np.concatenate([y, y_rev], axis=-1)
        if mode == "sum":
            return y + y_rev
        if mode == "ave":
            return (y + y_rev) / np.asarray(2, y.dtype)
        if mode == "mul":
            return y * y_rev
        return [y, np.ascontiguousarray(y_rev)]

    # ------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        """Return the configuration, with Keras's keys.

        Returns
        -------
        dict
            ``name``, ``dtype``, ``merge_mode``, and ``layer`` and
            ``backward_layer`` as ``{"class_name": ..., "config": ...}``
            dicts. The weights are not part of it.

        Examples
        --------
        >>> import fastrnn
        >>> config = fastrnn.Bidirectional(fastrnn.GRU(2), name="bi").get_config()
        >>> config["name"], config["merge_mode"], config["layer"]["class_name"]
        ('bi', 'concat', 'GRU')
        >>> config["backward_layer"]["config"]["go_backwards"]
        True
        """
        return {
            "name": self.name,
            "dtype": self.dtype,
            "merge_mode": self.merge_mode,
            "layer": {"class_name": type(self.forward_layer).__name__,
                      "config": self.forward_layer.get_config()},
            "backward_layer": {"class_name": type(self.backward_layer).__name__,
                               "config": self.backward_layer.get_config()},
        }

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        """Create an unbuilt wrapper from a ``get_config()`` dict (also Keras's).

        Parameters
        ----------
        config : dict
            The wrapper's configuration; ``layer`` and ``backward_layer`` as
            ``{"class_name": ..., "config": ...}`` dicts.

        Returns
        -------
        Bidirectional

        Examples
        --------
        >>> import fastrnn
        >>> layer = fastrnn.Bidirectional(fastrnn.LSTM(3), merge_mode="sum", name="bi")
        >>> fastrnn.Bidirectional.from_config(layer.get_config()) == layer
        True
        """
        from .io import keras_config

        config = dict(config)

        def make(entry: Any) -> Layer:
            if not isinstance(entry, dict):   # already a layer (fastrnn.io rebuilt it)
                return entry
            return keras_config.layer_from_config(entry)

        config["layer"] = make(config["layer"])
        if config.get("backward_layer") is not None:
            config["backward_layer"] = make(config["backward_layer"])
        return cls(**config)

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        del state["_weights_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._weights_lock = threading.Lock()

    def __eq__(self, other: object) -> bool:
        return (type(self) is type(other) and self.merge_mode == other.merge_mode
                and self.dtype == other.dtype and self.name == other.name
                and self.forward_layer == other.forward_layer
                and self.backward_layer == other.backward_layer)

    __hash__ = None

    def __repr__(self) -> str:
        return f"<fastrnn.Bidirectional name={self.name!r} layer={self.forward_layer!r}>"
