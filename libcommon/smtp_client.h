/*
 * smtp_client - send one message by SMTP (quarantine release).
 *
 * DESCRIPTION
 *	smtp_client_send() connects to host:port (a name or an address),
 *	says EHLO helo, MAIL FROM:<from>, RCPT TO:<r> for each recipient,
 *	DATA, the message (CRLF line ends, dot-stuffed; its bytes are
 *	otherwise sent as they are), and QUIT.  Every reply is awaited at
 *	most timeout_ms.  It returns 0 when the server accepted the message
 *	(*reply_r: its final reply, e.g. "250 2.0.0 Ok: queued as 4XyZ1"),
 *	or -1 with *error_r saying which step failed and the server's reply
 *	or the system error.  A recipient the server refuses makes the whole
 *	send fail (RSET, nothing sent): a release is all or nothing.
 *
 * OWNERSHIP
 *	*reply_r is the caller's (free()); *error_r points to a per-thread
 *	buffer valid until the next call on the same thread.
 */
#ifndef SLUICE_SMTP_CLIENT_H
#define SLUICE_SMTP_CLIENT_H

#include <stddef.h>

int smtp_client_send(const char *host, int port, const char *helo,
                     const char *from, char *const *rcpts, size_t nrcpts,
                     const char *msg, size_t len, int timeout_ms,
                     char **reply_r, const char **error_r);

#endif
