/* t/sluice-manymods: more modules than the glue runs (it must refuse). */
#include "milter.h"
#include "testmod.h"

int main(int argc, char **argv)
{
    static const struct module *const mods[] = {
        &testmod_module, &testmod_module, &testmod_module,
        &testmod_module, &testmod_module, &testmod_module,
        &testmod_module, &testmod_module, &testmod_module};

    return milter_main_all(argc, argv, "sluice-manymods", mods,
                           sizeof(mods) / sizeof(*mods));
}
