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
import numpy as np

from .layers import _RNN, _as_dtype, _default_name, _weight_list

__all__ = ["Bidirectional"]

_MERGE_MODES = ("concat", "sum", "mul", "ave", None)
_LAYER_ARGS = {"trainable", "autocast", "activity_regularizer", "input_shape", "input_dim"}


def _renamed(name, prefix):
    return prefix + (name[len(prefix):] if name.startswith(prefix) else name)


class Bidirectional:
    """Run ``layer`` forwards and a copy of it backwards, and merge the outputs.

    Arguments are those of ``keras.layers.Bidirectional``: ``merge_mode`` is
    one of "concat", "sum", "mul", "ave" or None (return both outputs).
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None,
                 dtype=None, name=None, **kwargs):
        unknown = set(kwargs) - _LAYER_ARGS
        if unknown:
            raise ValueError(
                "Unrecognized keyword arguments passed to Bidirectional: "
                f"{ {k: kwargs[k] for k in sorted(unknown)} }"
            )
        if not isinstance(layer, _RNN):
            raise ValueError(
                "Bidirectional expected `layer` to be a fastrnn SimpleRNN, LSTM or GRU "
                f"instance, got {layer!r}"
            )
        if backward_layer is not None and not isinstance(backward_layer, _RNN):
            raise ValueError(
                "Bidirectional expected `backward_layer` to be a fastrnn SimpleRNN, LSTM "
                f"or GRU instance, got {backward_layer!r}"
            )
        if not (merge_mode is None or isinstance(merge_mode, str)) \
                or merge_mode not in _MERGE_MODES:
            raise ValueError(
                f"Invalid merge mode. Received: {merge_mode!r}. Merge mode should be one "
                'of {"sum", "mul", "ave", "concat", None}'
            )
        self.merge_mode = merge_mode
        self.dtype = _as_dtype(dtype).name
        if name is not None and not isinstance(name, str):
            raise ValueError(f"Bidirectional expected a string for argument `name`, got {name!r}")
        self.name = name if name is not None else _default_name("Bidirectional")

        config = layer.get_config()
        config["name"] = _renamed(layer.name, "forward_")
        self.forward_layer = type(layer).from_config(config)
        if backward_layer is None:
            config = layer.get_config()
            config["go_backwards"] = True
            config["name"] = _renamed(layer.name, "backward_")
            backward_layer = type(layer).from_config(config)
        self.backward_layer = backward_layer
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

    def _verify_layers(self):
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
    def built(self):
        return self.forward_layer.built and self.backward_layer.built

    @property
    def input_dim(self):
        return self.forward_layer.input_dim

    def build(self, input_shape):
        if not self.forward_layer.built:
            self.forward_layer.build(input_shape)
        if not self.backward_layer.built:
            self.backward_layer.build(input_shape)

    def get_weights(self):
        """The forward layer's weights followed by the backward layer's."""
        return self.forward_layer.get_weights() + self.backward_layer.get_weights()

    @property
    def weights(self):
        return self.get_weights()

    def set_weights(self, weights):
        weights = _weight_list(weights, "Bidirectional.set_weights")
        n_forward = len(self.forward_layer._weight_shapes(0))
        n_backward = len(self.backward_layer._weight_shapes(0))
        if len(weights) != n_forward + n_backward:
            raise ValueError(
                f"Bidirectional expected {n_forward + n_backward} weights "
                f"({n_forward} forward, then {n_backward} backward), got {len(weights)}"
            )
        self.forward_layer.set_weights(weights[:n_forward])
        self.backward_layer.set_weights(weights[n_forward:])

    # ------------------------------------------------------------ state
    @property
    def states(self):
        fw, bw = self.forward_layer.states, self.backward_layer.states
        return fw + bw if fw and bw else None

    def reset_states(self):
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    reset_state = reset_states

    # ------------------------------------------------------------ calling
    def __call__(self, x, mask=None, initial_state=None, training=None):
        if self.stateful:
            # As a stateful layer: one call at a time (see fastrnn.layers).
            with self.forward_layer._lock, self.backward_layer._lock:
                return self._call(x, mask, initial_state)
        return self._call(x, mask, initial_state)

    def _call(self, x, mask, initial_state):
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
        forward = self.forward_layer._prepare(x, mask, forward_state)
        backward = self.backward_layer._prepare(x, mask, backward_state)
        # The two directions run concurrently when two threads are allowed.
        forward.run_with(backward)
        y = self.forward_layer._finish(forward)
        y_rev = self.backward_layer._finish(backward)
        states = []
        if self.return_state:
            states = y[1:] + y_rev[1:]
            y, y_rev = y[0], y_rev[0]
        y = y.astype(self.dtype, copy=False)
        y_rev = y_rev.astype(self.dtype, copy=False)
        if self.return_sequences:
            y_rev = y_rev[:, ::-1]
        output = self._merge(y, y_rev)
        if self.return_state:
            return output + states if self.merge_mode is None else [output, *states]
        return output

    def _autocast(self, value, what):
        # Keras's Layer.__call__ casts floating inputs to the wrapper's own
        # dtype before the wrapped layers see them (and cast them again).
        try:
            value = np.asarray(value)
        except (TypeError, ValueError, OverflowError) as e:
            raise ValueError(f"Bidirectional could not convert {what} to an array: {e}") from None
        if np.issubdtype(value.dtype, np.floating):
            return value.astype(self.dtype, copy=False)
        return value

    def _merge(self, y, y_rev):
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
    def get_config(self):
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
    def from_config(cls, config):
        from . import layers

        config = dict(config)

        def make(entry):
            return getattr(layers, entry["class_name"]).from_config(dict(entry["config"]))

        config["layer"] = make(config["layer"])
        if config.get("backward_layer") is not None:
            config["backward_layer"] = make(config["backward_layer"])
        return cls(**config)

    def __eq__(self, other):
        return (type(self) is type(other) and self.merge_mode == other.merge_mode
                and self.dtype == other.dtype and self.name == other.name
                and self.forward_layer == other.forward_layer
                and self.backward_layer == other.backward_layer)

    __hash__ = None

    def __repr__(self):
        return f"<fastrnn.Bidirectional name={self.name!r} layer={self.forward_layer!r}>"
