/* t/sluice-testmod: the test-only module as a chained milter. */
#include "milter.h"
#include "testmod.h"

int main(int argc, char **argv)
{
    static const struct module *const mods[] = {&testmod_module};

    return milter_main(argc, argv, "sluice-testmod", mods, 1);
}
