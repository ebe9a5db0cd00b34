/* What a kernel call needs from the process around it: Ctrl-C while the
   recurrence runs without the GIL, and fork() after OpenMP threads ran.
   Included by _recurrence.pxi; every kernel build has its own copy of this
   state (the Python side, fastrnn/parallel.py, keeps the builds in step). */
#ifndef FASTRNN_PROCESS_H
#define FASTRNN_PROCESS_H

#include <pthread.h>
#include <signal.h>
#include <string.h>

/* ---- Ctrl-C. Python's own SIGINT handler only flags the signal for the
   interpreter, which runs the Python handler once the call returns. While
   a long call runs on the main thread, fr_on_sigint is installed in front
   of it: it sets fr_interrupted (which the timestep loops read) and passes
   the signal on, so Python still raises KeyboardInterrupt afterwards. */
static volatile sig_atomic_t fr_interrupted = 0;
static struct sigaction fr_previous_sigint;
static int fr_sigint_armed = 0;

static void fr_on_sigint(int sig, siginfo_t *info, void *context) {
    fr_interrupted = 1;
    if (fr_previous_sigint.sa_flags & SA_SIGINFO) {
        if (fr_previous_sigint.sa_sigaction)
            fr_previous_sigint.sa_sigaction(sig, info, context);
    } else if (fr_previous_sigint.sa_handler != SIG_DFL
               && fr_previous_sigint.sa_handler != SIG_IGN) {
        fr_previous_sigint.sa_handler(sig);
    }
}

/* Called with the GIL on the main thread. Returns 1 if installed; 0 when
   SIGINT is ignored or kills the process anyway (nothing to chain to). */
static int fr_arm_interrupt(void) {
    struct sigaction current, ours;
    fr_interrupted = 0;
    if (sigaction(SIGINT, NULL, &current) != 0)
        return 0;
    if ((current.sa_flags & SA_SIGINFO) && current.sa_sigaction == fr_on_sigint) {
        /* Still ours: a fork() happened during a call; the previous is saved. */
        fr_sigint_armed = 1;
        return 1;
    }
    if (!(current.sa_flags & SA_SIGINFO)
        && (current.sa_handler == SIG_DFL || current.sa_handler == SIG_IGN))
        return 0;
    memset(&ours, 0, sizeof ours);
    ours.sa_sigaction = fr_on_sigint;
    ours.sa_mask = current.sa_mask;
    ours.sa_flags = SA_SIGINFO | (current.sa_flags & (SA_ONSTACK | SA_RESTART));
    if (sigaction(SIGINT, &ours, &fr_previous_sigint) != 0)
        return 0;
    fr_sigint_armed = 1;
    return 1;
}

static void fr_disarm_interrupt(void) {
    struct sigaction current;
    if (!fr_sigint_armed)
        return;
    fr_sigint_armed = 0;
    /* Put the previous handler back unless someone replaced ours meanwhile. */
    if (sigaction(SIGINT, NULL, &current) == 0 && (current.sa_flags & SA_SIGINFO)
        && current.sa_sigaction == fr_on_sigint)
        sigaction(SIGINT, &fr_previous_sigint, NULL);
}

/* ---- fork(). GNU libgomp keeps its thread pool across fork() although the
   child has none of those threads: the child's first parallel region waits
   for them forever. A child of a process whose OpenMP threads ran computes
   on its calling thread instead (fr_threads_forbidden), as PyTorch does. */
static int fr_threads_started = 0;     /* this process (or a parent) ran an OpenMP team */
static int fr_threads_forbidden = 0;   /* forked after that: one thread per call */
static int fr_fork_warned = 0;         /* the one-time warning, per process */
static int fr_running = 0;             /* kernel calls running now (changed under the GIL) */

static void fr_after_fork_in_child(void) {
    if (fr_threads_started)
        fr_threads_forbidden = 1;
    fr_fork_warned = 0;
    fr_running = 0;                    /* the threads that ran them are gone */
    fr_sigint_armed = 0;               /* the thread that armed it is gone */
}

static int fr_register_atfork(void) {
    return pthread_atfork(NULL, NULL, fr_after_fork_in_child);
}

#endif
