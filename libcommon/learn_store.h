/*
 * learn_store - the classifier's model in the store (see learn_store.c
 * for the contract: keys, merging learners, reloading scanners).
 */
#ifndef SLUICE_LEARN_STORE_H
#define SLUICE_LEARN_STORE_H

#include "learn.h"

struct store;
struct learn_ref;
struct learn_scanner;

#define LEARN_KEY_MODEL "learn/model"
#define LEARN_KEY_SERIAL "learn/serial"

/* Learn into m; > 0: m changed (save it), 0: nothing to save, < 0: error. */
typedef int (*learn_store_fn)(struct learn_model *m, void *arg);

int learn_store_load(struct store *s, struct learn_model **model_r,
                     const char **error_r);
int learn_store_learn(struct store *s, learn_store_fn fn, void *arg,
                      const char **error_r);

struct learn_scanner *learn_scanner_new(long long reload_s);
void learn_scanner_free(struct learn_scanner *sc);
int learn_scanner_model(struct learn_scanner *sc, struct store *s,
                        struct learn_ref **ref_r, const char **error_r);
const struct learn_model *learn_ref_model(const struct learn_ref *r);
void learn_ref_release(struct learn_ref *r);

#endif
