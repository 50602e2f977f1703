/*
 * url_fuzz - libFuzzer target for libcommon url: every link url_find()
 *	finds in the input is parsed (url_parse), its redirector target
 *	taken and parsed once more; the whole input is also parsed as one
 *	URL.  Found links stay inside the input; parsed hosts are never empty.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_ctx {
    const char *base;
    size_t size;
};

static void fuzz_parse(const char *s, size_t len)
{
    struct url u, v;
    char *t;

    if (url_parse(s, len, &u) < 0)
        return;
    if (u.host == NULL || *u.host == '\0' || u.domain == NULL)
        abort();
    if ((t = url_redirect_target(&u)) != NULL) {
        if (url_parse(t, strlen(t), &v) == 0)
            url_free(&v);
        free(t);
    }
    url_free(&u);
}

static void fuzz_found(const char *s, size_t len, void *arg)
{
    struct fuzz_ctx *c = arg;

    if (s < c->base || s + len > c->base + c->size || len == 0)
        abort();
    fuzz_parse(s, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_ctx c = {(const char *)data, size};

    url_init();
    url_find((const char *)data, size, fuzz_found, &c);
    fuzz_parse((const char *)data, size);
    free(url_decode((const char *)data, size));
    return 0;
}
