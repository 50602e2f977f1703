/*
 * learn_int.h - private to learn_*.c: the state of one feature run.
 *
 * struct learn_ctx carries the vector being built, the optional naming
 * callback, and the message's normalised text: decoded text parts and
 * HTML reduced to text, lower-cased (ASCII), blanks folded to one
 * space, at most LEARN_TEXT_MAX bytes.  learn_html.c fills the text from
 * HTML (and adds the URLs of links and images); learn_text.c takes a
 * mailing list's footer and tags out of text; learn_feat.c does the rest.
 */
#ifndef SLUICE_LEARN_INT_H
#define SLUICE_LEARN_INT_H

#include "learn.h"
#include "util.h"

/*
 * Feature groups: the seed of each group's hash.  The numbers are part of
 * the model (a feature's bucket depends on them): never renumber, retire.
 */
enum learn_group {
    LG_WORD = 1,
    LG_PAIR = 2,
    LG_NGRAM = 3,
    LG_URL = 5,
    LG_SUBJ = 6,
    LG_SUBJ_PAIR = 7,
    LG_SUBJ_NGRAM = 8,
    LG_MIME = 9,
    LG_SCRIPT = 13,
};

struct learn_ctx {
    struct learn_fv *fv;
    learn_name_cb cb;
    void *arg;
    struct strbuf text;
    size_t nurls;
};

/* One named feature of group g (prefix names it for the callback). */
void learn_feat(struct learn_ctx *c, enum learn_group g, const char *s,
                size_t len, float val);
/* Append text, normalised (see above); stops at the cap. */
void learn_text_put(struct learn_ctx *c, const unsigned char *s, size_t n);
/* HTML: text to c->text, the URLs of its links as features. */
void learn_html(struct learn_ctx *c, const unsigned char *d, size_t n);
/* The host of the URL that starts at s (after "scheme://"). */
void learn_url_host(struct learn_ctx *c, const char *s, size_t n);
/* Every http(s):// and www. URL in plain text. */
void learn_urls(struct learn_ctx *c, const char *s, size_t n);
/* A mailing list's footer off the end of normalised text (learn_text.c). */
void learn_unfoot(struct strbuf *t);
/* A mailing list's subject tags ("[ilug] ") out of a normalised subject. */
void learn_untag(struct strbuf *t);
/* The share of the text's letters in each script, as features. */
void learn_script(struct learn_ctx *c);

#endif
