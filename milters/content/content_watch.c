/*
 * content_watch - the files a configuration was built from (rule files,
 * YARA rules, the MISP indicator set): when one changes on disk, ask the
 * worker for a reload.
 *
 * SYNOPSIS
 *	struct content_watch *w = content_watch_new(5);
 *	content_watch_add(w, "/etc/sluice/rules.cf");
 *	content_watch_poll(w);                 (at each message)
 *
 * DESCRIPTION
 *	content_watch_add() records a file's identity as it is now (device,
 *	inode, size, modification time; a missing file is recorded as
 *	missing).  content_watch_poll() stats the files again at most once
 *	per interval seconds (0: never) and, when one differs, calls
 *	mod_request_reload() once for that change and takes the files as
 *	they are now as the new reference: the reload builds a new state
 *	with the new files, or keeps this one and logs the errors (a broken
 *	rule file with file:line); then the next change (the fix) asks
 *	again.
 *
 * OWNERSHIP
 *	Safe to poll from several threads (a lock); content_watch_free().
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "content.h"
#include "log.h"

struct watch_file {
    char *path;
    struct stat st;
    int missing;
};

struct content_watch {
    pthread_mutex_t lock;
    long long interval;
    double next;
    struct watch_file *f;
    size_t n;
};

struct content_watch *content_watch_new(long long interval)
{
    struct content_watch *w = xcalloc(1, sizeof(*w));

    pthread_mutex_init(&w->lock, NULL);
    w->interval = interval;
    w->next = clock_mono() + (double)interval;
    return w;
}

void content_watch_add(struct content_watch *w, const char *path)
{
    struct watch_file *f;

    for (size_t i = 0; i < w->n; i++)
        if (strcmp(w->f[i].path, path) == 0)
            return;
    w->f = xrealloc(w->f, (w->n + 1) * sizeof(*w->f));
    f = &w->f[w->n++];
    memset(f, 0, sizeof(*f));
    f->path = xstrdup(path);
    f->missing = stat(path, &f->st) != 0;
}

static int watch_changed(const struct watch_file *f)
{
    struct stat st;

    if (stat(f->path, &st) != 0)
        return !f->missing;
    return f->missing || st.st_dev != f->st.st_dev ||
           st.st_ino != f->st.st_ino || st.st_size != f->st.st_size ||
           st.st_mtim.tv_sec != f->st.st_mtim.tv_sec ||
           st.st_mtim.tv_nsec != f->st.st_mtim.tv_nsec;
}

int content_watch_poll(struct content_watch *w)
{
    double now = clock_mono();
    const char *changed = NULL;

    if (w == NULL || w->interval <= 0 || w->n == 0)
        return 0;
    pthread_mutex_lock(&w->lock);
    if (now < w->next) {
        pthread_mutex_unlock(&w->lock);
        return 0;
    }
    w->next = now + (double)w->interval;
    for (size_t i = 0; i < w->n && changed == NULL; i++)
        if (watch_changed(&w->f[i]))
            changed = w->f[i].path;
    if (changed != NULL) {
        for (size_t i = 0; i < w->n; i++)
            w->f[i].missing = stat(w->f[i].path, &w->f[i].st) != 0;
        log_info(NULL, "content: %s changed: reloading", changed);
        mod_request_reload();
    }
    pthread_mutex_unlock(&w->lock);
    return changed != NULL;
}

void content_watch_free(struct content_watch *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; i < w->n; i++)
        free(w->f[i].path);
    free(w->f);
    pthread_mutex_destroy(&w->lock);
    free(w);
}
