/*
 * ctl_quarantine - sluicectl quarantine: list, show, release, delete,
 * expire the messages the verdict held ([common] quarantine_dir).
 *
 * SYNOPSIS
 *	sluicectl quarantine list
 *	sluicectl quarantine show ID [--raw]
 *	sluicectl quarantine release [--by NAME] [--force] ID...
 *	sluicectl quarantine delete ID...
 *	sluicectl quarantine expire
 *
 * DESCRIPTION
 *	release sends the message as it was received (without the headers
 *	the quarantine put in front of it, with X-Sluice-Released instead)
 *	by SMTP to quarantine_release_host:quarantine_release_port, from
 *	its envelope sender to its envelope recipients, records who
 *	released it (--by, else $SUDO_USER, $LOGNAME, $USER, the uid), and
 *	teaches the classifier that it was ham (a false positive).  A
 *	message released once is refused a second time without --force.
 *	The file stays until it expires or is deleted.
 *
 *	Exit status: 0 done; 1 an ID not found; 69 the SMTP server, the
 *	index or the store could not be used (a release that was sent but
 *	not learned from says so and exits 69).
 *
 * OWNERSHIP
 *	Everything is freed before the command returns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "common.h"
#include "ctl.h"
#include "learn.h"
#include "quarantine.h"
#include "smtp_client.h"
#include "util.h"

static const char *const qcols[] = {"id", "date", "from", "to", "score",
                                    "subject", "status", NULL};

static void fmt_time(time_t t, char *buf, size_t n)
{
    struct tm tm;

    localtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
}

static char *rcpt_str(const struct quarantine_meta *m)
{
    struct strbuf b;

    strbuf_init(&b, 0);
    for (size_t i = 0; i < m->nrcpts; i++)
        strbuf_printf(&b, "%s%s", i ? "," : "", m->rcpts[i]);
    return m->nrcpts ? strbuf_detach(&b) : xstrdup("");
}

static char *status_str(const struct quarantine_meta *m)
{
    char d[32];

    if (m->released == 0)
        return xstrdup("held");
    fmt_time(m->released, d, sizeof(d));
    return xasprintf("released %s by %s", d, m->released_by);
}

static int list_cb(const struct quarantine_meta *m, void *arg)
{
    char d[32], sc[32], *to = rcpt_str(m), *st = status_str(m);

    fmt_time(m->date, d, sizeof(d));
    snprintf(sc, sizeof(sc), "%.2f", m->score);
    ctl_table_row(arg, m->id, d, m->sender, to, sc, m->subject, st);
    free(to);
    free(st);
    return 0;
}

static int q_open(struct ctl *c, struct quarantine **q_r)
{
    const char *err;

    if (quarantine_open(common_conf(c->cfg)->quarantine_dir, q_r, &err) < 0) {
        ctl_err("quarantine", "%s", err);
        return -1;
    }
    return 0;
}

static int q_list(struct ctl *c, struct quarantine *q)
{
    struct ctl_table *t = ctl_table_new(c, qcols);
    const char *err;

    if (quarantine_list(q, list_cb, t, &err) < 0) {
        ctl_table_print(t);
        ctl_err("quarantine", "%s", err);
        return CTL_EX_UNAVAILABLE;
    }
    ctl_table_print(t);
    return CTL_EX_OK;
}

static int q_show(struct ctl *c, struct quarantine *q, const char *id, int raw)
{
    static const char *const cols[] = {"field", "value", NULL};
    struct quarantine_meta m;
    struct ctl_table *t;
    char *msg = NULL, d[32], e[32], sc[32], sz[32], *to, *st;
    const char *err;
    size_t len;
    int rc = quarantine_get(q, id, &m, raw ? &msg : NULL, &len, &err);

    if (rc != 0) {
        ctl_err("quarantine", "%s: %s", id, rc > 0 ? "no such message" : err);
        return rc > 0 ? CTL_EX_NOTFOUND : CTL_EX_UNAVAILABLE;
    }
    if (raw) {
        fwrite(msg, 1, len, stdout);
        free(msg);
        quarantine_meta_free(&m);
        return CTL_EX_OK;
    }
    fmt_time(m.date, d, sizeof(d));
    if (m.expires)
        fmt_time(m.expires, e, sizeof(e));
    else
        strcpy(e, "never");
    snprintf(sc, sizeof(sc), "%.2f", m.score);
    snprintf(sz, sizeof(sz), "%lld", m.size);
    to = rcpt_str(&m);
    st = status_str(&m);
    t = ctl_table_new(c, cols);
    ctl_table_row(t, "id", m.id);
    ctl_table_row(t, "queue_id", m.qid);
    ctl_table_row(t, "date", d);
    ctl_table_row(t, "expires", e);
    ctl_table_row(t, "from", m.sender);
    ctl_table_row(t, "to", to);
    ctl_table_row(t, "client", m.client);
    ctl_table_row(t, "subject", m.subject);
    ctl_table_row(t, "score", sc);
    ctl_table_row(t, "reason", m.reason);
    ctl_table_row(t, "symbols", m.symbols);
    ctl_table_row(t, "size", sz);
    ctl_table_row(t, "status", st);
    ctl_table_print(t);
    free(to);
    free(st);
    quarantine_meta_free(&m);
    return CTL_EX_OK;
}

/* Skip the headers the quarantine put in front of the message. */
static size_t q_head_len(const char *msg, size_t len)
{
    size_t i = 0;

    while (i < len) {
        size_t e = i;

        if (str_ncasecmp(msg + i, "X-Sluice-Verdict:", 17) != 0 &&
            str_ncasecmp(msg + i, QUARANTINE_HEADER ":",
                         strlen(QUARANTINE_HEADER) + 1) != 0)
            return i;
        /* This header and its continuation lines. */
        do {
            const char *nl = memchr(msg + e, '\n', len - e);

            e = nl ? (size_t)(nl - msg) + 1 : len;
        } while (e < len && (msg[e] == ' ' || msg[e] == '\t'));
        i = e;
    }
    return i;
}

static const char *q_who(const char *by)
{
    static char uid[32];
    const char *v;

    if (by != NULL)
        return by;
    if ((v = getenv("SUDO_USER")) != NULL && *v)
        return v;
    if ((v = getenv("LOGNAME")) != NULL && *v)
        return v;
    if ((v = getenv("USER")) != NULL && *v)
        return v;
    snprintf(uid, sizeof(uid), "uid %u", (unsigned)getuid());
    return uid;
}

static int q_release_one(struct ctl *c, struct quarantine *q, const char *id,
                         const char *who, int force)
{
    const struct common_conf *cc = common_conf(c->cfg);
    struct quarantine_meta m;
    struct strbuf out;
    char *msg = NULL, *reply = NULL, d[32];
    const char *err;
    size_t len, off;
    int rc = quarantine_get(q, id, &m, &msg, &len, &err);

    if (rc != 0) {
        ctl_err("quarantine", "%s: %s", id, rc > 0 ? "no such message" : err);
        return rc > 0 ? CTL_EX_NOTFOUND : CTL_EX_UNAVAILABLE;
    }
    if (m.released && !force) {
        ctl_err("quarantine", "%s: already released by %s (--force sends it "
                              "again)",
                id, m.released_by);
        quarantine_meta_free(&m);
        free(msg);
        return CTL_EX_USAGE;
    }
    off = q_head_len(msg, len);
    fmt_time(clock_wall(), d, sizeof(d));
    strbuf_init(&out, 0);
    strbuf_printf(&out, "X-Sluice-Released: %s by %s (quarantine %s)\r\n", d,
                  who, id);
    strbuf_append(&out, msg + off, len - off);
    rc = smtp_client_send(cc->quarantine_release_host,
                          (int)cc->quarantine_release_port,
                          cc->quarantine_release_helo, m.sender, m.rcpts,
                          m.nrcpts, out.data, out.len, 60000, &reply, &err);
    strbuf_free(&out);
    if (rc < 0) {
        ctl_err("quarantine", "%s: not released: %s:%lld: %s", id,
                cc->quarantine_release_host, cc->quarantine_release_port, err);
        rc = CTL_EX_UNAVAILABLE;
    } else if (quarantine_released(q, id, who, &err) < 0) {
        ctl_err("quarantine", "%s: released (%s) but not recorded: %s", id,
                reply, err);
        rc = CTL_EX_UNAVAILABLE;
    } else {
        printf("%s: released to %s (%s)\n", id,
               m.nrcpts == 1 ? m.rcpts[0] : "its recipients", reply);
        /* A false positive: the classifier learns it was ham. */
        rc = ctl_learn_message(c, msg + off, len - off, LEARN_HAM);
        if (rc != CTL_EX_OK)
            ctl_err("quarantine", "%s: released, but not learned as ham", id);
    }
    free(reply);
    free(msg);
    quarantine_meta_free(&m);
    return rc;
}

static int q_each(struct ctl *c, struct quarantine *q, int argc, char **argv,
                  int release)
{
    const char *by = NULL;
    int force = 0, worst = CTL_EX_OK, n = 0;

    for (int i = 1; i < argc; i++) {
        int rc;

        if (release && strcmp(argv[i], "--by") == 0 && i + 1 < argc) {
            by = argv[++i];
            continue;
        }
        if (release && strcmp(argv[i], "--force") == 0) {
            force = 1;
            continue;
        }
        n++;
        if (release) {
            rc = q_release_one(c, q, argv[i], q_who(by), force);
        } else {
            const char *err;

            rc = quarantine_delete(q, argv[i], &err);
            if (rc != 0)
                ctl_err("quarantine", "%s: %s", argv[i],
                        rc > 0 ? "no such message" : err);
            rc = rc > 0 ? CTL_EX_NOTFOUND : rc < 0 ? CTL_EX_UNAVAILABLE : 0;
        }
        if (rc != CTL_EX_OK && worst != CTL_EX_UNAVAILABLE)
            worst = rc;
    }
    if (n == 0) {
        ctl_err("quarantine", "%s: an ID is needed", argv[0]);
        return CTL_EX_USAGE;
    }
    return worst;
}

static int q_expire(struct quarantine *q)
{
    size_t removed = 0;
    const char *err;

    if (quarantine_expire(q, clock_wall(), (size_t)-1, &removed, &err) < 0) {
        ctl_err("quarantine", "%s", err);
        return CTL_EX_UNAVAILABLE;
    }
    printf("%zu expired message%s removed\n", removed, removed == 1 ? "" : "s");
    return CTL_EX_OK;
}

static int quarantine_run(struct ctl *c, int argc, char **argv)
{
    struct quarantine *q;
    int rc;

    if (strcmp(argv[0], "list") != 0 && strcmp(argv[0], "show") != 0 &&
        strcmp(argv[0], "release") != 0 && strcmp(argv[0], "delete") != 0 &&
        strcmp(argv[0], "expire") != 0) {
        ctl_err("quarantine", "unknown subcommand %s (sluicectl -h)", argv[0]);
        return CTL_EX_USAGE;
    }
    if (strcmp(argv[0], "show") == 0 &&
        (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "--raw") != 0))) {
        ctl_err("quarantine", "usage: show ID [--raw]");
        return CTL_EX_USAGE;
    }
    if (q_open(c, &q) < 0)
        return CTL_EX_UNAVAILABLE;
    if (strcmp(argv[0], "list") == 0)
        rc = q_list(c, q);
    else if (strcmp(argv[0], "show") == 0)
        rc = q_show(c, q, argv[1], argc == 3);
    else if (strcmp(argv[0], "expire") == 0)
        rc = q_expire(q);
    else
        rc = q_each(c, q, argc, argv, strcmp(argv[0], "release") == 0);
    quarantine_close(q);
    return rc;
}

static const char *const quarantine_usage[] = {
    "list",
    "show ID [--raw]",
    "release [--by NAME] [--force] ID...",
    "delete ID...",
    "expire",
    NULL,
};

const struct ctl_command ctl_quarantine = {"quarantine", quarantine_usage,
                                           quarantine_run};
