/*
 * content_msg - helpers for the sluice-content unit tests.
 *
 *	cmsg_load()     a configuration from text (written to a temporary
 *	                file; "@TESTDATA@" and "@SRCDIR@" are replaced) through
 *	                cfg_load() and content's setup(); NULL on errors,
 *	                which go to diag() and to *errs_r when given
 *	cmsg_run()      content_module.eom() on a raw message with an
 *	                envelope (client, SASL user, sender, recipients)
 *	cmsg_has()      the run's result has a symbol (and detail substring)
 *	cmsg_zip()      a zip in memory (libarchive)
 *	cmsg_docx(), cmsg_xlsx(), cmsg_odt(), cmsg_pdf()
 *	                documents whose text is the given text
 *	cmsg_build()    a message: headers, a text part, attachments (base64)
 */
#ifndef SLUICE_T_CONTENT_MSG_H
#define SLUICE_T_CONTENT_MSG_H

#include <stddef.h>

#include "content.h"
#include "util.h"

struct centry {
    const char *name;
    const unsigned char *data;
    size_t len;
};

struct catt {
    const char *ctype;
    const char *name;
    const unsigned char *data;
    size_t len;
};

struct cenv {
    const char *client; /* default 198.51.100.7 (outside) */
    const char *auth;   /* SASL user, or NULL */
    const char *from;
    const char *const *rcpts;
    size_t nrcpts;
};

struct crun {
    enum mod_rc rc;
    struct result res;
    struct mod_out out;
};

struct cfg *cmsg_load(const char *text, void **state_r,
                      struct cfg_errors *errs_r);
void cmsg_unload(struct cfg *c, void *state);
/* Give the env of state a resolver (the caller's; NULL to take it back). */
void cmsg_env_dns(void *state, struct dns *d);
void cmsg_run(void *state, const char *raw, const struct cenv *e,
              struct crun *r);
void cmsg_run_free(struct crun *r);
int cmsg_has(const struct crun *r, const char *sym, const char *detail);
double cmsg_score(const struct crun *r, const char *sym);

unsigned char *cmsg_zip(const struct centry *e, size_t n, size_t *len_r);
unsigned char *cmsg_docx(const char *text, size_t *len_r);
unsigned char *cmsg_xlsx(const char *const *cells, size_t n, size_t *len_r);
unsigned char *cmsg_odt(const char *text, size_t *len_r);
unsigned char *cmsg_pdf(const char *text, size_t *len_r);
char *cmsg_build(const char *headers, const char *text, const struct catt *a,
                 size_t n);
const char *cmsg_testdata(void);

#endif
