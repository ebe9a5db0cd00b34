"""Real Keras models with convolutions, pooling, normalization and ConvLSTM around their
RNNs (tests/data/graphs_conv: the keras-io OCR, handwriting, speech, next-frame and
active-learning models, and single-purpose cases), made by Keras 3.15.1 via
tools/make_conv_model_fixtures.py; never edit them by hand. Each loads from .keras and .h5
and gives Keras's outputs to float32 rounding."""
import json
from pathlib import Path

import pytest

import fastrnn
from test_graph_fixtures import check, fixture, flat_outputs

DATA = Path(__file__).parent / "data" / "graphs_conv"
CASES = sorted(json.loads((DATA / "cases.json").read_text()))


def run(case, ext):
    pytest.importorskip("h5py")
    model = fastrnn.load_model(DATA / f"{case}{ext}")
    names, ins, want = fixture(case, data=DATA)
    check(flat_outputs(model.predict(ins[0] if len(ins) == 1 else ins, verbose=0), names),
          want)


@pytest.mark.parametrize("case", CASES)
def test_keras_file_matches_keras(case):
    run(case, ".keras")


@pytest.mark.parametrize("case", CASES)
def test_h5_file_matches_keras(case):
    run(case, ".h5")
