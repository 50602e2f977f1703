/*
 * quarantine - messages held by the verdict, on disk, with their metadata,
 * until an admin releases or deletes them or they expire.
 *
 * SYNOPSIS
 *	struct quarantine_meta meta = { .qid = ..., .sender = ..., ... };
 *	quarantine_put(dir, retention, &meta, head, headlen, raw, len,
 *	               &id, &error);               (the enforcer, before it
 *	                                            answers the MTA)
 *	quarantine_open(dir, &q, &error);          (sluicectl)
 *	quarantine_list(q, cb, arg, &error);  quarantine_get(q, id, &meta,
 *	                &msg, &msglen, &error);
 *	quarantine_released(q, id, who, &error);  quarantine_delete(q, id, &e);
 *	quarantine_expire(q, now, max, &removed, &error);
 *	quarantine_close(q);
 *
 * DESCRIPTION
 *	One file per message, DIR/ID.eml, holding head (our headers, e.g.
 *	X-Sluice-Verdict and X-Sluice-Quarantine) and then the message as
 *	received; its metadata is a row of DIR/index.db (sqlite): queue ID,
 *	date, expiry, sender, client address, subject, score, symbols,
 *	reason, size, and one row per recipient with the language of its
 *	notices (quarantine_meta.langs; for localised notices, later), and
 *	once released, when and by whom.  The ID is the date and a random
 *	part ("20240101T120000-3f2a9c1d0b7e"), safe as a file name.
 *
 *	quarantine_put() writes the file under a temporary name, fsync()s
 *	it, renames it to its final name, fsync()s the directory, and only
 *	then inserts the row: when it returns 0 the message is on disk.  It
 *	returns -1 with *error_r (a message for the log) when any step
 *	fails, after removing what it wrote: the caller then refuses the
 *	message temporarily, so that nothing is lost.  It also removes up
 *	to 16 expired messages (retention seconds after their date; 0:
 *	kept until deleted).
 *
 *	quarantine_get() returns 0, 1 when no such ID, -1 on error.  The
 *	ID is checked (letters, digits, '-' and 'T') before any path is
 *	built from it.  quarantine_delete() removes the row and the file.
 *	quarantine_released() records the release (time, who).
 *
 * OWNERSHIP
 *	*id_r and *msg_r are the caller's (free()); quarantine_meta_free()
 *	frees a meta filled by quarantine_get() or given to a list
 *	callback (the callback's meta is freed after it returns).
 *	*error_r is valid until the next call on the same thread.
 */
#ifndef SLUICE_QUARANTINE_H
#define SLUICE_QUARANTINE_H

#include <stddef.h>
#include <time.h>

#define QUARANTINE_HEADER "X-Sluice-Quarantine"

enum quarantine_mode { QUARANTINE_DISCARD = 0, QUARANTINE_HOLD };

struct quarantine_meta {
    char *id;
    char *qid;
    time_t date;
    time_t expires;   /* 0: never */
    char *sender;     /* envelope sender, "" for <> */
    char **rcpts;     /* envelope recipients */
    char **langs;     /* per recipient: en, sv or fi */
    size_t nrcpts;
    char *client;     /* client address */
    char *subject;
    double score;
    char *symbols;
    char *reason;     /* "score 12.0 >= 10.0" or "forced by SYMBOL" */
    long long size;   /* bytes of the stored file */
    time_t released;  /* 0: not released */
    char *released_by;
};

struct quarantine;

typedef int (*quarantine_cb)(const struct quarantine_meta *m, void *arg);

int quarantine_put(const char *dir, long long retention,
                   const struct quarantine_meta *meta, const char *head,
                   size_t headlen, const char *raw, size_t len, char **id_r,
                   const char **error_r);

int quarantine_open(const char *dir, struct quarantine **q_r,
                    const char **error_r);
void quarantine_close(struct quarantine *q);
int quarantine_list(struct quarantine *q, quarantine_cb cb, void *arg,
                    const char **error_r);
int quarantine_get(struct quarantine *q, const char *id,
                   struct quarantine_meta *m, char **msg_r, size_t *len_r,
                   const char **error_r);
int quarantine_delete(struct quarantine *q, const char *id,
                      const char **error_r);
int quarantine_released(struct quarantine *q, const char *id, const char *who,
                        const char **error_r);
int quarantine_expire(struct quarantine *q, time_t now, size_t max,
                      size_t *removed_r, const char **error_r);
void quarantine_meta_free(struct quarantine_meta *m);
/* 1 when id has the shape quarantine_put() makes. */
int quarantine_id_ok(const char *id);

#endif
