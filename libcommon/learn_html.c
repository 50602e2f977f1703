/*
 * learn_html - HTML reduced to text, its tags as features, and URL hosts.
 *
 * DESCRIPTION
 *	learn_html() reads an HTML part as a mail client would show it, not
 *	as a parser would validate it: text between tags goes to the
 *	message's text (entities &amp; &lt; &gt; &quot; &nbsp; and numeric
 *	ASCII ones decoded), comments, <style> and <script> are dropped, a
 *	block tag separates words and an inline one (<b>, <font>, <span>...)
 *	does not, so "V<b></b>iagra" is one word as the reader sees it.
 *	Each opening tag is a feature "t:NAME", each attribute "a:NAME.ATTR";
 *	href, src, action and background values give URL hosts.  A tag
 *	longer than 4 KiB is read as text.  Everything is bounded by the
 *	part's length: one pass, no backtracking beyond a tag.
 *
 *	learn_url_host() makes "uh:HOST" and "ud:LAST.TWO" (and "u:ip",
 *	"u:userinfo", "u:port") from the text after "scheme://";
 *	learn_urls() finds http://, https:// and www. in plain text.
 *
 * OWNERSHIP
 *	Reads its input only; features go to c->fv, text to c->text.
 */
#include <stdio.h>
#include <string.h>

#include "learn_int.h"

#define TAG_MAX 4096

static int is_alnum(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9');
}

static int is_space(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\f';
}

static unsigned char lower(unsigned char ch)
{
    return ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
}

static int host_char(unsigned char ch)
{
    return is_alnum(ch) || ch == '.' || ch == '-' || ch == '_';
}

void learn_url_host(struct learn_ctx *c, const char *s, size_t n)
{
    char host[256];
    size_t i = 0, h = 0, dots = 0, digits = 0, at = 0;

    /* Userinfo ("http://bank.com@evil.example/"): the host is after @. */
    for (size_t k = 0; k < n && k < 256 && s[k] != '/' && !is_space(s[k]);
         k++)
        if (s[k] == '@')
            at = k + 1;
    if (at) {
        learn_feat(c, LG_URL, "u:userinfo", 10, 1);
        i = at;
    }
    for (; i < n && h < sizeof(host) - 1 && host_char((unsigned char)s[i]);
         i++) {
        host[h++] = (char)lower((unsigned char)s[i]);
        dots += s[i] == '.';
        digits += s[i] >= '0' && s[i] <= '9';
    }
    while (h > 0 && host[h - 1] == '.')
        h--;
    if (h == 0)
        return;
    c->nurls++;
    if (i < n && s[i] == ':')
        learn_feat(c, LG_URL, "u:port", 6, 1);
    if (digits + dots == h) {
        learn_feat(c, LG_URL, "u:ip", 4, 1);
        return;
    }
    {
        char name[260] = "uh:";
        size_t k = h, seen = 0;

        memcpy(name + 3, host, h);
        learn_feat(c, LG_URL, name, 3 + h, 1);
        while (k > 0 && seen < 2)
            if (host[--k] == '.')
                seen++;
        if (seen == 2)
            k++;
        memcpy(name, "ud:", 3);
        memcpy(name + 3, host + k, h - k);
        learn_feat(c, LG_URL, name, 3 + h - k, 1);
    }
}

void learn_urls(struct learn_ctx *c, const char *s, size_t n)
{
    for (size_t i = 0; i + 4 < n && c->nurls < 200; i++) {
        if (s[i] != 'h' && s[i] != 'w')
            continue;
        if (n - i > 7 && memcmp(s + i, "http://", 7) == 0)
            learn_url_host(c, s + i + 7, n - i - 7), i += 6;
        else if (n - i > 8 && memcmp(s + i, "https://", 8) == 0)
            learn_url_host(c, s + i + 8, n - i - 8), i += 7;
        else if (memcmp(s + i, "www.", 4) == 0 &&
                 (i == 0 || !host_char((unsigned char)s[i - 1])))
            learn_url_host(c, s + i, n - i), i += 3;
    }
}

/* Tags that do not separate words as a reader sees them. */
static int inline_tag(const char *t)
{
    static const char *const inl[] = {"b",   "i",    "u",    "font", "span",
                                      "em",  "strong", "a", "small", "big",
                                      "sup", "sub",  "s",    "strike", NULL};

    for (size_t i = 0; inl[i]; i++)
        if (strcmp(t, inl[i]) == 0)
            return 1;
    return 0;
}

static int url_attr(const char *a)
{
    return strcmp(a, "href") == 0 || strcmp(a, "src") == 0 ||
           strcmp(a, "action") == 0 || strcmp(a, "background") == 0;
}

static void attr_value(struct learn_ctx *c, const char *a,
                       const unsigned char *v, size_t n)
{
    const char *s = (const char *)v;

    if (!url_attr(a))
        return;
    while (n > 0 && is_space(*s))
        s++, n--;
    if (n > 7 && str_ncasecmp(s, "http://", 7) == 0)
        learn_url_host(c, s + 7, n - 7);
    else if (n > 8 && str_ncasecmp(s, "https://", 8) == 0)
        learn_url_host(c, s + 8, n - 8);
    else if (n > 7 && str_ncasecmp(s, "mailto:", 7) == 0)
        learn_feat(c, LG_URL, "u:mailto", 8, 1);
}

/* The attributes of a tag, d[i..end) after its name. */
static void tag_attrs(struct learn_ctx *c, const char *tag,
                      const unsigned char *d, size_t i, size_t end)
{
    while (i < end) {
        char a[32], f[80];
        size_t k = 0, vs, ve;

        while (i < end && (is_space(d[i]) || d[i] == '/'))
            i++;
        while (i < end && !is_space(d[i]) && d[i] != '=' && d[i] != '/') {
            if (k < sizeof(a) - 1)
                a[k++] = (char)lower(d[i]);
            i++;
        }
        a[k] = 0;
        if (k > 0) {
            int fl = snprintf(f, sizeof(f), "a:%s.%s", tag, a);

            learn_feat(c, LG_HTML, f, (size_t)fl < sizeof(f) ? (size_t)fl : sizeof(f) - 1, 1);
        }
        while (i < end && is_space(d[i]))
            i++;
        if (i >= end || d[i] != '=')
            continue;
        for (i++; i < end && is_space(d[i]); i++)
            ;
        if (i < end && (d[i] == '"' || d[i] == '\'')) {
            unsigned char q = d[i++];

            for (vs = i; i < end && d[i] != q; i++)
                ;
            ve = i++;
        } else {
            for (vs = i; i < end && !is_space(d[i]); i++)
                ;
            ve = i;
        }
        if (k > 0)
            attr_value(c, a, d + vs, ve - vs);
    }
}

/* Where a tag that starts at d[i] == '<' ends ('>'), or 0. */
static size_t tag_end(const unsigned char *d, size_t n, size_t i)
{
    unsigned char q = 0;

    for (size_t k = i + 1; k < n && k - i < TAG_MAX; k++) {
        if (q) {
            if (d[k] == q)
                q = 0;
        } else if (d[k] == '"' || d[k] == '\'') {
            q = d[k];
        } else if (d[k] == '>') {
            return k;
        }
    }
    return 0;
}

/* Past the closing tag "</name" that follows i (or the end). */
static size_t skip_element(const unsigned char *d, size_t n, size_t i,
                           const char *name)
{
    size_t l = strlen(name);

    for (; i + l + 2 <= n; i++)
        if (d[i] == '<' && d[i + 1] == '/' &&
            str_ncasecmp((const char *)d + i + 2, name, l) == 0)
            return i;
    return n;
}

/* One tag at d[i] == '<'; returns where the text goes on. */
static size_t html_tag(struct learn_ctx *c, const unsigned char *d, size_t n,
                       size_t i)
{
    size_t e, k = 0, j = i + 1;
    char tag[16], f[24];
    int closing = 0;

    if (n - i >= 4 && memcmp(d + i, "<!--", 4) == 0) {
        for (e = i + 4; e + 3 <= n && memcmp(d + e, "-->", 3) != 0; e++)
            ;
        c->markup += (e + 3 <= n ? e + 3 : n) - i;
        learn_feat(c, LG_HTML, "t:!--", 5, 1);
        return e + 3 <= n ? e + 3 : n;
    }
    if ((e = tag_end(d, n, i)) == 0)
        return i; /* not a tag: text */
    if (j < e && d[j] == '/')
        closing = 1, j++;
    while (j < e && (is_alnum(d[j]) || d[j] == '!') && k < sizeof(tag) - 1)
        tag[k++] = (char)lower(d[j++]);
    tag[k] = 0;
    c->markup += e + 1 - i;
    if (k == 0)
        return e + 1;
    if (!closing) {
        int fl = snprintf(f, sizeof(f), "t:%s", tag);

        learn_feat(c, LG_HTML, f, (size_t)fl, 1);
        tag_attrs(c, tag, d, j, e);
        if (strcmp(tag, "style") == 0 || strcmp(tag, "script") == 0) {
            size_t s = skip_element(d, n, e + 1, tag);

            c->markup += s - (e + 1);
            return s;
        }
    }
    if (!inline_tag(tag))
        learn_text_put(c, (const unsigned char *)" ", 1);
    return e + 1;
}

/* An entity at d[i] == '&'; returns where the text goes on. */
static size_t html_entity(struct learn_ctx *c, const unsigned char *d,
                          size_t n, size_t i)
{
    static const struct {
        const char *name;
        char ch;
    } ent[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'},
               {"nbsp;", ' '}, {"apos;", '\''}, {NULL, 0}};
    unsigned char ch;

    for (size_t k = 0; ent[k].name; k++) {
        size_t l = strlen(ent[k].name);

        if (n - i - 1 >= l && str_ncasecmp((const char *)d + i + 1, ent[k].name, l) == 0) {
            ch = (unsigned char)ent[k].ch;
            learn_text_put(c, &ch, 1);
            return i + 1 + l;
        }
    }
    if (i + 2 < n && d[i + 1] == '#') {
        size_t j = i + 2;
        unsigned v = 0;
        int hex = j < n && (d[j] == 'x' || d[j] == 'X');

        for (j += hex; j < n && j - i < 10 && is_alnum(d[j]); j++)
            v = hex ? v * 16 + (d[j] <= '9' ? d[j] - '0' : (lower(d[j]) - 'a' + 10) & 15)
                    : v * 10 + (unsigned)(d[j] - '0');
        learn_feat(c, LG_HTML, "t:&#", 4, 1);
        ch = v > 32 && v < 127 ? (unsigned char)v : ' ';
        learn_text_put(c, &ch, 1);
        return j < n && d[j] == ';' ? j + 1 : j;
    }
    learn_text_put(c, d + i, 1);
    return i + 1;
}

void learn_html(struct learn_ctx *c, const unsigned char *d, size_t n)
{
    size_t i = 0;

    c->html += n;
    while (i < n && c->text.len < LEARN_TEXT_MAX) {
        size_t r = i;

        while (r < n && d[r] != '<' && d[r] != '&')
            r++;
        learn_text_put(c, d + i, r - i);
        if (r >= n)
            break;
        if (d[r] == '&') {
            i = html_entity(c, d, n, r);
            continue;
        }
        i = html_tag(c, d, n, r);
        if (i == r) {
            learn_text_put(c, d + r, 1);
            i = r + 1;
        }
    }
}
