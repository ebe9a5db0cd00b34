"""asv benchmarks: one call of each layer over a sequence, float32 and float64.

Shapes are (batch, timesteps, features, units). Each benchmark times the
public call, validation included, as a user makes it.
"""
import numpy as np

import fastrnn

SHAPES = [(1, 4, 5, 3), (1, 100, 32, 32), (8, 100, 64, 128), (64, 100, 128, 256)]
CELLS = ["SimpleRNN", "LSTM", "GRU"]


def _shape_id(shape):
    return "x".join(map(str, shape))


class Layers:
    params = [CELLS, [_shape_id(s) for s in SHAPES], ["float32", "float64"]]
    param_names = ["cell", "shape", "dtype"]

    def setup(self, cell, shape, dtype):
        batch, steps, features, units = map(int, shape.split("x"))
        self.layer = getattr(fastrnn, cell)(units, return_sequences=True, dtype=dtype, seed=0)
        self.x = np.random.default_rng(0).normal(size=(batch, steps, features)).astype(dtype)
        self.layer(self.x)

    def time_call(self, cell, shape, dtype):
        self.layer(self.x)

    def peakmem_call(self, cell, shape, dtype):
        self.layer(self.x)


class BidirectionalLSTM:
    params = [[_shape_id(s) for s in SHAPES]]
    param_names = ["shape"]

    def setup(self, shape):
        batch, steps, features, units = map(int, shape.split("x"))
        self.layer = fastrnn.Bidirectional(fastrnn.LSTM(units, return_sequences=True, seed=0))
        self.x = np.random.default_rng(0).normal(size=(batch, steps, features)).astype(np.float32)
        self.layer(self.x)

    def time_call(self, shape):
        self.layer(self.x)


class Masked:
    """A mask with 30% padding at the end of each row."""

    def setup(self):
        self.layer = fastrnn.LSTM(128, return_sequences=True, seed=0)
        self.x = np.random.default_rng(0).normal(size=(8, 100, 64)).astype(np.float32)
        self.mask = np.ones((8, 100), bool)
        self.mask[:, 70:] = False
        self.layer(self.x, mask=self.mask)

    def time_lstm_masked(self):
        self.layer(self.x, mask=self.mask)
