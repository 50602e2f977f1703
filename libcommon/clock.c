/*
 * clock - the time seam.  See clock.h.
 *
 * The fake clock is a pair of offsets guarded by atomics: when it is on,
 * clock_wall() and clock_mono() return the frozen values plus whatever
 * clock_fake_advance() added.
 */
#include "clock.h"

#include <pthread.h>

static pthread_mutex_t clock_lock = PTHREAD_MUTEX_INITIALIZER;
static int clock_fake;
static double clock_fake_wall, clock_fake_mono;

static double clock_real(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double clock_wall_f(void)
{
    double v;

    if (!__atomic_load_n(&clock_fake, __ATOMIC_ACQUIRE))
        return clock_real(CLOCK_REALTIME);
    pthread_mutex_lock(&clock_lock);
    v = clock_fake_wall;
    pthread_mutex_unlock(&clock_lock);
    return v;
}

time_t clock_wall(void)
{
    return (time_t)clock_wall_f();
}

double clock_mono(void)
{
    double v;

    if (!__atomic_load_n(&clock_fake, __ATOMIC_ACQUIRE))
        return clock_real(CLOCK_MONOTONIC);
    pthread_mutex_lock(&clock_lock);
    v = clock_fake_mono;
    pthread_mutex_unlock(&clock_lock);
    return v;
}

void clock_fake_set(time_t wall, double mono)
{
    pthread_mutex_lock(&clock_lock);
    clock_fake_wall = (double)wall;
    clock_fake_mono = mono;
    pthread_mutex_unlock(&clock_lock);
    __atomic_store_n(&clock_fake, 1, __ATOMIC_RELEASE);
}

void clock_fake_advance(double seconds)
{
    pthread_mutex_lock(&clock_lock);
    clock_fake_wall += seconds;
    clock_fake_mono += seconds;
    pthread_mutex_unlock(&clock_lock);
}

void clock_fake_off(void)
{
    __atomic_store_n(&clock_fake, 0, __ATOMIC_RELEASE);
}

struct deadline deadline_in(long long ms)
{
    struct deadline d;

    d.at = clock_mono() + (double)ms / 1000.0;
    return d;
}

long long deadline_left_ms(struct deadline d)
{
    double left;

    if (d.at == 0)
        return -1;
    left = (d.at - clock_mono()) * 1000.0;
    return left > 0 ? (long long)left : 0;
}

int deadline_passed(struct deadline d)
{
    return d.at != 0 && clock_mono() >= d.at;
}

struct deadline deadline_min(struct deadline a, struct deadline b)
{
    if (a.at == 0)
        return b;
    if (b.at == 0)
        return a;
    return a.at < b.at ? a : b;
}
