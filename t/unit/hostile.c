/*
 * hostile - TNEF streams and renamed zips for the tests (see hostile.h).
 *
 *	TNEF layout (MS-OXTNEF 2.1.3): the signature 0x223E9F78, a 16-bit
 *	legacy key, then attributes: a level byte (1 message, 2
 *	attachment), the attribute id (type << 16 | id), the data length,
 *	the data, and a 16-bit checksum (the sum of the data bytes), all
 *	little endian.  attAttachment holds MAPI properties: a count, then
 *	per property its tag (type | id << 16) and value; a variable-size
 *	value is a count of values (1), its size and its bytes padded to
 *	four.
 */
#include "hostile.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define ATT_TNEF_VERSION 0x00089006u
#define ATT_OEM_CODEPAGE 0x00069007u
#define ATT_MESSAGE_CLASS 0x00078008u
#define ATT_RENDDATA 0x00069002u
#define ATT_TITLE 0x00018010u
#define ATT_DATA 0x0006800Fu
#define ATT_ATTACHMENT 0x00069005u

#define PT_LONG 0x0003u
#define PT_OBJECT 0x000Du
#define PT_STRING8 0x001Eu
#define PT_UNICODE 0x001Fu
#define PR_ATTACH_METHOD 0x3705u
#define PR_ATTACH_LONG_FILENAME 0x3707u
#define PR_ATTACH_DATA_OBJ 0x3701u

static void put16(struct strbuf *b, unsigned v)
{
    unsigned char p[2] = {(unsigned char)v, (unsigned char)(v >> 8)};

    strbuf_append(b, p, 2);
}

static void put32(struct strbuf *b, uint32_t v)
{
    unsigned char p[4] = {(unsigned char)v, (unsigned char)(v >> 8),
                          (unsigned char)(v >> 16), (unsigned char)(v >> 24)};

    strbuf_append(b, p, 4);
}

static void attr(struct strbuf *b, int level, uint32_t id, const void *data,
                 size_t len)
{
    const unsigned char *p = data;
    unsigned sum = 0;

    strbuf_append(b, &(unsigned char){(unsigned char)level}, 1);
    put32(b, id);
    put32(b, (uint32_t)len);
    strbuf_append(b, data, len);
    for (size_t i = 0; i < len; i++)
        sum += p[i];
    put16(b, sum & 0xffff);
}

/* One variable-size MAPI value: 1 value, its size, its bytes, padding. */
static void mapi_var(struct strbuf *b, unsigned type, unsigned id,
                     const void *data, size_t len)
{
    static const unsigned char zero[4] = {0, 0, 0, 0};

    put32(b, type | id << 16);
    put32(b, 1);
    put32(b, (uint32_t)len);
    strbuf_append(b, data, len);
    if (len % 4)
        strbuf_append(b, zero, 4 - len % 4);
}

/* The name as UTF-16LE with a final NUL (ASCII names only). */
static unsigned char *utf16(const char *s, size_t n, size_t *len_r)
{
    unsigned char *u = xcalloc(2 * n + 2, 1);

    for (size_t i = 0; i < n; i++)
        u[2 * i] = (unsigned char)s[i];
    *len_r = 2 * n + 2;
    return u;
}

static void mapi_props(struct strbuf *b, const struct hx_att *a)
{
    static const unsigned char iid_imessage[16] = {
        0x07, 0x03, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
        0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};
    size_t n = a->long_name_len ? a->long_name_len
               : a->long_name  ? strlen(a->long_name)
                               : 0;

    put32(b, 1 + (a->long_name != NULL) + (a->embedded != NULL));
    put32(b, PT_LONG | PR_ATTACH_METHOD << 16);
    put32(b, a->embedded ? 5 : 1); /* ATTACH_EMBEDDED_MSG, ATTACH_BY_VALUE */
    if (a->long_name != NULL && a->unicode) {
        size_t ul;
        unsigned char *u = utf16(a->long_name, n, &ul);

        mapi_var(b, PT_UNICODE, PR_ATTACH_LONG_FILENAME, u, ul);
        free(u);
    } else if (a->long_name != NULL) {
        char *s = xcalloc(n + 1, 1);

        memcpy(s, a->long_name, n);
        mapi_var(b, PT_STRING8, PR_ATTACH_LONG_FILENAME, s, n + 1);
        free(s);
    }
    if (a->embedded != NULL) {
        unsigned char *o = xmalloc(16 + a->embedded_len);

        memcpy(o, iid_imessage, 16);
        memcpy(o + 16, a->embedded, a->embedded_len);
        mapi_var(b, PT_OBJECT, PR_ATTACH_DATA_OBJ, o, 16 + a->embedded_len);
        free(o);
    }
}

unsigned char *hx_tnef(const struct hx_att *a, size_t n, size_t *len_r)
{
    static const unsigned char version[4] = {0, 0, 1, 0};
    static const unsigned char codepage[8] = {0xe4, 0x04, 0, 0, 0, 0, 0, 0};
    static const char klass[] = "IPM.Microsoft Mail.Note";
    static const unsigned char rend[14] = {1, 0, 0xff, 0xff, 0xff, 0xff, 0,
                                           0, 0, 0, 0, 0, 0, 0};
    struct strbuf b, m;

    strbuf_init(&b, 0);
    put32(&b, 0x223E9F78u);
    put16(&b, 0x0001);
    attr(&b, 1, ATT_TNEF_VERSION, version, sizeof(version));
    attr(&b, 1, ATT_OEM_CODEPAGE, codepage, sizeof(codepage));
    attr(&b, 1, ATT_MESSAGE_CLASS, klass, sizeof(klass));
    for (size_t i = 0; i < n; i++) {
        attr(&b, 2, ATT_RENDDATA, rend, sizeof(rend));
        if (a[i].title != NULL)
            attr(&b, 2, ATT_TITLE, a[i].title, strlen(a[i].title) + 1);
        if (a[i].data != NULL)
            attr(&b, 2, ATT_DATA, a[i].data, a[i].len);
        if (a[i].data != NULL && a[i].data_twice)
            attr(&b, 2, ATT_DATA, a[i].data, a[i].len);
        strbuf_init(&m, 0);
        mapi_props(&m, &a[i]);
        attr(&b, 2, ATT_ATTACHMENT, m.data, m.len);
        strbuf_free(&m);
    }
    *len_r = b.len;
    return (unsigned char *)strbuf_detach(&b);
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* Rewrite the checksum of the attribute at off (its data changed). */
static void fix_sum(unsigned char *t, size_t off)
{
    uint32_t len = get32(t + off + 5);
    unsigned sum = 0;

    for (uint32_t i = 0; i < len; i++)
        sum += t[off + 9 + i];
    t[off + 9 + len] = (unsigned char)sum;
    t[off + 10 + len] = (unsigned char)(sum >> 8);
}

int hx_tnef_corrupt(unsigned char *t, size_t len, int what)
{
    size_t off = 6, last = 0, mapi = 0;
    uint32_t alen;

    while (off + 11 <= len) {
        alen = get32(t + off + 5);
        if (off + 11 + alen > len)
            return -1;
        last = off;
        if (get32(t + off + 1) == ATT_ATTACHMENT)
            mapi = off;
        off += 11 + alen;
    }
    if (last == 0)
        return -1;
    if (what == HX_BAD_CHECKSUM) {
        t[last + 9 + get32(t + last + 5)] ^= 0x5a;
        return 0;
    }
    if (what == HX_BAD_SIZE) {
        t[last + 5] = t[last + 6] = t[last + 7] = 0xff;
        t[last + 8] = 0x0f;
        return 0;
    }
    if (what != HX_BAD_MAPI || mapi == 0)
        return -1;
    t[mapi + 9] = 0x88; /* 5000 properties: libytnef allows 1000 */
    t[mapi + 10] = 0x13;
    fix_sum(t, mapi);
    return 0;
}

int hx_zip_rename(unsigned char *z, size_t len, const char *from,
                  const char *to)
{
    size_t n = strlen(from), nl;

    if (strlen(to) != n)
        return -1;
    for (size_t i = 0; i + 46 <= len; i++) {
        if (memcmp(z + i, "PK\1\2", 4) != 0)
            continue;
        nl = (size_t)z[i + 28] | (size_t)z[i + 29] << 8;
        if (nl == n && i + 46 + nl <= len && memcmp(z + i + 46, from, n) == 0) {
            memcpy(z + i + 46, to, n);
            return 0;
        }
    }
    return -1;
}

int hx_write(const char *path, const unsigned char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    int ok;

    if (f == NULL)
        return -1;
    ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

void hx_uuencode(struct strbuf *b, const unsigned char *d, size_t n,
                 const char *eol)
{
    for (size_t i = 0; i < n; i += 45) {
        size_t k = n - i < 45 ? n - i : 45;

        strbuf_append(b, &(char){(char)(0x20 + k)}, 1);
        for (size_t j = 0; j < k; j += 3) {
            unsigned v = (unsigned)d[i + j] << 16 |
                         (j + 1 < k ? (unsigned)d[i + j + 1] << 8 : 0) |
                         (j + 2 < k ? d[i + j + 2] : 0);

            for (int sh = 18; sh >= 0; sh -= 6) {
                unsigned c = v >> sh & 63;

                strbuf_append(b, &(char){(char)(c ? 0x20 + c : '`')}, 1);
            }
        }
        strbuf_puts(b, eol);
    }
    strbuf_puts(b, "`");
    strbuf_puts(b, eol);
}
