/*
 * arc_tnef - TNEF (winmail.dat, application/ms-tnef) with libytnef:
 *	the files Outlook unpacks from it.
 *
 * SYNOPSIS
 *	void arc_tnef_read(struct arc_ctx *c);
 *
 * DESCRIPTION
 *	arc_tnef_read() parses c's bytes with TNEFParseMemory() and gives
 *	every attachment to the member callback (arc.h): named by
 *	PR_ATTACH_LONG_FILENAME (Unicode or 8-bit), else its title
 *	(attAttachTitle), else PR_ATTACH_FILENAME; the other names it
 *	records, and an 8-bit name with a NUL inside read without the NUL,
 *	are given as ARC_M_ALT_NAME entries.  Its bytes are attAttachData,
 *	else PR_ATTACH_DATA_OBJ; an embedded message (PT_OBJECT: a 16-byte
 *	interface id, then a TNEF stream) is given as that stream, which
 *	the caller opens like any archive.  Every attachment counts as an
 *	entry (max_entries) and its bytes toward max_total.  A stream
 *	libytnef refuses is ARC_EV_UNREADABLE (detail: libytnef's message);
 *	what it read before the error is still given.
 *
 * LIBYTNEF CONTAINED
 *	libytnef 2.0 (Debian's) prints its error messages to stdout with
 *	printf() and puts() whatever its Debug field says (PREALLOCCHECK,
 *	SIZECHECK, "ERROR: Signature does not match"...), and leaks what
 *	it allocated for a repeated attribute (a second attAttachData
 *	overwrites the first pointer).  A hostile winmail.dat would write
 *	to the milter's stdout (the journal under systemd) and grow the
 *	worker's memory.  The build therefore links a copy of Debian's
 *	libytnef.a in which objcopy --redefine-sym points __printf_chk,
 *	printf, puts, putchar, malloc, calloc and free at the arc_ytnef_*
 *	functions below (Makefile.inc: libcommon/libytnef-quiet.a):
 *	    - what it prints goes to a buffer of the calling thread's
 *	      parse; the first line becomes the detail of
 *	      ARC_EV_UNREADABLE.  Nothing process-wide is touched (no
 *	      fd 1, no stdout FILE), so other threads are not affected;
 *	    - every block it allocates carries a header linking it into
 *	      the parse's arena (a list on this function's stack, reached
 *	      through a thread-local pointer while TNEFParseMemory()
 *	      runs); TNEFFree() unlinks what it frees, and whatever it
 *	      leaves is freed here.  calloc() fails past ARC_TNEF_ARENA_MAX
 *	      (libytnef checks calloc; its one malloc, in to_utf8(), is
 *	      bounded by the input and never refused).
 *	TNEF.attachmentSize bounds one attribute to the stream's size
 *	(rounded up to a MiB) instead of 50 MiB.
 *
 * OWNERSHIP
 *	Nothing libytnef allocated outlives arc_tnef_read().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ytnef.h>

#include "arc_int.h"
#include "log.h"
#include "util.h"

#define ARC_TNEF_MSG 200
#define ARC_TNEF_MAGIC 0x544e4546u /* "TNEF" */

struct tnef_block {
    struct tnef_block *prev, *next;
    struct tnef_arena *arena;
    size_t size;
    unsigned magic;
    unsigned pad[3]; /* the header is 48 bytes: 16-byte aligned data */
};

struct tnef_arena {
    struct tnef_block head; /* sentinel of a circular list */
    size_t bytes, max;
    char msg[ARC_TNEF_MSG];
    size_t msg_len;
    int msg_done; /* the first line is complete */
};

static __thread struct tnef_arena *tnef_current;

/* The functions libytnef calls instead of libc's (see above). */
void *arc_ytnef_malloc(size_t n);
void *arc_ytnef_calloc(size_t n, size_t size);
void arc_ytnef_free(void *p);
int arc_ytnef_printf_chk(int flag, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int arc_ytnef_printf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
int arc_ytnef_puts(const char *s);
int arc_ytnef_putchar(int ch);

static void *tnef_alloc(size_t n, int zero, int may_fail)
{
    struct tnef_arena *a = tnef_current;
    struct tnef_block *b;

    if (n > (size_t)-1 / 2 - sizeof(*b))
        return NULL;
    if (a != NULL && may_fail && a->bytes + n > a->max)
        return NULL;
    b = zero ? xcalloc(1, sizeof(*b) + n) : xmalloc(sizeof(*b) + n);
    b->magic = ARC_TNEF_MAGIC;
    b->size = n;
    b->arena = a;
    b->prev = b->next = NULL;
    if (a != NULL) {
        b->next = a->head.next;
        b->prev = &a->head;
        a->head.next->prev = b;
        a->head.next = b;
        a->bytes += n;
    }
    return b + 1;
}

void *arc_ytnef_malloc(size_t n)
{
    return tnef_alloc(n, 0, 0);
}

void *arc_ytnef_calloc(size_t n, size_t size)
{
    if (size != 0 && n > ((size_t)-1 / 2) / size)
        return NULL;
    return tnef_alloc(n * size, 1, 1);
}

void arc_ytnef_free(void *p)
{
    struct tnef_block *b;

    if (p == NULL)
        return;
    b = (struct tnef_block *)p - 1;
    if (b->magic != ARC_TNEF_MAGIC)
        abort(); /* not ours: never hand libytnef's blocks to free() */
    b->magic = 0;
    if (b->arena != NULL) {
        b->prev->next = b->next;
        b->next->prev = b->prev;
        b->arena->bytes -= b->size;
    }
    free(b);
}

/* Keep the first line libytnef prints; the rest is dropped. */
static void tnef_say(const char *s, size_t n)
{
    struct tnef_arena *a = tnef_current;

    for (size_t i = 0; a != NULL && !a->msg_done && i < n; i++) {
        if (s[i] == '\n' && a->msg_len > 0)
            a->msg_done = 1;
        else if (s[i] != '\n' && s[i] != '\r' &&
                 a->msg_len + 1 < sizeof(a->msg))
            a->msg[a->msg_len++] = s[i];
    }
}

static int tnef_vsay(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));

static int tnef_vsay(const char *fmt, va_list ap)
{
    char buf[ARC_TNEF_MSG];
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);

    if (n > 0)
        tnef_say(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
    return n;
}

int arc_ytnef_printf_chk(int flag, const char *fmt, ...)
{
    va_list ap;
    int n;

    (void)flag;
    va_start(ap, fmt);
    n = tnef_vsay(fmt, ap);
    va_end(ap);
    return n;
}

int arc_ytnef_printf(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = tnef_vsay(fmt, ap);
    va_end(ap);
    return n;
}

int arc_ytnef_puts(const char *s)
{
    tnef_say(s, strlen(s));
    tnef_say("\n", 1);
    return 1;
}

int arc_ytnef_putchar(int ch)
{
    char c = (char)ch;

    tnef_say(&c, 1);
    return (unsigned char)c;
}

/* A MAPI property's bytes (either type), or NULL. */
static variableLength *tnef_prop(MAPIProps *p, unsigned id, unsigned type)
{
    variableLength *v = MAPIFindProperty(p, PROP_TAG(type, id));

    if (v == MAPI_UNDEFINED || v == NULL || v->data == NULL || v->size <= 0)
        return NULL;
    return v;
}

/* A name property as a C string (caller frees), or NULL; an 8-bit one
 * with a NUL inside also as it reads without the NUL (*nul_r). */
static char *tnef_name(MAPIProps *p, unsigned id, char **nul_r)
{
    variableLength *v = tnef_prop(p, id, PT_UNICODE);
    size_t n;

    if (v != NULL) /* libytnef made it UTF-8, NUL terminated */
        return xstrndup((const char *)v->data,
                        strnlen((const char *)v->data, 3 * (size_t)v->size));
    if ((v = tnef_prop(p, id, PT_STRING8)) == NULL)
        return NULL;
    n = strnlen((const char *)v->data, (size_t)v->size);
    if (nul_r != NULL && n + 1 < (size_t)v->size) {
        char *s = xmalloc((size_t)v->size + 1);
        size_t k = 0;

        for (int i = 0; i < v->size; i++)
            if (v->data[i] != '\0')
                s[k++] = (char)v->data[i];
        s[k] = '\0';
        *nul_r = s;
    }
    return xstrndup((const char *)v->data, n);
}

/* The attachment's bytes: attAttachData, else PR_ATTACH_DATA_OBJ. */
static const unsigned char *tnef_data(Attachment *at, size_t *len_r)
{
    variableLength *v;

    *len_r = 0;
    if (at->FileData.data != NULL && at->FileData.size > 0) {
        *len_r = (size_t)at->FileData.size;
        return at->FileData.data;
    }
    if ((v = tnef_prop(&at->MAPI, PR_ATTACH_DATA_OBJ, PT_BINARY)) != NULL) {
        *len_r = (size_t)v->size;
        return v->data;
    }
    if ((v = tnef_prop(&at->MAPI, PR_ATTACH_DATA_OBJ, PT_OBJECT)) == NULL)
        return NULL;
    /* An embedded message: IID_IMessage, then its own TNEF stream. */
    if (v->size > 16 && arc_is_tnef(v->data + 16, (size_t)v->size - 16)) {
        *len_r = (size_t)v->size - 16;
        return v->data + 16;
    }
    *len_r = (size_t)v->size;
    return v->data;
}

/* The names other than the primary one, each once, as names only. */
static void tnef_alt_names(struct arc_ctx *c, char *const *names, size_t n,
                           const char *primary)
{
    for (size_t i = 0; i < n && !arc_stopped(c); i++) {
        int seen = names[i] == NULL || names[i][0] == '\0' ||
                   strcmp(names[i], primary) == 0;

        for (size_t j = 0; j < i && !seen; j++)
            seen = names[j] != NULL && strcmp(names[j], names[i]) == 0;
        if (!seen)
            arc_give(c, names[i], NULL, 0, ARC_M_ALT_NAME);
    }
}

/* Give one attachment: its bytes under its primary name, then the
 * other names it records. */
static void tnef_attachment(struct arc_ctx *c, Attachment *at)
{
    char *names[5] = {NULL, NULL, NULL, NULL, NULL};
    const char *primary = NULL;
    const unsigned char *data;
    size_t len, i;

    names[0] = tnef_name(&at->MAPI, PR_ATTACH_LONG_FILENAME, &names[1]);
    if (at->Title.data != NULL && at->Title.size > 0)
        names[2] = xstrndup((const char *)at->Title.data,
                            strnlen((const char *)at->Title.data,
                                    (size_t)at->Title.size));
    names[3] = tnef_name(&at->MAPI, PR_ATTACH_FILENAME, &names[4]);
    data = tnef_data(at, &len);
    for (i = 0; i < 5 && primary == NULL; i++)
        if (names[i] != NULL && names[i][0] != '\0')
            primary = names[i];
    if (primary == NULL && len == 0) {
        /* an empty attachment: nothing to judge */
    } else if (++c->entries > c->s->lim->max_entries) {
        arc_bomb(c, "archive_max_entries", c->s->lim->max_entries, c->entries);
    } else if (len == 0 || arc_count(c, len) == 0) {
        arc_give(c, primary, data, len, len > 0 ? ARC_M_FILE : 0);
        tnef_alt_names(c, names, 5, primary ? primary : "");
    }
    for (i = 0; i < 5; i++)
        free(names[i]);
}

void arc_tnef_read(struct arc_ctx *c)
{
    struct tnef_arena arena, *outer = tnef_current;
    struct tnef_block *b, *next;
    TNEFStruct t;
    Attachment *at;
    int r;

    memset(&arena, 0, sizeof(arena));
    arena.head.next = arena.head.prev = &arena.head;
    arena.max = 8 * c->len + 2 * 1024 * 1024;
    tnef_current = &arena;
    TNEFInitialize(&t);
    t.Debug = 0;
    t.attachmentSize = (int)((c->len >> 20) + 1 < 2047 ? (c->len >> 20) + 1
                                                        : 2047);
    r = TNEFParseMemory((BYTE *)c->data, (long)c->len, &t);
    tnef_current = outer;

    if (r < 0)
        arc_note(c, ARC_EV_UNREADABLE,
                 arena.msg_len > 0 ? arena.msg : "not a TNEF stream libytnef "
                                                 "can read");
    /* The head is libytnef's place for attributes before the first
     * attachment starts: Outlook may not show those, they are checked. */
    for (at = &t.starting_attach; at != NULL && !arc_stopped(c); at = at->next)
        tnef_attachment(c, at);

    tnef_current = &arena;
    TNEFFree(&t);
    tnef_current = outer;
    for (b = arena.head.next; b != &arena.head; b = next) {
        next = b->next;
        b->magic = 0;
        free(b);
    }
}
