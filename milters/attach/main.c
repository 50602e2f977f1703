/*
 * main - sluice-attach: the attachment and file-type blocker as a
 *	chained milter.  Everything but the module table is libcommon's
 *	milter_main() (options, config, socket, supervisor, signals).
 */
#include "attach.h"
#include "milter.h"

int main(int argc, char **argv)
{
    const struct module *mods[] = {&attach_module};

    return milter_main(argc, argv, "sluice-attach", mods, 1);
}
