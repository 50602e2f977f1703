/*
 * inside - who is inside.  See inside.h.
 *
 * The two lists are loaded into the tables of the cidr: and domain: map
 * types (maps_internal.h): one matcher for networks and one for domains
 * in the whole suite.
 */
#include "inside.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "maps_internal.h"
#include "util.h"

struct inside {
    void *nets;    /* cidr table */
    void *domains; /* domain table */
};

static int inside_fill(const struct map_backend *b, void *t,
                       const struct cfg_list *l, const struct cfg *c,
                       const char *key, struct cfg_errors *errs)
{
    char err[256];
    int bad = 0;

    for (size_t i = 0; i < l->n; i++) {
        char *line = xasprintf("%s yes", l->v[i]);

        if (b->add(t, line, err, sizeof(err)) < 0) {
            cfg_key_error(c, errs, "common", key, "%s: %s", l->v[i], err);
            bad = 1;
        }
        free(line);
    }
    b->finish(t);
    return bad ? -1 : 0;
}

int inside_new(const struct cfg *c, struct inside **in_r,
               struct cfg_errors *errs)
{
    const struct common_conf *cc = common_conf(c);
    struct inside *in = xcalloc(1, sizeof(*in));
    int bad = 0;

    in->nets = maps_cidr_backend.create();
    in->domains = maps_domain_backend.create();
    bad |= inside_fill(&maps_cidr_backend, in->nets, &cc->internal_networks,
                       c, "internal_networks", errs) < 0;
    bad |= inside_fill(&maps_domain_backend, in->domains, &cc->local_domains,
                       c, "local_domains", errs) < 0;
    if (bad) {
        inside_free(in);
        return -1;
    }
    *in_r = in;
    return 0;
}

void inside_free(struct inside *in)
{
    if (in == NULL)
        return;
    maps_cidr_backend.destroy(in->nets);
    maps_domain_backend.destroy(in->domains);
    free(in);
}

int inside_network(const struct inside *in, const char *ip)
{
    const char *v;
    char err[128];

    if (ip == NULL || *ip == '\0')
        return 0;
    return maps_cidr_backend.lookup(in->nets, ip, &v, err, sizeof(err)) ==
           MAP_FOUND;
}

int inside_domain(const struct inside *in, const char *domain)
{
    const char *v;
    char err[128];

    if (domain == NULL || *domain == '\0')
        return 0;
    return maps_domain_backend.lookup(in->domains, domain, &v, err,
                                      sizeof(err)) == MAP_FOUND;
}

int inside_outbound(const struct inside *in, const char *ip,
                    const char *auth_user, char *const *rcpts, size_t n)
{
    if (!inside_network(in, ip) && (auth_user == NULL || *auth_user == '\0'))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!inside_domain(in, rcpts[i]))
            return 1;
    return 0;
}
