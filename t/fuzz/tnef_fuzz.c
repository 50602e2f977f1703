/*
 * tnef_fuzz - libFuzzer target for the TNEF reader (libcommon/arc_tnef.c
 *	over libytnef): the input, with the TNEF signature put in front
 *	when it does not start with it, goes through arc_read() with
 *	small bounds; every member's bytes are read, and a TNEF member is
 *	opened in turn (embedded messages).  Findings are expected;
 *	crashes, leaks (what libytnef leaks must be freed by the arena),
 *	hangs, sanitizer reports and any byte on stdout are not.  Built by
 *	"make fuzz" (CC=clang); replayed over t/fuzz/corpus/tnef by "make
 *	check" through t/fuzz/replay.c.
 */
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_member(struct arc_scan *s, const struct arc_member *m)
{
    volatile unsigned char sink = 0;

    (void)s;
    if (m->name == NULL || m->container == NULL ||
        (m->len > 0 && m->data == NULL))
        abort();
    for (size_t i = 0; i < m->len; i++)
        sink ^= m->data[i];
    (void)sink;
    return arc_is_tnef(m->data, m->len) ? ARC_OPEN : ARC_NEXT;
}

static void fuzz_event(struct arc_scan *s, const struct arc_event *e)
{
    (void)s;
    if (e->container == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct arc_limits lim = {3, 100, 8 * 1024 * 1024, 100, 3,
                                          0};
    static int init;
    struct arc_scan s;
    unsigned char *buf;

    if (!init++)
        setlocale(LC_CTYPE, "C.UTF-8");
    buf = malloc(size + 4);
    if (buf == NULL)
        return 0;
    if (arc_is_tnef(data, size)) {
        memcpy(buf, data, size);
    } else {
        memcpy(buf, "\x78\x9f\x3e\x22", 4);
        memcpy(buf + 4, data, size);
        size += 4;
    }
    memset(&s, 0, sizeof(s));
    s.lim = &lim;
    s.qid = "FUZZ";
    s.member = fuzz_member;
    s.event = fuzz_event;
    s.deadline = arc_now() + 2.0;
    arc_read(&s, "winmail.dat", buf, size, 0);
    free(buf);
    return 0;
}
