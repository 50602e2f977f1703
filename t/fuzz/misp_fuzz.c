/*
 * misp_fuzz - libFuzzer target for sluice-content's MISP readers: the
 *	input as event JSON and as a CSV export (content_mispimp.c), and as
 *	an indicator set file (content_misp.c, through fmemopen).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "content.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct misp_import *im = misp_import_new();
    struct misp_set *s;
    struct misp_hit h;
    const char *err;
    char *e = NULL;
    FILE *fp;

    url_init();
    if (misp_import_json(im, (const char *)data, size, "fuzz.json", 0, &e) < 0)
        free(e);
    e = NULL;
    if (misp_import_csv(im, (const char *)data, size, "fuzz.csv", &e) < 0)
        free(e);
    misp_import_free(im);
    if (size > 0 && (fp = fmemopen((void *)data, size, "r")) != NULL) {
        if (misp_set_read(fp, "fuzz.set", &s, &err) == 0) {
            misp_lookup(s, MISP_IP, "192.0.2.1", &h);
            misp_set_free(s);
        }
        fclose(fp);
    }
    return 0;
}
