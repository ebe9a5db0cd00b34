"""asv benchmarks of fastrnn's convolution layers.

The shapes are the keras-io captcha OCR model's (examples/vision/captcha_ocr.py):
input (200, 50, 1), Conv2D(32, 3x3, same, relu), MaxPooling2D(2x2), Conv2D(64,
3x3, same, relu) -- so the second convolution sees (100, 25, 32) -- at batch 1
and 32; plus a grouped, a depthwise, a separable and a transposed convolution of
a mid-sized image. Every benchmark times the public call, as a user makes it.
"""
import numpy as np

import fastrnn


def _ocr(which):
    if which == "conv1":
        return fastrnn.Conv2D(32, 3, padding="same", activation="relu"), (200, 50, 1)
    return fastrnn.Conv2D(64, 3, padding="same", activation="relu"), (100, 25, 32)


class OCRConv2D:
    param_names = ["layer", "batch"]
    params = [["conv1", "conv2"], [1, 32]]
    timeout = 300

    def setup(self, layer, batch):
        self.layer, shape = _ocr(layer)
        self.x = np.random.default_rng(0).normal(size=(batch,) + shape).astype(np.float32)
        self.layer(self.x)

    def time_call(self, layer, batch):
        self.layer(self.x)

    def peakmem_call(self, layer, batch):
        self.layer(self.x)


class OtherConvolutions:
    param_names = ["layer"]
    params = [["grouped", "depthwise", "separable", "transpose", "conv1d_causal"]]
    timeout = 300

    def setup(self, layer):
        rng = np.random.default_rng(0)
        self.layer, shape = {
            "grouped": (fastrnn.Conv2D(64, 3, padding="same", groups=4), (8, 56, 56, 64)),
            "depthwise": (fastrnn.DepthwiseConv2D(3, padding="same"), (8, 56, 56, 64)),
            "separable": (fastrnn.SeparableConv2D(64, 3, padding="same"), (8, 56, 56, 64)),
            "transpose": (fastrnn.Conv2DTranspose(32, 3, strides=2, padding="same"),
                          (8, 28, 28, 64)),
            "conv1d_causal": (fastrnn.Conv1D(64, 3, padding="causal", dilation_rate=4),
                              (16, 1000, 32)),
        }[layer]
        self.x = rng.normal(size=shape).astype(np.float32)
        self.layer(self.x)

    def time_call(self, layer):
        self.layer(self.x)
