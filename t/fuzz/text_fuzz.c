/*
 * text_fuzz - libFuzzer target for libcommon text: the first byte picks a
 *	charset, the rest is converted to UTF-8 (text_utf8) and reduced as
 *	HTML (text_html) with its links; the header decoder and the address
 *	parser read the same bytes.  Every result must be valid UTF-8.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "text.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_link(const struct text_link *l, void *arg)
{
    size_t *n = arg;

    if (l->url == NULL)
        abort();
    (*n)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const cs[] = {"utf-8",     "iso-8859-1", "windows-1252",
                                     "koi8-r",    "shift_jis",  "us-ascii",
                                     "x-unknown", NULL};
    struct text_addr *a;
    struct strbuf b;
    size_t len, links = 0, n;
    char *u, *s;

    if (size == 0)
        return 0;
    text_init();
    u = text_utf8(cs[data[0] % 8], data + 1, size - 1, &len, NULL);
    if (!g_utf8_validate(u, (gssize)len, NULL))
        abort();
    strbuf_init(&b, 1 << 20);
    text_html(u, len, &b, fuzz_link, &links);
    if (b.len > 0 && !g_utf8_validate(b.data, (gssize)b.len, NULL))
        abort();
    strbuf_free(&b);
    s = text_header(u);
    free(s);
    n = text_addresses(u, &a);
    text_addrs_free(a, n);
    free(u);
    return 0;
}
