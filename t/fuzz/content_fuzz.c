/*
 * content_fuzz - libFuzzer target for the rest of sluice-content's
 *	readers of hostile bytes: the DLP scanner and validators
 *	(content_dlp*.c), the document XML reader (content_text.c,
 *	libxml2) and clamd's answers (content_av.c), all on the same input.
 *	The archive reader is libcommon's (arc.h), fuzzed by arc_fuzz.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dlp_found f = {0};
    char *s = xstrndup((const char *)data, size), canon[40], name[128];
    size_t n = strlen(s);
    struct strbuf b;

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
    free(s);
    return 0;
}
