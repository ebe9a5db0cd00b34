"""The lock between calls and ``set_weights`` of a layer made of layers.

A call of ``Bidirectional`` or ``Sequential`` reads the weights of several
layers, one after another; ``set_weights`` replaces them one after another.
Calls share a ``WeightsLock``; ``set_weights`` holds it alone, so a call sees
all the old weights or all the new ones, never a mix. (A single recurrent
layer needs none: its weights are one kernel object, swapped in one step.)
"""
import threading
from contextlib import contextmanager


class WeightsLock:
    """Many readers (calls) or one writer (``set_weights``).

    A waiting writer holds new readers back, so a stream of calls cannot
    keep ``set_weights`` waiting forever. Not reentrant: a reader must not
    read again while it reads. Pickles as a new, free lock.
    """

    __slots__ = ("_changed", "_readers", "_writing", "_writers_waiting")

    def __init__(self):
        self._changed = threading.Condition(threading.Lock())
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    def __reduce__(self):
        return (WeightsLock, ())

    @contextmanager
    def reading(self):
        with self._changed:
            while self._writing or self._writers_waiting:
                self._changed.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._changed:
                self._readers -= 1
                if not self._readers:
                    self._changed.notify_all()

    @contextmanager
    def writing(self):
        with self._changed:
            self._writers_waiting += 1
            try:
                while self._writing or self._readers:
                    self._changed.wait()
            finally:
                self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._changed:
                self._writing = False
                self._changed.notify_all()
