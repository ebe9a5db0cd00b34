"""fastrnn: Keras 3 recurrent layers (SimpleRNN, LSTM, GRU, Bidirectional) for
fast CPU inference, with typed Cython kernels and no deep-learning framework."""
from . import activations, initializers
from ._version import __version__
from .bidirectional import Bidirectional
from .layers import GRU, LSTM, SimpleRNN

__all__ = ["SimpleRNN", "LSTM", "GRU", "Bidirectional", "activations", "initializers",
           "__version__"]
