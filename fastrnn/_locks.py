"""The lock between calls and ``set_weights`` of a layer made of layers.

A call of ``Bidirectional`` or ``Sequential`` reads the weights of several
layers, one after another; ``set_weights`` replaces them one after another.
Calls share a ``WeightsLock``; ``set_weights`` holds it alone, so a call sees
all the old weights or all the new ones, never a mix. (A single recurrent
layer needs none: its weights are one kernel object, swapped in one step.)
"""
from __future__ import annotations

import threading


class WeightsLock:
    """Many readers (calls) or one writer (``set_weights``)::

        with lock.reading:
            ...
        with lock.writing:
            ...

    A writer closes the gate first, so a stream of calls cannot keep it
    waiting; readers only pass through the gate. Plain locks throughout
    (a reader costs a few of them, well under a microsecond). Not
    reentrant: a reader must not read again while it reads. Pickles as a
    new, free lock.
    """

    __slots__ = ("reading", "writing")

    def __init__(self) -> None:
        gate = threading.Lock()       # held by a writer from start to end
        count = threading.Lock()      # guards the number of readers
        idle = threading.Lock()       # held while any reader reads
        readers = [0]

        class Reading:
            __slots__ = ()

            def __enter__(self) -> None:
                with gate, count:
                    readers[0] += 1
                    if readers[0] == 1:
                        idle.acquire()

            def __exit__(self, *exc: object) -> None:
                with count:
                    readers[0] -= 1
                    if readers[0] == 0:
                        idle.release()    # (a lock may be released by another thread)

        class Writing:
            __slots__ = ()

            def __enter__(self) -> None:
                gate.acquire()
                idle.acquire()

            def __exit__(self, *exc: object) -> None:
                idle.release()
                gate.release()

        self.reading, self.writing = Reading(), Writing()

    def __reduce__(self) -> tuple[type[WeightsLock], tuple[()]]:
        return (WeightsLock, ())
