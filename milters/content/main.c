/*
 * main - sluice-content: what the message says and what it carries, as
 *	a chained milter.  Everything but the module table is libcommon's
 *	milter_main() (options, config, socket, supervisor, signals).
 */
#include "content.h"
#include "milter.h"

int main(int argc, char **argv)
{
    const struct module *mods[] = {&content_module};

    return milter_main(argc, argv, "sluice-content", mods, 1);
}
