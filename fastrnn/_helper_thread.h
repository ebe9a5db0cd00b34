/* One helper thread for running two independent jobs at once (Bidirectional's
   two directions) that the caller never waits to *start*.

   An OpenMP team joins at the end of its region: when another process keeps
   a core busy, the second thread may not run for a scheduler time slice
   (milliseconds), and the caller waits for it even after doing all the work
   it could. Here the caller posts the second job, runs the first, and then
   takes the second back if the helper has not started it yet; it waits only
   for a job the helper is already running. Which thread runs a job does not
   change its result.

   Included by _recurrence.pxi; every kernel build has its own helper, made
   on first use. Used by one call at a time (the caller holds the GIL when it
   decides: fr_running in _process.h). */
#ifndef FASTRNN_HELPER_THREAD_H
#define FASTRNN_HELPER_THREAD_H

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <time.h>

typedef int (*fr_job)(void *);

enum { FR_IDLE, FR_POSTED, FR_TAKEN, FR_FINISHED };

static pthread_mutex_t fr_helper_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fr_helper_wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t fr_helper_done = PTHREAD_COND_INITIALIZER;
static int fr_helper_exists = 0;
static int fr_helper_state = FR_IDLE;    /* under fr_helper_lock */
static fr_job fr_helper_fn;
static void *fr_helper_arg;
static int fr_helper_status;
static long fr_helper_elapsed;           /* ns the helper's last job took */
/* Another process sharing the helper's core makes its job run late or slow,
   and the caller would wait for it: after a pair whose second job took more
   than twice as long as the first (per unit of work), the next fr_helper_backoff pairs run on the caller
   alone, twice as many each time it happens again in a row (up to 1024). */
static int fr_helper_backoff = 0;
static int fr_helper_next_backoff = 32;

static long fr_now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

/* Spin until fr_helper_state == want or `limit` ns pass; 1 if it came.
   A sleeping thread here takes tens of microseconds to wake (more than a
   small direction's whole run), so each side spins a little first, yielding
   now and then: the other thread may be waiting for this very core. */
static int fr_helper_spin(int want, long limit) {
    long t0 = fr_now_ns();
    for (unsigned spins = 1;; spins++) {
        if (__atomic_load_n(&fr_helper_state, __ATOMIC_ACQUIRE) == want)
            return 1;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
        if (spins % 64 == 0) {
            sched_yield();
            if (fr_now_ns() - t0 > limit)
                return 0;
        }
    }
}

/* How long the helper waits for the next job awake, and the caller for the
   helper's job: 100 us, 2 ms. */
#define FR_HELPER_IDLE_SPIN 100000L
#define FR_CALLER_SPIN 2000000L

static void *fr_helper_main(void *unused) {
    (void)unused;
    pthread_mutex_lock(&fr_helper_lock);
    for (;;) {
        while (fr_helper_state != FR_POSTED)
            pthread_cond_wait(&fr_helper_wake, &fr_helper_lock);
        __atomic_store_n(&fr_helper_state, FR_TAKEN, __ATOMIC_RELAXED);
        pthread_mutex_unlock(&fr_helper_lock);
        long t0 = fr_now_ns();
        int status = fr_helper_fn(fr_helper_arg);
        long elapsed = fr_now_ns() - t0;
        pthread_mutex_lock(&fr_helper_lock);
        fr_helper_status = status;
        fr_helper_elapsed = elapsed;
        __atomic_store_n(&fr_helper_state, FR_FINISHED, __ATOMIC_RELEASE);
        pthread_cond_signal(&fr_helper_done);
        pthread_mutex_unlock(&fr_helper_lock);
        fr_helper_spin(FR_POSTED, FR_HELPER_IDLE_SPIN);
        pthread_mutex_lock(&fr_helper_lock);
    }
    return NULL;
}

/* Called with fr_helper_lock held. Signals go to the other threads. */
static int fr_helper_start(void) {
    pthread_t thread;
    pthread_attr_t attr;
    sigset_t all, previous;
    int ok;
    if (fr_helper_exists)
        return 1;
    if (pthread_attr_init(&attr) != 0)
        return 0;
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    ok = pthread_create(&thread, &attr, fr_helper_main, NULL) == 0;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    pthread_attr_destroy(&attr);
    fr_helper_exists = ok;
    return ok;
}

/* a(a_arg) on this thread and b(b_arg) on the helper if it starts before a
   is done, else here too. Returns a's status; b's goes to *b_status.
   b_per_a: b's work over a's (to tell a slow helper from a bigger job). */
static int fr_run_pair(fr_job a, void *a_arg, fr_job b, void *b_arg, int *b_status,
                       double b_per_a) {
    int status;
    long t0, own;
    pthread_mutex_lock(&fr_helper_lock);
    if (fr_helper_state != FR_IDLE || fr_helper_backoff > 0 || !fr_helper_start()) {
        if (fr_helper_backoff > 0)
            fr_helper_backoff--;
        pthread_mutex_unlock(&fr_helper_lock);
        status = a(a_arg);
        *b_status = b(b_arg);
        return status;
    }
    fr_helper_fn = b;
    fr_helper_arg = b_arg;
    __atomic_store_n(&fr_helper_state, FR_POSTED, __ATOMIC_RELEASE);
    pthread_cond_signal(&fr_helper_wake);
    pthread_mutex_unlock(&fr_helper_lock);
    t0 = fr_now_ns();
    status = a(a_arg);
    own = fr_now_ns() - t0;
    pthread_mutex_lock(&fr_helper_lock);
    if (fr_helper_state == FR_POSTED) {
        /* Not started: take it back rather than wait for a core. */
        __atomic_store_n(&fr_helper_state, FR_IDLE, __ATOMIC_RELAXED);
        pthread_mutex_unlock(&fr_helper_lock);
        *b_status = b(b_arg);
        return status;
    }
    if (fr_helper_state != FR_FINISHED) {
        pthread_mutex_unlock(&fr_helper_lock);
        fr_helper_spin(FR_FINISHED, FR_CALLER_SPIN);
        pthread_mutex_lock(&fr_helper_lock);
    }
    while (fr_helper_state != FR_FINISHED)
        pthread_cond_wait(&fr_helper_done, &fr_helper_lock);
    *b_status = fr_helper_status;
    if (fr_helper_elapsed > 2.0 * b_per_a * (double)own + 20000.0) {
        fr_helper_backoff = fr_helper_next_backoff;
        if (fr_helper_next_backoff < 1024)
            fr_helper_next_backoff *= 2;
    } else {
        fr_helper_next_backoff = 32;
    }
    __atomic_store_n(&fr_helper_state, FR_IDLE, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&fr_helper_lock);
    return status;
}

/* fork(): the child has no helper thread, and a lock the parent's threads
   held stays held; start afresh. */
static void fr_helper_after_fork_in_child(void) {
    pthread_mutex_init(&fr_helper_lock, NULL);
    pthread_cond_init(&fr_helper_wake, NULL);
    pthread_cond_init(&fr_helper_done, NULL);
    fr_helper_exists = 0;
    fr_helper_state = FR_IDLE;
    fr_helper_backoff = 0;
    fr_helper_next_backoff = 32;
}

static int fr_helper_register_atfork(void) {
    return pthread_atfork(NULL, NULL, fr_helper_after_fork_in_child);
}

#endif
