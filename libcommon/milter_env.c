/*
 * milter_env - the worker's shared services: the resolver (with SPF) and
 * the store, opened after the privilege drop for the modules that need
 * them (struct module.needs).
 *
 * DESCRIPTION
 *	milter_services_attach() gives a runtime the services its
 *	configuration asks for, in rt->env.  Services are shared: a reload
 *	whose [common] dns_* and store_* settings did not change gets the
 *	same resolver and store (no reconnect, no cache lost); a reload
 *	that changed them opens new ones, and the old ones are closed when
 *	the last connection using the old configuration is done.  A store
 *	that cannot be opened at all (an sqlite file in a directory that
 *	does not exist, a Redis that refuses AUTH) is an error: the worker
 *	does not start, or the reload is refused; a Redis that is merely
 *	down is not (its calls fail until it is back, through each module's
 *	on_error).  An sqlite store gets a sweeper thread ([common]
 *	store_sweep_interval; store.h SWEEPER) so that expired entries
 *	leave the file off the hot path.
 *
 *	The store is needed when a module asks for it (needs_of/needs) and
 *	for an enforcer whose verdict can be "greylist" (greylist.h: the
 *	message is remembered for its retry).
 *
 * OWNERSHIP
 *	A struct milter_services is reference-counted: one reference per
 *	runtime using it, one for the "current" slot.  Only the worker uses
 *	it (services never cross a fork).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "dns.h"
#include "greylist.h"
#include "log.h"
#include "milter_int.h"
#include "spf.h"
#include "store.h"
#include "util.h"

struct milter_services {
    int refs; /* under sv_lock */
    char *key;
    struct store *store;
    struct store_sweeper *sweeper;
    char *password;
    struct dns *dns;
    struct spf *spf;
};

static pthread_mutex_t sv_lock = PTHREAD_MUTEX_INITIALIZER;
static struct milter_services *sv_current;

/* The settings the services were opened with, as one string. */
static char *sv_key(const struct common_conf *cc, unsigned needs)
{
    struct strbuf b;

    strbuf_init(&b, 0);
    if (needs & MOD_NEED_STORE)
        strbuf_printf(&b, "store=%d|%s|%s|%s|%lld|%lld;", cc->store_backend,
                      cc->store_path ? cc->store_path : "",
                      cc->store_redis ? cc->store_redis : "",
                      cc->store_redis_password_file
                          ? cc->store_redis_password_file
                          : "",
                      cc->store_redis_db, cc->store_timeout);
    if (needs & MOD_NEED_STORE)
        strbuf_printf(&b, "sweep=%lld;", cc->store_sweep_interval);
    if (needs & MOD_NEED_DNS) {
        strbuf_printf(&b, "dns=%lld|%lld|", cc->dns_timeout, cc->dns_tries);
        for (size_t i = 0; i < cc->dns_servers.n; i++)
            strbuf_printf(&b, "%s,", cc->dns_servers.v[i]);
        strbuf_puts(&b, ";");
    }
    strbuf_printf(&b, "needs=%u", needs);
    return strbuf_detach(&b);
}

static void sv_free(struct milter_services *sv)
{
    if (sv->spf)
        spf_free(sv->spf);
    if (sv->dns)
        dns_free(sv->dns);
    store_sweeper_stop(sv->sweeper);
    if (sv->store)
        store_close(sv->store);
    free(sv->password);
    free(sv->key);
    free(sv);
}

static int sv_open_store(struct milter_services *sv,
                         const struct common_conf *cc, const char **error_r)
{
    struct store_conf sc;

    if (store_conf_from_common(cc, &sc, &sv->password, error_r) < 0)
        return -1;
    if (store_open(&sc, &sv->store, error_r) < 0)
        return -1;
    if (sc.backend == STORE_SQLITE && cc->store_sweep_interval > 0 &&
        (sv->sweeper = store_sweeper_start(sv->store, cc->store_sweep_interval,
                                           error_r)) == NULL)
        return -1;
    log_info(NULL, "store: %s %s", store_backend_name(sc.backend),
             sc.backend == STORE_SQLITE ? sc.path : sc.redis);
    return 0;
}

/* The resolver (the [common] dns_* keys) and SPF over it; the SPF
 * receiver (Received-SPF, explanations) is this host's name. */
static int sv_open_dns(struct milter_services *sv,
                       const struct common_conf *cc, const char **error_r)
{
    struct dns_conf dc;
    char host[256];

    dc.servers = &cc->dns_servers;
    dc.timeout_ms = cc->dns_timeout;
    dc.tries = (int)cc->dns_tries;
    if (dns_new(&dc, &sv->dns, error_r) < 0)
        return -1;
    if (gethostname(host, sizeof(host)) < 0 || host[0] == '\0')
        snprintf(host, sizeof(host), "localhost");
    host[sizeof(host) - 1] = '\0';
    if (spf_new(sv->dns, host, &sv->spf, error_r) < 0)
        return -1;
    log_info(NULL, "resolver: %s",
             cc->dns_servers.n ? cc->dns_servers.v[0] : "system (/etc/resolv.conf)");
    return 0;
}

static struct milter_services *sv_open(const struct common_conf *cc,
                                       unsigned needs, char *key,
                                       const char **error_r)
{
    struct milter_services *sv = xcalloc(1, sizeof(*sv));

    sv->key = key;
    sv->refs = 1;
    if ((needs & MOD_NEED_STORE) && sv_open_store(sv, cc, error_r) < 0)
        goto fail;
    if ((needs & MOD_NEED_DNS) && sv_open_dns(sv, cc, error_r) < 0)
        goto fail;
    return sv;
fail:
    sv_free(sv);
    return NULL;
}

/* What this configuration's modules need. */
static unsigned sv_needs(const struct runtime *rt)
{
    unsigned needs = 0;

    for (size_t i = 0; i < milter_app.nmods; i++) {
        const struct module *m = milter_app.mods[i];

        needs |= m->needs_of ? m->needs_of(rt->state[i]) : m->needs;
    }
    if (rt->enforce && greylist_needs_store(rt->cc))
        needs |= MOD_NEED_STORE;
    return needs;
}

int milter_services_attach(struct runtime *rt, const char **error_r)
{
    unsigned needs = sv_needs(rt);
    struct milter_services *sv;
    char *key;

    if (needs == 0 || rt->sv != NULL)
        return 0;
    key = sv_key(rt->cc, needs);
    pthread_mutex_lock(&sv_lock);
    if (sv_current != NULL && strcmp(sv_current->key, key) == 0) {
        sv = sv_current;
        sv->refs++;
        free(key);
    } else if ((sv = sv_open(rt->cc, needs, key, error_r)) != NULL) {
        if (sv_current != NULL && --sv_current->refs == 0)
            sv_free(sv_current);
        sv_current = sv;
        sv->refs++; /* the runtime's */
    }
    pthread_mutex_unlock(&sv_lock);
    if (sv == NULL)
        return -1;
    rt->sv = sv;
    rt->env.store = sv->store;
    rt->env.dns = sv->dns;
    rt->env.spf = sv->spf;
    return 0;
}

void milter_services_release(struct milter_services *sv)
{
    int last;

    pthread_mutex_lock(&sv_lock);
    last = --sv->refs == 0;
    pthread_mutex_unlock(&sv_lock);
    if (last)
        sv_free(sv);
}
