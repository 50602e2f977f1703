/*
 * learn_int.h - private to learn_*.c: the state of one feature run.
 *
 * struct learn_ctx carries the vector being built, the optional naming
 * callback, and the message's normalised text: decoded text parts and
 * HTML reduced to text, lower-cased (ASCII), blanks folded to one
 * space, at most LEARN_TEXT_MAX bytes.  learn_html.c fills the text from
 * HTML (and adds the html features and the URLs of attributes);
 * learn_feat.c does the rest.
 */
#ifndef SLUICE_LEARN_INT_H
#define SLUICE_LEARN_INT_H

#include "learn.h"
#include "util.h"

/* Feature groups: the seed of each group's hash. */
enum learn_group {
    LG_WORD = 1,
    LG_OSB,
    LG_C4,
    LG_HTML,
    LG_URL,
    LG_SUBJ,
    LG_SUBJ_OSB,
    LG_SUBJ_C4,
    LG_MIME,
    LG_HDR,
};

struct learn_ctx {
    struct learn_fv *fv;
    learn_name_cb cb;
    void *arg;
    struct strbuf text;
    size_t markup;   /* bytes of HTML markup seen */
    size_t html;     /* bytes of HTML seen */
    size_t nurls;
};

/* One named feature of group g (prefix names it for the callback). */
void learn_feat(struct learn_ctx *c, enum learn_group g, const char *s,
                size_t len, float val);
/* Append text, normalised (see above); stops at the cap. */
void learn_text_put(struct learn_ctx *c, const unsigned char *s, size_t n);
/* HTML: text to c->text, tags and attribute URLs as features. */
void learn_html(struct learn_ctx *c, const unsigned char *d, size_t n);
/* The host of the URL that starts at s (after "scheme://"). */
void learn_url_host(struct learn_ctx *c, const char *s, size_t n);
/* Every http(s):// and www. URL in plain text. */
void learn_urls(struct learn_ctx *c, const char *s, size_t n);

#endif
