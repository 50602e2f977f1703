/*
 * content_run - sluice-content's module outside the MTA (content_run.h).
 */
#include <stdio.h>

#include "content_run.h"

int content_run_open(struct content_run *r, const char *conf, const char *prog)
{
    const struct cfg_section *secs[] = {&common_section, &content_section};
    struct cfg_errors errs = {0};
    const char *err = NULL;

    reply_register(content_replies);
    r->cfg = cfg_load(conf, secs, 2, NULL, &errs);
    if (r->cfg == NULL || content_module.setup(r->cfg, &r->st, &errs) < 0 ||
        sl_env_open(&r->env, r->cfg, &errs) < 0 ||
        content_module.start(r->st, &r->env, &err) < 0) {
        for (size_t k = 0; k < errs.n; k++)
            fprintf(stderr, "%s\n", errs.v[k]);
        fprintf(stderr, "%s: cannot load %s %s\n", prog, conf, err ? err : "");
        return -1;
    }
    return 0;
}

enum mod_rc content_run_msg(struct content_run *r, char *client_addr,
                            char *client_name, char *qid, const char *raw,
                            size_t len, struct result *res)
{
    static char *rcpt[] = {"bob@example.net"};
    struct sl_conn conn = {0};
    struct sl_msg m = {0};
    struct sl_edits ed = {0};
    struct mod_ctx x;
    enum mod_rc rc;

    conn.client_addr = client_addr;
    conn.client_name = client_name;
    m.conn = &conn;
    m.qid = qid;
    m.from = "alice@example.org";
    m.rcpts = rcpt;
    m.nrcpts = 1;
    sl_msg_from_raw(&m, raw, len);
    mod_ctx_init(&x, &content_module, r->st, &r->env, &conn, &m, res, &ed);
    rc = content_module.eom(&x);
    sl_msg_clear(&m);
    sl_edits_free(&ed);
    return rc;
}

void content_run_close(struct content_run *r)
{
    content_module.teardown(r->st);
    sl_env_close(&r->env);
    cfg_release(r->cfg);
}
