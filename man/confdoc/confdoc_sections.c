/*
 * confdoc_sections - every section table, in sluice.conf(5) order.
 * See confdoc.h.  A new milter's section goes here, and its library in
 * the LDADD of man/confdoc/sluice-confdoc and t/unit/keys_doc_test.
 */
#include "confdoc.h"

#include "attach.h"
#include "common.h"
#include "content.h"
#include "grey.h"
#include "policy.h"

const struct cfg_section *const confdoc_sections[] = {
    &common_section,
    &policy_section,
    &grey_section,
    &content_section,
    &attach_section,
};

const size_t confdoc_nsections =
    sizeof(confdoc_sections) / sizeof(confdoc_sections[0]);
