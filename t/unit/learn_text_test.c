/*
 * learn_text_test - what the classifier takes out of a message before it
 *	counts words (learn_text.c), and what it does not read: a mailing
 *	list's footers (Mailman with its separator, the signature mark,
 *	SourceForge's sponsor block, majordomo without a separator) are
 *	cut, a sender's own unsubscribe line and a mention far from the
 *	end are not; subject tags go, "re:" stays; the scripts of the text
 *	become features; and two messages that differ only in their route
 *	(relays, list headers, From, X-Mailer, a list's footer and tag)
 *	have the same features.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "learn.h"
#include "learn_int.h"
#include "mime.h"
#include "util.h"

static const struct mime_limits lim = {20, 500, 16 << 20};

static char *unfoot(const char *in)
{
    struct strbuf t;

    strbuf_init(&t, 0);
    strbuf_append(&t, in, strlen(in));
    learn_unfoot(&t);
    return t.len ? strbuf_detach(&t) : (strbuf_free(&t), xstrdup(""));
}

static char *untag(const char *in)
{
    struct strbuf t;

    strbuf_init(&t, 0);
    strbuf_append(&t, in, strlen(in));
    learn_untag(&t);
    return t.len ? strbuf_detach(&t) : (strbuf_free(&t), xstrdup(""));
}

static void same_str(char *got, const char *want, const char *name)
{
    ok(strcmp(got, want) == 0, "%s: \"%.60s\"", name, got);
    free(got);
}

static void test_unfoot(void)
{
    struct strbuf big;
    char *r;

    same_str(unfoot("hello world buy now ______________________________________"
                  "_________ ilug mailing list ilug@linux.ie "
                  "http://www.linux.ie/mailman/listinfo/ilug"),
           "hello world buy now ", "mailman footer cut at its separator");
    same_str(unfoot("text here -- irish linux users' group: ilug@linux.ie "
                  "http://www.linux.ie/mailman/listinfo/ilug for "
                  "(un)subscription information."),
           "text here ", "footer cut at the signature mark");
    same_str(unfoot("the body -------------------------------------------------"
                  "------ this sf.net email is sponsored by: thinkgeek "
                  "welcome to geek heaven. ________________________________"
                  "_______________ spamassassin-talk mailing list "
                  "https://lists.sourceforge.net/lists/listinfo/sat"),
           "the body ", "a sponsor block above the footer goes too");
    same_str(unfoot("foo bar to leave send unsubscribe to majordomo@example.org"),
           "foo bar to leave send unsubscribe to ",
           "no separator: cut at the mention");
    same_str(unfoot("buy cheap pills. to unsubscribe click here "
                  "http://x.example/remove"),
           "buy cheap pills. to unsubscribe click here http://x.example/remove",
           "a sender's own unsubscribe line stays");
    same_str(unfoot(""), "", "empty text");
    strbuf_init(&big, 0);
    strbuf_append(&big, "we discussed the mailing list ", 30);
    for (int i = 0; i < 300; i++)
        strbuf_append(&big, "more words ", 11);
    r = unfoot(big.data);
    ok(strlen(r) == big.len, "a mention 3 KiB above the end stays (%zu of %zu)",
       strlen(r), big.len);
    free(r);
    strbuf_free(&big);
}

static void test_untag(void)
{
    same_str(untag("[ilug] garden ornaments"), "garden ornaments", "a tag goes");
    same_str(untag("re: [satalk] [spam] hello"), "re: hello",
           "tags after re: go, re: stays");
    same_str(untag("[this is a very long bracket, more than forty bytes] x"),
           "[this is a very long bracket, more than forty bytes] x",
           "a long bracket is text");
    same_str(untag("no tag [here]"), "no tag [here]", "a bracket inside stays");
    same_str(untag("[a]"), "", "only a tag");
}

struct names {
    struct strbuf all;
};

static void collect(uint32_t idx, const char *name, size_t len, void *arg)
{
    struct names *n = arg;

    (void)idx;
    strbuf_append(&n->all, name, len);
    strbuf_append(&n->all, "\n", 1);
}

static char *names_of(const char *raw)
{
    struct learn_fv fv;
    struct names n;

    learn_fv_init(&fv, LEARN_BITS);
    strbuf_init(&n.all, 0);
    learn_message(raw, strlen(raw), &lim, &fv, collect, &n);
    learn_fv_free(&fv);
    return strbuf_detach(&n.all);
}

static void test_script(void)
{
    char *a = names_of("Subject: x\n\n\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5"
                       "\xd1\x82 \xd0\xbc\xd0\xb8\xd1\x80 \xd0\xba\xd0\xb0\xd0\xba "
                       "\xd0\xb4\xd0\xb5\xd0\xbb\xd0\xb0\n");
    char *b = names_of("Subject: x\n\nHello world, how are you today?\n");
    char *c = names_of("Subject: x\n\nhi\n");

    ok(strstr(a, "\nscript:greek-cyr:5\n") != NULL && strstr(a, "script:latin") == NULL,
       "Cyrillic text: script:greek-cyr:5");
    ok(strstr(b, "\nscript:latin:5\n") != NULL, "English text: script:latin:5");
    ok(strstr(c, "script:") == NULL, "fewer than 10 letters: no script feature");
    free(a), free(b), free(c);
}

/* The sorted buckets of a message. */
static size_t buckets(const char *raw, uint32_t **v_r)
{
    struct learn_fv fv;
    size_t n;

    learn_fv_init(&fv, LEARN_BITS);
    learn_message(raw, strlen(raw), &lim, &fv, NULL, NULL);
    n = fv.n;
    *v_r = xmalloc((n ? n : 1) * sizeof(uint32_t));
    memcpy(*v_r, fv.idx, n * sizeof(uint32_t));
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && (*v_r)[j - 1] > (*v_r)[j]; j--) {
            uint32_t t = (*v_r)[j];

            (*v_r)[j] = (*v_r)[j - 1];
            (*v_r)[j - 1] = t;
        }
    learn_fv_free(&fv);
    return n;
}

static void test_route(void)
{
    static const char direct[] =
        "From: Deals <deals@cheap.example>\n"
        "Subject: Cheap watches for you\n"
        "Received: from mx.cheap.example by mail.example.net\n"
        "X-Mailer: Ratware 1.0\n\n"
        "Genuine replica watches at low prices. Order today at "
        "http://cheap.example/watches and save.\n";
    static const char listed[] =
        "From: \"Someone Else\" <other@elsewhere.example>\n"
        "Subject: [ILUG] Cheap watches for you\n"
        "Received: from lugh.tuatha.org by dogma.slashnull.org\n"
        "Received: from mx.cheap.example by lugh.tuatha.org\n"
        "List-Id: Irish Linux Users' Group <ilug.linux.ie>\n"
        "X-Mailman-Version: 2.0.10\n"
        "X-BeenThere: ilug@linux.ie\n\n"
        "Genuine replica watches at low prices. Order today at "
        "http://cheap.example/watches and save.\n"
        "-- \nIrish Linux Users' Group: ilug@linux.ie\n"
        "http://www.linux.ie/mailman/listinfo/ilug for (un)subscription "
        "information.\nList maintainer: listmaster@linux.ie\n";
    uint32_t *a, *b;
    size_t na = buckets(direct, &a), nb = buckets(listed, &b);

    ok(na > 20 && na == nb && memcmp(a, b, na * sizeof(*a)) == 0,
       "the same message sent directly and through a list: the same "
       "features (%zu, %zu)",
       na, nb);
    free(a), free(b);
}

int main(void)
{
    mime_init();
    test_unfoot();
    test_untag();
    test_script();
    test_route();
    return done_testing();
}
