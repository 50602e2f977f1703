/*
 * content_fuzz - libFuzzer target for the rest of sluice-content's
 *	readers of hostile bytes: the DLP scanner and validators
 *	(content_dlp*.c), the document XML reader (content_text.c,
 *	libxml2), clamd's answers (content_av.c) and the bounded archive
 *	reader (content_arc.c), all on the same input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_member(void *arg, const char *name, const char *container,
                       const unsigned char *d, size_t len, int depth)
{
    size_t *n = arg;

    if (name == NULL || container == NULL || (len > 0 && d == NULL) ||
        depth < 1)
        abort();
    (*n)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct content_arc_limits lim = {3, 100, 4 << 20, 100, 3};
    struct dlp_found f = {0};
    char *s = xstrndup((const char *)data, size), canon[40], name[128];
    long long bytes = 0;
    size_t members = 0, n = strlen(s);
    struct strbuf b;
    int is_arc;

    dlp_scan_text((1u << DLP_N) - 1, s, n, 0, &f);
    for (size_t i = 0; i < f.n; i++)
        if (f.v[i].kind >= DLP_N)
            abort();
    dlp_found_free(&f);
    dlp_se_check(s, n, 1796601600, canon);
    dlp_fi_hetu_check(s, n);
    dlp_no_fnr_check(s, n, 1796601600);
    dlp_dk_cpr_check(s, n);
    dlp_card_check(s, n, canon, sizeof(canon));
    dlp_iban_check(s, n, canon, sizeof(canon));
    content_av_reply(s, name, sizeof(name));
    strbuf_init(&b, 1 << 20);
    content_text_xml(data, size, &b);
    strbuf_free(&b);
    content_arc_read(&lim, &bytes, "fuzz", data, size, 0, fuzz_member, &members,
                     &is_arc);
    free(s);
    return 0;
}
