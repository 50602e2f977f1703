/*
 * milter_env - the worker's shared services: the resolver, SPF and the
 * store, opened after the privilege drop for the modules that need them
 * (struct module.needs).
 *
 * XXX interim: until libcommon's dns and store land, only programs whose
 * modules need neither can start.
 */
#include "milter_int.h"

int milter_services_attach(struct runtime *rt, const char **error_r)
{
    if (milter_app.needs != 0) {
        *error_r = "this build has no resolver or store";
        return -1;
    }
    return 0;
}

void milter_services_release(struct milter_services *sv)
{
}
