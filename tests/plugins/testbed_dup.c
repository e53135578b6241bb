/*
 * testbed_dup.c - a test plugin that claims GET /tb/fail, a route testbed
 * already has, so the tests can check that camid refuses to load the two
 * together and names both plugins.
 */
#include <cami/cami.h>

static int dup_fail(cami_request *req, void *ud)
{
    (void)ud;
    return cami_resp_error(req, 500, "testbed_dup answered");
}

static int dup_init(cami_plugin *self)
{
    int rc = cami_route_add(self, "GET", "/tb/fail", dup_fail, NULL);

    if (rc != CAMI_OK)
        cami_log(self, CAMI_LOG_ERROR, "cannot add GET /tb/fail (%d)", rc);
    return rc;
}

CAMI_PLUGIN(testbed_dup, "1.0.0", "Claims a route of testbed, to be refused",
            .init = dup_init);
