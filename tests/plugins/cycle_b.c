/* cycle_b.c - needs cycle_a, which needs cycle_b: together they must be
 * refused as a dependency cycle. */
#include <cami/cami.h>

static const cami_dependency cycle_b_deps[] = {
    {"cycle_a", 0},
    {NULL, 0}
};

static int cycle_b_init(cami_plugin *self)
{
    (void)self;
    return CAMI_OK;
}

CAMI_PLUGIN(cycle_b, "1.0.0", "Half of a dependency cycle",
            .init = cycle_b_init, .dependencies = cycle_b_deps);
