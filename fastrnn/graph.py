"""Symbolic tensors, layer calls on them, and the one graph executor.

As in Keras 3 (keras/src/backend/common/keras_tensor.py, keras/src/ops/node.py,
keras/src/ops/function.py): calling a layer on a ``KerasTensor`` records a
``Node`` (the layer and the arguments of that call) and returns symbolic
outputs; ``Graph(inputs, outputs)`` orders the nodes between them and runs
them on arrays. Masks travel with the values, as Keras attaches them to
tensors; ``apply_layer`` is Keras's rule for which mask a layer is given and
which masks its outputs carry (keras/src/layers/layer.py, ``Layer.__call__``).
"""
from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

__all__ = ["KerasTensor", "Node", "Graph", "apply_layer", "symbolic_call", "flatten",
           "map_structure", "is_symbolic"]


class KerasTensor:
    """A symbolic tensor: the shape and dtype of a value a graph will compute.

    ``fastrnn.Input`` makes one; calling a layer on it gives more. Its
    ``_keras_history`` is ``(layer, node_index, tensor_index)``: the layer
    call that computes it and which of that call's outputs it is.
    """

    __slots__ = ("shape", "dtype", "name", "_keras_history", "_node")

    def __init__(self, shape: tuple, dtype: str = "float32", name: str | None = None) -> None:
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype
        self.name = name
        self._keras_history: tuple[Any, int, int] | None = None
        self._node: Node | None = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return (f"<KerasTensor shape={self.shape}, dtype={self.dtype}, "
                f"name={self.name}>")

    def __bool__(self) -> bool:
        raise TypeError("A symbolic KerasTensor has no truth value; call the model on arrays")

    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise TypeError(
            "A symbolic KerasTensor is not an array: it stands for the value a model will "
            "compute; build a fastrnn.Model from it and call the model on arrays")


# ---------------------------------------------------------------- structures
def flatten(struct: Any) -> list:
    """The leaves of nested lists, tuples and dicts (dicts in key order, as Keras's tree)."""
    if isinstance(struct, (list, tuple)):
        return [leaf for item in struct for leaf in flatten(item)]
    if isinstance(struct, dict):
        return [leaf for key in sorted(struct) for leaf in flatten(struct[key])]
    return [struct]


def map_structure(fn: Callable[[Any], Any], struct: Any) -> Any:
    if isinstance(struct, list):
        return [map_structure(fn, item) for item in struct]
    if isinstance(struct, tuple):
        return tuple(map_structure(fn, item) for item in struct)
    if isinstance(struct, dict):
        return {key: map_structure(fn, value) for key, value in struct.items()}
    return fn(struct)


def pack_like(struct: Any, leaves: Iterator) -> Any:
    """``struct`` with its leaves replaced, in flatten's order, from ``leaves``."""
    if isinstance(struct, (list, tuple)):
        items = [pack_like(item, leaves) for item in struct]
        return items if isinstance(struct, list) else tuple(items)
    if isinstance(struct, dict):
        packed = {key: pack_like(struct[key], leaves) for key in sorted(struct)}
        return {key: packed[key] for key in struct}
    return next(leaves)


def is_symbolic(*structs: Any) -> bool:
    """Whether any leaf is a KerasTensor (arrays and None, the common leaves, first)."""
    stack = list(structs)
    while stack:
        item = stack.pop()
        if item is None or type(item) is np.ndarray:
            continue
        if isinstance(item, KerasTensor):
            return True
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return False


# ---------------------------------------------------------------- nodes
_node_serials = itertools.count()


class Node:
    """One call of a layer on symbolic tensors: its arguments and outputs.

    ``serial`` orders the calls of a layer as they were made (a saved config
    numbers them so)."""

    def __init__(self, layer: Any, args: tuple, kwargs: dict, outputs: Any) -> None:
        self.serial = next(_node_serials)
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.inputs = [t for t in flatten([list(args), kwargs]) if isinstance(t, KerasTensor)]
        self.outputs = flatten(outputs)
        self.output_structure = outputs
        nodes = layer.__dict__.setdefault("_inbound_nodes", [])
        index = len(nodes)
        nodes.append(self)
        for i, tensor in enumerate(self.outputs):
            tensor._keras_history = (layer, index, i)
            tensor._node = self


def symbolic_call(layer: Any, args: tuple, kwargs: dict) -> Any:
    """Build ``layer`` for the shapes of its first argument (as Keras does when a
    layer is first called on symbolic tensors), record the call, return the
    symbolic outputs."""
    first = args[0] if args else next(iter(kwargs.values()))
    shapes = map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else None, first)
    layer._maybe_build(shapes)
    outputs = layer.compute_output_spec(*args, **kwargs)
    Node(layer, args, dict(kwargs), outputs)
    return outputs


# ---------------------------------------------------------------- running
def _tensor_argument(value: Any) -> bool:
    # Keras's CallSpec: an argument is a tensor argument when it is an array
    # or a non-empty structure of arrays (and Nones).
    if isinstance(value, (list, tuple, dict)):
        leaves = flatten(value)
        return bool(leaves) and all(leaf is None or isinstance(leaf, np.ndarray)
                                    for leaf in leaves) and any(
            isinstance(leaf, np.ndarray) for leaf in leaves)
    return isinstance(value, np.ndarray)


def apply_layer(layer: Any, args: tuple, kwargs: dict, mask_of: Callable[[Any], Any]) -> tuple:
    """Call ``layer`` on arrays the way Keras 3's ``Layer.__call__`` does with
    tensors that carry masks; return (outputs, the masks of flatten(outputs)).

    ``mask_of(value)`` is the mask attached to an input value (or None). The
    rule (keras/src/layers/layer.py, steps 6-7 of ``__call__``): when the call
    has exactly one tensor argument and the layer's ``call`` takes ``mask``
    (not given), the layer gets that argument's mask(s); the outputs get
    ``compute_mask(first argument, previous mask)`` when the layer supports
    masking, where the previous mask is the mask given or else the first
    argument's. Layers that run graphs of their own (models) return the
    masks their graph computed.
    """
    if not kwargs and len(args) == 1 and type(args[0]) is np.ndarray \
            and not hasattr(layer, "_call_with_masks"):
        # The common call (one array, nothing else): the same rule, without the walk.
        x = args[0]
        mask = mask_of(x)
        outputs = layer(x, mask=mask) if mask is not None and layer._call_takes("mask") \
            else layer(x)
        if not layer.supports_masking:
            return outputs, [None] * (len(outputs) if isinstance(outputs, list) else 1)
        computed = layer.compute_mask(x, mask)
        if not isinstance(outputs, list):
            return outputs, [computed[0] if isinstance(computed, list) else computed]
        computed = flatten(computed) if computed is not None else []
        return outputs, [computed[i] if i < len(computed) else None
                         for i in range(len(outputs))]
    kwargs = dict(kwargs)
    tensor_args = [a for a in args if _tensor_argument(a)] + \
        [v for v in kwargs.values() if _tensor_argument(v)]
    first = args[0] if args else next(iter(kwargs.values()))
    if len(tensor_args) == 1 and layer._call_takes("mask") and kwargs.get("mask") is None:
        kwargs["mask"] = map_structure(mask_of, tensor_args[0])
    given = kwargs.get("mask")
    previous = given if given is not None else map_structure(mask_of, first)
    inner = getattr(layer, "_call_with_masks", None)
    if inner is not None:
        outputs, masks = inner(*args, **kwargs)
        return outputs, masks
    if not layer._call_takes("mask"):
        kwargs.pop("mask", None)
    outputs = layer(*args, **kwargs)
    flat = flatten(outputs)
    masks = [None] * len(flat)
    if layer.supports_masking:
        computed = layer.compute_mask(first, previous)
        if computed is not None:
            computed = flatten(computed)
            masks = [computed[i] if i < len(computed) else None for i in range(len(flat))]
    return outputs, masks


class Graph:
    """The nodes between symbolic ``inputs`` and ``outputs``, in an order that
    computes every node's arguments before the node (Keras's Function)."""

    def __init__(self, inputs: list, outputs: list) -> None:
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        for t in self.inputs + self.outputs:
            if not isinstance(t, KerasTensor):
                raise ValueError(
                    f"Model inputs and outputs must be symbolic tensors (fastrnn.Input and "
                    f"what layers called on them return), got {t!r}")
        given = {id(t) for t in self.inputs}
        if len(given) != len(self.inputs):
            raise ValueError("The same input tensor is given twice in the model's inputs")
        self.nodes, self._layers = self._map_graph(given)

    def _map_graph(self, given: set) -> tuple[list, list]:
        """Keras's map_graph (keras/src/ops/function.py): the nodes in an order
        that computes each node's arguments first, and the layers ordered by
        depth (farthest from the outputs first), ties by first visit from the
        outputs. That order numbers a saved model's weight groups."""
        finished: set[int] = set()
        in_progress: set[int] = set()
        post_order: list[Node] = []
        visit_index: dict[int, int] = {}
        layer_of: dict[int, Any] = {}
        for out in self.outputs:
            # An iterative depth-first walk (deep graphs would exhaust Python's
            # recursion limit) in Keras's recursive order.
            stack: list[tuple[KerasTensor, bool]] = [(out, False)]
            while stack:
                tensor, leaving = stack.pop()
                node = self._node_of(tensor)
                if leaving:
                    in_progress.discard(id(node))
                    finished.add(id(node))
                    post_order.append(node)
                    continue
                if id(node) in finished:
                    continue
                if node.inputs and id(tensor) in given:
                    finished.add(id(node))   # an input computed by a layer: outside
                    continue
                if id(node) in in_progress:
                    raise ValueError(f"Tensor {tensor!r} from layer '{node.layer.name}' is "
                                     "part of a cycle")
                visit_index.setdefault(id(node.layer), len(visit_index))
                layer_of[id(node.layer)] = node.layer
                in_progress.add(id(node))
                stack.append((tensor, True))
                for t in reversed(node.inputs):
                    stack.append((t, False))
        for node in post_order:
            if not node.inputs and id(node.outputs[0]) not in given:
                raise ValueError(
                    f"Graph disconnected: the model's outputs need input "
                    f"{node.outputs[0].name or node.layer.name!r}, which is not among the "
                    "model's inputs")
        in_graph = {id(n) for n in post_order}
        node_depth: dict[int, int] = {}
        layer_depth: dict[int, int] = {}
        for node in reversed(post_order):
            depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
            layer_depth[id(node.layer)] = depth
            node_depth[id(node)] = depth
            for t in node.inputs:
                parent = t._node
                if parent is not None and id(parent) in in_graph:
                    node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
        for t in self.inputs:   # inputs no output needs
            layer = t._keras_history[0] if t._keras_history else None
            if layer is not None and id(layer) not in layer_depth and not t._node.inputs:
                layer_depth[id(layer)] = 0
                visit_index[id(layer)] = -1
                layer_of[id(layer)] = layer
        layers = sorted(layer_of.values(),
                        key=lambda layer: (-layer_depth[id(layer)], visit_index[id(layer)]))
        return post_order, layers

    @staticmethod
    def _node_of(tensor: KerasTensor) -> Node:
        if tensor._node is None:
            raise ValueError(f"{tensor!r} was not made by fastrnn.Input or a layer call")
        return tensor._node

    @property
    def layers(self) -> list:
        """Every layer of the graph once, in Keras's order (see _map_graph)."""
        return [layer for layer in self._layers if not getattr(layer, "_is_op", False)]

    def run(self, values: list, masks: list) -> tuple[list, list]:
        """Compute the outputs for input ``values`` carrying ``masks``;
        returns (output values, their masks)."""
        computed: dict[int, tuple[Any, Any]] = {
            id(t): (v, m) for t, v, m in zip(self.inputs, values, masks)}

        def value(t: Any) -> Any:
            return computed[id(t)][0] if isinstance(t, KerasTensor) else t

        ids_of_values: dict[int, Any] = {}

        def mask_of(v: Any) -> Any:
            return ids_of_values.get(id(v))

        for node in self.nodes:
            if not node.inputs:   # an InputLayer: its value is given
                continue
            args = map_structure(value, node.args)
            kwargs = map_structure(value, node.kwargs)
            ids_of_values.clear()
            for t in node.inputs:
                v, m = computed[id(t)]
                if m is not None:
                    ids_of_values[id(v)] = m
            outputs, out_masks = apply_layer(node.layer, args, kwargs, mask_of)
            for t, v, m in zip(node.outputs, flatten(outputs), out_masks):
                computed[id(t)] = (v, m)
        results = [computed[id(t)] for t in self.outputs]
        return [v for v, _ in results], [m for _, m in results]


# One lock for the first build of any layer from concurrent calls.
build_lock = threading.Lock()
