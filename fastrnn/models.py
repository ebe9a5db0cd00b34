"""``fastrnn.Model`` (functional graphs) and ``fastrnn.Sequential``, run as Keras runs them.

Both go through one executor (fastrnn/graph.py): each layer call gets the
mask Keras would give it and its outputs carry the masks Keras attaches
(keras/src/layers/layer.py, keras/src/models/functional.py,
keras/src/models/sequential.py).

``save(path)`` writes a Keras 3 ``.keras`` file (``path`` ending in
``.keras``) or fastrnn's own format: one ``.npz`` archive (readable with
numpy alone, no pickle) holding ``fastrnn_config``, a JSON string with the
model config, and ``layer<i>_weight<j>`` arrays.
"""
from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from . import graph
from ._locks import WeightsLock
from ._version import __version__
from .core_layers import InputLayer
from .graph import KerasTensor
from .layer import Layer, arrays_equal, check_name, snake_case

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["Model", "Sequential", "FORMAT_NAME"]

FORMAT_NAME: str = "fastrnn.Sequential"
FORMAT_VERSION: int = 1
CONFIG_KEY: str = "fastrnn_config"


def _single_output(layer: Any) -> bool:
    """Whether ``layer`` returns one array (a Sequential needs that)."""
    try:
        shapes = layer.compute_output_shape((None, 1, 1))
    except Exception:  # noqa: BLE001 - a layer that cannot say takes one input shape only
        return True
    return not isinstance(shapes, list)


def _unpack(struct: Any) -> Any:
    return struct[0] if isinstance(struct, list) and len(struct) == 1 else struct


class Model(Layer):
    """A functional model: a graph of layers from symbolic inputs to outputs, as
    ``keras.Model(inputs, outputs)``.

    Parameters
    ----------
    inputs : KerasTensor, or a list or dict of them
        ``fastrnn.Input`` tensors.
    outputs : KerasTensor, or a list or dict of them
        What layers called on ``inputs`` (and on each other's outputs) returned.
    name : str, optional
        Default ``"functional"``, ``"functional_1"``, ...
    trainable : bool, default True
        Kept in the config.
    **kwargs
        Any other keyword raises ValueError.

    Call arguments
    --------------
    inputs : array-like, or a list of them, or a dict keyed by input name
        One array per model input, in the order of ``inputs`` (one array
        alone for a model of one input).
    mask : array-like or list, optional
        Masks of the inputs (None for an input without one).
    training : bool, optional
        True raises ValueError (inference only).

    Returns
    -------
    ndarray, or a list or dict of them
        In the structure of ``outputs`` (a list of one is unpacked, as Keras does).

    Notes
    -----
    Layers can be shared (called on several tensors), a layer's returned
    states can be another's ``initial_state``, a mask can be passed as a
    tensor (``gru(x, mask=mask_input)``), and a model is a layer: call it on
    tensors inside another model. Masks propagate as in Keras 3.

    Examples
    --------
    An encoder whose states start the decoder (keras-io's seq2seq):

    >>> import numpy as np
    >>> import fastrnn
    >>> encoder_inputs = fastrnn.Input(shape=(None, 5), name="encoder_inputs")
    >>> _, h, c = fastrnn.LSTM(8, return_state=True, seed=0)(encoder_inputs)
    >>> decoder_inputs = fastrnn.Input(shape=(None, 6), name="decoder_inputs")
    >>> sequence = fastrnn.LSTM(8, return_sequences=True, seed=1)(decoder_inputs,
    ...                                                            initial_state=[h, c])
    >>> outputs = fastrnn.Dense(6, activation="softmax")(sequence)
    >>> model = fastrnn.Model([encoder_inputs, decoder_inputs], outputs)
    >>> y = model.predict([np.ones((2, 7, 5)), np.ones((2, 3, 6))], verbose=0)
    >>> y.shape
    (2, 3, 6)
    >>> y2 = model.predict({"encoder_inputs": np.ones((2, 7, 5)),
    ...                     "decoder_inputs": np.ones((2, 3, 6))}, verbose=0)
    >>> np.array_equal(y, y2)
    True
    """

    _keras_class_name = "Functional"

    def __init__(self, inputs: Any, outputs: Any, name: str | None = None,
                 trainable: bool = True, **kwargs: Any) -> None:
        for key in kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to Model: {key!r}")
        self.name = check_name("Functional", name)
        self.trainable = bool(trainable)
        self.dtype = "float32"
        self._weights = []
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._graph = graph.Graph(graph.flatten(inputs), graph.flatten(outputs))
        for t in self._graph.inputs:
            layer = t._keras_history[0] if t._keras_history else None
            if not isinstance(layer, InputLayer):
                raise ValueError(
                    f"Model inputs must be fastrnn.Input tensors; {t!r} was computed by "
                    f"layer {getattr(layer, 'name', None)!r}")
        self._weights_lock = WeightsLock()

    # ------------------------------------------------------------ structure
    @property
    def layers(self) -> list:
        """Every layer of the graph once (the InputLayers first), as Keras lists them."""
        return self._graph.layers

    @property
    def inputs(self) -> list:
        """The symbolic input tensors (``fastrnn.Input``), in order."""
        return list(self._graph.inputs)

    @property
    def outputs(self) -> list:
        """The symbolic output tensors, in order."""
        return list(self._graph.outputs)

    @property
    def input_names(self) -> list:
        return [t.name for t in self._graph.inputs]

    @property
    def output_names(self) -> list:
        return [t._keras_history[0].name for t in self._graph.outputs]

    @property
    def input_shape(self) -> Any:
        """The input shape(s) with the batch axis (a list for several inputs)."""
        return _unpack([t.shape for t in self._graph.inputs])

    @property
    def output_shape(self) -> Any:
        """The output shape(s) with the batch axis (a list for several outputs)."""
        return _unpack([t.shape for t in self._graph.outputs])

    def get_layer(self, name: str | None = None, index: int | None = None) -> Any:
        """The layer called ``name`` (or at ``index`` in ``layers``)."""
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: "
                         f"{[layer.name for layer in self.layers]}.")

    @property
    def built(self) -> bool:
        return all(layer.built for layer in self.layers)

    # ------------------------------------------------------------ calling
    def __call__(self, inputs: Any, mask: Any = None, training: Any = None) -> Any:
        if graph.is_symbolic(inputs, mask):
            return graph.symbolic_call(self, (inputs,), {} if mask is None else {"mask": mask})
        with self._weights_lock.reading:
            return self._call_with_masks(inputs, mask=mask, training=training)[0]

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        """``model(inputs, training, mask)``: Keras's call signature."""
        return self.__call__(inputs, mask=mask, training=training)

    def _maybe_build(self, input_shape: Any) -> None:
        pass

    def _call_with_masks(self, inputs: Any, mask: Any = None, training: Any = None) -> tuple:
        """(outputs, the masks of the flattened outputs): as a layer of another
        model, a model hands out the masks its own graph computed."""
        if training:
            raise ValueError("fastrnn runs inference only (training=True is not supported)")
        values = self._standardize(inputs)
        masks = [None] * len(values) if mask is None else graph.flatten(
            mask if isinstance(mask, (list, tuple, dict)) else [mask])
        if len(masks) != len(values):
            raise ValueError(f"Model {self.name!r} expected {len(values)} masks (one per input, "
                             f"None for none), got {len(masks)}")
        outputs, out_masks = self._graph.run(values, masks)
        return _unpack(graph.pack_like(self._outputs_struct, iter(outputs))), out_masks

    def _standardize(self, inputs: Any) -> list:
        """One converted array per model input, from an array, a list or a dict
        (keyed by input name), as Keras's Functional._standardize_inputs."""
        tensors = self._graph.inputs
        names = [t.name for t in tensors]
        if isinstance(inputs, dict):
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(f"Model {self.name!r} expected inputs named {names}; "
                                 f"missing {missing} (got keys {sorted(map(str, inputs))})")
            values = [inputs[n] for n in names]
        elif len(tensors) == 1:
            values = [inputs[0] if isinstance(inputs, (list, tuple)) and len(inputs) == 1
                      and hasattr(inputs[0], "shape") else inputs]
        else:
            if not isinstance(inputs, (list, tuple)) or len(inputs) != len(tensors):
                raise ValueError(
                    f"Model {self.name!r} expected a list of {len(tensors)} arrays or a dict "
                    f"keyed by input name ({', '.join(map(repr, names))}), got "
                    f"{type(inputs).__name__}"
                    + (f" of {len(inputs)}" if isinstance(inputs, (list, tuple)) else ""))
            values = list(inputs)
        return [t._keras_history[0](v) for t, v in zip(tensors, values)]

    def compute_output_spec(self, inputs: Any, mask: Any = None, training: Any = None) -> Any:
        specs = [KerasTensor(t.shape, t.dtype) for t in self._graph.outputs]
        return _unpack(graph.pack_like(self._outputs_struct, iter(specs)))

    def compute_output_shape(self, input_shape: Any) -> Any:
        return _unpack([t.shape for t in self._graph.outputs])

    def predict(self, x: Any, batch_size: int = 32, verbose: Any = "auto", steps: Any = None,
                callbacks: Any = None) -> Any:
        """Run the model over ``x`` in batches of ``batch_size`` and concatenate.

        The result equals one call on the whole of ``x``, to float32 rounding.

        Parameters
        ----------
        x : array-like, or a list or dict of them
            The inputs, samples along the first axis (for several inputs, a
            list in input order or a dict keyed by input name).
        batch_size : int, default 32
            Number of samples per batch of computation.
        verbose : {"auto", 0, 1, 2}, default "auto"
            Verbosity mode: "auto" or 1 shows a Keras-style progress bar over
            the batches, 2 one line at the end, 0 nothing.
        steps : int, optional
            Total number of batches to run; default all of ``x``.
        callbacks : optional
            Accepted for Keras compatibility and ignored.

        Returns
        -------
        ndarray, or a list or dict of them
            The outputs of all batches, concatenated along the first axis, in
            the structure of the model's outputs.

        Raises
        ------
        ValueError
            If ``batch_size`` or ``verbose`` is invalid, or ``x`` is empty.

        Examples
        --------
        >>> import numpy as np
        >>> import fastrnn
        >>> model = fastrnn.Sequential([fastrnn.SimpleRNN(4, seed=0), fastrnn.Dense(1)])
        >>> x = np.random.default_rng(0).normal(size=(10, 3, 2))
        >>> y = model.predict(x, batch_size=4, verbose=0)
        >>> y.shape
        (10, 1)
        >>> np.allclose(y, model(x), atol=1e-6)
        True
        """
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        if verbose == "auto":
            verbose = 1
        if verbose not in (0, 1, 2):
            raise ValueError(f"verbose must be 'auto', 0, 1 or 2, got {verbose!r}")
        arrays, rebuild = self._predict_inputs(x)
        n = {len(a) for a in arrays}
        if len(n) != 1:
            raise ValueError(f"predict expected inputs with the same number of samples, got "
                             f"{sorted(n)}")
        total = n.pop()
        if total == 0:
            raise ValueError("predict expected a non-empty batch of samples, got 0 samples")
        n_batches = math.ceil(total / batch_size)
        if steps is not None:
            n_batches = min(n_batches, int(steps))
        bar = _Progbar(n_batches, verbose)
        outputs = []
        with self._weights_lock.reading:      # every batch sees the same weights
            for i in range(n_batches):
                part = rebuild([a[i * batch_size:(i + 1) * batch_size] for a in arrays])
                outputs.append(graph.flatten(self._call_with_masks(part)[0]))
                bar.update(i + 1)
        flat = [o[0] if len(outputs) == 1 else np.concatenate(o, axis=0)
                for o in zip(*outputs)]
        return self._pack_outputs(flat)

    def _predict_inputs(self, x: Any) -> tuple:
        """The input arrays (samples first) and how to make a call's inputs of slices."""
        values = self._standardize(x)
        for v in values:
            if v.ndim == 0:
                raise ValueError(f"predict expected a batch of samples, got shape {v.shape}")
        return values, lambda parts: parts if len(parts) > 1 else parts[0]

    def _pack_outputs(self, flat: list) -> Any:
        return _unpack(graph.pack_like(self._outputs_struct, iter(flat)))

    def reset_states(self) -> None:
        """Zero the states of the stateful recurrent layers (``reset_state`` is the same)."""
        for layer in self.layers:
            if getattr(layer, "stateful", False) or isinstance(layer, Model):
                layer.reset_states()

    reset_state = reset_states

    # ------------------------------------------------------------ weights
    def _weighted_layers(self) -> list:
        return [layer for layer in self.layers if not isinstance(layer, InputLayer)]

    def get_weights(self) -> list:
        """Return all layers' weights, in layer order (each layer's Keras order).

        Returns
        -------
        list of ndarray
            Copies, as ``keras_model.get_weights()`` lists them.
        """
        return [w for layer in self._weighted_layers() for w in layer.get_weights()]

    def _weight_count(self) -> int:
        return sum(layer._weight_count() for layer in self._weighted_layers())

    def set_weights(self, weights: Sequence[ArrayLike]) -> None:
        """Set all layers' weights from one list, in layer order.

        Parameters
        ----------
        weights : list of array-like
            As ``get_weights`` (or ``keras_model.get_weights()``) lists them;
            each layer takes as many as it has, unbuilt layers included.

        Raises
        ------
        ValueError
            If the number of arrays or a shape is wrong.

        Examples
        --------
        >>> import numpy as np
        >>> import fastrnn
        >>> model = fastrnn.Sequential([fastrnn.SimpleRNN(2), fastrnn.Dense(1)])
        >>> model.set_weights([np.full((3, 2), 0.5), np.eye(2), np.zeros(2),
        ...                    np.ones((2, 1)), np.zeros(1)])
        >>> print(np.round(model(np.ones((1, 1, 3))), 4))     # 2 * tanh(1.5)
        [[1.8103]]
        """
        weights = list(weights)
        layers = self._weighted_layers()
        counts = [layer._weight_count() for layer in layers]
        if len(weights) != sum(counts):
            raise ValueError(f"{type(self).__name__} expected {sum(counts)} weights "
                             f"({' + '.join(map(str, counts))} by layer), got {len(weights)}")
        start = 0
        with self._weights_lock.writing:
            for layer, n in zip(layers, counts):
                if n:
                    layer.set_weights(weights[start:start + n])
                start += n

    def _weight_groups(self) -> list:
        """Keras keeps a model's layers under ``layers/<class name in snake case>``,
        numbered on repeats (keras/src/saving/saving_lib.py, _save_container_state)."""
        groups: list[Any] = []
        used: dict[str, int] = {}
        for layer in self._weighted_layers():
            base = snake_case(getattr(layer, "_keras_class_name", type(layer).__name__))
            key = base if base not in used else f"{base}_{used[base]}"
            used[base] = used.get(base, 0) + 1
            groups += [(f"layers/{key}/{p}", n) for p, n in layer._weight_groups()]
        return groups

    # ------------------------------------------------------------ summary
    def summary(self, line_length: int | None = None, positions: Sequence[float] | None = None,
                print_fn: Callable[[str], object] | None = None, **kwargs: Any) -> None:
        """Print (or pass to ``print_fn``) a table of layers, output shapes and parameters.

        Parameters
        ----------
        line_length : int, optional
            Total length of printed lines; default wide enough for every cell.
        positions : list of float, optional
            Relative positions of log elements in each line: the right ends
            of the three columns, as fractions of ``line_length`` (default 80
            when only ``positions`` is given).
        print_fn : callable, optional
            Called with the whole table as one string; default ``print``.
        **kwargs
            Other Keras arguments (``expand_nested``, ``show_trainable``,
            ...), accepted and ignored.

        Examples
        --------
        See ``Sequential``.
        """
        rows = []
        for layer, shape in zip(self._summary_layers(), self._shapes()):
            params = sum(w.size for w in layer.get_weights())
            built = layer.built
            rows.append((f"{layer.name} ({type(layer).__name__})",
                         "?" if shape is None else _shape_str(shape),
                         f"{params:,}" if built or params else "0 (unbuilt)"))
        if line_length or positions:  # Keras's fixed layout: fractions of line_length
            width = line_length or 80
            cols = [int(width * p) for p in (positions or [0.45, 0.75, 1.0])]
            widths = [cols[0] - 4, cols[1] - cols[0] - 3, cols[2] - cols[1] - 4]
        else:  # wide enough for every cell
            heads = ("Layer (type)", "Output Shape", "Param #")
            widths = [max([len(h)] + [len(r[i]) for r in rows]) + (2 if i < 2 else 4)
                      for i, h in enumerate(heads)]
            widths = [max(widths[0], 31), max(widths[1], 22), max(widths[2], 13)]
        widths = [max(w, 4) for w in widths]

        def line(left: str, mid: str, right: str, fill: str) -> str:
            return left + mid.join(fill * (w + 2) for w in widths) + right

        def row(cells: Sequence[object], sep: str = "│") -> str:
            a, b, c = (str(v) for v in cells)
            return (f"{sep} {_fit(a, widths[0]):<{widths[0]}} "
                    f"{sep} {_fit(b, widths[1]):<{widths[1]}} "
                    f"{sep} {_fit(c, widths[2]):>{widths[2]}} {sep}")

        lines = [f'Model: "{self.name}"', line("┏", "┳", "┓", "━"),
                 row(("Layer (type)", "Output Shape", "Param #"), "┃"),
                 line("┡", "╇", "┩", "━")]
        for i, r in enumerate(rows):
            if i:
                lines.append(line("├", "┼", "┤", "─"))
            lines.append(row(r))
        lines.append(line("└", "┴", "┘", "─"))
        trainable = sum(w.size for layer in self._summary_layers()
                        if layer.trainable and self.trainable
                        for w in layer.get_weights())
        total = self.count_params()
        itemsize = {w.dtype.itemsize for w in self.get_weights()}
        size = 4 if not itemsize else max(itemsize)
        lines += [f" Total params: {total:,} ({_bytes(total * size)})",
                  f" Trainable params: {trainable:,} ({_bytes(trainable * size)})",
                  f" Non-trainable params: {total - trainable:,} "
                  f"({_bytes((total - trainable) * size)})"]
        text = "\n".join(lines)
        (print_fn or print)(text)

    def _summary_layers(self) -> list:
        return self.layers

    def _shapes(self) -> list:
        """The output shape of every layer of ``_summary_layers`` (its first call's)."""
        out = []
        for layer in self._summary_layers():
            nodes = [n for n in self._graph.nodes if n.layer is layer]
            if isinstance(layer, InputLayer):
                out.append(layer.batch_shape)
            elif nodes:
                shapes = [t.shape for t in nodes[0].outputs]
                out.append(shapes[0] if len(shapes) == 1 else shapes)  # type: ignore[arg-type]
            else:
                out.append(None)  # type: ignore[arg-type]
        return out

    # ------------------------------------------------------------ config and files
    def get_config(self) -> dict:
        """Return the Keras 3 functional config: ``name``, ``trainable``,
        ``layers`` (each with its ``inbound_nodes``), ``input_layers`` and
        ``output_layers`` (keras/src/models/functional.py)."""
        from .io import keras_config

        return keras_config.functional_config(self)

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Any:
        """Rebuild a model (with fresh weights) from a Keras functional config."""
        from .io import keras_config

        return keras_config.model_from_config(
            {"class_name": "Functional", "config": config}, custom_objects)

    def save(self, path: Any) -> None:
        """Write the model to ``path``: a Keras 3 ``.keras`` file if ``path`` ends
        in ``.keras`` (real Keras 3 loads it), else fastrnn's ``.npz`` format.

        Weights and config are saved; the states of stateful layers are not.
        """
        path = os.fsdecode(os.fspath(path))
        if path.endswith(".keras"):
            from .io import keras_save

            keras_save.save_keras(self, path)
            return
        if path.endswith((".h5", ".hdf5")):
            raise ValueError(f"fastrnn writes Keras 3 .keras files, not legacy HDF5; use a "
                             f"path ending in .keras (or .npz), got {path!r}")
        self._save_npz(path)

    def _save_npz(self, path: str) -> None:
        from .io import keras_config

        layers = self._weighted_layers()
        meta = {"format": "fastrnn.Model", "format_version": FORMAT_VERSION,
                "fastrnn_version": __version__,
                "config": keras_config.serialize(self),
                "weights": [layer._weight_count() for layer in layers]}
        arrays = {CONFIG_KEY: np.array(json.dumps(meta))}
        for i, w in enumerate(self.get_weights()):
            arrays[f"weight{i:04d}"] = w
        with open(path, "wb") as f:
            np.savez(f, **arrays)  # type: ignore[arg-type]

    def __eq__(self, other: object) -> bool:
        return (type(self) is type(other) and self.get_config() == other.get_config()
                and arrays_equal(self.get_weights(), other.get_weights()))

    __hash__ = None

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_weights_lock", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._weights_lock = WeightsLock()

    def __repr__(self) -> str:
        return f"<fastrnn.Model name={self.name!r} inputs={self.input_names} " \
            f"outputs={self.output_names}>"


class Sequential(Model):
    """A linear stack of fastrnn layers, called like ``keras.Sequential``.

    ``layers`` may start with an ``InputLayer`` (it fixes the input shape and
    dtype: float32 by default, int32 for token ids); ``layers`` (the property)
    lists the others, as in Keras.

    Parameters
    ----------
    layers : list of layers, optional
        The layers, in order: any fastrnn ``Layer`` (``InputLayer`` only
        first), models included. Every layer must return one array:
        recurrent layers with ``return_state=True`` and
        ``Bidirectional(merge_mode=None)`` raise ValueError. More can be
        appended with ``add``.
    name : str, optional
        Name of the model. Default ``"sequential"``, ``"sequential_1"``, ...
    trainable : bool, default True
        Kept in the config (and shown by ``summary``); fastrnn does not train.
    build_input_shape : tuple, optional
        The input shape (with batch axis) of a model without an InputLayer,
        as Keras records it in a Sequential config; used for
        ``input_shape``, ``output_shape`` and ``summary``. Set by ``build``
        and by the first call otherwise.

    Call arguments
    --------------
    x : array-like
        The model input: (batch, timesteps, features), or (batch, timesteps)
        token ids for a model starting with an Embedding.
    mask : array-like, shape (batch, timesteps), optional
        The first layer's input mask. Masks then propagate as in Keras.
    training : bool, optional
        Accepted; True raises ValueError (inference only).

    Returns
    -------
    ndarray
        The last layer's output.

    Notes
    -----
    Masks propagate as in Keras 3: ``Masking`` and
    ``Embedding(mask_zero=True)`` make a mask; ``Dense``, ``Dropout``,
    ``SpatialDropout1D``, ``Activation`` and ``TimeDistributed`` pass it on;
    a recurrent layer uses it, and passes it on only with
    ``return_sequences=True``; ``Flatten`` and ``Reshape`` drop it. So padded
    timesteps do not change a recurrent layer's result.

    ``save(path)`` writes fastrnn's ``.npz`` format (numpy only, no pickle);
    ``fastrnn.load_model`` and ``Sequential.load`` read it. Models compare
    equal (``==``) when their config and weights are equal, and pickle.

    See Also
    --------
    Model : Functional models (several inputs and outputs, shared layers).
    fastrnn.load_model : Loads Keras ``.keras`` / ``.h5`` files.
    InputLayer : Fixes the input shape and dtype.

    Examples
    --------
    A sentiment-style classifier over padded token ids:

    >>> import numpy as np
    >>> import fastrnn
    >>> model = fastrnn.Sequential([
    ...     fastrnn.InputLayer(shape=(None,), dtype="int32"),
    ...     fastrnn.Embedding(10, 4, mask_zero=True, name="embedding"),
    ...     fastrnn.LSTM(3, seed=0, name="lstm"),
    ...     fastrnn.Dense(1, activation="sigmoid", name="dense"),
    ... ], name="classifier")
    >>> tokens = np.array([[3, 1, 4, 0, 0], [2, 7, 1, 8, 2]])
    >>> model(tokens).shape
    (2, 1)
    >>> model.input_shape, model.output_shape
    ((None, None), (None, 1))

    The padding (index 0) is masked, so it does not change the result:

    >>> np.allclose(model(tokens[:1, :3]), model(tokens[:1]))
    True
    >>> model.summary()
    Model: "classifier"
    ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
    ┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
    ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
    │ embedding (Embedding)           │ (None, None, 4)        │            40 │
    ├─────────────────────────────────┼────────────────────────┼───────────────┤
    │ lstm (LSTM)                     │ (None, 3)              │            96 │
    ├─────────────────────────────────┼────────────────────────┼───────────────┤
    │ dense (Dense)                   │ (None, 1)              │             4 │
    └─────────────────────────────────┴────────────────────────┴───────────────┘
     Total params: 140 (560.00 B)
     Trainable params: 140 (560.00 B)
     Non-trainable params: 0 (0.00 B)

    Weights from a Keras model with the same layers go in with
    ``model.set_weights(keras_model.get_weights())``.
    """

    _keras_class_name = "Sequential"

    def __init__(self, layers: Any = None, name: str | None = None, trainable: bool = True,
                 build_input_shape: Any = None) -> None:
        self.name = check_name("Sequential", name)
        self.trainable = bool(trainable)
        self.dtype = "float32"
        self._weights = []
        self._layers: list = []
        self._build_input_shape = None if build_input_shape is None else tuple(build_input_shape)
        # A call (or predict) runs every layer; set_weights replaces them all.
        self._weights_lock = WeightsLock()
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    # ------------------------------------------------------------ structure
    def add(self, layer: Layer, rebuild: bool = True) -> None:
        """Append a layer at the top of the stack (an ``InputLayer`` only as the first).

        Parameters
        ----------
        layer : layer
            A fastrnn layer that returns one array (see the class), or the
            tensor of ``fastrnn.Input`` (its InputLayer is added).
        rebuild : bool, default True
            Build the layers now if the first is an InputLayer (as Keras).

        Raises
        ------
        ValueError
            If ``layer`` is not a fastrnn layer, returns several arrays, or
            is an InputLayer after other layers.

        Examples
        --------
        >>> import fastrnn
        >>> model = fastrnn.Sequential()
        >>> model.add(fastrnn.GRU(4))
        >>> model.add(fastrnn.Dense(2))
        >>> len(model)
        2
        """
        if isinstance(layer, KerasTensor) and layer._keras_history is not None \
                and isinstance(layer._keras_history[0], InputLayer):
            # keras.Input(...) as the first element: Keras adds its InputLayer.
            layer = layer._keras_history[0]
        if isinstance(layer, InputLayer) and self._layers:
            raise ValueError("Sequential: an InputLayer can only be the first layer")
        if not isinstance(layer, Layer):
            raise ValueError(
                "Sequential expected fastrnn layers (SimpleRNN, LSTM, GRU, Bidirectional, "
                f"Dense, Embedding, ...), got {layer!r} at position {len(self._layers)}")
        if not _single_output(layer):
            raise ValueError(
                f"Sequential cannot hold layer {layer.name!r}, which returns several arrays "
                "(return_state=True, or merge_mode=None): every layer must return a single "
                "array")
        self._layers.append(layer)
        if rebuild:
            self._maybe_rebuild()

    def _maybe_rebuild(self) -> None:
        # As Keras: a stack that starts with an InputLayer is built as it
        # grows, so its weights exist (get_weights, summary) before a call.
        if len(self._layers) > 1 and isinstance(self._layers[0], InputLayer):
            self.build(self._layers[0].batch_shape)

    def pop(self) -> Layer:
        """Remove and return the last layer.

        Returns
        -------
        layer

        Raises
        ------
        IndexError
            If the model has no layers.
        """
        if not self.layers:
            raise IndexError("There are no layers in the model.")
        return self._layers.pop()

    @property
    def layers(self) -> list:
        """The layers, without the InputLayer (as keras.Sequential.layers)."""
        if self._layers and isinstance(self._layers[0], InputLayer):
            return self._layers[1:]
        return list(self._layers)

    @property
    def input_layer(self) -> Any:
        """The ``InputLayer``, or None if the model has none."""
        return self._layers[0] if self._layers and isinstance(self._layers[0], InputLayer) \
            else None

    @property
    def inputs(self) -> list:
        inp = self.input_layer
        return [] if inp is None else [inp.output]

    @property
    def outputs(self) -> list:
        shape = self.output_shape
        return [] if shape is None else [KerasTensor(shape, "float32")]

    @property
    def input_names(self) -> list:
        inp = self.input_layer
        return [] if inp is None else [inp.name]

    @property
    def output_names(self) -> list:
        return [self.layers[-1].name] if self.layers else []

    @property
    def input_shape(self) -> Any:
        """The input shape with the batch axis (None where free), or None if unknown."""
        inp = self.input_layer
        return inp.batch_shape if inp is not None else self._build_input_shape

    @property
    def output_shape(self) -> Any:
        """The output shape with the batch axis (None where free), or None if unknown."""
        shapes = self._shapes()
        return shapes[-1] if shapes else None

    def _summary_layers(self) -> list:
        return self.layers

    def _weighted_layers(self) -> list:
        return self.layers

    def _shapes(self) -> list:
        """Output shape of every layer in ``self.layers`` (None where unknown)."""
        shape = self.input_shape
        out = []
        for layer in self.layers:
            if shape is not None:
                try:
                    shape = layer.compute_output_shape(tuple(shape))
                except (ValueError, TypeError, IndexError):
                    shape = None
            out.append(shape)
        return out

    # ------------------------------------------------------------ calling
    def __call__(self, x: Any, mask: Any = None, training: Any = None) -> Any:
        """Run all layers; ``mask`` (batch, timesteps) is the first layer's input mask.

        Parameters
        ----------
        x : array-like
            The model input.
        mask : array-like, shape (batch, timesteps), optional
            The first layer's input mask; masks then propagate as in Keras.
        training : bool, optional
            True raises ValueError (inference only).

        Returns
        -------
        ndarray
            The last layer's output.
        """
        if graph.is_symbolic(x, mask):
            return graph.symbolic_call(self, (x,), {} if mask is None else {"mask": mask})
        with self._weights_lock.reading:
            return self._call_with_masks(x, mask, training)[0]

    def _call_with_masks(self, x: Any, mask: Any = None, training: Any = None) -> tuple:
        # keras/src/models/sequential.py: each layer gets the mask the previous
        # one's output carries.
        if not self._layers:
            raise ValueError("Sequential has no layers")
        if training:
            raise ValueError("fastrnn runs inference only (training=True is not supported)")
        if self.input_layer is None:
            arr = np.asarray(x)
            if self._build_input_shape is None and arr.ndim >= 1:
                self._build_input_shape = (None,) + tuple(arr.shape[1:])
        for layer in self._layers:
            if isinstance(layer, InputLayer):
                x = layer(x)
                continue
            x, out_masks = self._step(layer, x, mask)
            mask = out_masks[0] if out_masks else None
        return x, [mask]

    @staticmethod
    def _step(layer: Any, x: Any, mask: Any) -> tuple:
        return graph.apply_layer(layer, (x,), {}, lambda v: mask if v is x else None)

    def _predict_inputs(self, x: Any) -> tuple:
        x = np.asarray(x)
        if x.ndim == 0 or len(x) == 0:
            raise ValueError(f"predict expected a non-empty batch of samples, got shape {x.shape}")
        return [x], lambda parts: parts[0]

    def _pack_outputs(self, flat: list) -> Any:
        return flat[0]

    def compute_output_spec(self, inputs: Any, mask: Any = None, training: Any = None) -> Any:
        shape = inputs.shape
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
        return KerasTensor(shape, "float32")

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = tuple(input_shape)
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
        return shape

    def _maybe_build(self, input_shape: Any) -> None:
        if not self.built:
            self.build(input_shape)

    @property
    def built(self) -> bool:
        return all(layer.built for layer in self.layers)

    def build(self, input_shape: Sequence[int | None]) -> None:
        """Create the weights of every unbuilt layer for ``input_shape`` (with batch axis).

        Parameters
        ----------
        input_shape : tuple
            The model's input shape, batch axis first (None where free).

        Examples
        --------
        >>> import fastrnn
        >>> model = fastrnn.Sequential([fastrnn.LSTM(4), fastrnn.Dense(2)])
        >>> model.build((None, 7, 3))
        >>> [w.shape for w in model.get_weights()]
        [(3, 16), (4, 16), (16,), (4, 2), (2,)]
        >>> model.output_shape
        (None, 2)
        """
        shape = tuple(input_shape)
        if self.input_layer is None:
            self._build_input_shape = (None,) + shape[1:]
        for layer in self.layers:
            if not layer.built:
                layer.build(shape)
            shape = layer.compute_output_shape(shape)

    # ------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        """Return the model config, as Keras: ``name``, ``trainable`` and ``layers``.

        Returns
        -------
        dict
            ``layers`` is a list of ``{"class_name": ..., "config": ...}``
            dicts (the InputLayer included); ``build_input_shape`` is added
            when known for a model without an InputLayer.
        """
        config = {"name": self.name, "trainable": self.trainable,
                  "layers": [{"class_name": type(layer).__name__, "config": layer.get_config()}
                             for layer in self._layers]}
        if self.input_layer is None and self._build_input_shape is not None:
            config["build_input_shape"] = list(self._build_input_shape)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> Sequential:
        """Create a model (without weights) from a ``get_config()`` dict.

        Parameters
        ----------
        config : dict
        custom_objects : dict, optional
            Keras class name -> your ``fastrnn.Layer`` subclass.

        Returns
        -------
        Sequential

        Examples
        --------
        >>> import fastrnn
        >>> model = fastrnn.Sequential([fastrnn.GRU(3), fastrnn.Dense(1)], name="m")
        >>> fastrnn.Sequential.from_config(model.get_config()) == model
        True
        """
        from .io import keras_config

        config = dict(config)
        layers = [keras_config.layer_from_config(entry, custom_objects)
                  for entry in config.pop("layers", [])]
        return cls(layers, **config)

    def save(self, path: Any) -> None:
        """Write the model to ``path`` in fastrnn's format: one .npz (numpy only, no pickle).

        Weights and config are saved; the states of stateful layers are not.

        Parameters
        ----------
        path : str, bytes or os.PathLike
            The file to write, used as given (no suffix is appended; ``.npz``
            is customary). Paths ending in ``.keras``, ``.h5`` or ``.hdf5``
            raise ValueError: fastrnn does not write Keras files.

        See Also
        --------
        fastrnn.load_model, Sequential.load : Read the file back.

        Examples
        --------
        >>> import os
        >>> import tempfile
        >>> import numpy as np
        >>> import fastrnn
        >>> model = fastrnn.Sequential([fastrnn.LSTM(3, seed=0), fastrnn.Dense(2)])
        >>> x = np.ones((1, 4, 5))
        >>> y = model(x)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = os.path.join(tmp, "model.npz")
        ...     model.save(path)
        ...     loaded = fastrnn.Sequential.load(path)
        >>> loaded == model, np.array_equal(loaded(x), y)
        (True, True)
        """
        path = os.fsdecode(os.fspath(path))   # str, bytes or PathLike, as open() takes
        if path.endswith(".keras"):
            from .io import keras_save

            keras_save.save_keras(self, path)
            return
        if path.endswith((".h5", ".hdf5")):
            raise ValueError(f"fastrnn writes Keras 3 .keras files, not legacy HDF5; use a "
                             f"path ending in .keras (or .npz), got {path!r}")
        weights = [layer.get_weights() for layer in self._layers]
        # "weights" (how many arrays each layer has) lets load tell a layer saved
        # unbuilt from one whose arrays were removed.
        meta = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION,
                "fastrnn_version": __version__, "config": self.get_config(),
                "weights": [len(w) for w in weights]}
        arrays = {CONFIG_KEY: np.array(json.dumps(meta))}
        for i, layer_weights in enumerate(weights):
            for j, w in enumerate(layer_weights):
                arrays[_entry_name(i, j)] = w
        with open(path, "wb") as f:  # np.savez(path) would append ".npz"
            np.savez(f, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: str | os.PathLike[str], custom_objects: Any = None) -> Sequential:
        """Read a model written by ``save``.

        Nothing is unpickled, and every entry's size, shape and dtype are
        checked against the config before it is read (TESTING.md, "Hostile and
        damaged model files").

        Parameters
        ----------
        path : str, bytes or os.PathLike
            A ``.npz`` file written by ``Sequential.save``.

        Returns
        -------
        Sequential

        Raises
        ------
        ValueError
            If the file is not a readable fastrnn model: damaged, or an entry
            missing, extra, or not what the config implies (the message names
            the entry). ``fastrnn.layers.TooLargeError`` (a ValueError) when an
            entry declares more than ``fastrnn.layers.MAX_BYTES``.
        """
        from .io import _safe

        path = os.fsdecode(os.fspath(path))
        try:
            return cls._load(path, _safe, custom_objects)
        except ValueError as e:   # (TooLargeError keeps its class)
            msg = f"{path!r} is not a valid fastrnn model: {e}"
            raise (type(e) if isinstance(e, _safe.TooLargeError) else ValueError)(msg) \
                from None

    @classmethod
    def _load(cls, path: str | os.PathLike[str], _safe: ModuleType,
              custom_objects: Mapping[str, Any] | None = None) -> Self:
        """Sequential.load without the file's name in the errors. Every entry's size,
        shape and dtype are checked against the config before it is read."""
        file_size = os.path.getsize(path)
        with _safe.member("the archive"):
            zf = _safe.open_zip(path)
        with zf:
            names = zf.namelist()
            if CONFIG_KEY + ".npy" not in names:
                raise ValueError(f"it has no '{CONFIG_KEY}' entry: not a fastrnn model")
            with _safe.member(CONFIG_KEY):
                text = _safe.read_npy(zf, CONFIG_KEY + ".npy", None, file_size, config=True)
                meta = _safe.parse_json(str(text[()]))
                if not isinstance(meta, dict) or meta.get("format") not in (
                        FORMAT_NAME, "fastrnn.Model"):
                    raise ValueError(f"is not a fastrnn model config (format "
                                     f"{meta.get('format') if isinstance(meta, dict) else meta!r})")
                version = meta.get("format_version", 0)
                if not isinstance(version, int) or version > FORMAT_VERSION:
                    raise ValueError(
                        f"has format_version {version!r}, newer than this fastrnn "
                        f"({__version__}) reads; upgrade fastrnn")
                if meta["format"] == "fastrnn.Model":
                    return _load_functional_npz(zf, meta, names, file_size, _safe,
                                                custom_objects)
                model = cls.from_config(meta["config"], custom_objects)
                counts = meta.get("weights")
                if model.input_shape is not None and isinstance(counts, list) and all(
                        n == layer._weight_count() for n, layer in zip(counts, model._layers)
                        if not isinstance(layer, InputLayer)):
                    # Every layer was saved built: building for the input shape fixes
                    # every weight's shape before an entry is read.
                    model.build(model.input_shape)
                expected = [[] if isinstance(layer, InputLayer) else layer._weight_shapes_to_read()
                            for layer in model._layers]
                counts = meta.get("weights")
                if counts is not None and (not isinstance(counts, list) or len(counts) != len(
                        expected) or not all(type(n) is int for n in counts)):
                    raise ValueError(f"lists weight counts {counts!r} for "
                                     f"{len(expected)} layers")
            entries = _weight_entries(names, model, expected, counts)  # type: ignore[arg-type]
            for i, layer in enumerate(model._layers):
                arrays = []
                for j, shape in enumerate(expected[i] if entries[i] else []):
                    name = _entry_name(i, j)
                    with _safe.member(name):
                        arrays.append(_safe.read_npy(zf, name + ".npy", shape, file_size))
                if arrays:
                    with _safe.member(f"the weights of layer {layer.name!r}"):
                        layer.set_weights(arrays)
        return model  # type: ignore[return-value]

    # ------------------------------------------------------------ misc
    def __eq__(self, other: object) -> bool:
        return (type(self) is type(other) and self.name == other.name
                and self.trainable == other.trainable
                and self._build_input_shape == other._build_input_shape
                and len(self._layers) == len(other._layers)
                and all(a == b for a, b in zip(self._layers, other._layers)))

    __hash__ = None

    def __len__(self) -> int:
        """The number of layers, without the InputLayer."""
        return len(self.layers)

    def __repr__(self) -> str:
        names = ", ".join(type(layer).__name__ for layer in self.layers)
        return f"<fastrnn.Sequential name={self.name!r} layers=[{names}]>"


def _load_functional_npz(zf: Any, meta: dict, names: list, file_size: int, _safe: Any,
                         custom_objects: Any = None) -> Any:
    """A functional Model from fastrnn's .npz (format and version checked by the
    caller): the Keras config, then the
    weights ``weight0000``, ... in get_weights order, each checked against the
    shape the rebuilt model implies before it is read."""
    from .io import keras_config

    model = keras_config.model_from_config(meta.get("config"), custom_objects)
    shapes = [s for layer in model._weighted_layers() for s in layer._weight_shapes_to_read()]
    wanted = {f"weight{i:04d}.npy" for i in range(len(shapes))}
    extra = sorted(set(names) - wanted - {CONFIG_KEY + ".npy"})
    if extra:
        raise ValueError(f"entry {extra[0]!r} is not part of this fastrnn model")
    arrays = []
    for i, shape in enumerate(shapes):
        name = f"weight{i:04d}"
        if name + ".npy" not in names:
            raise ValueError(f"entry {name!r} is missing: the model has {len(shapes)} weights")
        with _safe.member(name):
            arrays.append(_safe.read_npy(zf, name + ".npy", shape, file_size))
    with _safe.member("the weights"):
        model.set_weights(arrays)
    return model


def _entry_name(i: int, j: int) -> str:
    return f"layer{i:03d}_weight{j:03d}"


def _weight_entries(names: list[str], model: Sequential, expected: list[Any],
                    counts: list[int]) -> list[bool]:
    """For each layer, whether the archive holds its weights; refuses (naming the
    entry) an entry of no layer's weight, and a missing one."""
    by_layer: list[set[Any]] = [set() for _ in expected]
    for name in names:
        if name == CONFIG_KEY + ".npy":
            continue
        key = name[:-4] if name.endswith(".npy") else name
        try:
            i, j = (int(n) for n in key.removeprefix("layer").split("_weight"))
        except ValueError:
            i = j = -1
        if i < 0 or j < 0 or _entry_name(i, j) != key:
            raise ValueError(f"entry {key!r} is not part of a fastrnn model")
        if i >= len(expected):
            raise ValueError(f"entry {key!r} belongs to no layer: the model has "
                             f"{len(expected)} layers (the InputLayer counted)")
        if j >= len(expected[i]):
            layer = model._layers[i]
            raise ValueError(f"entry {key!r} is not a weight of layer {layer.name!r}: a "
                             f"{type(layer).__name__} takes {len(expected[i])}")
        by_layer[i].add(j)
    for i, present in enumerate(by_layer):
        # A layer saved unbuilt has no entries; otherwise it has them all.
        n = len(expected[i]) if present or counts is None else counts[i]
        for j in range(n):
            if j not in present:
                layer = model._layers[i]
                raise ValueError(f"entry {_entry_name(i, j)!r} is missing: layer "
                                 f"{layer.name!r} ({type(layer).__name__}) has {n} weights")
        if counts is not None and counts[i] != len(present):
            raise ValueError(f"the config lists {counts[i]} weights for layer {i}, the "
                             f"archive holds {len(present)}")
    return [bool(p) for p in by_layer]


def _shape_str(shape: tuple[Any, ...]) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + \
        ("," if len(shape) == 1 else "") + ")"


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[:max(width - 1, 0)] + "…"


def _bytes(n: int) -> str:  # type: ignore[return]
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.2f} {unit}"
        n /= 1024  # type: ignore[assignment]


class _Progbar:
    """A Keras 3-style progress bar: ``3/10 ━━━━━━────────────── 0s 2ms/step``."""

    width = 20

    def __init__(self, target: int, verbose: int, stream: Any = None) -> None:
        self.target = target
        self.verbose = verbose
        self.stream = stream if stream is not None else sys.stdout
        self.start = time.monotonic()
        isatty = getattr(self.stream, "isatty", None)
        self.dynamic = bool(isatty and isatty()) or "ipykernel" in sys.modules

    def _line(self, current: int) -> str:
        elapsed = time.monotonic() - self.start
        done = int(self.width * current / self.target) if self.target else self.width
        bar = "━" * done + "─" * (self.width - done)
        per = elapsed / max(current, 1)
        if current < self.target:
            timing = f"{per * (self.target - current):.0f}s"
        else:
            timing = f"{elapsed:.0f}s"
        per_text = f"{per * 1e3:.0f}ms/step" if per >= 1e-3 else f"{per * 1e6:.0f}us/step"
        return f"{current}/{self.target} {bar} {timing} {per_text}"

    def update(self, current: int) -> None:
        if self.verbose == 0:
            return
        final = current >= self.target
        if self.verbose == 1 and self.dynamic:
            self.stream.write("\r" + self._line(current) + ("\n" if final else ""))
            self.stream.flush()
        elif final:
            self.stream.write(self._line(current) + "\n")
            self.stream.flush()
