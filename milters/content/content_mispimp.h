/*
 * content_mispimp.h - what the MISP importer's files share
 * (content_mispimp.c: events, indicators, JSON, paths; content_mispcsv.c:
 * CSV exports, hashes.csv, plain lists); private to them.
 */
#ifndef SLUICE_CONTENT_MISPIMP_H
#define SLUICE_CONTENT_MISPIMP_H

#include <jansson.h>

#include "content.h"

#define IMP_MAX_FILE (512LL * 1024 * 1024)

struct imp_event {
    char *id, *uuid, *info;
    int threat;
};

struct imp_ind {
    enum misp_kind kind;
    char *value;
    size_t event;
    int to_ids;
    char *uuid;
};

struct misp_import {
    struct imp_event *ev;
    size_t nev;
    struct imp_ind *ind;
    size_t nind;
    size_t *hash; /* indicators by kind+value, indexes + 1 */
    size_t hcap;
    json_t *manifest; /* the feed's, while its directory is read */
};

/* content_mispimp.c */
size_t imp_event(struct misp_import *im, const char *id, const char *uuid,
                 const char *info, int threat);
void imp_add(struct misp_import *im, enum misp_kind k, const char *raw,
             size_t ev, int to_ids, const char *uuid);
void imp_typed(struct misp_import *im, const char *type, const char *value,
               size_t ev, int to_ids, const char *uuid);
const char *imp_jstr(json_t *o, const char *key, char *buf, size_t n);

/* content_mispcsv.c */
int imp_hashes(struct misp_import *im, const char *text, size_t len,
               const char *origin, char **error_r);

#endif
