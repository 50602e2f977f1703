/*
 * main - sluice-policy: access maps, relaying, HELO, sender domain,
 *	DNSBL/DNSWL, SPF, DKIM, DMARC and call-back verification as a
 *	chained milter.  Everything but the module table is libcommon's
 *	milter_main().
 */
#include "milter.h"
#include "policy.h"

int main(int argc, char **argv)
{
    const struct module *mods[] = {&policy_module};

    return milter_main(argc, argv, "sluice-policy", mods, 1);
}
