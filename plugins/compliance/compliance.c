/*
 * compliance.c - the compliance plugin: the original CAMI's medical
 * compliance service (port 8000) on camid.
 *
 *   /api/v1/medication-plans/, /api/v1/{weight,heartrate,steps,
 *   bloodpressure}-measurements/        Tastypie resources (the store's
 *                                       engine; compliance_resources.c)
 *   GET .../last_values/?user=          chart data (compliance_lastroutes.c)
 *   POST /api/v1/insertion/measurements/, events measurement.<type>
 *                                       readings from partners
 *                                       (compliance_intake.c)
 *
 * and for every new reading: the broadcast measurement.<type> and the
 * rules, whose notifications go out as notification.create
 * (compliance_publish.c; the rules themselves: compliance_rules.c).
 * plugins/compliance/README.md has the whole picture.
 */
#include "compliance_state.h"

struct compliance_state comp;

static void state_free(void)
{
    for (int k = 0; k < MK_COUNT; k++)
        json_decref(comp.specs[k]);
    rules_config_free(comp.rules);
    comp = (struct compliance_state){ 0 };
}

static int compliance_init(cami_plugin *self)
{
    size_t size;
    int rc;

    comp.self = self;
    comp.db = cami_service_get(self, CAMI_STORE_SERVICE, CAMI_STORE_VERSION, &size);
    if (comp.db == NULL) /* camid has logged what it found */
        return CAMI_ENOENT;
    if (!CAMI_STORE_HAS(comp.db, size, resource_add) ||
        !CAMI_STORE_HAS(comp.db, size, migration_add)) {
        cami_log(self, CAMI_LOG_ERROR, "the store plugin is too old: its service lacks "
                 "resource_add or migration_add; install the store of this camid");
        return CAMI_ENOTSUP;
    }
    comp.rules = rules_config_read(self); /* logs why it refuses */
    if (comp.rules == NULL) {
        state_free();
        return CAMI_EINVAL;
    }
    rc = resources_add();
    if (rc == CAMI_OK)
        rc = lastroutes_add();
    if (rc == CAMI_OK)
        rc = intake_add();
    if (rc != CAMI_OK) {
        state_free();
        return rc;
    }
    return CAMI_OK;
}

static void compliance_fini(cami_plugin *self)
{
    (void)self;
    state_free();
}

static const cami_dependency compliance_deps[] = { { "store", 0 }, { NULL, 0 } };

CAMI_PLUGIN(compliance, "1.0.0",
            "Medical compliance: medication plans, weight, heart rate, steps and blood pressure "
            "readings, their charts and the rules that raise notifications",
            .init = compliance_init, .fini = compliance_fini,
            .dependencies = compliance_deps, .config_schema = compliance_config_schema);
