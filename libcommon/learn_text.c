/*
 * learn_text - what the classifier takes out of a message's text before it
 * counts words, and the scripts the text is written in.
 *
 * DESCRIPTION
 *	A mailing list adds its footer to every message it carries, spam
 *	included, and tags the subject.  Learned as words, these make a
 *	list's spam look like the list's ham, and tie the model to the
 *	lists the training mail came through.  They are the list's, not the
 *	author's, and are taken out:
 *
 *	learn_unfoot() cuts the text (normalised: lower case, one space
 *	for any run of blanks) at a list manager's footer: the first
 *	mention, in the last 2 KiB, of "mailman/listinfo", "listinfo/",
 *	"mailing list", "yahoo! groups", "majordomo@", "-unsubscribe@",
 *	"listserv@" or "email is sponsored by" (SourceForge's lists), from
 *	the separator before it when there is one within 800 bytes (a run
 *	of five or more '_', '-' or '=', or the signature mark "-- "), else
 *	from the mention.  Three rounds, for a sponsor block above the
 *	footer.  An unsubscribe link of the sender's own (spam's "click
 *	here to be removed") is none of these and stays.
 *
 *	learn_untag() removes "[tag]" prefixes (at most 40 bytes each) from
 *	the start of a normalised subject, keeping "re:" and "fw:".
 *
 *	learn_script() decodes the text as UTF-8 (a byte that does not
 *	decode counts as "bad8bit") and adds, for each script with letters
 *	in it, "script:NAME:S" where S is 1 + 4 * its share of the letters
 *	(latin, latin-ext, greek-cyr, cjk, hangul, other); nothing for
 *	fewer than 10 letters.  Mail in another language than the site's
 *	is a signal that does not depend on the campaign.
 *
 * OWNERSHIP
 *	Works in place on the caller's buffers.
 */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <string.h>

#include "learn_int.h"

#define FOOT_TAIL 2048  /* where a footer's mention is looked for */
#define FOOT_SEP 800    /* how far above it a separator may be */
#define FOOT_ROUNDS 3
#define TAG_MAX 40

/* The earliest list-manager mention at or after from, or SIZE_MAX. */
static size_t foot_mention(const struct strbuf *t, size_t from)
{
    static const char *const mark[] = {
        "mailman/listinfo", "mailing list",  "yahoo! groups", "majordomo@",
        "-unsubscribe@",    "listserv@",     "listinfo/",
        "email is sponsored by", NULL};
    size_t cut = SIZE_MAX;

    for (int k = 0; mark[k] != NULL && from < t->len; k++) {
        const char *at = memmem(t->data + from, t->len - from, mark[k],
                                strlen(mark[k]));

        if (at != NULL && (size_t)(at - t->data) < cut)
            cut = (size_t)(at - t->data);
    }
    return cut;
}

static int sep_char(char ch)
{
    return ch == '_' || ch == '-' || ch == '=';
}

/* One round: 1 when the text was cut. */
static int unfoot_once(struct strbuf *t)
{
    size_t from = t->len > FOOT_TAIL ? t->len - FOOT_TAIL : 0;
    size_t at = foot_mention(t, from), cut, run = 0;

    if (at == SIZE_MAX)
        return 0;
    cut = at;
    for (size_t q = at; q > from && at - q < FOOT_SEP;) {
        q--;
        run = sep_char(t->data[q]) ? run + 1 : 0;
        if (run >= 5) {
            while (q > 0 && sep_char(t->data[q - 1]))
                q--;
            cut = q;
            break;
        }
        if (q + 2 < t->len && memcmp(t->data + q, "-- ", 3) == 0 &&
            (q == 0 || t->data[q - 1] == ' ')) {
            cut = q;
            break;
        }
    }
    t->len = cut;
    if (t->data != NULL)
        t->data[cut] = 0;
    return 1;
}

void learn_unfoot(struct strbuf *t)
{
    for (int k = 0; k < FOOT_ROUNDS && t->len > 0; k++)
        if (!unfoot_once(t))
            return;
}

void learn_untag(struct strbuf *t)
{
    size_t r = 0, w = 0;

    if (t->len == 0)
        return;
    while (r < t->len) {
        const char *s = t->data + r, *close;
        size_t left = t->len - r;

        if (*s == ' ') {
            r++;
        } else if (left >= 3 && (memcmp(s, "re:", 3) == 0 || memcmp(s, "fw:", 3) == 0)) {
            memmove(t->data + w, s, 3);
            w += 3, r += 3;
            t->data[w++] = ' ';
        } else if (*s == '[' &&
                   (close = memchr(s, ']', left < TAG_MAX ? left : TAG_MAX)) != NULL) {
            r += (size_t)(close - s) + 1;
        } else {
            break;
        }
    }
    memmove(t->data + w, t->data + r, t->len - r);
    t->len = w + t->len - r;
    while (t->len > 0 && t->data[t->len - 1] == ' ')
        t->len--;
    t->data[t->len] = 0;
}

enum script { SC_LATIN, SC_LATIN_EXT, SC_GREEK_CYR, SC_CJK, SC_HANGUL, SC_OTHER,
              SC_BAD, SC_N };

static int script_of(unsigned cp)
{
    if (cp >= 0x80 && cp < 0xc0)
        return -1; /* Latin-1 punctuation and symbols */
    if (cp < 0x250)
        return SC_LATIN_EXT;
    if (cp >= 0x370 && cp < 0x530)
        return SC_GREEK_CYR;
    if ((cp >= 0x3040 && cp < 0x3100) || (cp >= 0x4e00 && cp < 0xa000) ||
        (cp >= 0xff00 && cp < 0xfff0))
        return SC_CJK;
    if (cp >= 0xac00 && cp < 0xd7b0)
        return SC_HANGUL;
    return SC_OTHER;
}

/*
 * The code point at s[*i] (of n), advancing *i; -1 for a bad byte.  Not
 * g_utf8_get_char_validated(): that one also refuses overlong forms and
 * surrogates, and counting those as "bad8bit" would change the features
 * a stored model was trained on (measured: TRAIN's cutoffs move).
 */
static long utf8_next(const unsigned char *s, size_t n, size_t *i)
{
    unsigned ch = s[*i], k = ch >= 0xf0 ? 3 : ch >= 0xe0 ? 2 : ch >= 0xc0 ? 1 : 0;
    unsigned long cp = ch & (0x3fu >> k);

    if (k == 0 || *i + k >= n) {
        (*i)++;
        return -1;
    }
    for (unsigned j = 1; j <= k; j++) {
        if ((s[*i + j] & 0xc0) != 0x80) {
            (*i)++;
            return -1;
        }
        cp = cp << 6 | (s[*i + j] & 0x3f);
    }
    *i += k + 1;
    return (long)cp;
}

void learn_script(struct learn_ctx *c)
{
    static const char *const name[SC_N] = {"latin",  "latin-ext", "greek-cyr", "cjk",
                                            "hangul", "other",     "bad8bit"};
    const unsigned char *s = (const unsigned char *)c->text.data;
    size_t cnt[SC_N] = {0}, tot = 0, n = c->text.len;

    for (size_t i = 0; i < n;) {
        long cp;
        int sc;

        if (s[i] < 0x80) {
            sc = (s[i] | 32) >= 'a' && (s[i] | 32) <= 'z' ? SC_LATIN : -1;
            i++;
        } else {
            cp = utf8_next(s, n, &i);
            sc = cp < 0 ? SC_BAD : script_of((unsigned)cp);
        }
        if (sc >= 0)
            cnt[sc]++, tot++;
    }
    if (tot < 10)
        return;
    for (int k = 0; k < SC_N; k++) {
        char f[48];
        int l;

        if (cnt[k] == 0)
            continue;
        l = snprintf(f, sizeof(f), "script:%s:%d", name[k], (int)(1 + 4 * cnt[k] / tot));
        learn_feat(c, LG_SCRIPT, f, (size_t)l, 1);
    }
}
