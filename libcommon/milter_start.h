/*
 * milter_start - what a milter's start-up needs, checked before it is
 * needed: by "-n", and by the process the admin started, which still has
 * the terminal.
 *
 * SYNOPSIS
 *	struct milter_start st = { .socket = sock, .socket_section = "attach",
 *	                           .user = user, .user_option = o.user != 0 };
 *	int rc = milter_start_check(cfg, &st, &errs);   0, EX_USAGE, EX_CONFIG
 *	rc = milter_start_busy(&st, &why);              0 free, 1 in use
 *
 * DESCRIPTION
 *	milter_socket_check() checks a socket as libmilter takes it:
 *	"unix:PATH" or "local:PATH" with an absolute PATH short enough for a
 *	unix socket whose directory exists; "inet:PORT", "inet:PORT@HOST",
 *	"inet6:PORT@HOST" with PORT a number from 1 to 65535 (or a service
 *	name of /etc/services) and HOST not empty.  0, or -1 with *error_r.
 *
 *	milter_start_check() checks everything start-up will need that the
 *	configuration file does not check by itself: the socket (above) and
 *	that the user to switch to exists.  A problem with a value from the
 *	file is an error at the line that set it ("file:line: socket: ...",
 *	cfg_key_error()); a problem with a value from an option is an error
 *	about the option ("-p foo:bar: ...").  It returns 0, EX_USAGE (an
 *	option is wrong) or EX_CONFIG (the file is wrong), after appending
 *	every error it found to errs.
 *
 *	milter_start_busy() finds a milter already listening on the socket:
 *	for a unix socket, one that accepts a connection on the path (a
 *	path left behind by a dead milter refuses it, and libmilter then
 *	replaces it); for a TCP socket, an address that cannot be bound.
 *	Without this check libmilter would unlink a running milter's unix
 *	socket and listen in its place.  0 free, 1 in use, -1 cannot tell;
 *	*error_r says why for 1 and -1.
 *
 *	milter_start_warn() logs, loudly and before the start-up is over
 *	(so also on the terminal), what an admin would not guess: a milter
 *	started as root without a user to switch to keeps root's
 *	privileges, and its unix socket (root's, mode 0660) is closed to
 *	Postfix.
 *
 * OWNERSHIP
 *	Strings point into the caller's data or to static storage valid
 *	until the next call.
 */
#ifndef SLUICE_MILTER_START_H
#define SLUICE_MILTER_START_H

#include "cfg.h"

struct milter_start {
    const char *socket;         /* the socket in effect */
    const char *socket_section; /* whose "socket" key; unused with -p */
    int socket_option;          /* it came from -p */
    const char *user;           /* to switch to; "" or NULL: none */
    int user_option;            /* it came from -u */
};

int milter_socket_check(const char *spec, const char **error_r);
int milter_start_check(const struct cfg *c, const struct milter_start *st,
                       struct cfg_errors *errs);
int milter_start_busy(const struct milter_start *st, const char **error_r);
void milter_start_warn(const struct milter_start *st);

#endif
