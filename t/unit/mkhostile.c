/*
 * mkhostile - the hostile attachments of hostile.c as files, for the
 *	end-to-end tests (t/e2e/attach_hostile.sh) and for fuzz seeds.
 *
 * USAGE
 *	mkhostile tnef OUT NAME FILE [NAME FILE]...
 *	    a TNEF stream: each FILE an attachment called NAME (its long
 *	    name and its title)
 *	mkhostile tnef-embed OUT NAME TNEF
 *	    a TNEF stream whose one attachment, NAME, is an embedded
 *	    message: the TNEF stream in file TNEF
 *	mkhostile tnef-corrupt IN OUT checksum|size|mapi
 *	    IN broken (hostile.h: HX_BAD_*)
 *	mkhostile zip-rename IN OUT FROM TO
 *	    IN with entry FROM renamed TO in its central directory only
 *	mkhostile uu NAME FILE
 *	    "begin 644 NAME", FILE uuencoded, "end" (LF) on stdout
 *
 * EXIT STATUS
 *	0, or 1 with a message on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile.h"
#include "util.h"

static unsigned char *slurp(const char *path, size_t *len_r)
{
    FILE *f = fopen(path, "rb");
    struct strbuf b;
    char buf[65536];
    size_t n;

    if (f == NULL) {
        perror(path);
        exit(1);
    }
    strbuf_init(&b, 0);
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        strbuf_append(&b, buf, n);
    fclose(f);
    *len_r = b.len;
    return (unsigned char *)strbuf_detach(&b);
}

static int out(const char *path, unsigned char *d, size_t n)
{
    int r = hx_write(path, d, n);

    if (r < 0)
        perror(path);
    free(d);
    return r < 0;
}

static int cmd_tnef(int argc, char **argv)
{
    size_t n = (size_t)(argc - 3) / 2, len;
    struct hx_att *a = xcalloc(n + 1, sizeof(*a));
    unsigned char **data = xcalloc(n + 1, sizeof(*data)), *t;
    int r;

    for (size_t i = 0; i < n; i++) {
        a[i].long_name = a[i].title = argv[3 + 2 * i];
        a[i].data = data[i] = slurp(argv[4 + 2 * i], &a[i].len);
    }
    t = hx_tnef(a, n, &len);
    r = out(argv[2], t, len);
    for (size_t i = 0; i < n; i++)
        free(data[i]);
    free(data);
    free(a);
    return r;
}

static int cmd_embed(char **argv)
{
    struct hx_att a = {0};
    unsigned char *inner, *t;
    size_t len;
    int r;

    a.long_name = argv[3];
    a.embedded = inner = slurp(argv[4], &a.embedded_len);
    t = hx_tnef(&a, 1, &len);
    r = out(argv[2], t, len);
    free(inner);
    return r;
}

static int cmd_corrupt(char **argv)
{
    static const char *const how[] = {NULL, "checksum", "size", "mapi"};
    size_t len;
    unsigned char *t = slurp(argv[2], &len);

    for (int w = 1; w <= 3; w++)
        if (strcmp(argv[4], how[w]) == 0 && hx_tnef_corrupt(t, len, w) == 0)
            return out(argv[3], t, len);
    fprintf(stderr, "mkhostile: cannot break %s that way\n", argv[2]);
    free(t);
    return 1;
}

static int cmd_rename(char **argv)
{
    size_t len;
    unsigned char *z = slurp(argv[2], &len);

    if (hx_zip_rename(z, len, argv[4], argv[5]) < 0) {
        fprintf(stderr, "mkhostile: no central entry %s (or %s is of "
                        "another length)\n",
                argv[4], argv[5]);
        free(z);
        return 1;
    }
    return out(argv[3], z, len);
}

static int cmd_uu(char **argv)
{
    struct strbuf b;
    size_t len;
    unsigned char *d = slurp(argv[3], &len);

    strbuf_init(&b, 0);
    strbuf_printf(&b, "begin 644 %s\n", argv[2]);
    hx_uuencode(&b, d, len, "\n");
    strbuf_puts(&b, "end\n");
    fwrite(b.data, 1, b.len, stdout);
    strbuf_free(&b);
    free(d);
    return 0;
}

int main(int argc, char **argv)
{
    const char *c = argc > 1 ? argv[1] : "";

    if (strcmp(c, "tnef") == 0 && argc >= 5 && argc % 2 == 1)
        return cmd_tnef(argc, argv);
    if (strcmp(c, "tnef-embed") == 0 && argc == 5)
        return cmd_embed(argv);
    if (strcmp(c, "tnef-corrupt") == 0 && argc == 5)
        return cmd_corrupt(argv);
    if (strcmp(c, "zip-rename") == 0 && argc == 6)
        return cmd_rename(argv);
    if (strcmp(c, "uu") == 0 && argc == 4)
        return cmd_uu(argv);
    fprintf(stderr, "usage: mkhostile tnef OUT NAME FILE [NAME FILE]...\n"
                    "       mkhostile tnef-embed OUT NAME TNEF\n"
                    "       mkhostile tnef-corrupt IN OUT checksum|size|mapi\n"
                    "       mkhostile zip-rename IN OUT FROM TO\n"
                    "       mkhostile uu NAME FILE\n");
    return 1;
}
