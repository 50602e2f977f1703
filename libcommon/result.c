/*
 * result - the signed X-Sluice-Result header (see result.h).
 *
 * DESCRIPTION
 *	Header value, as result_format() writes it:
 *	    v=1; attach; qid=Q; score=5.00; symbols=A(5.00)[d], B(1.00);
 *	    sig=BASE64
 *	and the canonical string the signature covers:
 *	    v=1;attach;qid=Q;score=5.00;symbols=A(5.00)[d],B(1.00)
 *
 *	result_parse() accepts folding whitespace (any run of SP, TAB, CR,
 *	LF) before and after every ';' and ',' and at both ends, and nothing
 *	else: the tokens themselves never contain whitespace.  It rebuilds
 *	the canonical string from the tokens exactly as received, so the
 *	signature check never depends on how a number is re-printed.  It
 *	refuses (why "malformed"): a value over RESULT_VALUE_MAX bytes, a
 *	version other than 1, a milter name not [a-z0-9_-]{1,31}, a qid not
 *	[A-Za-z0-9._-]{1,63}, a number not -?[0-9]{1,7}.[0-9]{2}, more than
 *	RESULT_SYMBOLS_MAX symbols, a symbol name not [A-Z0-9_]{1,47}, an
 *	empty or over-long detail, a signature that is not 44 base64
 *	characters, a total score that is not the sum of the symbol scores
 *	(within rounding), and anything after the signature but one ';'.
 *
 *	result_parse() treats *r as output: pass an unused struct (it is
 *	not freed first) and result_free() it afterwards, whatever the
 *	outcome.  result_verify() does the same and, when it fails, leaves
 *	*r empty so that an untrusted result cannot be used by mistake.  A
 *	NULL expect_qid never matches.
 *
 *	result_add() folds a symbol name to [A-Z0-9_] (other characters
 *	become '_'), clamps the score to +-RESULT_SCORE_MAX, and sanitises
 *	the detail: "[](),;", space and tab become '_', other control
 *	characters and each non-ASCII character become '?', cut to 64 bytes;
 *	an empty detail is none.  A result holds at most RESULT_SYMBOLS_MAX
 *	symbols: beyond that a symbol's score is added to the existing symbol
 *	of the same name, or dropped when there is none.
 *
 *	secret_load() refuses anything but a regular file, a file that
 *	"other" may read or write, and content shorter than 32 bytes or
 *	longer than 4096 (after stripping one trailing newline).
 */
#include "result.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define RESULT_SYMBOLS_MAX 64
#define RESULT_VALUE_MAX 16384
#define RESULT_SCORE_MAX 10000.0
#define RESULT_SIG_LEN 44 /* base64 of 32 bytes */
#define SECRET_MIN 32
#define SECRET_MAX 4096

void result_init(struct result *r, const char *milter, const char *qid)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->milter, sizeof(r->milter), "%s", milter ? milter : "");
    r->qid = xstrdup(qid ? qid : "NOQUEUE");
}

void result_free(struct result *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->sym[i].detail);
    free(r->sym);
    free(r->qid);
    memset(r, 0, sizeof(*r));
}

void result_copy(struct result *dst, const struct result *src)
{
    result_init(dst, src->milter, src->qid);
    if (src->n == 0)
        return;
    dst->sym = xcalloc(src->n, sizeof(*dst->sym));
    for (size_t i = 0; i < src->n; i++) {
        dst->sym[i] = src->sym[i];
        dst->sym[i].detail =
            src->sym[i].detail ? xstrdup(src->sym[i].detail) : NULL;
    }
    dst->n = src->n;
}

void result_set_qid(struct result *r, const char *qid)
{
    free(r->qid);
    r->qid = xstrdup(qid ? qid : "NOQUEUE");
}

static char *result_clean_detail(const char *d)
{
    char buf[RESULT_DETAIL_MAX + 1];
    size_t n = 0;

    for (const unsigned char *p = (const unsigned char *)d;
         *p && n < RESULT_DETAIL_MAX; p++) {
        if (*p >= 0x80 && *p < 0xc0)
            continue; /* UTF-8 continuation: one '?' per character */
        if (strchr("[](),; \t", *p) != NULL)
            buf[n++] = '_';
        else if (*p >= 0x80 || *p < 0x20 || *p == 0x7f)
            buf[n++] = '?';
        else
            buf[n++] = (char)*p;
    }
    buf[n] = '\0';
    return n ? xstrdup(buf) : NULL;
}

void result_add(struct result *r, const char *name, double score,
                const char *detail)
{
    struct symbol *s;

    if (!isfinite(score))
        score = 0;
    if (score > RESULT_SCORE_MAX)
        score = RESULT_SCORE_MAX;
    if (score < -RESULT_SCORE_MAX)
        score = -RESULT_SCORE_MAX;
    if (r->n >= RESULT_SYMBOLS_MAX) {
        for (size_t i = 0; i < r->n; i++)
            if (strncmp(r->sym[i].name, name, RESULT_SYM_MAX - 1) == 0)
                r->sym[i].score += score;
        return;
    }
    r->sym = xrealloc(r->sym, (r->n + 1) * sizeof(*r->sym));
    s = &r->sym[r->n++];
    memset(s, 0, sizeof(*s));
    for (size_t i = 0; name[i] && i < RESULT_SYM_MAX - 1; i++) {
        char c = name[i];

        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        s->name[i] = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c : '_';
    }
    if (s->name[0] == '\0')
        s->name[0] = '_';
    s->score = score;
    s->detail = detail ? result_clean_detail(detail) : NULL;
}

double result_score(const struct result *r)
{
    double sum = 0;

    for (size_t i = 0; i < r->n; i++)
        sum += r->sym[i].score;
    return sum;
}

int result_has(const struct result *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->sym[i].name, name) == 0)
            return 1;
    return 0;
}

static void result_put_symbols(struct strbuf *b, const struct result *r,
                               const char *sep)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct symbol *s = &r->sym[i];

        strbuf_printf(b, "%s%s(%.2f)", i ? sep : "", s->name, s->score);
        if (s->detail != NULL)
            strbuf_printf(b, "[%s]", s->detail);
    }
}

char *result_symbols_str(const struct result *r)
{
    struct strbuf b;

    strbuf_init(&b, 0);
    result_put_symbols(&b, r, ", ");
    return strbuf_detach(&b);
}

/* base64 HMAC-SHA256 of data under key into out[RESULT_SIG_LEN + 1]. */
static void result_mac(const struct secret *s, const char *data, size_t len,
                       char *out)
{
    static const unsigned char nokey[1];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;

    if (s == NULL || s->key == NULL)
        HMAC(EVP_sha256(), nokey, 0, (const unsigned char *)data, len, md,
             &mdlen);
    else
        HMAC(EVP_sha256(), s->key, (int)s->len, (const unsigned char *)data,
             len, md, &mdlen);
    EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
    OPENSSL_cleanse(md, sizeof(md));
}

char *result_format(const struct result *r, const struct secret *s)
{
    struct strbuf canon, out;
    char sig[RESULT_SIG_LEN + 4];
    double score = result_score(r);

    strbuf_init(&canon, 0);
    strbuf_printf(&canon, "v=1;%s;qid=%s;score=%.2f;symbols=", r->milter,
                  r->qid, score);
    result_put_symbols(&canon, r, ",");
    result_mac(s, canon.data, canon.len, sig);
    strbuf_free(&canon);

    strbuf_init(&out, 0);
    strbuf_printf(&out, "v=1; %s; qid=%s; score=%.2f; symbols=", r->milter,
                  r->qid, score);
    result_put_symbols(&out, r, ", ");
    strbuf_printf(&out, "; sig=%s", sig);
    return strbuf_detach(&out);
}

/*
 * The parser: a cursor over the value.  Each rp_* function consumes a
 * token or fails with -1 and leaves the cursor anywhere.
 */
static void rp_fws(const char **p)
{
    while (**p == ' ' || **p == '\t' || **p == '\r' || **p == '\n')
        (*p)++;
}

static int rp_lit(const char **p, const char *lit)
{
    size_t n = strlen(lit);

    if (strncmp(*p, lit, n) != 0)
        return -1;
    *p += n;
    return 0;
}

/* ";" with folding whitespace around it. */
static int rp_semi(const char **p)
{
    rp_fws(p);
    if (rp_lit(p, ";") < 0)
        return -1;
    rp_fws(p);
    return 0;
}

/* A run of characters from set, min..max long; copied to canon. */
static int rp_span(const char **p, const char *set, size_t min, size_t max,
                   struct strbuf *canon, const char **start_r, size_t *len_r)
{
    size_t n = 0;

    while ((*p)[n] != '\0' && strchr(set, (*p)[n]) != NULL)
        n++;
    if (n < min || n > max)
        return -1;
    if (canon != NULL)
        strbuf_append(canon, *p, n);
    if (start_r != NULL)
        *start_r = *p;
    if (len_r != NULL)
        *len_r = n;
    *p += n;
    return 0;
}

#define RP_DIGITS "0123456789"
#define RP_UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define RP_LOWER "abcdefghijklmnopqrstuvwxyz"

/* -?[0-9]{1,7}\.[0-9]{2} */
static int rp_num(const char **p, struct strbuf *canon, double *out)
{
    const char *start = *p;
    char buf[16];

    if (**p == '-') {
        (*p)++;
        strbuf_puts(canon, "-");
    }
    if (rp_span(p, RP_DIGITS, 1, 7, canon, NULL, NULL) < 0 ||
        rp_lit(p, ".") < 0)
        return -1;
    strbuf_puts(canon, ".");
    if (rp_span(p, RP_DIGITS, 2, 2, canon, NULL, NULL) < 0)
        return -1;
    snprintf(buf, sizeof(buf), "%.*s", (int)(*p - start), start);
    *out = strtod(buf, NULL);
    return 0;
}

/* NAME(score)[detail] */
static int rp_symbol(const char **p, struct strbuf *canon, struct result *r)
{
    static const char detail_set[] =
        "!\"#$%&'*+-./:<=>?@\\^_`{|}~" RP_DIGITS RP_UPPER RP_LOWER;
    const char *name, *detail = NULL;
    size_t nlen, dlen = 0;
    double score;
    struct symbol *s;

    if (r->n >= RESULT_SYMBOLS_MAX ||
        rp_span(p, RP_UPPER RP_DIGITS "_", 1, RESULT_SYM_MAX - 1, canon, &name,
                &nlen) < 0 ||
        rp_lit(p, "(") < 0)
        return -1;
    strbuf_puts(canon, "(");
    if (rp_num(p, canon, &score) < 0 || rp_lit(p, ")") < 0)
        return -1;
    strbuf_puts(canon, ")");
    if (rp_lit(p, "[") == 0) {
        strbuf_puts(canon, "[");
        if (rp_span(p, detail_set, 1, RESULT_DETAIL_MAX, canon, &detail,
                    &dlen) < 0 ||
            rp_lit(p, "]") < 0)
            return -1;
        strbuf_puts(canon, "]");
    }
    r->sym = xrealloc(r->sym, (r->n + 1) * sizeof(*r->sym));
    s = &r->sym[r->n++];
    memset(s, 0, sizeof(*s));
    memcpy(s->name, name, nlen);
    s->score = score;
    s->detail = detail ? xstrndup(detail, dlen) : NULL;
    return 0;
}

static int rp_symbols(const char **p, struct strbuf *canon, struct result *r)
{
    rp_fws(p);
    if (**p == ';')
        return 0;
    for (;;) {
        if (rp_symbol(p, canon, r) < 0)
            return -1;
        rp_fws(p);
        if (**p != ',')
            return 0;
        (*p)++;
        strbuf_puts(canon, ",");
        rp_fws(p);
    }
}

/* Everything but the signature check; fills r, canon and sig. */
static int result_parse_full(const char *value, struct result *r,
                             struct strbuf *canon, char *sig)
{
    const char *p = value, *qid, *s;
    size_t qlen, mlen, slen;
    double score, diff;

    memset(r, 0, sizeof(*r));
    if (strlen(value) > RESULT_VALUE_MAX)
        return -1;
    rp_fws(&p);
    if (rp_lit(&p, "v=1") < 0 || rp_semi(&p) < 0)
        return -1;
    strbuf_puts(canon, "v=1;");
    if (rp_span(&p, RP_LOWER RP_DIGITS "_-", 1, sizeof(r->milter) - 1, canon,
                &s, &mlen) < 0 ||
        rp_semi(&p) < 0 || rp_lit(&p, "qid=") < 0)
        return -1;
    memcpy(r->milter, s, mlen);
    strbuf_puts(canon, ";qid=");
    if (rp_span(&p, RP_UPPER RP_LOWER RP_DIGITS "._-", 1, 63, canon, &qid,
                &qlen) < 0)
        return -1;
    r->qid = xstrndup(qid, qlen);
    if (rp_semi(&p) < 0 || rp_lit(&p, "score=") < 0)
        return -1;
    strbuf_puts(canon, ";score=");
    if (rp_num(&p, canon, &score) < 0 || rp_semi(&p) < 0 ||
        rp_lit(&p, "symbols=") < 0)
        return -1;
    strbuf_puts(canon, ";symbols=");
    if (rp_symbols(&p, canon, r) < 0 || rp_semi(&p) < 0 ||
        rp_lit(&p, "sig=") < 0)
        return -1;
    if (rp_span(&p, RP_UPPER RP_LOWER RP_DIGITS "+/=", RESULT_SIG_LEN,
                RESULT_SIG_LEN, NULL, &s, &slen) < 0)
        return -1;
    memcpy(sig, s, slen);
    sig[slen] = '\0';
    rp_fws(&p);
    if (*p == ';') {
        p++;
        rp_fws(&p);
    }
    if (*p != '\0')
        return -1;
    /* The total must be the sum of what is listed. */
    diff = score - result_score(r);
    if (diff < 0)
        diff = -diff;
    if (diff > 0.005 * (double)(r->n + 1) + 1e-9)
        return -1;
    return 0;
}

int result_parse(const char *value, struct result *r, const char **why_r)
{
    struct strbuf canon;
    char sig[RESULT_SIG_LEN + 1];
    int rc;

    strbuf_init(&canon, 0);
    rc = result_parse_full(value, r, &canon, sig);
    strbuf_free(&canon);
    if (rc < 0) {
        result_free(r);
        *why_r = "malformed";
    }
    return rc;
}

static int result_sig_ok(const struct secret *s, const struct strbuf *canon,
                         const char *sig)
{
    char want[RESULT_SIG_LEN + 4];

    if (s == NULL || s->key == NULL)
        return 0;
    result_mac(s, canon->data, canon->len, want);
    return CRYPTO_memcmp(want, sig, RESULT_SIG_LEN) == 0;
}

int result_verify(const char *value, const char *expect_qid,
                  const struct secret *cur, const struct secret *prev,
                  struct result *r, const char **why_r)
{
    struct strbuf canon;
    char sig[RESULT_SIG_LEN + 1];
    const char *why = NULL;

    strbuf_init(&canon, 0);
    if (result_parse_full(value, r, &canon, sig) < 0)
        why = "malformed";
    else if (!result_sig_ok(cur, &canon, sig) &&
             !result_sig_ok(prev, &canon, sig))
        why = "bad signature";
    else if (expect_qid == NULL || strcmp(r->qid, expect_qid) != 0)
        why = "wrong qid";
    strbuf_free(&canon);
    if (why == NULL)
        return 0;
    result_free(r);
    *why_r = why;
    return -1;
}

static __thread char secret_err[512];

static int secret_fail(const char **error_r, const char *path, const char *m)
{
    snprintf(secret_err, sizeof(secret_err), "%s: %s", path, m);
    *error_r = secret_err;
    return -1;
}

int secret_load(const char *path, struct secret *s, const char **error_r)
{
    unsigned char buf[SECRET_MAX + 2];
    struct stat st;
    ssize_t n;
    size_t len = 0;
    int fd;

    memset(s, 0, sizeof(*s));
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return secret_fail(error_r, path, strerror(errno));
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return secret_fail(error_r, path, "not a regular file");
    }
    if (st.st_mode & (S_IROTH | S_IWOTH)) {
        close(fd);
        return secret_fail(error_r, path,
                           "secret file is accessible by others "
                           "(chmod o-rw, e.g. mode 0640)");
    }
    while (len < sizeof(buf) &&
           (n = read(fd, buf + len, sizeof(buf) - len)) > 0)
        len += (size_t)n;
    close(fd);
    if (len > 0 && buf[len - 1] == '\n')
        len--;
    if (len > SECRET_MAX) {
        OPENSSL_cleanse(buf, sizeof(buf));
        return secret_fail(error_r, path, "secret is longer than 4096 bytes");
    }
    if (len < SECRET_MIN) {
        OPENSSL_cleanse(buf, sizeof(buf));
        return secret_fail(error_r, path,
                           "secret is shorter than 32 bytes (make one of 48 "
                           "random bytes: umask 027; head -c 48 "
                           "/dev/urandom > FILE)");
    }
    s->key = xmalloc(len);
    memcpy(s->key, buf, len);
    s->len = len;
    OPENSSL_cleanse(buf, sizeof(buf));
    return 0;
}

void secret_free(struct secret *s)
{
    if (s->key != NULL) {
        OPENSSL_cleanse(s->key, s->len);
        free(s->key);
    }
    s->key = NULL;
    s->len = 0;
}
