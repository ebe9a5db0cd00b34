# Thread knobs: how many threads a call uses (included by _recurrence.pxi).

# Threads for one call: 0 follows OpenMP's default (OMP_NUM_THREADS, which
# threadpoolctl also sets); set_num_threads overrides.
cdef int _num_threads = 0
# Below this many multiply-adds per step, threads cost more than they save.
cdef Py_ssize_t _parallel_threshold = 32768


def set_num_threads(int n):
    """Use n threads per call (0: follow OpenMP / threadpoolctl)."""
    global _num_threads
    if n < 0:
        raise ValueError(f"the number of threads must be >= 0, got {n}")
    _num_threads = n


def set_parallel_threshold(Py_ssize_t multiply_adds):
    """Calls with fewer multiply-adds per step run on one thread (tests use it)."""
    global _parallel_threshold
    previous = _parallel_threshold
    _parallel_threshold = multiply_adds
    return previous


def get_num_threads_setting():
    """What set_num_threads last set (0: follow OpenMP)."""
    return _num_threads


def get_num_threads():
    """Threads a large call uses."""
    return _num_threads if _num_threads > 0 else openmp.omp_get_max_threads()


cdef int _threads_for(Plan* p) noexcept nogil:
    cdef int n = _num_threads if _num_threads > 0 else openmp.omp_get_max_threads()
    cdef Py_ssize_t per_step = p.batch * p.units * p.gates * (p.units + p.depth)
    # Both a step and the whole call must be worth it: a stateful layer fed
    # one step per call would otherwise pay for waking threads every call.
    if n <= 1 or per_step < _parallel_threshold or per_step * p.steps < 8 * _parallel_threshold:
        return 1
    return n


cdef inline Py_ssize_t _work(Plan* p) noexcept nogil:
    """A whole call's multiply-adds."""
    return p.steps * p.batch * p.units * p.gates * (p.units + p.depth)


cdef bint _worth_a_thread(Plan* p) noexcept nogil:
    # A whole call of at least this many multiply-adds pays for waking a
    # second thread (a few microseconds).
    return _work(p) >= 100000
