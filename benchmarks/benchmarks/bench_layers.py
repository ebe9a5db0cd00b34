"""asv benchmarks of fastrnn's layers, numpy/scipy style.

Shapes are (batch, timesteps, features, units), the grid of the speed issue;
every benchmark times (or measures the peak memory of) the public call, as a
user makes it, validation included.
"""
import numpy as np

import fastrnn

GRID = {
    "LSTM": ["1x4x5x3", "1x100x32x32", "1x1000x64x128", "1x50x128x512", "8x100x64x128",
             "64x100x128x256", "256x20x32x64", "32x50x512x512"],
    "GRU": ["1x100x32x32", "1x1000x64x128", "64x100x128x256"],
    "SimpleRNN": ["1x1000x64x128", "256x20x32x64"],
    "Bidirectional": ["1x100x32x32", "64x100x128x256"],
}


def _layer(cell, units, dtype):
    if cell == "Bidirectional":
        return fastrnn.Bidirectional(fastrnn.LSTM(units, return_sequences=True, dtype=dtype,
                                                  seed=0), dtype=dtype)
    return getattr(fastrnn, cell)(units, return_sequences=True, dtype=dtype, seed=0)


class _Grid:
    param_names = ["shape", "dtype"]
    timeout = 300
    cell = None

    def setup(self, shape, dtype):
        batch, steps, features, units = map(int, shape.split("x"))
        self.layer = _layer(self.cell, units, dtype)
        self.x = np.random.default_rng(0).normal(size=(batch, steps, features)).astype(dtype)
        self.layer(self.x)

    def time_call(self, shape, dtype):
        self.layer(self.x)

    def peakmem_call(self, shape, dtype):
        self.layer(self.x)


class LSTM(_Grid):
    cell = "LSTM"
    params = [GRID["LSTM"], ["float32", "float64"]]


class GRU(_Grid):
    cell = "GRU"
    params = [GRID["GRU"], ["float32", "float64"]]


class SimpleRNN(_Grid):
    cell = "SimpleRNN"
    params = [GRID["SimpleRNN"], ["float32", "float64"]]


class BidirectionalLSTM(_Grid):
    cell = "Bidirectional"
    params = [GRID["Bidirectional"], ["float32", "float64"]]


class Threads:
    """The same large LSTM on one and on two threads."""
    params = [[1, 2]]
    param_names = ["threads"]

    def setup(self, threads):
        self.layer = fastrnn.LSTM(256, return_sequences=True, seed=0)
        self.x = np.random.default_rng(0).normal(size=(64, 100, 128)).astype(np.float32)
        self.layer(self.x)

    def time_lstm(self, threads):
        with fastrnn.num_threads(threads):
            self.layer(self.x)


class PerCallOverhead:
    """layer(x) at the notebook's size: almost all of it is per-call work."""

    def setup(self):
        self.lstm = fastrnn.LSTM(3, seed=0)
        self.bidirectional = fastrnn.Bidirectional(fastrnn.LSTM(3, seed=0))
        self.x = np.random.default_rng(0).normal(size=(1, 4, 5)).astype(np.float32)
        self.x64 = self.x.astype(np.float64)   # needs converting: the checked path
        self.lstm(self.x)
        self.bidirectional(self.x)

    def time_lstm(self):
        self.lstm(self.x)

    def time_lstm_converting_input(self):
        self.lstm(self.x64)

    def time_bidirectional(self):
        self.bidirectional(self.x)


class Streaming:
    """A stateful layer fed one timestep per call (batch 1), as in real time."""
    params = [["LSTM", "GRU"], [64]]
    param_names = ["cell", "units"]

    def setup(self, cell, units):
        self.layer = getattr(fastrnn, cell)(units, stateful=True, seed=0)
        self.x = np.random.default_rng(0).normal(size=(1, 1, units)).astype(np.float32)
        self.layer(self.x)

    def time_step(self, cell, units):
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
