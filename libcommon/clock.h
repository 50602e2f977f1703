/*
 * clock - the time seam: wall-clock and monotonic time, and deadlines.
 *
 * DESCRIPTION
 *	Every piece of Sluice that needs the time (expiry in the store,
 *	greylisting windows, rate-limit windows, DNS budgets) asks here, so
 *	that tests can move time instead of sleeping.
 *
 *	clock_wall() is the wall clock in seconds since the epoch (for
 *	values that are stored or shown: expiry, "first seen");
 *	clock_mono() is monotonic seconds (for timeouts and budgets).
 *
 *	clock_fake_set() freezes both clocks (wall at the given epoch
 *	second, monotonic at mono); clock_fake_advance() moves both
 *	forward; clock_fake_off() returns to the real clocks.  They are for
 *	tests only and are process-wide.
 *
 *	A struct deadline is a point in monotonic time; at == 0 means "no
 *	deadline".  deadline_in() makes one ms milliseconds from now;
 *	deadline_left_ms() is what is left (0 when passed, -1 when there
 *	is no deadline); deadline_min() the earlier of two.
 *
 * OWNERSHIP
 *	Plain values; thread-safe.
 */
#ifndef SLUICE_CLOCK_H
#define SLUICE_CLOCK_H

#include <time.h>

struct deadline {
    double at; /* clock_mono() seconds; 0: none */
};

time_t clock_wall(void);
double clock_wall_f(void); /* with sub-second precision */
double clock_mono(void);

void clock_fake_set(time_t wall, double mono);
void clock_fake_advance(double seconds);
void clock_fake_off(void);

struct deadline deadline_in(long long ms);
long long deadline_left_ms(struct deadline d);
int deadline_passed(struct deadline d);
struct deadline deadline_min(struct deadline a, struct deadline b);

#endif
