"""Run PyTorch ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` with fastrnn's Keras layers.

``from_torch(module)`` or ``from_torch(state_dict, mode=..., **constructor_args)``
returns a ``TorchRNN`` called like the torch module: ``model(x, hx=None)``
gives ``(output, h_n)`` (RNN, GRU) or ``(output, (h_n, c_n))`` (LSTM), as
numpy arrays in torch's layouts.

The mapping (torch weights are ``(gates*hidden, in)``; Keras kernels are their
transposes, ``(in, gates*hidden)``):

- nn.RNN (tanh or relu) -> SimpleRNN; bias = b_ih + b_hh.
- nn.LSTM -> LSTM; torch's gate order i, f, g, o is Keras's i, f, c, o;
  bias = b_ih + b_hh.
- nn.GRU -> GRU(reset_after=True) (torch's formulation: the reset gate
  multiplies ``W_hn h + b_hn``); torch's gate blocks r, z, n are reordered to
  Keras's z, r, h; bias row 0 = b_ih, row 1 = b_hh (reordered likewise).
- ``bias=False`` -> ``use_bias=False``; ``bidirectional=True`` -> Bidirectional
  (concat); ``num_layers > 1`` -> a stack; inter-layer ``dropout`` is a no-op at
  inference. ``proj_size > 0`` (LSTM projections) has no Keras equivalent and
  is refused.

torch is never imported unless you pass torch objects (a module or tensors).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from .. import _validate
from ..bidirectional import Bidirectional
from ..layers import GRU, LSTM, SimpleRNN

if TYPE_CHECKING:
    from typing_extensions import Self

    from ..layer import Layer

__all__ = ["from_torch", "TorchRNN"]

MODES: tuple[str, ...] = ("LSTM", "GRU", "RNN_TANH", "RNN_RELU")
_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
_GRU_ORDER = (1, 0, 2)  # Keras block z, r, h <- torch block r, z, n
# What one loaded layer (per direction) holds besides its weights: the layer
# object, its kernel handle and the arrays' headers (about 5.5 KiB measured
# for an LSTM of 3 units). Counted so that an absurd num_layers is refused
# before the layers are made.
_LAYER_BYTES = 6 * 1024


def _keys(layer: int, reverse: bool) -> dict[str, Any]:
    sfx = f"_l{layer}" + ("_reverse" if reverse else "")
    return {name: f"{name}{sfx}" for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}


def _torch_to_keras(mode: str, w_ih: np.ndarray, w_hh: np.ndarray, b_ih: np.ndarray | None,
                    b_hh: np.ndarray | None) -> list[np.ndarray]:
    """Keras weights [kernel, recurrent_kernel, (bias)] from torch's four tensors."""
    if mode == "GRU":
        def reorder(a: np.ndarray) -> np.ndarray:
            blocks = np.split(a, 3, axis=0)
            return np.concatenate([blocks[i] for i in _GRU_ORDER], axis=0)
        weights = [reorder(w_ih).T, reorder(w_hh).T]
        if b_ih is not None:
            weights.append(np.stack([reorder(b_ih), reorder(b_hh)]))  # type: ignore[arg-type]
        return weights
    weights = [w_ih.T, w_hh.T]
    if b_ih is not None:
        weights.append(b_ih + b_hh)
    return weights


def _keras_to_torch(mode: str, weights: list[np.ndarray]) -> list[np.ndarray]:
    """Inverse of _torch_to_keras (the summed bias goes to b_ih; b_hh is zero)."""
    kernel, recurrent = weights[0], weights[1]
    bias = weights[2] if len(weights) > 2 else None
    if mode == "GRU":
        def unorder(a: np.ndarray) -> np.ndarray:  # Keras z, r, h -> torch r, z, n
            blocks = np.split(a, 3, axis=0)
            return np.concatenate([blocks[1], blocks[0], blocks[2]], axis=0)
        out = [unorder(kernel.T), unorder(recurrent.T)]
        if bias is not None:
            out += [unorder(bias[0]), unorder(bias[1])]
        return out
    out = [kernel.T.copy(), recurrent.T.copy()]
    if bias is not None:
        out += [bias.copy(), np.zeros_like(bias)]
    return out


class TorchRNN:
    """A PyTorch nn.RNN / nn.LSTM / nn.GRU run by fastrnn layers.

    Constructor arguments are torch's (``mode`` is the module's ``mode``:
    "LSTM", "GRU", "RNN_TANH" or "RNN_RELU"). ``layers[k]`` is the fastrnn layer
    (a SimpleRNN / LSTM / GRU, or a Bidirectional of one) running torch layer
    ``k``. Set weights with ``load_state_dict``.

    Usually made by ``fastrnn.from_torch``; torch need not be installed.

    Parameters
    ----------
    mode : {"LSTM", "GRU", "RNN_TANH", "RNN_RELU"}
        The torch module's ``mode``: ``nn.LSTM``, ``nn.GRU``, or ``nn.RNN``
        with ``nonlinearity="tanh"`` or ``"relu"``.
    input_size : int
        The number of expected features in the input ``x``.
    hidden_size : int
        The number of features in the hidden state ``h``.
    num_layers : int, default 1
        Number of recurrent layers, stacked.
    bias : bool, default True
        If False, the layers do not use the bias weights ``b_ih`` and ``b_hh``.
    batch_first : bool, default False
        If True, the input and output are (batch, seq, feature) instead of
        (seq, batch, feature).
    dropout : float, default 0.0
        Torch's dropout between layers: kept in the config, a no-op at
        inference.
    bidirectional : bool, default False
        If True, becomes a bidirectional RNN (each layer a ``Bidirectional``
        with ``merge_mode="concat"``).
    proj_size : int, default 0
        LSTM projections have no Keras equivalent: anything but 0 raises
        NotImplementedError.
    dtype : str, numpy dtype or torch dtype, default "float32"
        float32 or float64 (``"float64"``, ``np.float64``, ``torch.float64``,
        ...): the dtype of the weights, the computation and the outputs.

    Call arguments
    --------------
    input : array-like or torch.Tensor
        (seq, batch, input_size), or (batch, seq, input_size) with
        ``batch_first=True``, or unbatched (seq, input_size).
    hx : array-like or tuple, optional
        The initial states in torch's layout: ``h_0`` (num_layers *
        num_directions, batch, hidden_size), or ``(h_0, c_0)`` for LSTM.
        Default zeros. Unbatched input takes them without the batch axis.

    Returns
    -------
    tuple
        ``(output, h_n)``, or ``(output, (h_n, c_n))`` for LSTM, as numpy
        arrays: ``output`` is (seq, batch, num_directions * hidden_size) (or
        batch first, or unbatched, like the input), ``h_n`` and ``c_n``
        (num_layers * num_directions, batch, hidden_size).

    Raises
    ------
    fastrnn.layers.TooLargeError
        If the layers and their weights would need more than
        ``fastrnn.layers.MAX_BYTES`` (checked before any layer is made).

    Notes
    -----
    The mapping: the Keras kernels are the transposed torch weights; torch's
    LSTM gates i, f, g, o are Keras's i, f, c, o; RNN and LSTM biases are
    ``b_ih + b_hh``; a GRU becomes ``GRU(reset_after=True)`` with torch's gate
    blocks r, z, n reordered to z, r, h and bias rows ``b_ih``, ``b_hh``.
    ``PackedSequence`` input is not supported. ``forward`` is the same as
    calling. Instances compare equal (``==``) by config and weights, and
    pickle.

    See Also
    --------
    from_torch : Makes a TorchRNN from a torch module or state_dict.

    Examples
    --------
    >>> import numpy as np
    >>> import fastrnn
    >>> model = fastrnn.TorchRNN("GRU", input_size=2, hidden_size=3, bidirectional=True)
    >>> model
    <fastrnn.TorchRNN GRU(2, 3, bidirectional=True)>
    >>> model.layers
    [<fastrnn.Bidirectional name='bidirectional_l0' layer=<fastrnn.GRU name='forward_gru_l0' ...>>]
    >>> state_dict = {}
    >>> for suffix in ("_l0", "_l0_reverse"):
    ...     state_dict["weight_ih" + suffix] = np.full((9, 2), 0.1, "float32")
    ...     state_dict["weight_hh" + suffix] = np.full((9, 3), 0.1, "float32")
    ...     state_dict["bias_ih" + suffix] = np.zeros(9, "float32")
    ...     state_dict["bias_hh" + suffix] = np.zeros(9, "float32")
    >>> model.load_state_dict(state_dict)
    >>> output, h_n = model(np.ones((4, 1, 2), "float32"))     # (seq, batch, input_size)
    >>> output.shape, h_n.shape
    ((4, 1, 6), (2, 1, 3))
    >>> print(np.round(h_n[:, 0], 4))
    [[0.1985 0.1985 0.1985]
     [0.1985 0.1985 0.1985]]
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, dtype: DTypeLike = "float32"
                ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        if proj_size:
            raise NotImplementedError(
                f"proj_size={proj_size}: LSTM projections have no Keras equivalent and "
                "fastrnn does not approximate them")
        for arg, v in (("input_size", input_size), ("hidden_size", hidden_size),
                       ("num_layers", num_layers)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v <= 0:
                raise ValueError(f"{arg} must be a positive integer, got {v!r}")
        self.mode = mode
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.num_layers = int(num_layers)
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dropout = float(dropout)
        self.bidirectional = bool(bidirectional)
        self.proj_size = 0
        self.dtype = _validate.float_dtype(dtype).name
        # All layers' size, before any is made.
        _validate.check_bytes(
            f"TorchRNN({mode}, {self.input_size}, {self.hidden_size}, "
            f"num_layers={self.num_layers})", self._nbytes(),
            f"{self.num_layers * self.num_directions} layer(s) of {self.hidden_size} units "
            f"and their weights")
        self.layers = [self._make_layer(k) for k in range(self.num_layers)]

    def _nbytes(self) -> int:
        """What the layers hold once loaded: per layer and direction, its Keras
        weights (kernel, recurrent kernel, up to two bias rows) and _LAYER_BYTES."""
        width, hidden, dirs = _GATES[self.mode] * self.hidden_size, self.hidden_size, \
            self.num_directions
        first = width * (self.input_size + hidden + 2)    # layer 0 reads the input
        later = width * (dirs * hidden + hidden + 2)      # the others, the layer below
        values = dirs * (first + (self.num_layers - 1) * later)
        return (values * np.dtype(self.dtype).itemsize
                + self.num_layers * dirs * _LAYER_BYTES)

    @property
    def num_directions(self) -> int:
        """2 for a bidirectional RNN, else 1."""
        return 2 if self.bidirectional else 1

    def _make_layer(self, k: int) -> Layer:
        args = dict(units=self.hidden_size, use_bias=self.bias, return_sequences=True,
                    return_state=True, dtype=self.dtype, name=f"{self.mode.lower()}_l{k}")
        if self.mode == "LSTM":
            cell = LSTM(**args)
        elif self.mode == "GRU":
            cell = GRU(reset_after=True, **args)  # type: ignore[assignment]
        else:
            cell = SimpleRNN(activation="tanh" if self.mode == "RNN_TANH" else "relu", **args)  # type: ignore[assignment]
        if self.bidirectional:
            return Bidirectional(cell, merge_mode="concat", dtype=self.dtype,
                                 name=f"bidirectional_l{k}")
        return cell

    # ------------------------------------------------------------ weights
    def _expected_shapes(self) -> dict[str, Any]:
        gates, hidden = _GATES[self.mode], self.hidden_size
        shapes = {}
        for k in range(self.num_layers):
            in_dim = self.input_size if k == 0 else hidden * self.num_directions
            for d in range(self.num_directions):
                keys = _keys(k, d == 1)
                shapes[keys["weight_ih"]] = (gates * hidden, in_dim)
                shapes[keys["weight_hh"]] = (gates * hidden, hidden)
                if self.bias:
                    shapes[keys["bias_ih"]] = (gates * hidden,)  # type: ignore[assignment]
                    shapes[keys["bias_hh"]] = (gates * hidden,)  # type: ignore[assignment]
        return shapes

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Set the weights from a torch-style state_dict (numpy arrays or torch tensors).

        Parameters
        ----------
        state_dict : mapping
            ``module.state_dict()``, or the same keys (``weight_ih_l0``,
            ``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0``, ...,
            ``_reverse`` for the backward direction) with numpy arrays of
            torch's shapes. Converted to the model's dtype.

        Raises
        ------
        ValueError
            For missing or unexpected keys, a wrong shape, or entries that are
            not real numbers (bool, complex, strings, dates, ... are refused,
            as by every ``set_weights``).
        NotImplementedError
            For LSTM projection weights (``weight_hr_l*``).

        Examples
        --------
        See ``TorchRNN``.
        """
        sd = {str(k): v for k, v in dict(state_dict).items()}
        if any(k.startswith("weight_hr_l") for k in sd):
            raise NotImplementedError(
                "the state_dict has LSTM projection weights (weight_hr_l*, proj_size > 0), "
                "which have no Keras equivalent; fastrnn does not approximate them")
        expected = self._expected_shapes()
        missing = sorted(set(expected) - set(sd))
        unexpected = sorted(set(sd) - set(expected))
        if missing or unexpected:
            raise ValueError(
                f"state_dict does not fit {self!r}: missing keys {missing}, "
                f"unexpected keys {unexpected}")
        arrays = {}
        for key, shape in expected.items():
            a = _validate.weight_array(sd[key], "TorchRNN", f"state_dict entry {key!r}",
                                       self.dtype)
            if a.shape != shape:
                raise ValueError(f"state_dict entry {key!r} has shape {a.shape}, "
                                 f"expected {shape}")
            arrays[key] = a
        for k, layer in enumerate(self.layers):
            weights = []
            for d in range(self.num_directions):
                keys = _keys(k, d == 1)
                weights += _torch_to_keras(
                    self.mode, arrays[keys["weight_ih"]], arrays[keys["weight_hh"]],
                    arrays.get(keys["bias_ih"]), arrays.get(keys["bias_hh"]))
            layer.set_weights(weights)

    def state_dict(self) -> dict[str, NDArray[Any]]:
        """The weights as a torch-style state_dict of numpy arrays.

        For RNN and LSTM, Keras holds one summed bias: it is returned as
        ``bias_ih`` with a zero ``bias_hh`` (the module computes the same).

        Returns
        -------
        dict of str to ndarray
            Under torch's keys, in torch's shapes (loadable with
            ``module.load_state_dict({k: torch.from_numpy(v) ...})``).

        Examples
        --------
        >>> import numpy as np
        >>> import fastrnn
        >>> state_dict = {"weight_ih_l0": np.ones((4, 2)), "weight_hh_l0": np.ones((4, 4)),
        ...               "bias_ih_l0": np.ones(4), "bias_hh_l0": np.ones(4)}
        >>> model = fastrnn.from_torch(state_dict, mode="RNN_TANH")
        >>> sorted(model.state_dict())
        ['bias_hh_l0', 'bias_ih_l0', 'weight_hh_l0', 'weight_ih_l0']
        >>> print(model.state_dict()["bias_ih_l0"])       # b_ih + b_hh
        [2. 2. 2. 2.]
        """
        sd = {}
        for k, layer in enumerate(self.layers):
            subs = [layer.forward_layer, layer.backward_layer] if self.bidirectional else [layer]  # type: ignore[attr-defined]
            for d, sub in enumerate(subs):
                keys = _keys(k, d == 1)
                tensors = _keras_to_torch(self.mode, sub.get_weights())
                names = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if self.bias else [])
                for name, t in zip(names, tensors):
                    sd[keys[name]] = np.ascontiguousarray(t)
        return sd

    # ------------------------------------------------------------ calling
    def __call__(self, input: Any, hx: Any = None) -> tuple[NDArray[Any], Any]:
        """``(output, h_n)`` or, for LSTM, ``(output, (h_n, c_n))`` in torch's layouts.

        Parameters
        ----------
        input : array-like or torch.Tensor
            (seq, batch, input_size), (batch, seq, input_size) with
            ``batch_first=True``, or unbatched (seq, input_size).
        hx : array-like or tuple, optional
            ``h_0``, or ``(h_0, c_0)`` for LSTM, each (num_layers *
            num_directions, batch, hidden_size). Default zeros.

        Returns
        -------
        tuple
            ``(output, h_n)`` or ``(output, (h_n, c_n))``, numpy arrays.

        Raises
        ------
        ValueError
            For input or states of the wrong shape.
        TypeError
            For a ``PackedSequence``.
        """
        if type(input).__name__ == "PackedSequence":
            raise TypeError("PackedSequence input is not supported: pass a padded tensor "
                            "(and run the padded steps, or mask them with fastrnn's layers)")
        x = _validate.real_array(input, self.mode, "input")
        if x.ndim not in (2, 3):
            raise ValueError(f"{self.mode} expected input of rank 2 (unbatched) or 3, "
                             f"got shape {x.shape}")
        unbatched = x.ndim == 2
        if unbatched:
            x = x[None]
        elif not self.batch_first:
            x = x.transpose(1, 0, 2)
        if x.shape[-1] != self.input_size:
            raise ValueError(f"{self.mode} expected input with input_size={self.input_size} "
                             f"features, got shape {np.shape(input)}")
        batch = x.shape[0]
        h0, c0 = self._initial_states(hx, batch, unbatched)
        h_n, c_n = [], []
        for k, layer in enumerate(self.layers):
            init = None
            if h0 is not None:
                init = []
                for d in range(self.num_directions):
                    i = k * self.num_directions + d
                    init += [h0[i], c0[i]] if self.mode == "LSTM" else [h0[i]]
            out = layer(x, initial_state=init)
            x, states = out[0], out[1:]
            per_dir = 2 if self.mode == "LSTM" else 1
            for d in range(self.num_directions):
                h_n.append(states[d * per_dir])
                if self.mode == "LSTM":
                    c_n.append(states[d * per_dir + 1])
        h_n = np.stack(h_n).astype(self.dtype, copy=False)  # type: ignore[assignment]
        if unbatched:
            output, h_n = x[0], h_n[:, 0]  # type: ignore[call-overload]
        else:
            output = x if self.batch_first else np.ascontiguousarray(x.transpose(1, 0, 2))
        if self.mode == "LSTM":
            c_n = np.stack(c_n).astype(self.dtype, copy=False)  # type: ignore[assignment]
            return output, (h_n, c_n[:, 0] if unbatched else c_n)  # type: ignore[call-overload]
        return output, h_n

    forward = __call__

    def _initial_states(self, hx: tuple[np.ndarray, ...] | np.ndarray | None, batch: int,
                        unbatched: bool) -> tuple[Any, ...]:
        if hx is None:
            return None, None
        n = self.num_layers * self.num_directions
        shape = (n, self.hidden_size) if unbatched else (n, batch, self.hidden_size)
        if self.mode == "LSTM":
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise ValueError("LSTM expected hx as a tuple (h_0, c_0)")
            parts = [hx[0], hx[1]]
        else:
            if isinstance(hx, (tuple, list)):
                raise ValueError(f"{self.mode} expected hx as one array (h_0), not a tuple")
            parts = [hx]
        out = []
        for name, p in zip(("h_0", "c_0"), parts):
            a = _validate.real_array(p, self.mode, name)
            if a.shape != shape:
                raise ValueError(
                    f"Expected {name} of shape (num_layers * num_directions, batch, hidden_size)"
                    f" = {shape}, got {a.shape}")
            if unbatched:
                a = a[:, None]
            out.append(a)
        return out[0], (out[1] if self.mode == "LSTM" else None)

    # ------------------------------------------------------------ misc
    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments as a dict.

        Returns
        -------
        dict
        """
        return {"mode": self.mode, "input_size": self.input_size,
                "hidden_size": self.hidden_size, "num_layers": self.num_layers,
                "bias": self.bias, "batch_first": self.batch_first, "dropout": self.dropout,
                "bidirectional": self.bidirectional, "proj_size": 0, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        """Create a TorchRNN (without weights) from a ``get_config()`` dict.

        Parameters
        ----------
        config : dict

        Returns
        -------
        TorchRNN
        """
        return cls(**config)

    def __eq__(self, other: object) -> bool:
        return (type(self) is type(other) and self.get_config() == other.get_config()
                and all(a == b for a, b in zip(self.layers, other.layers)))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        name = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(self.mode, self.mode)
        extra = []
        if self.num_layers != 1:
            extra.append(f"num_layers={self.num_layers}")
        if self.mode == "RNN_RELU":
            extra.append("nonlinearity='relu'")
        for flag in ("batch_first", "bidirectional"):
            if getattr(self, flag):
                extra.append(f"{flag}=True")
        if not self.bias:
            extra.append("bias=False")
        args = ", ".join([str(self.input_size), str(self.hidden_size)] + extra)
        return f"<fastrnn.TorchRNN {name}({args})>"


def _infer(sd: dict[str, Any], mode: str) -> dict[str, Any]:
    """Constructor arguments read off a state_dict's keys and shapes."""
    gates = _GATES[mode]
    if "weight_ih_l0" not in sd:
        raise ValueError("state_dict has no 'weight_ih_l0': not an nn.RNN/LSTM/GRU state_dict")
    w = np.shape(sd["weight_ih_l0"])
    if len(w) != 2 or w[0] % gates:
        raise ValueError(f"state_dict 'weight_ih_l0' has shape {w}, which does not fit mode "
                         f"{mode!r} ({gates} gate block(s))")
    layers = 0
    while f"weight_ih_l{layers}" in sd:
        layers += 1
    return {"input_size": w[1], "hidden_size": w[0] // gates, "num_layers": layers,
            "bias": "bias_ih_l0" in sd, "bidirectional": "weight_ih_l0_reverse" in sd}


_TORCH_ARGS = ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
               "bidirectional", "proj_size", "nonlinearity", "device", "dtype")


def from_torch(module_or_state_dict: Any, mode: str | None = None, **kwargs: Any) -> TorchRNN:
    """A ``TorchRNN`` computing what a torch nn.RNN / nn.LSTM / nn.GRU computes.

    Pass the module itself, or its ``state_dict()`` (torch tensors or plain
    numpy arrays, so torch need not be installed) with ``mode`` ("LSTM",
    "GRU", "RNN_TANH", "RNN_RELU") and the module's constructor arguments
    (``batch_first``, ``bidirectional``, ...; sizes missing are read off the
    weights, sizes given are checked against them).

    Parameters
    ----------
    module_or_state_dict : torch.nn.RNNBase or mapping
        An ``nn.RNN``, ``nn.LSTM`` or ``nn.GRU`` module (then no other
        argument), or its ``state_dict()``: a mapping of torch's keys to torch
        tensors or numpy arrays of real numbers (integers or floats,
        converted to ``dtype``).
    mode : {"LSTM", "GRU", "RNN_TANH", "RNN_RELU", "RNN"}, optional
        Required with a state_dict: the module's ``mode`` (``"RNN"`` takes
        ``nonlinearity="tanh"`` or ``"relu"``, default tanh).
    **kwargs
        With a state_dict, the module's constructor arguments:
        ``input_size``, ``hidden_size``, ``num_layers``, ``bias``,
        ``batch_first``, ``dropout``, ``bidirectional``, ``proj_size``,
        ``nonlinearity``, ``device`` (ignored), ``dtype`` (float32 or
        float64 as a name, numpy or torch dtype; default float64 for float64
        weights, else float32). Sizes missing are read off the weights; sizes given
        are checked against them.

    Returns
    -------
    TorchRNN
        Called like the module: ``output, h_n = model(x, hx=None)``, or
        ``output, (h_n, c_n) = model(x, (h_0, c_0))`` for LSTM.

    Raises
    ------
    NotImplementedError
        For ``proj_size > 0`` (LSTM projections have no Keras equivalent).
    TypeError
        For an object that is neither a module nor a state_dict, or extra
        arguments with a module.
    ValueError
        For a state_dict that does not fit ``mode`` or the arguments.

    See Also
    --------
    TorchRNN : The returned model; its ``layers`` are fastrnn layers.

    Examples
    --------
    With a module: ``fastrnn.from_torch(torch.nn.LSTM(8, 16, batch_first=True))``.
    With a state_dict, torch need not be installed:

    >>> import numpy as np
    >>> import fastrnn
    >>> rng = np.random.default_rng(0)
    >>> state_dict = {"weight_ih_l0": rng.normal(size=(12, 2)),     # 4 gates * hidden 3
    ...               "weight_hh_l0": rng.normal(size=(12, 3)),
    ...               "bias_ih_l0": rng.normal(size=12), "bias_hh_l0": rng.normal(size=12)}
    >>> model = fastrnn.from_torch(state_dict, mode="LSTM", batch_first=True)
    >>> model
    <fastrnn.TorchRNN LSTM(2, 3, batch_first=True)>
    >>> x = rng.normal(size=(5, 4, 2))                    # (batch, seq, input_size)
    >>> output, (h_n, c_n) = model(x)
    >>> output.shape, h_n.shape, c_n.shape
    ((5, 4, 3), (1, 5, 3), (1, 5, 3))

    An ``nn.RNN`` computes ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``:

    >>> w_ih, w_hh = rng.normal(size=(3, 2)), rng.normal(size=(3, 3))
    >>> b_ih, b_hh = rng.normal(size=3), rng.normal(size=3)
    >>> model = fastrnn.from_torch({"weight_ih_l0": w_ih, "weight_hh_l0": w_hh,
    ...                             "bias_ih_l0": b_ih, "bias_hh_l0": b_hh},
    ...                            mode="RNN", nonlinearity="tanh")
    >>> x = rng.normal(size=(4, 2, 2))                    # (seq, batch, input_size)
    >>> h = np.zeros((2, 3))
    >>> for t in range(4):
    ...     h = np.tanh(x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
    >>> output, h_n = model(x)
    >>> output.shape, np.allclose(h_n[0], h, atol=1e-5)
    ((4, 2, 3), True)
    """
    obj = module_or_state_dict
    module_name = type(obj).__module__ or ""
    if module_name.startswith("torch") and not isinstance(obj, Mapping):
        import torch

        if not isinstance(obj, torch.nn.RNNBase):
            raise TypeError(
                f"from_torch expected an nn.RNN, nn.LSTM or nn.GRU module (or a state_dict), "
                f"got {type(obj).__name__}")
        if mode is not None or kwargs:
            raise TypeError("from_torch(module) takes no other arguments: they are read "
                            "from the module")
        if obj.mode not in MODES:
            raise ValueError(f"unsupported torch RNN mode {obj.mode!r}")
        state = {k: v.detach() for k, v in obj.state_dict().items()}
        dtype = "float64" if any(str(v.dtype) == "torch.float64" for v in state.values()) \
            else "float32"
        model = TorchRNN(obj.mode, obj.input_size, obj.hidden_size, obj.num_layers,
                         bias=obj.bias, batch_first=obj.batch_first, dropout=obj.dropout,
                         bidirectional=obj.bidirectional, proj_size=getattr(obj, "proj_size", 0),
                         dtype=dtype)
        model.load_state_dict(state)
        return model
    if not isinstance(obj, Mapping):
        raise TypeError(
            "from_torch expected a torch nn.RNN / nn.LSTM / nn.GRU module or a state_dict "
            f"(a mapping of name -> array), got {type(obj).__name__}")
    unknown = set(kwargs) - set(_TORCH_ARGS)
    if unknown:
        raise TypeError(f"from_torch got unexpected arguments {sorted(unknown)}; torch "
                        f"constructor arguments are {', '.join(_TORCH_ARGS)}")
    nonlinearity = kwargs.pop("nonlinearity", None)
    if mode in ("RNN", "nn.RNN"):
        mode = "RNN_RELU" if nonlinearity == "relu" else "RNN_TANH"
    if mode not in MODES:
        raise ValueError(f"from_torch(state_dict) needs mode= one of {', '.join(MODES)} "
                         f"(or 'RNN' with nonlinearity=), got {mode!r}")
    if nonlinearity is not None:
        if nonlinearity not in ("tanh", "relu") or mode not in ("RNN_TANH", "RNN_RELU"):
            raise ValueError(f"nonlinearity={nonlinearity!r} does not fit mode={mode!r}")
        if (nonlinearity == "relu") != (mode == "RNN_RELU"):
            raise ValueError(f"nonlinearity={nonlinearity!r} contradicts mode={mode!r}")
    if kwargs.get("proj_size"):
        raise NotImplementedError(
            f"proj_size={kwargs['proj_size']}: LSTM projections have no Keras equivalent and "
            "fastrnn does not approximate them")
    sd = {str(k): v for k, v in obj.items()}
    if any(k.startswith("weight_hr_l") for k in sd):
        raise NotImplementedError(
            "the state_dict has LSTM projection weights (weight_hr_l*, proj_size > 0), which "
            "have no Keras equivalent; fastrnn does not approximate them")
    inferred = _infer(sd, mode)
    for key, value in inferred.items():
        given = kwargs.get(key)
        if given is not None and given != value:
            raise ValueError(f"{key}={given!r} does not match the state_dict, which has "
                             f"{key}={value!r}")
    dtype = kwargs.get("dtype")  # type: ignore[assignment]
    if dtype is None:  # the weights' own: float64 stays float64
        first = sd["weight_ih_l0"]
        dtype = "float64" if "float64" in str(getattr(first, "dtype", "")) else "float32"
    model = TorchRNN(mode, inferred["input_size"], inferred["hidden_size"],
                     inferred["num_layers"], bias=inferred["bias"],
                     batch_first=bool(kwargs.get("batch_first", False)),
                     dropout=kwargs.get("dropout", 0.0) or 0.0,
                     bidirectional=inferred["bidirectional"], dtype=dtype)
    model.load_state_dict(sd)
    return model
