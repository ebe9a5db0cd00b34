"""The one Layer base: calling (on arrays or symbolic tensors), build,
weights, config, masks and naming, as keras/src/layers/layer.py has them."""
from __future__ import annotations

import inspect
import math
import itertools
import re
from typing import Any

import numpy as np

from . import _validate, graph, initializers

__all__ = ["Layer", "unique_name", "snake_case", "arrays_equal", "BASE_ARGS"]

# Keyword arguments every Keras 3 layer accepts; they do nothing at inference.
BASE_ARGS = frozenset({"trainable", "autocast", "activity_regularizer", "input_shape",
                       "input_dim", "batch_input_shape", "batch_size", "input_length"})

_name_counters: dict[str, Any] = {}


def snake_case(name: str) -> str:
    """Keras's to_snake_case: "GRUCell" -> "gru_cell", "LSTM" -> "lstm"."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(cls_name: str) -> str:
    """Keras-style default names: "dense", "dense_1", ... (one counter per base name)."""
    base = snake_case(cls_name)
    n = next(_name_counters.setdefault(base, itertools.count()))
    return base if n == 0 else f"{base}_{n}"


def arrays_equal(a: list, b: list) -> bool:
    return len(a) == len(b) and all(
        x.shape == y.shape and x.dtype == y.dtype and np.array_equal(x, y, equal_nan=True)
        for x, y in zip(a, b))


def check_name(cls: str, name: Any) -> str:
    if name is None:
        return unique_name(cls)
    if not isinstance(name, str):
        raise ValueError(f"{cls} expected a string for argument `name`, got {name!r}")
    return name


def _call_parameters(cls: type[Layer]) -> frozenset[str]:
    params = inspect.signature(cls.call).parameters
    return frozenset(params)


class Layer:
    """The base of every fastrnn layer: calling, build, weights, config, masks, naming.

    Every layer takes these arguments besides its own, and has the methods
    below (keras/src/layers/layer.py): ``layer(inputs, ...)``, ``build``,
    ``get_weights`` / ``set_weights`` / ``weights`` / ``count_params``,
    ``compute_mask``, ``compute_output_shape`` and ``get_config`` /
    ``from_config``. Layers compare equal (``==``) when their class, config
    and weights are equal, and pickle to equal objects.

    Parameters
    ----------
    name : str, optional
        Name of the layer. Default the class name in snake_case, numbered on
        repeats (``"dense"``, ``"dense_1"``, ...) as Keras does.
    dtype : str, numpy dtype or dict, optional
        "float32" (the default) or "float64": the dtype of the weights and
        outputs. A Keras ``DTypePolicy`` config dict is read too.
    trainable : bool, default True
        Kept in the config (fastrnn does not train).
    **kwargs
        Other Keras layer arguments, accepted and ignored at inference:
        ``autocast``, ``activity_regularizer`` and the build-only
        ``input_shape``, ``input_dim``, ``batch_input_shape``,
        ``batch_size``, ``input_length``. Any other keyword raises
        ValueError naming it.

    Notes
    -----
    Called on arrays, a layer computes; called on symbolic tensors
    (``fastrnn.Input`` and what layers return for them) it records the call
    and returns symbolic outputs, from which ``fastrnn.Model`` builds a
    graph. Write your own layer as in Keras: subclass ``Layer``, create
    weights in ``build(input_shape)`` with ``add_weight``, compute with numpy
    in ``call(inputs)`` (add ``mask=None`` / ``training=None`` parameters to
    receive them), and return your arguments from ``get_config``.

    Mask rules (Keras 3's): a layer whose ``supports_masking`` is True passes
    ``compute_mask(inputs, mask)`` on (by default the incoming mask); any
    other layer drops the mask. ``Masking`` and
    ``Embedding(mask_zero=True)`` make a new mask.

    Examples
    --------
    >>> import fastrnn
    >>> layer = fastrnn.Dense(3, name="scores")
    >>> layer.name, layer.dtype, layer.supports_masking
    ('scores', 'float32', True)
    >>> layer.built
    False
    >>> layer.build((None, 4))
    >>> layer.count_params()
    15
    >>> layer.compute_output_shape((None, 7, 4))
    (None, 7, 3)
    """

    supports_masking = False   # passes (its compute_mask of) the incoming mask on
    has_weights = False        # the built-in layers that have weights say so
    _built = False
    _call_params: frozenset[str]   # call()'s parameter names (set per class)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Keras: a layer that overrides compute_mask supports masking.
        if "compute_mask" in cls.__dict__ and "supports_masking" not in cls.__dict__:
            cls.supports_masking = True
        cls._call_params = _call_parameters(cls)

    def __init__(self, name: str | None = None, dtype: Any = None, trainable: bool = True,
                 **kwargs: Any) -> None:
        unknown = set(kwargs) - BASE_ARGS
        if unknown:
            raise ValueError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: "
                f"{ {k: kwargs[k] for k in sorted(unknown)} }")
        self.name = check_name(type(self).__name__, name)
        self.dtype = _validate.float_dtype(dtype, f"{type(self).__name__} dtype").name
        self.trainable = bool(trainable)
        self._weights: list[np.ndarray] = []

    @classmethod
    def _call_takes(cls, argument: str) -> bool:
        """Whether ``call`` has a parameter named ``argument`` (Keras's rule for
        passing ``mask`` and ``training``)."""
        return argument in cls._call_params

    # ------------------------------------------------------------ weights
    @property
    def built(self) -> bool:
        """Whether the layer is built: it has its weights, or build has run."""
        return (self._built or bool(self._weights)
                or (not self.has_weights and type(self).build is Layer.build))

    def build(self, input_shape: Any) -> None:
        """Create the weights for ``input_shape`` (a no-op for layers without weights).

        Parameters
        ----------
        input_shape : tuple of int, optional
            The input shape, with the batch axis (None where unknown); a list
            of shapes for a layer called on a list.
        """

    def _maybe_build(self, input_shape: Any) -> None:
        """Build once, on the first call (symbolic or not), for the first
        argument's shape(s); skipped while a size the weights need is unknown."""
        if self.built:
            return
        with graph.build_lock:
            if self.built:
                return
            if self.has_weights and not _known_last_axis(input_shape):
                return
            self.build(input_shape)
            self._built = True

    def add_weight(self, shape: Any = None, initializer: Any = None, dtype: Any = None,
                   trainable: bool = True, name: str | None = None, **ignored: Any) -> np.ndarray:
        """Create a weight array, as Keras's ``add_weight``, for your own layers.

        The weights are kept in creation order: ``get_weights`` returns
        them in that order and ``set_weights`` (and ``load_model``) fills
        them in place, so the array returned here always holds the current
        values. Keras's other arguments (regularizer, constraint, ...) are
        accepted and ignored.

        Examples
        --------
        >>> import numpy as np
        >>> import fastrnn
        >>> class Scale(fastrnn.Layer):
        ...     def build(self, input_shape):
        ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
        ...     def call(self, inputs):
        ...         return inputs * self.w
        >>> layer = Scale()
        >>> layer(np.array([[1.0, 2.0]]))
        array([[1., 2.]], dtype=float32)
        >>> layer.set_weights([np.array([2.0, 3.0])])
        >>> layer(np.array([[1.0, 2.0]]))
        array([[2., 6.]], dtype=float32)
        """
        dt = self.dtype if dtype is None else np.dtype(dtype).name
        shape = () if shape is None else tuple(int(d) for d in shape)
        init = initializers.get("glorot_uniform" if initializer is None and
                                np.issubdtype(dt, np.floating) else initializer or "zeros")
        _validate.check_bytes(f"{type(self).__name__}.add_weight({shape})",
                              int(np.prod(shape, dtype=np.int64)) * np.dtype(dt).itemsize,
                              f"a {shape} {dt} weight")
        value = np.ascontiguousarray(init(shape, dt, np.random.default_rng()), dtype=dt)
        self.__dict__.setdefault("_added_weights", []).append(value)
        self._weights.append(value)
        return value

    def get_weights(self) -> list:
        """Return copies of the weights, in Keras order and layout.

        Returns
        -------
        list of ndarray
            ``[]`` for a layer without weights or an unbuilt one.

        Examples
        --------
        >>> import numpy as np
        >>> import fastrnn
        >>> layer = fastrnn.Dense(2)
        >>> layer.get_weights()
        []
        >>> layer.set_weights([np.ones((3, 2)), np.zeros(2)])
        >>> [w.shape for w in layer.get_weights()]
        [(3, 2), (2,)]
        """
        return [w.copy() for w in self._weights] + [
            w for _, sub in self._sublayers() for w in sub.get_weights()]

    @property
    def weights(self) -> list:
        """Copies of the weights, as ``get_weights()`` returns them."""
        return self.get_weights()

    def count_params(self) -> int:
        """Return the number of weight values (0 before the weights exist).

        Returns
        -------
        int
        """
        return int(sum(w.size for w in self.get_weights()))

    def set_weights(self, weights: Any) -> None:
        """Set the weights from a list of arrays in Keras order and layout.

        Parameters
        ----------
        weights : list of array-like
            As ``get_weights`` returns them (or the Keras layer's
            ``get_weights()``); copied and converted to the layer's dtype.

        Raises
        ------
        ValueError
            If the number of arrays or a shape is wrong (the message names the
            weight and both shapes), or an array is not real numbers.
        """
        cls = type(self).__name__
        weights = _validate.weight_list(weights, f"{cls}.set_weights")
        subs = self._sublayers()
        if subs:   # a layer of layers (a user's): its own weights, then each sub-layer's
            own = len(self.__dict__.get("_added_weights") or [])
            counts = [sub._weight_count() for _, sub in subs]
            if len(weights) != own + sum(counts):
                raise ValueError(f"{cls} expected {own + sum(counts)} weights ({own} of its "
                                 f"own, then {counts} of {[n for n, _ in subs]}), got "
                                 f"{len(weights)}")
            start = own
            for (_, sub), n in zip(subs, counts):
                sub.set_weights(weights[start:start + n])
                start += n
            weights = weights[:own]
            if not weights:
                return
        names = [n for n, _ in self._expected_weight_shapes(None)]
        if len(weights) != len(names):
            raise ValueError(
                f"{cls} expected {len(names)} weights ({', '.join(names) or 'none'}), "
                f"got {len(weights)}")
        arrays = [_validate.weight_array(w, cls, f"weight '{n}'", self._weight_dtype(i))
                  for i, (n, w) in enumerate(zip(names, weights))]
        for (wname, shape), w in zip(self._expected_weight_shapes(arrays), arrays):
            if w.shape != tuple(shape):
                raise ValueError(
                    f"{cls} weight '{wname}' expected shape {tuple(shape)}, got shape {w.shape}")
        added = self.__dict__.get("_added_weights")
        if added:
            # add_weight's arrays are the layer's own references: fill them in place.
            for target, w in zip(added, arrays):
                target[...] = w
            return
        self._weights = arrays

    def _weight_dtype(self, index: int) -> str:
        added = self.__dict__.get("_added_weights")
        return added[index].dtype.name if added else self.dtype

    def _expected_weight_shapes(self, arrays: Any) -> list:
        """[(name, shape)] of the weights, in order; ``arrays`` are the ones
        given to set_weights (converted), or None when only the names matter."""
        added = self.__dict__.get("_added_weights")
        if added:
            return [(f"variable_{i}", w.shape) for i, w in enumerate(added)]
        return []

    def _weight_count(self) -> int:
        """How many arrays ``set_weights`` takes (also before the layer is built)."""
        if self.built:
            return len(self.get_weights())
        return len(self._expected_weight_shapes(None)) + sum(
            sub._weight_count() for _, sub in self._sublayers())

    def _sublayers(self) -> list:
        """[(attribute, layer)]: the layers a user's layer holds as attributes, in
        the order Keras saves them (sorted by attribute name, as saving_lib walks
        them). fastrnn's own wrappers say where their layers are themselves."""
        if type(self).__module__.startswith("fastrnn."):
            return []
        return sorted((k, v) for k, v in vars(self).items()
                      if isinstance(v, Layer) and not k.startswith("_"))

    def _weight_shapes_to_read(self) -> list:
        """The shapes a file must hold for this layer's weights, None where the
        layer (unbuilt) leaves a size open."""
        if self.built:
            return [w.shape for w in self.get_weights()]
        return [tuple(None if d == 0 else d for d in shape)
                for _, shape in self._expected_weight_shapes(None)]

    def _weight_groups(self) -> list:
        """Where Keras's ``model.weights.h5`` keeps this layer's weights, relative
        to the layer's own group: [(path, number of arrays)], in get_weights order
        (keras/src/saving/saving_lib.py walks a layer's variables, then its
        tracked sub-layers)."""
        own = len(self._weights) if self.built else len(self._expected_weight_shapes(None))
        return [("vars", own)] + [(f"{attr}/{path}", n) for attr, sub in self._sublayers()
                                  for path, n in sub._weight_groups()]

    # ------------------------------------------------------------ calling
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Apply the layer to its inputs (arrays), or record the call on symbolic tensors.

        Parameters
        ----------
        inputs : array-like, or a list of them
            The input, of real numbers (any dtype and memory layout).
        mask : array-like, optional
            The incoming mask; given to ``call`` if it takes ``mask``, else
            ignored (``compute_mask`` says what the next layer sees).
        training : bool, optional
            Accepted and ignored (inference only; ``Dropout`` refuses True).

        Returns
        -------
        ndarray
            The output.
        """
        if (len(args) != 1 or type(args[0]) is not np.ndarray) and \
                graph.is_symbolic(args, kwargs):
            return graph.symbolic_call(self, args, kwargs)
        if not args:
            raise ValueError(f"{type(self).__name__} expected its inputs as the first argument")
        inputs = self._convert_inputs(args[0])
        params = self._call_params
        if "mask" not in params:
            kwargs.pop("mask", None)
        if "training" not in params:
            kwargs.pop("training", None)
        if not self.built:
            self._maybe_build(graph.map_structure(np.shape, inputs))
        return self.call(inputs, *args[1:], **kwargs)

    def _convert_inputs(self, inputs: Any) -> Any:
        name = type(self).__name__
        if isinstance(inputs, (list, tuple)):
            return [_validate.real_array(x, name, f"input {i}") for i, x in enumerate(inputs)]
        return _validate.real_array(inputs, name, "input")

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        """The layer's computation on arrays (``__call__`` converts the inputs first)."""
        raise NotImplementedError(f"{type(self).__name__} has no call method")

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """Return the mask the next layer sees.

        Parameters
        ----------
        inputs : array-like
            The layer's input.
        mask : array-like, optional
            The incoming mask, (batch, timesteps).

        Returns
        -------
        ndarray or None
            ``mask`` if the layer ``supports_masking``, else None (Masking and
            Embedding compute their own).

        Examples
        --------
        >>> import numpy as np
        >>> import fastrnn
        >>> mask = np.array([[True, False]])
        >>> fastrnn.Dense(2).compute_mask(np.ones((1, 2, 3)), mask)
        array([[ True, False]])
        >>> print(fastrnn.Flatten().compute_mask(np.ones((1, 2, 3)), mask))
        None
        """
        return mask if self.supports_masking else None

    def compute_output_shape(self, input_shape: Any) -> Any:
        """Return the output shape for ``input_shape`` (both with the batch axis).

        Parameters
        ----------
        input_shape : tuple
            The input shape; None where unknown.

        Returns
        -------
        tuple
        """
        return tuple(input_shape)

    def compute_output_spec(self, *args: Any, **kwargs: Any) -> Any:
        """The symbolic outputs of a call on symbolic tensors: ``compute_output_shape``
        of the first argument's shape(s), of the layer's dtype."""
        first = args[0] if args else next(iter(kwargs.values()))
        if type(self).compute_output_shape is Layer.compute_output_shape and \
                not type(self).__module__.startswith("fastrnn."):
            return self._probe_output_spec(args, kwargs)
        shapes = graph.map_structure(lambda t: t.shape, first)
        out = self.compute_output_shape(shapes)
        return _specs(out, self._output_dtype(first))

    def _probe_output_spec(self, args: tuple, kwargs: dict) -> Any:
        """A user's layer without compute_output_shape: run it once on zeros of the
        symbolic shapes (unknown sizes as 1) and take the result's shapes (the
        batch axis unknown), as Keras traces call symbolically."""
        def zeros(t: Any) -> Any:
            if isinstance(t, graph.KerasTensor):
                shape = [1 if d is None else d for d in t.shape]
                _validate.check_bytes(f"{type(self).__name__} {self.name!r} on an input of "
                                      f"shape {t.shape}", 8 * math.prod(shape), "a probe input")
                return np.zeros(shape, t.dtype)
            return t
        kwargs = {k: v for k, v in kwargs.items() if k != "mask"}
        args = graph.map_structure(zeros, list(args))
        if self._call_takes("mask") and np.ndim(args[0]) >= 2:
            kwargs["mask"] = np.ones(np.shape(args[0])[:2], bool)
        out = self(*args, **graph.map_structure(zeros, kwargs))
        return graph.map_structure(
            lambda a: graph.KerasTensor((None,) + np.shape(a)[1:], np.asarray(a).dtype.name),
            out)

    def _output_dtype(self, inputs: Any) -> str:
        return self.dtype

    # ------------------------------------------------------------ config
    def get_config(self) -> dict:
        """Return the layer's configuration, with Keras's keys.

        Returns
        -------
        dict
            ``name``, ``trainable``, ``dtype`` and the layer's own arguments
            (activations by name, initializers as Keras config dicts). The
            weights are not part of it.

        Examples
        --------
        >>> import fastrnn
        >>> config = fastrnn.Dropout(0.5, name="drop").get_config()
        >>> config["name"], config["dtype"], config["rate"]
        ('drop', 'float32', 0.5)
        >>> fastrnn.Dropout.from_config(config) == fastrnn.Dropout(0.5, name="drop")
        True
        """
        return {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> Any:
        """Create a layer from a ``get_config()`` dict (or a Keras layer's config).

        Parameters
        ----------
        config : dict

        Returns
        -------
        Layer
            A new layer of this class, without weights.
        """
        return cls(**config)

    def __eq__(self, other: object) -> bool:
        return (type(self) is type(other) and self.get_config() == other.get_config()
                and arrays_equal(self.get_weights(), other.get_weights()))

    __hash__ = None  # type: ignore[assignment]

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        # The symbolic calls a layer took part in belong to the graphs of
        # models, which pickle their own.
        state.pop("_inbound_nodes", None)
        return state

    def __repr__(self) -> str:
        return f"<fastrnn.{type(self).__name__} name={self.name!r}>"


def _known_last_axis(shape: Any) -> bool:
    leaves = graph.flatten(shape) if isinstance(shape, list) else [shape]
    return all(isinstance(s, tuple) and len(s) > 0 and s[-1] is not None for s in leaves)


def _is_shape(s: Any) -> bool:
    return isinstance(s, tuple) and all(d is None or isinstance(d, (int, np.integer)) for d in s)


def _specs(shapes: Any, dtype: str) -> Any:
    """KerasTensors for a shape or a (nested) list of shapes."""
    if _is_shape(shapes):
        return graph.KerasTensor(shapes, dtype)
    return [_specs(s, dtype) for s in shapes]
