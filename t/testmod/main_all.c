/* t/sluice-milter-test: sluice-milter with the test-only module first. */
#include "attach.h"
#include "content.h"
#include "milter.h"
#include "testmod.h"

int main(int argc, char **argv)
{
    static const struct module *const mods[] = {
        &testmod_module, &content_module, &attach_module};

    return milter_main_all(argc, argv, "sluice-milter-test", mods, 3);
}
