/* needs_missing.c - depends on a plugin no test configures: loading it must
 * be refused with the name of the missing one. */
#include <cami/cami.h>

static const cami_dependency needs_missing_deps[] = {
    {"absent", 0},
    {"maybe", 1},   /* optional: its absence is fine */
    {NULL, 0}
};

static int needs_missing_init(cami_plugin *self)
{
    (void)self;
    return CAMI_OK;
}

CAMI_PLUGIN(needs_missing, "1.0.0", "Needs a plugin that is not there",
            .init = needs_missing_init, .dependencies = needs_missing_deps);
