/*
 * grey_triplet_test - sluice-grey's triplet parts (pure): client networks,
 * sender normalisation (SRS, BATV, +ext, VERP numbers, case), recipients,
 * and the store keys made and parsed back.  Case tables.
 */
#include <stdio.h>
#include <string.h>

#include "grey.h"
#include "greylist.h"
#include "tap.h"

static const struct {
    const char *ip;
    int v4, v6;
    const char *net;
} nets[] = {
    {"192.0.2.77", 24, 64, "192.0.2.0/24"},
    {"192.0.2.77", 32, 64, "192.0.2.77/32"},
    {"192.0.2.77", 16, 64, "192.0.0.0/16"},
    {"198.51.100.200", 25, 64, "198.51.100.128/25"},
    {"2001:db8:1:2:3:4:5:6", 24, 64, "2001:db8:1:2::/64"},
    {"2001:db8:1:2:3:4:5:6", 24, 48, "2001:db8:1::/48"},
    {"2001:DB8::1", 24, 128, "2001:db8::1/128"},
    {"::ffff:192.0.2.9", 24, 64, "192.0.2.0/24"},
    {"not an address", 24, 64, "unknown"},
    {"", 24, 64, "unknown"},
};

static const struct {
    const char *in, *out;
} senders[] = {
    {"", "<>"},
    {"<>", "<>"},
    {"alice@example.org", "alice@example.org"},
    {"Alice@Example.ORG", "Alice@example.org"},
    {"alice+news@example.org", "alice@example.org"},
    {"list-bounces+bob=example.net@lists.example.org",
     "list-bounces@lists.example.org"},
    {"+only@example.org", "+only@example.org"},
    {"prvs=0123abcdef=alice@example.org", "alice@example.org"},
    {"PRVS=9876fedcba=alice@Example.org", "alice@example.org"},
    {"msprvs1=17653ab3Wzq5q=bounces-1@microsoft.example",
     "bounces-#@microsoft.example"},
    {"SRS0=HHH=TT=example.org=alice@forwarder.example",
     "alice@example.org"},
    {"SRS0+xyzw=2K=Example.ORG=alice@forwarder.example",
     "alice@example.org"},
    {"SRS1=HHH=fwd1.example==HHH=TT=example.org=alice@fwd2.example",
     "alice@example.org"},
    {"SRS0=broken@forwarder.example", "SRS0=broken@forwarder.example"},
    {"bounce-4711-12@list.example", "bounce-#-#@list.example"},
    {"user2000@example.org", "user2000@example.org"},
    {"2000@example.org", "#@example.org"},
    {"a.12.b@example.org", "a.#.b@example.org"},
    {"noatsign", "noatsign"},
    {"tab\there@example.org", "tab?here@example.org"},
};

static const struct {
    const char *in, *out;
} rcpts[] = {
    {"Bob@Example.NET", "Bob@example.net"},
    {"bob+x@example.net", "bob+x@example.net"},
    {"postmaster", "postmaster"},
};

static void test_keys(void)
{
    struct grey_key k, p;
    char key[GREY_KEY_MAX];
    static const char *const froms[] = {"alice@example.org", "", "a/b@x.org"};

    for (size_t i = 0; i < sizeof(froms) / sizeof(*froms); i++) {
        grey_key_make(&k, "192.0.2.0/24", froms[i], "Bob@Example.net");
        grey_key_triplet(&k, key, sizeof(key));
        ok(grey_key_parse(key, &p) == 0 && strcmp(p.net, k.net) == 0 &&
               strcmp(p.sender, k.sender) == 0 && strcmp(p.rcpt, k.rcpt) == 0,
           "key %s parses back into its parts", key);
    }
    grey_key_make(&k, "spf:example.org", "alice@example.org", "b@x.net");
    grey_key_triplet(&k, key, sizeof(key));
    is_str(key, "grey/t/spf:example.org/alice@example.org/b@x.net",
           "an SPF-domain triplet key");
    ok(grey_key_parse(key, &p) == 0 && strcmp(p.net, "spf:example.org") == 0 &&
           strcmp(p.rcpt, "b@x.net") == 0,
       "an SPF-domain key parses back");
    grey_key_make(&k, "2001:db8::/64", "a@b.c", "d@e.f");
    grey_key_triplet(&k, key, sizeof(key));
    ok(grey_key_parse(key, &p) == 0 && strcmp(p.net, "2001:db8::/64") == 0,
       "an IPv6 key parses back (%s)", p.net);
    grey_key_awl("192.0.2.0/24", key, sizeof(key));
    is_str(key, "grey/a/192.0.2.0/24", "the auto-whitelist key");
    ok(grey_key_parse("grey/a/192.0.2.0/24", &p) < 0 &&
           grey_key_parse("grey/t/192.0.2.0", &p) < 0,
       "what is not a triplet key is refused");
}

static void test_long(void)
{
    char big[4000], out[GREY_ADDR_MAX];
    struct grey_key k;
    char key[GREY_KEY_MAX];

    memset(big, 'a', sizeof(big) - 20);
    strcpy(big + sizeof(big) - 20, "@example.org");
    grey_sender_norm(big, out, sizeof(out));
    ok(strlen(out) == GREY_ADDR_MAX - 1, "a 4000-byte sender is cut to %d",
       GREY_ADDR_MAX - 1);
    grey_key_make(&k, "192.0.2.0/24", big, big);
    grey_key_triplet(&k, key, sizeof(key));
    ok(strlen(key) < 1024, "a key of the longest parts fits the store (%zu)",
       strlen(key));
}

int main(void)
{
    char buf[GREY_ADDR_MAX];

    for (size_t i = 0; i < sizeof(nets) / sizeof(*nets); i++) {
        int rc = greylist_net(nets[i].ip, nets[i].v4, nets[i].v6, buf,
                              sizeof(buf));

        is_str(buf, nets[i].net, nets[i].ip);
        ok((rc == 0) == (strcmp(nets[i].net, "unknown") != 0),
           "%s: return value", nets[i].ip);
    }
    for (size_t i = 0; i < sizeof(senders) / sizeof(*senders); i++) {
        grey_sender_norm(senders[i].in, buf, sizeof(buf));
        is_str(buf, senders[i].out, senders[i].in);
    }
    for (size_t i = 0; i < sizeof(rcpts) / sizeof(*rcpts); i++) {
        grey_rcpt_norm(rcpts[i].in, buf, sizeof(buf));
        is_str(buf, rcpts[i].out, rcpts[i].in);
    }
    test_keys();
    test_long();
    return done_testing();
}
