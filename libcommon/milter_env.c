/*
 * milter_env - the worker's shared services: the resolver (dns.h) and
 * SPF (spf.h), opened after the privilege drop for the modules that need
 * them (struct module.needs), and kept across reloads while their
 * settings do not change.
 *
 * DESCRIPTION
 *	milter_services_attach() gives a runtime the services its modules
 *	need.  One struct milter_services is current at a time, keyed by
 *	[common] dns_servers, dns_timeout and dns_tries; a reload with the
 *	same keys shares it (a reference more), a reload with other keys
 *	opens a new one, and the old one is freed when the last runtime
 *	using it is torn down (milter_services_release(), after the
 *	modules' teardown, so that a module's handles over the resolver
 *	go first).  SPF's receiver name (Received-SPF) is the host name.
 *
 *	The store is not in this build yet: a module that needs it cannot
 *	start ("this build has no store").
 *
 * OWNERSHIP
 *	The services belong to this file; env->dns and env->spf are
 *	borrowed by the runtime's modules for the runtime's lifetime.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "dns.h"
#include "milter_int.h"
#include "module.h"
#include "spf.h"
#include "util.h"

struct milter_services {
    int refs;
    char *key; /* the settings it was opened with */
    struct dns *dns;
    struct spf *spf;
};

static pthread_mutex_t sv_lock = PTHREAD_MUTEX_INITIALIZER;
static struct milter_services *sv_current;

static char *services_key(const struct common_conf *cc)
{
    struct strbuf b;
    size_t i;

    strbuf_init(&b, 0);
    for (i = 0; i < cc->dns_servers.n; i++)
        strbuf_printf(&b, "%s,", cc->dns_servers.v[i]);
    strbuf_printf(&b, "|%lld|%lld", cc->dns_timeout, cc->dns_tries);
    return strbuf_detach(&b);
}

static void services_free(struct milter_services *sv)
{
    spf_free(sv->spf);
    dns_free(sv->dns);
    free(sv->key);
    free(sv);
}

static struct milter_services *services_open(const struct common_conf *cc,
                                             char *key, const char **error_r)
{
    struct milter_services *sv = xcalloc(1, sizeof(*sv));
    struct dns_conf dc = {&cc->dns_servers, cc->dns_timeout, (int)cc->dns_tries};
    char host[256] = "localhost";

    sv->key = key;
    sv->refs = 1;
    if (dns_new(&dc, &sv->dns, error_r) < 0) {
        services_free(sv);
        return NULL;
    }
    if (gethostname(host, sizeof(host) - 1) < 0)
        snprintf(host, sizeof(host), "localhost");
    if (spf_new(sv->dns, host, &sv->spf, error_r) < 0) {
        services_free(sv);
        return NULL;
    }
    return sv;
}

int milter_services_attach(struct runtime *rt, const char **error_r)
{
    struct milter_services *sv;
    char *key;

    if (milter_app.needs & MOD_NEED_STORE) {
        *error_r = "this build has no store";
        return -1;
    }
    if (!(milter_app.needs & MOD_NEED_DNS))
        return 0;
    key = services_key(rt->cc);
    pthread_mutex_lock(&sv_lock);
    if (sv_current != NULL && strcmp(sv_current->key, key) == 0) {
        sv = sv_current;
        sv->refs++;
        free(key);
    } else if ((sv = services_open(rt->cc, key, error_r)) != NULL) {
        sv_current = sv; /* not a reference: cleared when it is freed */
    }
    pthread_mutex_unlock(&sv_lock);
    if (sv == NULL)
        return -1;
    rt->sv = sv;
    rt->env.dns = sv->dns;
    rt->env.spf = sv->spf;
    return 0;
}

void milter_services_release(struct milter_services *sv)
{
    int last;

    if (sv == NULL)
        return;
    pthread_mutex_lock(&sv_lock);
    last = --sv->refs == 0;
    if (last && sv_current == sv)
        sv_current = NULL;
    pthread_mutex_unlock(&sv_lock);
    if (last)
        services_free(sv);
}
