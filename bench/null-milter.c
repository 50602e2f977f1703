/*
 * null-milter - the floor cost of a content milter, for bench/run.sh.
 *
 * SYNOPSIS
 *	null-milter -p SOCKET [-H NAME] [-N] [-R [-D]] [-T SECONDS]
 *
 * DESCRIPTION
 *	A minimal libmilter milter that accepts everything.  It asks the MTA
 *	for every event (connect, helo, mail, rcpt, data, each header, end
 *	of headers, every body chunk, end of message) and does nothing with
 *	them, then adds one header ("NAME: yes", default X-Null-Milter) at
 *	end of message, so the MTA pays for a header change like it does for
 *	a Sluice milter's X-Sluice-Result.
 *
 *	-p SOCKET   libmilter socket: unix:/path, inet:PORT@127.0.0.1, ...
 *	            A unix socket is made mode 0666 so that Postfix's
 *	            cleanup (user postfix) can connect to it.
 *	-H NAME     name of the header added at end of message.
 *	-N          set TCP_NODELAY on the listening socket.  libmilter
 *	            never sets it and hides its listening descriptor, so we
 *	            look for it in /proc/self/fd after smfi_opensocket();
 *	            Linux copies the option to every accepted connection.
 *	            Without it, the header change and the final reply go out
 *	            as two TCP segments and the second one waits for the
 *	            MTA's delayed ACK (about 40 ms per message).
 *	-R          negotiate like Sluice did at first: "no reply"
 *	            (SMFIP_NR_*) for connect, helo, mail, rcpt, each header
 *	            and each body chunk (the MTA sends those without
 *	            waiting; the callbacks return SMFIS_NOREPLY), and no
 *	            DATA, end of headers and unknown-command events at all.
 *	-D          with -R: still take DATA and answer it, as Sluice does
 *	            now (libcommon/milter_cb.c).  Over TCP, Postfix's smtpd
 *	            then waits for that answer before it hands the milter
 *	            connection to cleanup, instead of leaving a small
 *	            unanswered write that holds cleanup's first header back
 *	            (Nagle on Postfix's side) until the milter's delayed
 *	            ACK, about 40 ms later.
 *	-T SECONDS  libmilter I/O timeout (default 60).
 *
 *	libmilter stops on SIGTERM, SIGINT and SIGHUP.
 *
 * OWNERSHIP
 *	No per-connection or per-message state: every callback only returns
 *	SMFIS_CONTINUE.  Options live in static storage for the process.
 */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

static const char *null_header = "X-Null-Milter";
static unsigned long null_nr; /* SMFIP_NR_* agreed with the MTA (-R) */
static int null_want_nr, null_want_data;

/* SMFIS_NOREPLY where the MTA agreed not to wait for this event. */
static sfsistat null_rc(unsigned long nr_flag)
{
    return (null_nr & nr_flag) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat null_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
                               unsigned long f2, unsigned long f3,
                               unsigned long *pf0, unsigned long *pf1,
                               unsigned long *pf2, unsigned long *pf3)
{
    unsigned long nr = SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL |
                       SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_BODY;

    (void)ctx;
    (void)f2;
    (void)f3;
    *pf0 = SMFIF_ADDHDRS & f0;
    if (null_want_nr) {
        nr |= SMFIP_NOEOH | SMFIP_NOUNKNOWN;
        if (!null_want_data)
            nr |= SMFIP_NODATA;
    }
    *pf1 = null_want_nr ? (nr & f1) : 0;
    *pf2 = 0;
    *pf3 = 0;
    /* the same for every connection of one MTA */
    null_nr = *pf1 & (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL |
                      SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_BODY);
    return SMFIS_CONTINUE;
}

static sfsistat null_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
    (void)ctx;
    (void)host;
    (void)sa;
    return null_rc(SMFIP_NR_CONN);
}

static sfsistat null_helo(SMFICTX *ctx, char *helo)
{
    (void)ctx;
    (void)helo;
    return null_rc(SMFIP_NR_HELO);
}

static sfsistat null_mail(SMFICTX *ctx, char **argv)
{
    (void)ctx;
    (void)argv;
    return null_rc(SMFIP_NR_MAIL);
}

static sfsistat null_rcpt(SMFICTX *ctx, char **argv)
{
    (void)ctx;
    (void)argv;
    return null_rc(SMFIP_NR_RCPT);
}

static sfsistat null_header_cb(SMFICTX *ctx, char *name, char *value)
{
    (void)ctx;
    (void)name;
    (void)value;
    return null_rc(SMFIP_NR_HDR);
}

static sfsistat null_stage(SMFICTX *ctx)
{
    (void)ctx;
    return SMFIS_CONTINUE;
}

static sfsistat null_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    (void)ctx;
    (void)chunk;
    (void)len;
    return null_rc(SMFIP_NR_BODY);
}

static sfsistat null_eom(SMFICTX *ctx)
{
    if (smfi_addheader(ctx, (char *)null_header, "yes") != MI_SUCCESS)
        return SMFIS_TEMPFAIL;
    return SMFIS_CONTINUE;
}

static struct smfiDesc null_desc = {
    .xxfi_name = "null-milter",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_ADDHDRS,
    .xxfi_connect = null_connect,
    .xxfi_helo = null_helo,
    .xxfi_envfrom = null_mail,
    .xxfi_envrcpt = null_rcpt,
    .xxfi_header = null_header_cb,
    .xxfi_eoh = null_stage,
    .xxfi_body = null_body,
    .xxfi_eom = null_eom,
    .xxfi_abort = null_stage,
    .xxfi_close = null_stage,
    .xxfi_data = null_stage,
    .xxfi_negotiate = null_negotiate,
};

/* Is fd a listening TCP socket? */
static int null_is_tcp_listener(int fd)
{
    struct stat st;
    int on = 0, domain = 0;
    socklen_t len = sizeof(on);

    if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
        return 0;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) < 0 || !on)
        return 0;
    len = sizeof(domain);
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
        return 0;
    return domain == AF_INET || domain == AF_INET6;
}

/* Set TCP_NODELAY on every listening TCP socket of this process; returns
 * how many were set, or -1 when /proc/self/fd cannot be read. */
static int null_set_nodelay(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    int one = 1, n = 0;

    if (d == NULL)
        return -1;
    while ((de = readdir(d)) != NULL) {
        int fd = atoi(de->d_name);
        if (de->d_name[0] == '.' || fd == dirfd(d))
            continue;
        if (!null_is_tcp_listener(fd))
            continue;
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0)
            n++;
    }
    closedir(d);
    return n;
}

/* "unix:/p" or "local:/p" -> "/p"; NULL for other socket kinds. */
static const char *null_unix_path(const char *sock)
{
    if (strncmp(sock, "unix:", 5) == 0)
        return sock + 5;
    if (strncmp(sock, "local:", 6) == 0)
        return sock + 6;
    if (sock[0] == '/')
        return sock;
    return NULL;
}

static void null_usage(void)
{
    fprintf(stderr, "usage: null-milter -p SOCKET [-H NAME] [-N] [-R [-D]] "
                    "[-T SECONDS]\n");
    exit(64);
}

int main(int argc, char **argv)
{
    const char *sock = NULL, *path;
    int opt, nodelay = 0, timeout = 60;

    while ((opt = getopt(argc, argv, "p:H:NRDT:")) != -1) {
        switch (opt) {
        case 'p':
            sock = optarg;
            break;
        case 'H':
            null_header = optarg;
            break;
        case 'N':
            nodelay = 1;
            break;
        case 'R':
            null_want_nr = 1;
            break;
        case 'D':
            null_want_data = 1;
            break;
        case 'T':
            timeout = atoi(optarg);
            break;
        default:
            null_usage();
        }
    }
    if (sock == NULL || optind != argc || timeout <= 0)
        null_usage();
    if (smfi_setconn((char *)sock) != MI_SUCCESS ||
        smfi_settimeout(timeout) != MI_SUCCESS ||
        smfi_register(null_desc) != MI_SUCCESS) {
        fprintf(stderr, "null-milter: cannot set up libmilter\n");
        return 1;
    }
    if (smfi_opensocket(1) != MI_SUCCESS) {
        fprintf(stderr, "null-milter: cannot open %s\n", sock);
        return 1;
    }
    path = null_unix_path(sock);
    if (path != NULL && chmod(path, 0666) < 0)
        fprintf(stderr, "null-milter: chmod %s: %s\n", path, strerror(errno));
    if (nodelay && null_set_nodelay() < 1) {
        fprintf(stderr, "null-milter: -N: no TCP listening socket found\n");
        return 1;
    }
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
