/*
 * milter - the common main(): options, configuration, runtime snapshots,
 * reload, socket, privileges.  See milter.h for the contract; the
 * libmilter callbacks are in milter_cb.c and milter_eom.c.
 */
#include "milter.h"

#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <locale.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "inside.h"
#include "log.h"
#include "mime.h"
#include "milter_int.h"
#include "milter_start.h"
#include "supervise.h"
#include "util.h"

struct milter_app milter_app;

static pthread_mutex_t rt_lock = PTHREAD_MUTEX_INITIALIZER;
static struct runtime *rt_current;
static const char *config_path;

struct options {
    const char *config;
    const char *socket;
    const char *user;
    int test, dump, foreground, version;
};

static void usage(const char *progname)
{
    fprintf(stderr,
            "usage: %s [-c FILE] [-n] [-d] [-f] [-V] [-p SOCKET] [-u USER]\n"
            "  -c FILE    configuration file (default %s/sluice/sluice.conf)\n"
            "  -n         test the configuration and exit\n"
            "  -d         print the effective configuration and exit\n"
            "  -f         stay in the foreground, without a supervisor\n"
            "  -V         print the version and exit\n"
            "  -p SOCKET  listen on SOCKET (unix:PATH, inet:PORT@HOST)\n"
            "  -u USER    run as USER after opening the socket\n",
            progname, SYSCONFDIR);
}

static int parse_options(int argc, char **argv, struct options *o)
{
    int ch;

    memset(o, 0, sizeof(*o));
    o->config = SYSCONFDIR "/sluice/sluice.conf";
    while ((ch = getopt(argc, argv, "c:ndfVp:u:h")) != -1) {
        switch (ch) {
        case 'c': o->config = optarg; break;
        case 'n': o->test = 1; break;
        case 'd': o->dump = 1; break;
        case 'f': o->foreground = 1; break;
        case 'V': o->version = 1; break;
        case 'p': o->socket = optarg; break;
        case 'u': o->user = optarg; break;
        default: return -1;
        }
    }
    return optind == argc ? 0 : -1;
}

/* Load and validate one configuration; NULL with errs filled. */
static struct cfg *load_config(const char *path, struct cfg_errors *errs)
{
    const struct cfg_section *secs[MILTER_MAX_MODS + 1];
    /* Every section of the suite is known to every program, so one
     * file serves the whole chain: a program accepts the sections of
     * the other milters without checking their keys. */
    static const char *const known[] = {"common", SLUICE_MODULE_NAMES, NULL};
    struct cfg *c;
    size_t n = 0, before;

    secs[n++] = &common_section;
    for (size_t i = 0; i < milter_app.nmods; i++)
        if (milter_app.mods[i]->section)
            secs[n++] = milter_app.mods[i]->section;
    /* Partial: the checks of common_check() run even after a parse
     * error, so that one "-n" lists every error. */
    before = errs->n;
    c = cfg_load_partial(path, secs, n, known, errs);
    if (c != NULL && common_check(c, errs) + (errs->n - before) > 0) {
        cfg_release(c);
        return NULL;
    }
    return c;
}

static void runtime_free(struct runtime *rt)
{
    for (size_t i = 0; i < milter_app.nmods; i++)
        if (milter_app.mods[i]->teardown && rt->state[i])
            milter_app.mods[i]->teardown(rt->state[i]);
    if (rt->sv)
        milter_services_release(rt->sv);
    inside_free(rt->inside);
    secret_free(&rt->cur);
    secret_free(&rt->prev);
    cfg_release(rt->cfg);
    free(rt);
}

static int runtime_secrets(struct runtime *rt, struct cfg_errors *errs)
{
    const char *err;
    int bad = 0;

    if (secret_load(rt->cc->secret_file, &rt->cur, &err) < 0) {
        cfg_key_error(rt->cfg, errs, "common", "secret_file", "%s", err);
        bad = 1;
    }
    if (rt->cc->secret_file_previous &&
        secret_load(rt->cc->secret_file_previous, &rt->prev, &err) < 0) {
        cfg_key_error(rt->cfg, errs, "common", "secret_file_previous", "%s",
                      err);
        bad = 1;
    }
    return bad ? -1 : 0;
}

/* Build a runtime from a loaded config (takes the reference): every
 * module's setup(), pure; nothing is opened for the worker yet. */
static struct runtime *runtime_build(struct cfg *c, struct cfg_errors *errs)
{
    struct runtime *rt = xcalloc(1, sizeof(*rt));
    int bad = 0;

    rt->refs = 1;
    rt->cfg = c;
    rt->cc = common_conf(c);
    bad |= runtime_secrets(rt, errs) < 0;
    bad |= inside_new(c, &rt->inside, errs) < 0;
    for (size_t i = 0; i < milter_app.nmods; i++) {
        const struct module *m = milter_app.mods[i];
        const struct mod_conf *mc = cfg_section(c, m->name);

        if (m->setup && m->setup(c, &rt->state[i], errs) < 0)
            bad = 1;
        if (mc && mc->enforce)
            rt->enforce = 1;
    }
    if (milter_app.allinone)
        rt->enforce = 1;
    rt->env.cfg = c;
    rt->env.cc = rt->cc;
    rt->env.inside = rt->inside;
    if (bad) {
        runtime_free(rt);
        return NULL;
    }
    return rt;
}

/* In the worker, after the privilege drop: the shared services, then
 * every module's start().  0, or -1 with *error_r. */
static int runtime_start(struct runtime *rt, const char **error_r)
{
    if (milter_services_attach(rt, error_r) < 0)
        return -1;
    for (size_t i = 0; i < milter_app.nmods; i++) {
        const struct module *m = milter_app.mods[i];

        if (m->start && m->start(rt->state[i], &rt->env, error_r) < 0)
            return -1;
    }
    return 0;
}

struct runtime *runtime_acquire(void)
{
    struct runtime *rt;

    pthread_mutex_lock(&rt_lock);
    rt = rt_current;
    __atomic_add_fetch(&rt->refs, 1, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&rt_lock);
    return rt;
}

void runtime_release(struct runtime *rt)
{
    if (rt && __atomic_sub_fetch(&rt->refs, 1, __ATOMIC_SEQ_CST) == 0)
        runtime_free(rt);
}

static void print_errors(const struct cfg_errors *errs)
{
    for (size_t i = 0; i < errs->n; i++)
        fprintf(stderr, "%s\n", errs->v[i]);
}

/* Warnings ("file: warning: ..."): printed for the admin, or logged. */
static void print_warnings(const struct cfg_errors *errs)
{
    for (size_t i = 0; i < errs->nwarn; i++)
        fprintf(stderr, "%s\n", errs->warn[i]);
}

static void log_warnings(const struct cfg_errors *errs, const char *when)
{
    for (size_t i = 0; i < errs->nwarn; i++)
        log_warn(NULL, "%s%s", when, errs->warn[i]);
}

/* Reload: build, validate, start, swap.  Runs in the reload thread. */
static void reload(void)
{
    struct cfg_errors errs = {0};
    struct cfg *c = load_config(config_path, &errs);
    struct runtime *rt = c ? runtime_build(c, &errs) : NULL, *old;
    const char *err = NULL;

    if (rt != NULL)
        milter_mods_note(rt->cfg);
    if (rt != NULL && runtime_start(rt, &err) < 0) {
        cfg_errors_add(&errs, "%s: %s", config_path, err);
        runtime_release(rt);
        rt = NULL;
    }
    if (rt == NULL) {
        for (size_t i = 0; i < errs.n; i++)
            log_err(NULL, "reload: %s", errs.v[i]);
        log_err(NULL, "reload failed: keeping the running configuration");
        cfg_errors_free(&errs);
        return;
    }
    log_warnings(&errs, "reload: ");
    cfg_errors_free(&errs);
    pthread_mutex_lock(&rt_lock);
    old = rt_current;
    rt_current = rt;
    pthread_mutex_unlock(&rt_lock);
    runtime_release(old);
    log_reopen();
    log_info(NULL, "configuration reloaded from %s", config_path);
}

static void *reload_thread(void *arg)
{
    sigset_t *set = arg;
    int sig;

    for (;;) {
        if (sigwait(set, &sig) == 0 && sig == SIGUSR1)
            reload();
    }
    return NULL;
}

static const char *socket_of(const struct runtime *rt, const char *opt)
{
    const struct mod_conf *mc;

    if (opt)
        return opt;
    if (milter_app.allinone)
        return rt->cc->socket;
    mc = cfg_section(rt->cfg, milter_app.mods[0]->name);
    return mc ? mc->socket : NULL;
}

static const char *pidfile_of(const struct runtime *rt)
{
    const struct mod_conf *mc;

    if (milter_app.allinone)
        return rt->cc->pidfile;
    mc = cfg_section(rt->cfg, milter_app.mods[0]->name);
    return mc ? mc->pidfile : NULL;
}

static const char *unix_path(const char *sock)
{
    if (strncmp(sock, "unix:", 5) == 0)
        return sock + 5;
    if (strncmp(sock, "local:", 6) == 0)
        return sock + 6;
    return NULL;
}

/*
 * libmilter writes a header change and the final reply as two packets
 * and never sets TCP_NODELAY, so over TCP every editing milter would wait
 * ~40 ms per message for the MTA's delayed ACK (Nagle).  libmilter does
 * not expose its listening socket: find our one listening TCP socket and
 * set TCP_NODELAY on it; Linux copies it to every accepted connection.
 */
static void nodelay_on_listener(void)
{
    for (int fd = 0; fd < 1024; fd++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss), il = sizeof(int);
        int listening = 0, one = 1;

        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &il) < 0 ||
            !listening)
            continue;
        if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0 ||
            (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
            continue;
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
            log_warn(NULL, "TCP_NODELAY on the milter socket: %s",
                     strerror(errno));
    }
}

/* Open the socket as root, hand it to the user, then drop privileges. */
static int open_socket_and_drop(const char *sock, const char *user)
{
    const char *path = unix_path(sock);
    struct passwd *pw = NULL;
    mode_t old;

    if (user && *user && (pw = getpwnam(user)) == NULL) {
        log_err(NULL, "unknown user %s", user);
        return EX_CONFIG;
    }
    if (smfi_setconn((char *)sock) == MI_FAILURE ||
        smfi_register(milter_desc) == MI_FAILURE) {
        log_err(NULL, "cannot register with libmilter for %s", sock);
        return EX_UNAVAILABLE;
    }
    old = umask(0117);
    if (smfi_opensocket(1) == MI_FAILURE) {
        umask(old);
        log_err(NULL, "cannot open milter socket %s", sock);
        return EX_UNAVAILABLE;
    }
    umask(old);
    if (path == NULL)
        nodelay_on_listener();
    if (pw == NULL)
        return 0;
    if (path && chown(path, pw->pw_uid, pw->pw_gid) < 0)
        log_warn(NULL, "chown %s: %s", path, strerror(errno));
    if (setgid(pw->pw_gid) < 0 || initgroups(user, pw->pw_gid) < 0 ||
        setuid(pw->pw_uid) < 0) {
        log_err(NULL, "cannot drop privileges to %s: %s", user,
                strerror(errno));
        return EX_OSERR;
    }
    return 0;
}

/* Load the configuration in this process (a respawned worker reads the
 * file as it is now, with every reload since the start).  NULL after
 * logging the errors. */
static struct runtime *worker_config(void)
{
    struct cfg_errors errs = {0};
    struct cfg *c = load_config(config_path, &errs);
    struct runtime *rt = c ? runtime_build(c, &errs) : NULL;

    for (size_t i = 0; rt == NULL && i < errs.n; i++)
        log_err(NULL, "%s", errs.v[i]);
    if (rt != NULL) {
        log_warnings(&errs, "");
        milter_mods_note(rt->cfg);
    }
    cfg_errors_free(&errs);
    return rt;
}

static int run_worker(struct runtime *rt, const char *sock, const char *user)
{
    static sigset_t set;
    const char *err = NULL;
    pthread_t tid;
    int rc;

    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    if ((rc = open_socket_and_drop(sock, user)) != 0) {
        runtime_release(rt);
        return rc;
    }
    if (runtime_start(rt, &err) < 0) {
        log_err(NULL, "cannot start: %s", err);
        runtime_release(rt);
        return EX_CONFIG;
    }
    smfi_settimeout((int)rt->cc->milter_timeout);
    pthread_mutex_lock(&rt_lock);
    rt_current = rt;
    pthread_mutex_unlock(&rt_lock);
    if ((rc = pthread_create(&tid, NULL, reload_thread, &set)) != 0) {
        log_err(NULL, "cannot start the reload thread: %s", strerror(rc));
        return EX_OSERR;
    }
    mod_reload_enable();
    log_info(NULL, "%s %s listening on %s%s", milter_app.progname,
             PACKAGE_VERSION, sock, rt->enforce ? " (enforcing)" : "");
    if (milter_app.allinone)
        milter_mods_log();
    supervise_ready();
    rc = smfi_main();
    log_info(NULL, "%s stopped", milter_app.progname);
    return rc == MI_SUCCESS ? 0 : EX_SOFTWARE;
}

static int set_app(const char *progname, const struct module *const *mods,
                   size_t nmods, int allinone)
{
    if (nmods == 0 || nmods > MILTER_MAX_MODS) {
        fprintf(stderr, "%s: %zu modules: between 1 and %d are supported\n",
                progname, nmods, MILTER_MAX_MODS);
        return -1;
    }
    milter_app.progname = progname;
    milter_app.mods = mods;
    milter_app.nmods = nmods;
    milter_app.allinone = allinone;
    milter_mods_init(mods, nmods);
    milter_app.events = milter_mods_events(mods, nmods);
    for (size_t i = 0; i < nmods; i++)
        reply_register(mods[i]->replies);
    return 0;
}

static void open_log(const char *progname, const struct runtime *rt,
                     int foreground, const char **err)
{
    struct log_conf lc;

    memset(&lc, 0, sizeof(lc));
    lc.facility = rt->cc->log_facility;
    lc.file = rt->cc->log_file;
    lc.json_file = rt->cc->json_log_file;
    lc.foreground = foreground;
    lc.debug = rt->cc->debug;
    lc.startup = 1;
    *err = NULL;
    if (log_open(progname, &lc, err) < 0 && *err == NULL)
        *err = "cannot open the log";
}

/* What start-up needs (milter_start.h), for -n and before starting. */
static int start_check(const struct runtime *rt, const struct options *o,
                       struct milter_start *st)
{
    struct cfg_errors errs = {0};
    int rc;

    st->socket = socket_of(rt, o->socket);
    st->socket_option = o->socket != NULL;
    st->socket_section =
        milter_app.allinone ? "common" : milter_app.mods[0]->name;
    st->user = o->user ? o->user : rt->cc->user;
    st->user_option = o->user != NULL;
    if ((rc = milter_start_check(rt->cfg, st, &errs)) != 0) {
        print_errors(&errs);
        fprintf(stderr, "%s: %zu %s error%s\n", milter_app.progname, errs.n,
                rc == EX_USAGE ? "start-up" : "configuration",
                errs.n == 1 ? "" : "s");
    }
    cfg_errors_free(&errs);
    return rc;
}

/*
 * Start: the log, the supervisor (unless -f), the worker.  Takes rt; every
 * way out before the worker runs releases it, so that a failed start is
 * clean (and its status is its own, also under LeakSanitizer).
 */
static int start(struct runtime *rt, const struct options *o,
                 struct milter_start *st, const struct cfg_errors *warn)
{
    const char *err, *user;
    char *sock;
    int rc;

    open_log(milter_app.progname, rt, o->foreground, &err);
    if (err != NULL) {
        fprintf(stderr, "%s: %s\n", milter_app.progname, err);
        runtime_release(rt);
        return EX_CONFIG;
    }
    if (o->foreground) /* else the worker logs them as it loads */
        log_warnings(warn, "");
    if (st->socket == NULL || *st->socket == '\0') {
        fprintf(stderr, "%s: no socket configured: use -p SOCKET\n",
                milter_app.progname);
        runtime_release(rt);
        return EX_USAGE;
    }
    st->socket = sock = xstrdup(st->socket); /* outlives rt, for the worker */
    milter_start_warn(st);
    if (!o->foreground) {
        rc = supervise_start(milter_app.progname, pidfile_of(rt),
                             unix_path(sock));
        runtime_release(rt); /* the worker reads the file as it is now */
        if (rc != 0 || (rt = worker_config()) == NULL) {
            free(sock);
            return rc != 0 ? rc : EX_CONFIG;
        }
    }
    /* Before libmilter unlinks a live milter's socket to take its place. */
    if (milter_start_busy(st, &err) != 0) {
        log_err(NULL, "%s: not started", err);
        runtime_release(rt);
        free(sock);
        return EX_UNAVAILABLE;
    }
    user = o->user ? o->user : rt->cc->user;
    rc = run_worker(rt, sock, user);
    free(sock);
    return rc;
}

static int run(int argc, char **argv, const char *progname,
               const struct module *const *mods, size_t nmods, int allinone)
{
    struct options o;
    struct cfg_errors errs = {0};
    struct milter_start st;
    struct runtime *rt;
    struct cfg *c;
    int rc;

    setlocale(LC_CTYPE, "C.UTF-8");
    if (set_app(progname, mods, nmods, allinone) < 0)
        return EX_SOFTWARE;
    if (parse_options(argc, argv, &o) < 0) {
        usage(progname);
        return EX_USAGE;
    }
    if (o.version) {
        printf("%s %s\n", progname, PACKAGE_VERSION);
        return 0;
    }
    mime_init();
    config_path = o.config;
    c = load_config(o.config, &errs);
    if (c != NULL && milter_mods_select(c, &errs) < 0) {
        cfg_release(c);
        c = NULL;
    }
    rt = c ? runtime_build(c, &errs) : NULL;
    if (rt == NULL) {
        print_errors(&errs);
        fprintf(stderr, "%s: %zu configuration error%s\n", progname, errs.n,
                errs.n == 1 ? "" : "s");
        cfg_errors_free(&errs);
        return EX_CONFIG;
    }
    print_warnings(&errs);
    if ((!o.dump || o.test) && (rc = start_check(rt, &o, &st)) != 0) {
        cfg_errors_free(&errs);
        runtime_release(rt);
        return rc;
    }
    if (o.dump)
        cfg_dump(rt->cfg, stdout);
    if (o.test)
        printf("%s: configuration OK\n", o.config);
    if (o.test || o.dump) {
        cfg_errors_free(&errs);
        runtime_release(rt);
        return 0;
    }
    rc = start(rt, &o, &st, &errs);
    cfg_errors_free(&errs);
    return rc;
}

struct cfg *milter_config_load(const char *path,
                               const struct module *const *mods, size_t nmods,
                               struct cfg_errors *errs)
{
    struct milter_app saved = milter_app;
    struct runtime *rt;
    struct cfg *c;

    if (nmods > MILTER_MAX_MODS) {
        cfg_errors_add(errs, "%zu modules: at most %d", nmods,
                       MILTER_MAX_MODS);
        return NULL;
    }
    memset(&milter_app, 0, sizeof(milter_app));
    milter_app.progname = "sluicectl";
    milter_app.mods = mods;
    milter_app.nmods = nmods;
    for (size_t i = 0; i < nmods; i++)
        reply_register(mods[i]->replies);
    c = load_config(path, errs);
    rt = c ? runtime_build(cfg_acquire(c), errs) : NULL;
    if (c != NULL && rt == NULL) {
        cfg_release(c);
        c = NULL;
    }
    runtime_release(rt);
    milter_app = saved;
    return c;
}

int milter_main(int argc, char **argv, const char *progname,
                const struct module *const *mods, size_t nmods)
{
    return run(argc, argv, progname, mods, nmods, 0);
}

int milter_main_all(int argc, char **argv, const char *progname,
                    const struct module *const *mods, size_t nmods)
{
    return run(argc, argv, progname, mods, nmods, 1);
}
