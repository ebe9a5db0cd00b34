"""The demo: ``python -m fastrnn``.

Runs the notebook example fastrnn started from (SimpleRNN, LSTM and a
Bidirectional LSTM on one (1, 4, 5) sequence, with every return_sequences /
return_state combination), prints each returned tensor with its shape, then
times a larger LSTM.
"""
import time
from collections.abc import Callable, Sequence

import numpy as np

import fastrnn
from fastrnn.initializers import Constant

TRAIN_X = np.array([[[0.1, 4.2, 1.5, 1.1, 2.8], [1.0, 3.1, 2.5, 0.7, 1.1],
                     [0.3, 2.1, 1.5, 2.1, 0.1], [2.2, 1.4, 0.5, 0.9, 1.1]]])


def show(label: str, value: np.ndarray) -> None:
    print(f"{label} {np.array2string(value, precision=8)} shape {value.shape}")


def run_layer(title: str, make_layer: Callable[[bool, bool], fastrnn.Layer], names: Sequence[str]
              ) -> None:
    for return_sequences in (False, True):
        for return_state in (False, True):
            layer = make_layer(return_sequences, return_state)
            print(f"\n{title}(return_sequences={return_sequences}, return_state={return_state})")
            result = layer(TRAIN_X)
            for name, value in zip(names, result if return_state else [result]):
                show(name, value)


def main() -> None:
    np.set_printoptions(linewidth=120)
    print(f"fastrnn {fastrnn.__version__}; train_X shape {TRAIN_X.shape}")
    run_layer("SimpleRNN(units=3, seed=0)",
              lambda rs, st: fastrnn.SimpleRNN(3, return_sequences=rs, return_state=st, seed=0),
              ["hidden states", "final h"])
    run_layer("LSTM(units=3, seed=0)",
              lambda rs, st: fastrnn.LSTM(3, return_sequences=rs, return_state=st, seed=0),
              ["hidden states", "final h", "final c"])
    constant = dict(kernel_initializer=Constant(0.1), recurrent_initializer=Constant(0.1),
                    bias_initializer=Constant(0))
    run_layer("Bidirectional(LSTM(units=3, Constant(0.1) kernels, zero bias))",
              lambda rs, st: fastrnn.Bidirectional(
                  fastrnn.LSTM(3, return_sequences=rs, return_state=st, **constant)),  # type: ignore[arg-type]
              ["hidden states", "forward h", "forward c", "backward h", "backward c"])
    speed_line()


def speed_line(batch: int = 32, steps: int = 100, features: int = 64, units: int = 128,
               repeats: int = 20) -> None:
    """One line: the median time of a larger float32 LSTM."""
    layer = fastrnn.LSTM(units, return_sequences=True, seed=0)
    x = np.random.default_rng(0).normal(size=(batch, steps, features)).astype(np.float32)
    layer(x)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        layer(x)
        times.append(time.perf_counter() - start)
    ms = 1e3 * float(np.median(times))
    steps_per_s = batch * steps / (ms / 1e3)
    print(f"\nspeed: LSTM(units={units}) on x {(batch, steps, features)} float32, "
          f"return_sequences=True: {ms:.2f} ms/call (median of {repeats}), "
          f"{steps_per_s:,.0f} sequence-steps/s")


if __name__ == "__main__":
    main()
