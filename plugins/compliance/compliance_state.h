/*
 * compliance_state.h - what the compliance plugin's files share: its
 * handle, the store service, the rules' configuration and the resource
 * specs the intake checks against. One copy per worker process (each
 * worker loads the plugin); loop thread only.
 */
#ifndef COMPLIANCE_STATE_H
#define COMPLIANCE_STATE_H

#include <cami/cami.h>
#include <cami/store.h>

#include "compliance_measure.h"
#include "compliance_rules.h"

struct compliance_state {
    cami_plugin *self;
    const cami_store_v1 *db;
    struct rules_config *rules;
    json_t *specs[MK_COUNT];       /* each kind's resource spec (owned) */
};

extern struct compliance_state comp;

/* ---- compliance_publish.c ---- */

/* A new reading was stored (m->id set): broadcast it as
 * measurement.<type> and run its rule, publishing what the rule raises as
 * notification.create. Nothing to wait for; failures are logged. */
void publish_new_measurement(const struct measurement *m);

/* ---- compliance_resources.c ---- */

/* Register the five REST resources from the embedded specs (keeping the
 * measurement kinds' specs in comp.specs for the intake). */
int resources_add(void);

/* ---- compliance_intake.c ---- */

/* POST /api/v1/insertion/measurements[/] and the bus subscription to
 * "measurement.". */
int intake_add(void);

/* ---- compliance_lastroutes.c ---- */

/* GET /api/v1/<kind>-measurements/last_values/ (and blood pressure's
 * per-component views). */
int lastroutes_add(void);

#endif
