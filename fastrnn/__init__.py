"""fastrnn: Keras 3 recurrent layers (SimpleRNN, LSTM, GRU, Bidirectional) for
fast CPU inference, with typed Cython kernels and no deep-learning framework."""
from . import activations, initializers
from ._version import __version__
from .bidirectional import Bidirectional
from .cells import GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells
from .rnn import RNN
from .parallel import get_num_threads, num_threads, set_num_threads
from .core_layers import (Activation, Dense, Dropout, Embedding, Flatten, Input, InputLayer,
                          Masking, Reshape, SpatialDropout1D, TimeDistributed)
from .merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply,
                      Subtract)
from .reshaping import Cropping1D, Permute, RepeatVector, UpSampling1D, ZeroPadding1D
from .normalization import (BatchNormalization, GroupNormalization, LayerNormalization,
                            UnitNormalization)
from .pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D,
                      GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D,
                      GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPooling1D,
                      MaxPooling2D, MaxPooling3D)
from .activation_layers import ELU, LeakyReLU, PReLU, ReLU, Softmax
from .convolutional import (Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D,
                            DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D,
                            SeparableConv2D)
from .conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from .models import Model, Sequential
from .io import TorchRNN, from_torch, load_model
from .layer import Layer
from .layers import GRU, LSTM, SimpleRNN

__all__ = ["SimpleRNN", "LSTM", "GRU", "Bidirectional", "RNN", "SimpleRNNCell", "LSTMCell",
           "GRUCell", "StackedRNNCells", "activations", "initializers",
           "__version__", "set_num_threads", "get_num_threads", "num_threads",
           "Layer", "Model", "Sequential", "Input", "load_model", "from_torch", "TorchRNN",
           "InputLayer", "Masking", "Embedding", "Dense", "TimeDistributed", "Dropout",
           "SpatialDropout1D", "Activation", "Flatten", "Reshape",
           "Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Dot",
           "RepeatVector", "Permute", "Cropping1D", "ZeroPadding1D", "UpSampling1D",
           "BatchNormalization", "LayerNormalization", "GroupNormalization",
           "UnitNormalization",
           "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D",
           "AveragePooling2D", "AveragePooling3D", "GlobalAveragePooling1D",
           "GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalMaxPooling1D",
           "GlobalMaxPooling2D", "GlobalMaxPooling3D",
           "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax",
           "Conv1D", "Conv2D", "Conv3D", "SeparableConv1D", "SeparableConv2D",
           "DepthwiseConv1D", "DepthwiseConv2D", "Conv1DTranspose", "Conv2DTranspose",
           "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]
