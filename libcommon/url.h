/*
 * url - links in mail: found in text, parsed and normalised (libcurl's
 * URL API), hosts as A-labels (libidn2), registrable domains (libpsl),
 * and the target of a redirector one level deep.
 *
 * SYNOPSIS
 *	url_find(text, len, found_cb, arg);   (each link in plain text)
 *	struct url u;
 *	if (url_parse("https://Bücher.example/a%20b", len, &u) == 0) {
 *	    u.url     "https://xn--bcher-kva.example/a%20b"
 *	    u.host    "xn--bcher-kva.example"
 *	    u.domain  "xn--bcher-kva.example"
 *	    url_free(&u);
 *	}
 *	char *inner = url_redirect_target(&u);  ("?url=https://...")
 *
 * DESCRIPTION
 *	url_find() calls cb for every link in plain text: a scheme
 *	(http, https, ftp, and their defanged spellings hxxp, hxxps) with
 *	"://", or "www." at the start of a word.  A link ends at white
 *	space (also U+00A0 and U+3000), a control character, '<', '>',
 *	'"', '`' or typographic quotes; trailing punctuation (".,;:!?'")
 *	and an unbalanced closing ')' or ']' are not part of it.
 *
 *	url_parse() accepts an absolute http, https, ftp or ftps URL, a
 *	defanged hxxp(s) one, or a schemeless "www.example.org/..." (read
 *	as http).  The host is percent-decoded (curl_url with
 *	CURLU_URLDECODE), lower-cased, stripped of a trailing dot and
 *	converted to its A-label form (idn2_to_ascii_8z(), UTS #46
 *	non-transitional, else transitional); numeric IPv4 spellings
 *	("3232235777", "0x7f.1") become dotted quads (libcurl).  u->url is
 *	the URL libcurl gives back with that host (no fragment).
 *	u->domain is the registrable domain of the host (libpsl, the
 *	public suffix list Debian ships, else libpsl's built-in copy),
 *	the host itself when it has none, or the address for an IP host
 *	(u->is_ip).  It returns 0, or -1 when s is not such a URL or its
 *	host is not a valid name or address.
 *
 *	url_redirect_target() returns the URL a redirector points to: the
 *	percent-decoded value of the first query parameter named url, u,
 *	q, target, dest, destination, redirect, redirect_uri, redir,
 *	link, goto or to that starts with "http://", "https://" or "www."
 *	(Google's /url?q=, Outlook's safelinks ?url=, Facebook's l.php?u=
 *	and their like), or NULL.  One level: the caller does not unwrap
 *	what it returns.
 *
 *	url_decode() percent-decodes len bytes ("+" stays "+").
 *
 * OWNERSHIP
 *	struct url owns its strings (url_free()).  url_redirect_target()
 *	and url_decode() return strings the caller frees.  The public
 *	suffix list is loaded once per process (url_init(), idempotent,
 *	thread-safe) and never freed.
 */
#ifndef SLUICE_URL_H
#define SLUICE_URL_H

#include <stddef.h>

#define URL_MAX 4096

struct url {
    char *url;    /* normalised */
    char *host;   /* A-label, lower case; IPv6 without brackets */
    char *domain; /* registrable domain, or host */
    int is_ip;
};

typedef void (*url_found_cb)(const char *s, size_t len, void *arg);

void url_init(void);
size_t url_find(const char *text, size_t len, url_found_cb cb, void *arg);
int url_parse(const char *s, size_t len, struct url *u);
void url_free(struct url *u);
char *url_redirect_target(const struct url *u);
char *url_decode(const char *s, size_t len);
/* The registrable domain of a host (lower case, A-label); caller frees. */
char *url_domain(const char *host);

#endif
