/*
 * main - sluice-grey: greylisting and rate limits as a chained milter.
 *	Everything but the module table is libcommon's milter_main()
 *	(options, config, socket, supervisor, signals, the shared store).
 */
#include "grey.h"
#include "milter.h"

int main(int argc, char **argv)
{
    const struct module *mods[] = {&grey_module};

    return milter_main(argc, argv, "sluice-grey", mods, 1);
}
