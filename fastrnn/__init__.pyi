"""Type stubs for fastrnn's public API (shipped in the wheel with py.typed).

tests/test_stubs.py checks that these stubs and the runtime modules name the
same public objects, and ``tools/check.sh`` runs mypy's stubtest on them.
"""
from . import activations as activations
from . import initializers as initializers
from ._version import __version__ as __version__
from .bidirectional import Bidirectional as Bidirectional
from .cells import GRUCell as GRUCell
from .cells import LSTMCell as LSTMCell
from .cells import SimpleRNNCell as SimpleRNNCell
from .cells import StackedRNNCells as StackedRNNCells
from .conv_lstm import ConvLSTM1D as ConvLSTM1D
from .conv_lstm import ConvLSTM2D as ConvLSTM2D
from .conv_lstm import ConvLSTM3D as ConvLSTM3D
from .core_layers import Activation as Activation
from .core_layers import Dense as Dense
from .core_layers import Dropout as Dropout
from .core_layers import Embedding as Embedding
from .core_layers import Flatten as Flatten
from .core_layers import Input as Input
from .core_layers import InputLayer as InputLayer
from .core_layers import Masking as Masking
from .core_layers import Reshape as Reshape
from .core_layers import SpatialDropout1D as SpatialDropout1D
from .core_layers import TimeDistributed as TimeDistributed
from .io import TorchRNN as TorchRNN
from .io import from_torch as from_torch
from .io import load_model as load_model
from .layers import GRU as GRU
from .merging import Add as Add
from .merging import Average as Average
from .merging import Concatenate as Concatenate
from .merging import Dot as Dot
from .merging import Maximum as Maximum
from .merging import Minimum as Minimum
from .merging import Multiply as Multiply
from .merging import Subtract as Subtract
from .normalization import BatchNormalization as BatchNormalization
from .normalization import GroupNormalization as GroupNormalization
from .normalization import LayerNormalization as LayerNormalization
from .normalization import UnitNormalization as UnitNormalization
from .pooling import AveragePooling1D as AveragePooling1D
from .pooling import AveragePooling2D as AveragePooling2D
from .pooling import AveragePooling3D as AveragePooling3D
from .pooling import GlobalAveragePooling1D as GlobalAveragePooling1D
from .pooling import GlobalAveragePooling2D as GlobalAveragePooling2D
from .pooling import GlobalAveragePooling3D as GlobalAveragePooling3D
from .pooling import GlobalMaxPooling1D as GlobalMaxPooling1D
from .pooling import GlobalMaxPooling2D as GlobalMaxPooling2D
from .pooling import GlobalMaxPooling3D as GlobalMaxPooling3D
from .pooling import MaxPooling1D as MaxPooling1D
from .pooling import MaxPooling2D as MaxPooling2D
from .pooling import MaxPooling3D as MaxPooling3D
from .activation_layers import ELU as ELU
from .activation_layers import LeakyReLU as LeakyReLU
from .activation_layers import PReLU as PReLU
from .activation_layers import ReLU as ReLU
from .activation_layers import Softmax as Softmax
from .convolutional import Conv1D as Conv1D
from .convolutional import Conv1DTranspose as Conv1DTranspose
from .convolutional import Conv2D as Conv2D
from .convolutional import Conv2DTranspose as Conv2DTranspose
from .convolutional import Conv3D as Conv3D
from .convolutional import DepthwiseConv1D as DepthwiseConv1D
from .convolutional import DepthwiseConv2D as DepthwiseConv2D
from .convolutional import SeparableConv1D as SeparableConv1D
from .convolutional import SeparableConv2D as SeparableConv2D
from .reshaping import Cropping1D as Cropping1D
from .reshaping import Permute as Permute
from .reshaping import RepeatVector as RepeatVector
from .reshaping import UpSampling1D as UpSampling1D
from .reshaping import ZeroPadding1D as ZeroPadding1D
from .layers import LSTM as LSTM
from .layers import SimpleRNN as SimpleRNN
from .layer import Layer as Layer
from .models import Model as Model
from .models import Sequential as Sequential
from .parallel import get_num_threads as get_num_threads
from .rnn import RNN as RNN
from .parallel import num_threads as num_threads
from .parallel import set_num_threads as set_num_threads

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
