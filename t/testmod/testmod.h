/* testmod.h - the test-only module; see testmod.c. */
#ifndef SLUICE_TESTMOD_H
#define SLUICE_TESTMOD_H

#include "module.h"

extern const struct module testmod_module;

#endif
