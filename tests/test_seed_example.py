"""The notebook example fastrnn reproduces, to the notebook's printed precision."""
import numpy as np
import pytest

import fastrnn
from fastrnn.__main__ import TRAIN_X
from fastrnn.initializers import Constant
from support import run_python

FORWARD_H, BACKWARD_H = 0.63031393, 0.7038734
FORWARD_C, BACKWARD_C = 1.5707088, 1.6402447
SEQUENCE = [[0.35906473, 0.7038734], [0.5511133, 0.58863586],
            [0.59115756, 0.3951699], [0.63031393, 0.21942244]]


def notebook_bidirectional(return_sequences):
    return fastrnn.Bidirectional(fastrnn.LSTM(
        units=3, kernel_initializer=Constant(0.1), recurrent_initializer=Constant(0.1),
        bias_initializer=Constant(0), return_state=True, return_sequences=return_sequences))


def check_states(states):
    for state, value in zip(states, [FORWARD_H, FORWARD_C, BACKWARD_H, BACKWARD_C]):
        assert state.shape == (1, 3)
        np.testing.assert_allclose(state, np.full((1, 3), value), rtol=0, atol=1e-6)


def test_bidirectional_last_output():
    output, *states = notebook_bidirectional(False)(TRAIN_X)
    assert output.shape == (1, 6)
    np.testing.assert_allclose(output, [[FORWARD_H] * 3 + [BACKWARD_H] * 3], rtol=0, atol=1e-6)
    check_states(states)


def test_bidirectional_sequences():
    output, *states = notebook_bidirectional(True)(TRAIN_X)
    assert output.shape == (1, 4, 6)
    expected = [[[fw] * 3 + [bw] * 3 for fw, bw in SEQUENCE]]
    np.testing.assert_allclose(output, expected, rtol=0, atol=1e-6)
    check_states(states)


@pytest.mark.parametrize("cls", [fastrnn.SimpleRNN, fastrnn.LSTM])
def test_every_return_combination_has_keras_shapes(cls):
    n_states = 2 if cls is fastrnn.LSTM else 1
    for rs in (False, True):
        out = cls(3, return_sequences=rs)(TRAIN_X)
        assert out.shape == ((1, 4, 3) if rs else (1, 3))
        out = cls(3, return_sequences=rs, return_state=True)(TRAIN_X)
        assert [o.shape for o in out] == [(1, 4, 3) if rs else (1, 3)] + [(1, 3)] * n_states


def test_demo_prints_the_notebook_numbers():
    run = run_python(["-m", "fastrnn"], capture_output=True, text=True, timeout=120)
    for label, value in [("forward h", FORWARD_H), ("forward c", FORWARD_C),
                         ("backward h", BACKWARD_H), ("backward c", BACKWARD_C)]:
        line = next(ln for ln in run.stdout.splitlines() if ln.startswith(label))
        numbers = [float(v) for v in line[len(label):].split("shape")[0].strip(" []").split()]
        np.testing.assert_allclose(numbers, [value] * 3, rtol=0, atol=1e-6)
        assert line.endswith("shape (1, 3)")
    assert "shape (1, 4, 6)" in run.stdout
    assert run.stdout.rstrip().splitlines()[-1].startswith("speed: LSTM(units=128)")
