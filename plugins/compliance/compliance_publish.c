/*
 * compliance_publish.c - what follows a new reading, whichever way it came
 * (a resource POST, the HTTP intake, the bus): the original's broadcast
 * on measurement.<type>, then its rule.
 *
 * A rule needs the person (name, language, caregivers: the store's
 * store_user and store_caregiverprofile) and, for weight and steps, the
 * person's history; each is a store query, chained through callbacks on
 * the loop. Every query names the person: the original compared a weight
 * with whoever was weighed before, across all users. What a rule raises
 * is published as notification.create; failures are logged (the reading
 * is stored either way, and nothing here can answer a client).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "compliance_state.h"

#define DAY 86400

struct react {
    struct measurement m;
    int known;
    char *name, *language;   /* NULL when unknown */
    json_t *caregivers;      /* ["<id>", ...]: who cares for the person */
    int64_t judged_day;      /* steps: the start of the day whose total is judged */
};

static void react_free(struct react *r)
{
    free(r->name);
    free(r->language);
    json_decref(r->caregivers);
    free(r);
}

static int64_t day_start(int64_t t)
{
    return t - t % DAY; /* timestamps are >= 0: the specs' minimum */
}

/* ---- the notifications ------------------------------------------------------- */

/* Publish a rule's payloads. Caregivers' payloads also say who the
 * caregivers are, so the notifications plugin need not look them up. */
static void raise_all(struct react *r, json_t *payloads, const char *rule)
{
    size_t i, n = 0;
    json_t *p;

    if (payloads == NULL) {
        cami_log(comp.self, CAMI_LOG_ERROR, "%s rule for user %" PRId64 ": out of memory", rule,
                 r->m.user_id);
        return;
    }
    json_array_foreach(payloads, i, p) {
        const char *to = json_string_value(json_object_get(p, "recipient_type"));
        int rc;

        if (to != NULL && strcmp(to, "caregiver") == 0)
            json_object_set(p, "caregiver_ids", r->caregivers);
        rc = cami_bus_publish(comp.self, "notification.create", json_incref(p));
        if (rc != CAMI_OK)
            cami_log(comp.self, CAMI_LOG_ERROR, "cannot publish notification.create (%d)", rc);
        else
            n++;
    }
    if (n > 0)
        cami_log(comp.self, CAMI_LOG_INFO, "%s of user %" PRId64 " (reading %" PRId64 "): %zu "
                 "notification(s) raised", rule, r->m.user_id, r->m.id, n);
    json_decref(payloads);
}

static struct rules_person person_of(const struct react *r)
{
    struct rules_person p = { r->known, r->name, r->language };
    return p;
}

/* A store failure ends the chain: logged, the rule not run. */
static int failed(struct react *r, int status, const char *error, const char *what)
{
    if (status == CAMI_OK)
        return 0;
    cami_log(comp.self, CAMI_LOG_ERROR, "%s for reading %" PRId64 " of user %" PRId64 " failed: "
             "%s; its rule did not run", what, r->m.id, r->m.user_id,
             error != NULL ? error : "(no reason)");
    react_free(r);
    return 1;
}

static void queued(struct react *r, int rc, const char *what)
{
    if (rc == CAMI_OK)
        return;
    cami_log(comp.self, rc == CAMI_ESTATE ? CAMI_LOG_WARN : CAMI_LOG_ERROR,
             "cannot query %s for reading %" PRId64 " (%d); its rule did not run", what,
             r->m.id, rc);
    react_free(r);
}

/* ---- weight: this reading and the one before it ------------------------------- */

static void weight_previous(cami_plugin *self, int status, json_t *rows, const char *error,
                            void *ud)
{
    struct react *r = ud;
    struct rules_person p = person_of(r);
    const json_t *prev;

    (void)self;
    if (failed(r, status, error, "reading the previous weight"))
        return;
    prev = json_object_get(json_array_get(rows, 0), "value");
    if (json_is_number(prev)) /* none: the person's first weight */
        raise_all(r, rules_weight(comp.rules, &p, r->m.user_id, r->m.value,
                                  json_number_value(prev), r->m.timestamp), "weight rule");
    react_free(r);
}

static void run_weight(struct react *r)
{
    queued(r, comp.db->query(comp.self,
                             "SELECT value FROM compliance_weight_measurement "
                             "WHERE user_id = ? AND id <> ? AND (timestamp < ? OR "
                             "(timestamp = ? AND id < ?)) ORDER BY timestamp DESC, id DESC "
                             "LIMIT 1",
                             json_pack("[I,I,I,I,I]", (json_int_t)r->m.user_id,
                                       (json_int_t)r->m.id, (json_int_t)r->m.timestamp,
                                       (json_int_t)r->m.timestamp, (json_int_t)r->m.id),
                             weight_previous, r),
           "the previous weight");
}

/*
 * ---- steps: a day's total, once the day is over --------------------------------
 *
 * The steps bands judge a whole day (UTC): a running total would be
 * "under 1000 steps" every morning. So the reading that opens a new day
 * (the person's first one of its day, after a reading of an earlier day)
 * closes the day of the reading before it, and that day's total is judged.
 */

static void steps_total(cami_plugin *self, int status, json_t *rows, const char *error, void *ud)
{
    struct react *r = ud;
    struct rules_person p = person_of(r);
    const json_t *total;

    (void)self;
    if (failed(r, status, error, "adding up the day's steps"))
        return;
    total = json_object_get(json_array_get(rows, 0), "total");
    if (json_is_number(total))
        raise_all(r, rules_steps(comp.rules, &p, r->m.user_id, json_number_value(total),
                                 r->judged_day + DAY - 1), "steps rule");
    react_free(r);
}

static void steps_context(cami_plugin *self, int status, json_t *rows, const char *error,
                          void *ud)
{
    struct react *r = ud;
    const json_t *row = json_array_get(rows, 0);
    const json_t *prev = json_object_get(row, "previous_start");
    const json_t *same = json_object_get(row, "same_day");
    int64_t today = day_start(r->m.timestamp);

    (void)self;
    if (failed(r, status, error, "reading the steps before this one"))
        return;
    if (!json_is_integer(prev) || !json_is_integer(same) || json_integer_value(same) != 0 ||
        day_start(json_integer_value(prev)) >= today) {
        react_free(r); /* no earlier day, or this day was opened already */
        return;
    }
    r->judged_day = day_start(json_integer_value(prev));
    queued(r, comp.db->query(comp.self,
                             "SELECT SUM(value) AS total FROM compliance_steps_measurement "
                             "WHERE user_id = ? AND start_timestamp >= ? AND start_timestamp < ?",
                             json_pack("[I,I,I]", (json_int_t)r->m.user_id,
                                       (json_int_t)r->judged_day,
                                       (json_int_t)(r->judged_day + DAY)),
                             steps_total, r),
           "the day's steps");
}

static void run_steps(struct react *r)
{
    int64_t today = day_start(r->m.timestamp);

    queued(r, comp.db->query(comp.self,
                             "SELECT (SELECT MAX(start_timestamp) FROM "
                             "compliance_steps_measurement WHERE user_id = ? AND id <> ? AND "
                             "start_timestamp < ?) AS previous_start, (SELECT COUNT(*) FROM "
                             "compliance_steps_measurement WHERE user_id = ? AND id <> ? AND "
                             "start_timestamp >= ? AND start_timestamp < ?) AS same_day",
                             json_pack("[I,I,I,I,I,I,I]", (json_int_t)r->m.user_id,
                                       (json_int_t)r->m.id, (json_int_t)r->m.timestamp,
                                       (json_int_t)r->m.user_id, (json_int_t)r->m.id,
                                       (json_int_t)today, (json_int_t)(today + DAY)),
                             steps_context, r),
           "the steps before this one");
}

/* ---- the person, then the kind's rule ------------------------------------------ */

static char *dup_or_null(const json_t *v)
{
    const char *s = json_string_value(v);
    return s != NULL && *s != '\0' ? strdup(s) : NULL;
}

/* "12,7" (GROUP_CONCAT) -> ["12", "7"]; NULL (nobody) -> [] */
static json_t *id_list(const json_t *v)
{
    json_t *out;
    const char *s = json_string_value(v);

    if (json_is_integer(v))
        return json_pack("[o]", json_sprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v)));
    out = json_array();
    while (out != NULL && s != NULL && *s != '\0') {
        size_t n = strcspn(s, ",");
        json_array_append_new(out, json_stringn(s, n));
        s += n + (s[n] == ',');
    }
    return out;
}

static void person_read(cami_plugin *self, int status, json_t *rows, const char *error, void *ud)
{
    struct react *r = ud;
    const json_t *row = json_array_get(rows, 0);
    struct rules_person p;

    (void)self;
    if (status != CAMI_OK) /* the rule still runs, with the neutral texts */
        cami_log(comp.self, CAMI_LOG_WARN, "cannot look up user %" PRId64 " in the store: %s; "
                 "neutral texts", r->m.user_id, error != NULL ? error : "(no reason)");
    if (status == CAMI_OK && row != NULL) {
        r->known = 1;
        r->name = dup_or_null(json_object_get(row, "first_name"));
        if (r->name == NULL)
            r->name = dup_or_null(json_object_get(row, "username"));
        r->language = dup_or_null(json_object_get(row, "language"));
        json_decref(r->caregivers);
        r->caregivers = id_list(json_object_get(row, "caregivers"));
    }
    if (r->caregivers == NULL) {
        cami_log(comp.self, CAMI_LOG_ERROR, "out of memory running a rule");
        react_free(r);
        return;
    }
    p = person_of(r);
    switch (r->m.kind) {
    case MK_WEIGHT:
        run_weight(r);
        return;
    case MK_STEPS:
        run_steps(r);
        return;
    case MK_HEART_RATE:
        raise_all(r, rules_heart_rate(comp.rules, &p, r->m.user_id, r->m.value, r->m.timestamp),
                  "heart rate rule");
        break;
    case MK_BLOOD_PRESSURE:
        raise_all(r, rules_blood_pressure(comp.rules, &p, r->m.user_id, r->m.value,
                                          r->m.diastolic, r->m.pulse, r->m.timestamp),
                  "blood pressure rule");
        break;
    default:
        break;
    }
    react_free(r);
}

void publish_new_measurement(const struct measurement *m)
{
    struct react *r;
    int rc;

    rc = cami_bus_publish(comp.self, measure_topic(m->kind), measure_broadcast(m));
    if (rc != CAMI_OK)
        cami_log(comp.self, CAMI_LOG_ERROR, "cannot publish %s for reading %" PRId64 " (%d)",
                 measure_topic(m->kind), m->id, rc);
    r = calloc(1, sizeof *r);
    if (r == NULL || (r->caregivers = json_array()) == NULL) {
        cami_log(comp.self, CAMI_LOG_ERROR, "out of memory: the rule of reading %" PRId64
                 " did not run", m->id);
        free(r);
        return;
    }
    r->m = *m;
    queued(r, comp.db->query(comp.self,
                             "SELECT u.first_name, u.username, u.language, "
                             "(SELECT GROUP_CONCAT(c.user_id ORDER BY c.user_id) FROM "
                             "store_caregiverprofile c WHERE c.caretaker_id = u.id) AS caregivers "
                             "FROM store_user u WHERE u.id = ?",
                             json_pack("[I]", (json_int_t)m->user_id), person_read, r),
           "the person");
}
