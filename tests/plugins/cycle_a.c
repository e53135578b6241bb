/* cycle_a.c - needs cycle_b, which needs cycle_a: together they must be
 * refused as a dependency cycle. */
#include <cami/cami.h>

static const cami_dependency cycle_a_deps[] = {
    {"cycle_b", 0},
    {NULL, 0}
};

static int cycle_a_init(cami_plugin *self)
{
    (void)self;
    return CAMI_OK;
}

CAMI_PLUGIN(cycle_a, "1.0.0", "Half of a dependency cycle",
            .init = cycle_a_init, .dependencies = cycle_a_deps);
