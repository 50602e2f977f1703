/*
 * ctl_store - what every sluicectl command family that reads or changes
 * the milters' state shares: the store of the configuration, and times
 * shown the same way everywhere.
 *
 * DESCRIPTION
 *	ctl_store_open() opens the store that [common] store_* names (the
 *	Redis password file read as the milters read it), so that
 *	sluicectl sees exactly what the milters see, on one host (sqlite)
 *	or on a cluster (Redis).  It returns 0, or -1 after printing why on
 *	stderr ("sluicectl: store: ..."); the caller exits
 *	CTL_EX_UNAVAILABLE.  *pw_r (the password, or NULL) is the caller's
 *	to free after store_close().
 *
 *	ctl_time() writes an epoch time as local "YYYY-MM-DD HH:MM:SS",
 *	"-" for 0.
 */
#include <stdio.h>
#include <time.h>

#include "common.h"
#include "ctl.h"
#include "store.h"

int ctl_store_open(const struct ctl *c, struct store **s_r, char **pw_r)
{
    struct store_conf sc;
    const char *err;

    *s_r = NULL;
    if (store_conf_from_common(common_conf(c->cfg), &sc, pw_r, &err) < 0 ||
        store_open(&sc, s_r, &err) < 0) {
        ctl_err("store", "%s", err);
        return -1;
    }
    return 0;
}

void ctl_time(time_t t, char *buf, size_t size)
{
    struct tm tm;

    if (t == 0) {
        snprintf(buf, size, "-");
        return;
    }
    localtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
}
