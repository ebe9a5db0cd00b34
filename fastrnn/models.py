"""``fastrnn.Sequential``: a stack of layers run as keras.Sequential runs it.

Masks propagate as in Keras 3: Masking and Embedding(mask_zero=True) make a
mask; Dense, Dropout, SpatialDropout1D, Activation and TimeDistributed pass
it on; a recurrent layer uses it and passes it on only with
``return_sequences=True``; Flatten and Reshape drop it.

``save(path)`` writes fastrnn's own format: one ``.npz`` archive (readable
with numpy alone, no pickle) holding ``fastrnn_config``, a JSON string with
the model config, and ``layer<i>_weight<j>`` arrays.
"""
import json
import math
import os
import sys
import time

import numpy as np

from ._version import __version__
from .bidirectional import Bidirectional
from .core_layers import InputLayer, Layer, layer_from_config, unique_name
from .layers import GRU, LSTM, SimpleRNN

__all__ = ["Sequential", "FORMAT_NAME"]

FORMAT_NAME = "fastrnn.Sequential"
FORMAT_VERSION = 1
CONFIG_KEY = "fastrnn_config"

_RNN_TYPES = (SimpleRNN, LSTM, GRU)


def _is_recurrent(layer):
    return isinstance(layer, _RNN_TYPES + (Bidirectional,))


def _check_layer(layer, position):
    if not (isinstance(layer, Layer) or _is_recurrent(layer)):
        raise ValueError(
            "Sequential expected fastrnn layers (SimpleRNN, LSTM, GRU, Bidirectional, "
            "Dense, Embedding, ...), got "
            f"{layer!r} at position {position}")
    if _is_recurrent(layer):
        if layer.return_state:
            raise ValueError(
                f"Sequential cannot hold layer {layer.name!r} with return_state=True: "
                "every layer must return a single array")
        if isinstance(layer, Bidirectional) and layer.merge_mode is None:
            raise ValueError(
                f"Sequential cannot hold Bidirectional {layer.name!r} with merge_mode=None: "
                "every layer must return a single array")


def _n_weights(layer):
    """How many arrays ``layer.set_weights`` takes (also for an unbuilt layer)."""
    if isinstance(layer, Bidirectional):
        return _n_weights(layer.forward_layer) + _n_weights(layer.backward_layer)
    if isinstance(layer, _RNN_TYPES):
        return 2 + int(layer.use_bias)
    if layer.built:
        return len(layer.get_weights())
    if hasattr(layer, "layer"):  # TimeDistributed
        return _n_weights(layer.layer)
    if hasattr(layer, "use_bias"):  # Dense
        return 1 + int(layer.use_bias)
    return 1 if layer.has_weights else 0


def _rnn_units(layer):
    if isinstance(layer, Bidirectional):
        units = layer.forward_layer.units
        return 2 * units if layer.merge_mode == "concat" else units
    return layer.units


def _output_shape(layer, shape):
    if _is_recurrent(layer):
        if len(shape) != 3:
            raise ValueError(f"{type(layer).__name__} {layer.name!r} expects 3-D input "
                             f"(batch, timesteps, features), got shape {shape}")
        units = _rnn_units(layer)
        return (shape[0], shape[1], units) if layer.return_sequences else (shape[0], units)
    return tuple(layer.compute_output_shape(shape))


def _trainable(layer):
    if _is_recurrent(layer):
        inner = layer.forward_layer if isinstance(layer, Bidirectional) else layer
        return inner.get_config().get("trainable", True)
    return layer.trainable


class Sequential:
    """A linear stack of fastrnn layers, called like ``keras.Sequential``.

    ``layers`` may start with an ``InputLayer`` (it fixes the input shape and
    dtype: float32 by default, int32 for token ids); ``layers`` (the property)
    lists the others, as in Keras.
    """

    def __init__(self, layers=None, name=None, trainable=True, build_input_shape=None):
        self.name = name if name is not None else unique_name("Sequential")
        self.trainable = bool(trainable)
        self._layers = []
        self._build_input_shape = None if build_input_shape is None else tuple(build_input_shape)
        for layer in layers or []:
            self.add(layer)

    # ------------------------------------------------------------ structure
    def add(self, layer):
        """Append a layer (an ``InputLayer`` only as the first)."""
        if isinstance(layer, InputLayer) and self._layers:
            raise ValueError("Sequential: an InputLayer can only be the first layer")
        _check_layer(layer, len(self._layers))
        self._layers.append(layer)

    def pop(self):
        if not self.layers:
            raise IndexError("There are no layers in the model.")
        return self._layers.pop()

    @property
    def layers(self):
        """The layers, without the InputLayer (as keras.Sequential.layers)."""
        if self._layers and isinstance(self._layers[0], InputLayer):
            return self._layers[1:]
        return list(self._layers)

    @property
    def input_layer(self):
        return self._layers[0] if self._layers and isinstance(self._layers[0], InputLayer) \
            else None

    @property
    def input_shape(self):
        inp = self.input_layer
        return inp.batch_shape if inp is not None else self._build_input_shape

    @property
    def output_shape(self):
        shapes = self._shapes()
        return shapes[-1] if shapes else None

    def _shapes(self):
        """Output shape of every layer in ``self.layers`` (None where unknown)."""
        shape = self.input_shape
        out = []
        for layer in self.layers:
            if shape is not None:
                try:
                    shape = _output_shape(layer, tuple(shape))
                except (ValueError, TypeError):
                    shape = None
            out.append(shape)
        return out

    # ------------------------------------------------------------ calling
    def __call__(self, x, mask=None, training=None):
        """Run all layers; ``mask`` (batch, timesteps) is the first layer's input mask."""
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
            x_in = x
            if _is_recurrent(layer):
                x = layer(x_in, mask=mask)
                mask = mask if layer.return_sequences else None
            else:
                x = layer(x_in, mask=mask) if layer.takes_mask else layer(x_in)
                mask = layer.compute_mask(x_in, mask) if layer.supports_masking else None
        return x

    def predict(self, x, batch_size=32, verbose="auto", steps=None, callbacks=None):
        """Run the model over ``x`` in batches of ``batch_size`` and concatenate.

        ``verbose``: "auto" or 1 shows a Keras-style progress bar over batches,
        2 one line at the end, 0 nothing. ``steps`` limits the number of batches.
        """
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        if verbose == "auto":
            verbose = 1
        if verbose not in (0, 1, 2):
            raise ValueError(f"verbose must be 'auto', 0, 1 or 2, got {verbose!r}")
        x = np.asarray(x)
        if x.ndim == 0 or len(x) == 0:
            raise ValueError(f"predict expected a non-empty batch of samples, got shape {x.shape}")
        n_batches = math.ceil(len(x) / batch_size)
        if steps is not None:
            n_batches = min(n_batches, int(steps))
        bar = _Progbar(n_batches, verbose)
        outputs = []
        for i in range(n_batches):
            outputs.append(self(x[i * batch_size:(i + 1) * batch_size]))
            bar.update(i + 1)
        return outputs[0] if len(outputs) == 1 else np.concatenate(outputs, axis=0)

    def reset_states(self):
        """Zero the states of the stateful recurrent layers."""
        for layer in self.layers:
            if _is_recurrent(layer) and layer.stateful:
                layer.reset_states()

    reset_state = reset_states

    def build(self, input_shape):
        """Create the weights of every unbuilt layer for ``input_shape`` (with batch axis)."""
        shape = tuple(input_shape)
        if self.input_layer is None:
            self._build_input_shape = (None,) + shape[1:]
        for layer in self.layers:
            if not layer.built:
                layer.build(shape)
            shape = _output_shape(layer, shape)

    # ------------------------------------------------------------ weights
    def get_weights(self):
        """All layers' weights, in layer order (each layer's Keras order)."""
        return [w for layer in self.layers for w in layer.get_weights()]

    @property
    def weights(self):
        return self.get_weights()

    def set_weights(self, weights):
        weights = list(weights)
        counts = [_n_weights(layer) for layer in self.layers]
        if len(weights) != sum(counts):
            raise ValueError(f"Sequential expected {sum(counts)} weights "
                             f"({' + '.join(map(str, counts))} by layer), got {len(weights)}")
        start = 0
        for layer, n in zip(self.layers, counts):
            if n:
                layer.set_weights(weights[start:start + n])
            start += n

    def count_params(self):
        return int(sum(w.size for w in self.get_weights()))

    # ------------------------------------------------------------ summary
    def summary(self, line_length=None, positions=None, print_fn=None, **kwargs):
        """Print (or pass to ``print_fn``) a table of layers, output shapes and parameters."""
        rows = []
        for layer, shape in zip(self.layers, self._shapes()):
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

        def line(left, mid, right, fill):
            return left + mid.join(fill * (w + 2) for w in widths) + right

        def row(cells, sep="│"):
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
        trainable = sum(w.size for layer in self.layers if _trainable(layer) and self.trainable
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

    # ------------------------------------------------------------ config
    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable,
                  "layers": [{"class_name": type(layer).__name__, "config": layer.get_config()}
                             for layer in self._layers]}
        if self.input_layer is None and self._build_input_shape is not None:
            config["build_input_shape"] = list(self._build_input_shape)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        layers = [layer_from_config(entry) for entry in config.pop("layers", [])]
        return cls(layers, **config)

    def save(self, path):
        """Write the model to ``path`` in fastrnn's format: one .npz (numpy only, no pickle).

        Weights and config are saved; the states of stateful layers are not.
        """
        path = os.fspath(path)
        if path.endswith((".keras", ".h5", ".hdf5")):
            raise ValueError(
                f"fastrnn saves its own .npz format and cannot write Keras files; "
                f"use a path ending in .npz, got {path!r}")
        meta = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION,
                "fastrnn_version": __version__, "config": self.get_config()}
        arrays = {CONFIG_KEY: np.array(json.dumps(meta))}
        for i, layer in enumerate(self._layers):
            for j, w in enumerate(layer.get_weights()):
                arrays[f"layer{i:03d}_weight{j:03d}"] = w
        with open(path, "wb") as f:  # np.savez(path) would append ".npz"
            np.savez(f, **arrays)

    @classmethod
    def load(cls, path):
        """Read a model written by ``save``."""
        path = os.fspath(path)
        try:
            archive = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError) as e:
            raise ValueError(f"{path!r} is not a readable fastrnn .npz model: {e}") from None
        with archive:
            if not hasattr(archive, "files") or CONFIG_KEY not in archive.files:
                raise ValueError(f"{path!r} is not a fastrnn model: it has no "
                                 f"'{CONFIG_KEY}' entry")
            try:
                meta = json.loads(str(archive[CONFIG_KEY][()]))
                if meta.get("format") != FORMAT_NAME:
                    raise ValueError(f"format {meta.get('format')!r}")
                if meta.get("format_version", 0) > FORMAT_VERSION:
                    raise ValueError(
                        f"format_version {meta['format_version']} is newer than this "
                        f"fastrnn ({__version__}) reads; upgrade fastrnn")
                model = cls.from_config(meta["config"])
                for i, layer in enumerate(model._layers):
                    keys = sorted(k for k in archive.files if k.startswith(f"layer{i:03d}_"))
                    if keys:
                        layer.set_weights([archive[k] for k in keys])
            except Exception as e:  # corrupt member, bad JSON, bad config, bad weights
                raise ValueError(f"{path!r} is not a valid fastrnn model: "
                                 f"{type(e).__name__}: {e}") from None
        return model

    # ------------------------------------------------------------ misc
    def __eq__(self, other):
        return (type(self) is type(other) and self.name == other.name
                and self.trainable == other.trainable
                and self._build_input_shape == other._build_input_shape
                and len(self._layers) == len(other._layers)
                and all(a == b for a, b in zip(self._layers, other._layers)))

    __hash__ = None

    def __len__(self):
        return len(self.layers)

    def __repr__(self):
        names = ", ".join(type(layer).__name__ for layer in self.layers)
        return f"<fastrnn.Sequential name={self.name!r} layers=[{names}]>"


def _shape_str(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + \
        ("," if len(shape) == 1 else "") + ")"


def _fit(text, width):
    return text if len(text) <= width else text[:max(width - 1, 0)] + "…"


def _bytes(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.2f} {unit}"
        n /= 1024


class _Progbar:
    """A Keras 3-style progress bar: ``3/10 ━━━━━━────────────── 0s 2ms/step``."""

    width = 20

    def __init__(self, target, verbose, stream=None):
        self.target = target
        self.verbose = verbose
        self.stream = stream if stream is not None else sys.stdout
        self.start = time.monotonic()
        isatty = getattr(self.stream, "isatty", None)
        self.dynamic = bool(isatty and isatty()) or "ipykernel" in sys.modules

    def _line(self, current):
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

    def update(self, current):
        if self.verbose == 0:
            return
        final = current >= self.target
        if self.verbose == 1 and self.dynamic:
            self.stream.write("\r" + self._line(current) + ("\n" if final else ""))
            self.stream.flush()
        elif final:
            self.stream.write(self._line(current) + "\n")
            self.stream.flush()
