/*
 * sluice-milter - every Sluice module in one process on one socket.
 *
 * The modules run in chain order (policy, grey, content, attach: the
 * modules of this build); results pass in memory and one
 * verdict is written.  Same checks, configuration and replies as the
 * chained milters (see sluice-milter(8)).
 */
#include "attach.h"
#include "content.h"
#include "grey.h"
#include "milter.h"
#include "policy.h"

int main(int argc, char **argv)
{
    static const struct module *const mods[] = {
        &policy_module, &grey_module, &content_module, &attach_module};

    return milter_main_all(argc, argv, "sluice-milter", mods,
                           sizeof(mods) / sizeof(mods[0]));
}
