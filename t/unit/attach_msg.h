/*
 * attach_msg - helpers for the sluice-attach unit tests.
 *
 *	pe            a 256-byte PE header (make_pe() fills it)
 *	b64()         base64 with CRLF every 76 characters
 *	zip()         a zip in memory (password: ZipCrypto), caller frees
 *	build()       multipart/mixed: a text part, then the attachments
 *	              (text_last: the text after them); caller frees
 *	run()         attach_module.eom() on a raw message; run_free()
 *	load()        t/data/attach/NAME through cfg_load() and setup()
 */
#ifndef SLUICE_T_ATTACH_MSG_H
#define SLUICE_T_ATTACH_MSG_H

#include <stddef.h>

#include "attach.h"
#include "util.h"

struct entry {
    const char *name;
    const unsigned char *data;
    size_t len;
};

struct att {
    const char *ctype;
    const char *param; /* Content-Disposition parameters, or NULL */
    const unsigned char *data;
    size_t len;
};

struct run {
    enum mod_rc rc;
    struct result res;
    struct sl_edits ed;
    struct mod_out out;
};

struct env {
    const char *from;
    const char *client;
    char **rcpts;
    size_t nrcpts;
    size_t size; /* 0: the raw length */
    int truncated; /* the glue could not buffer the whole message */
};

extern unsigned char pe[256];

void make_pe(void);
void b64(struct strbuf *b, const unsigned char *d, size_t n);
unsigned char *zip(const struct entry *e, size_t n, const char *password,
                   size_t *len_r);
char *build(const char *text, int text_last, const struct att *a, size_t n,
            size_t *body_off_r);
void run(void *state, const char *raw, size_t body_off, const struct env *env,
         struct run *r);
void run_free(struct run *r);
struct cfg *load(const char *name, void **state_r);

#endif
