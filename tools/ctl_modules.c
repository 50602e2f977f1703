/*
 * ctl_modules - every module of the suite, so that sluicectl checks every
 * section as the milters would.  A new milter joins with one line here
 * (and its library in tools/Makefile.inc).
 */
#include <stddef.h>

#include "attach.h"
#include "content.h"
#include "grey.h"
#include "module.h"
#include "policy.h"

const struct module *const ctl_modules[] = {
    &policy_module,
    &grey_module,
    &content_module,
    &attach_module,
};
const size_t ctl_nmodules = sizeof(ctl_modules) / sizeof(ctl_modules[0]);
