/*
 * compliance_lastroutes.c - the app's chart data: GET
 * /api/v1/<kind>-measurements/last_values/?user=ID (steps also take
 * units=N&resolution=days|hours; blood pressure also has a view per
 * component, last_values/systolic/ ...).
 *
 * The original read everybody's readings here; these routes require the
 * person and read only theirs. The readings come from the store, the
 * shapes from compliance_lastvalues.c, the thresholds from the rules'
 * configuration, so the charts warn where the notifications fire. The
 * literal segment last_values wins over the resources' {pk} routes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compliance_state.h"

#define DAY 86400
#define HOUR 3600

struct lv_route {
    enum measure_kind kind;
    const char *path;
    const char *component;   /* blood pressure: NULL (all) or one component */
};

static const struct lv_route lv_routes[] = {
    { MK_WEIGHT, "/api/v1/weight-measurements/last_values/", NULL },
    { MK_HEART_RATE, "/api/v1/heartrate-measurements/last_values/", NULL },
    { MK_STEPS, "/api/v1/steps-measurements/last_values/", NULL },
    { MK_BLOOD_PRESSURE, "/api/v1/bloodpressure-measurements/last_values/", NULL },
    { MK_BLOOD_PRESSURE, "/api/v1/bloodpressure-measurements/last_values/systolic/", "systolic" },
    { MK_BLOOD_PRESSURE, "/api/v1/bloodpressure-measurements/last_values/diastolic/",
      "diastolic" },
    { MK_BLOOD_PRESSURE, "/api/v1/bloodpressure-measurements/last_values/pulse/", "pulse" },
};

/* The newest LV_READINGS of one person; the column names are the views'. */
static const char *const newest_sql[MK_COUNT] = {
    [MK_WEIGHT] = "SELECT timestamp, value FROM compliance_weight_measurement "
                  "WHERE user_id = ? ORDER BY timestamp DESC, id DESC LIMIT 20",
    [MK_HEART_RATE] = "SELECT timestamp, value FROM compliance_heartrate_measurement "
                      "WHERE user_id = ? ORDER BY timestamp DESC, id DESC LIMIT 20",
    [MK_BLOOD_PRESSURE] = "SELECT timestamp, systolic AS value, diastolic, pulse FROM "
                          "compliance_bloodpressure_measurement WHERE user_id = ? "
                          "ORDER BY timestamp DESC, id DESC LIMIT 20",
};

/* Steps are added up per bucket by the database: at most `units` rows
 * come back, however many readings a device sent. */
static const char *const steps_days_sql =
    "SELECT (start_timestamp DIV 86400) * 86400 AS timestamp, SUM(value) AS value "
    "FROM compliance_steps_measurement WHERE user_id = ? AND start_timestamp >= ? "
    "AND start_timestamp < ? GROUP BY 1 ORDER BY 1";
static const char *const steps_hours_sql =
    "SELECT (start_timestamp DIV 3600) * 3600 AS timestamp, SUM(value) AS value "
    "FROM compliance_steps_measurement WHERE user_id = ? AND start_timestamp >= ? "
    "AND start_timestamp < ? GROUP BY 1 ORDER BY 1";

struct lv_call {
    cami_request *req;
    const struct lv_route *route;
    unsigned units;
    const char *resolution;  /* "days" or "hours" (static) */
    int64_t now;
};

static int bad(cami_request *req, const char *field, const char *error)
{
    return cami_resp_json(req, 400, json_pack("{s:s,s:s}", "error", error, "field", field));
}

/* A decimal integer query parameter from lo to hi: 0, or -1 after a 400. */
static int query_int(cami_request *req, const char *name, const char *what, int64_t lo,
                     int64_t hi, int64_t *out)
{
    const char *text = cami_req_query(req, name);
    char msg[200], *end;
    long long v;

    if (text == NULL || *text == '\0') {
        snprintf(msg, sizeof msg, "the query parameter '%s' is required: %s", name, what);
        bad(req, name, msg);
        return -1;
    }
    errno = 0;
    v = strtoll(text, &end, 10);
    if (!(*text >= '0' && *text <= '9') || *end != '\0' || errno != 0 || v < lo || v > hi) {
        snprintf(msg, sizeof msg, "'%s' must be %s, from %lld to %lld", name, what,
                 (long long)lo, (long long)hi);
        bad(req, name, msg);
        return -1;
    }
    *out = v;
    return 0;
}

static json_t *view(const struct lv_call *c, const struct lv_reading *r, size_t n)
{
    const struct rules_thresholds *th = rules_config_thresholds(comp.rules);

    switch (c->route->kind) {
    case MK_WEIGHT:
        return lv_weight(r, n, th->weight_delta);
    case MK_HEART_RATE:
        return lv_heart_rate(r, n, th->heart.alert_low, th->heart.alert_high);
    case MK_STEPS:
        return lv_steps(r, n, c->now, c->units, c->resolution, th->steps_warning_low);
    case MK_BLOOD_PRESSURE:
        return lv_blood_pressure(r, n, &th->systolic, &th->diastolic, &th->pulse,
                                 c->route->component);
    default:
        return NULL;
    }
}

static int answer(struct lv_call *c, int status, json_t *rows, const char *error)
{
    struct lv_reading *r;
    size_t i, n = json_array_size(rows);
    json_t *row, *body;

    if (status == CAMI_STORE_EDOWN || status == CAMI_ESTATE) {
        cami_resp_header(c->req, "Retry-After", "1");
        return cami_resp_error(c->req, 503, "the database is unavailable");
    }
    if (status == CAMI_ETIMEDOUT)
        return cami_resp_error(c->req, 504, "the database did not answer in time");
    if (status != CAMI_OK) {
        cami_log(comp.self, CAMI_LOG_ERROR, "last_values of %s failed (%d): %s [request %s]",
                 measure_kind(c->route->kind)->resource, status,
                 error != NULL ? error : "(no reason)", cami_req_id(c->req));
        return cami_resp_error(c->req, 500, "the readings could not be read; the server log "
                                            "names the cause");
    }
    r = calloc(n + 1, sizeof *r);
    if (r == NULL)
        return CAMI_ENOMEM;
    json_array_foreach(rows, i, row) {
        const json_t *pulse = json_object_get(row, "pulse");
        r[i].timestamp = json_integer_value(json_object_get(row, "timestamp"));
        r[i].value = json_number_value(json_object_get(row, "value"));
        r[i].diastolic = json_number_value(json_object_get(row, "diastolic"));
        r[i].pulse = json_is_number(pulse) ? json_number_value(pulse) : -1;
        r[i].end_timestamp = r[i].timestamp + (c->route->kind == MK_STEPS &&
                                               strcmp(c->resolution, "hours") == 0 ? HOUR : DAY);
    }
    body = view(c, r, n);
    free(r);
    return cami_resp_json(c->req, 200, body);
}

static void rows_read(cami_plugin *self, int status, json_t *rows, const char *error, void *ud)
{
    struct lv_call *c = ud;

    if (answer(c, status, rows, error) != CAMI_OK) {
        cami_log(self, CAMI_LOG_ERROR, "cannot answer last_values [request %s]",
                 cami_req_id(c->req));
        cami_resp_error(c->req, 500, "internal error");
    }
    cami_req_finish(c->req);
    free(c);
}

static int get_last_values(cami_request *req, void *ud)
{
    const struct lv_route *route = ud;
    struct lv_call *c;
    int64_t user, units = 0, size = DAY, last;
    const char *sql, *resolution = NULL;
    json_t *params;
    int rc;

    if (query_int(req, "user", "the person's id", 1, INT64_MAX, &user) != 0)
        return CAMI_OK;
    if (route->kind == MK_STEPS) {
        resolution = cami_req_query(req, "resolution");
        if (query_int(req, "units", "how many days or hours to draw", 1, LV_STEPS_MAX_UNITS,
                      &units) != 0)
            return CAMI_OK;
        if (resolution == NULL || (strcmp(resolution, "days") != 0 &&
                                   strcmp(resolution, "hours") != 0))
            return bad(req, "resolution", resolution == NULL
                                              ? "the query parameter 'resolution' is required: "
                                                "days or hours"
                                              : "'resolution' must be days or hours");
        resolution = strcmp(resolution, "days") == 0 ? "days" : "hours";
        size = strcmp(resolution, "days") == 0 ? DAY : HOUR;
    }
    c = calloc(1, sizeof *c);
    if (c == NULL)
        return CAMI_ENOMEM;
    c->req = req;
    c->route = route;
    c->units = (unsigned)units;
    c->resolution = resolution;
    c->now = (int64_t)time(NULL);
    if (route->kind == MK_STEPS) {
        last = c->now - c->now % size;
        sql = size == DAY ? steps_days_sql : steps_hours_sql;
        params = json_pack("[I,I,I]", (json_int_t)user, (json_int_t)(last - (units - 1) * size),
                           (json_int_t)(last + size));
    } else {
        sql = newest_sql[route->kind];
        params = json_pack("[I]", (json_int_t)user);
    }
    rc = comp.db->query(comp.self, sql, params, rows_read, c);
    if (rc != CAMI_OK) {
        free(c);
        return rc == CAMI_ESTATE ? cami_resp_error(req, 503, "the store is stopping") : rc;
    }
    return CAMI_PENDING;
}

int lastroutes_add(void)
{
    for (size_t i = 0; i < sizeof lv_routes / sizeof lv_routes[0]; i++) {
        int rc = cami_route_add(comp.self, "GET", lv_routes[i].path, get_last_values,
                                (void *)&lv_routes[i]);
        if (rc != CAMI_OK) {
            cami_log(comp.self, CAMI_LOG_ERROR, "cannot add GET %s (%d)", lv_routes[i].path, rc);
            return rc;
        }
    }
    return CAMI_OK;
}
