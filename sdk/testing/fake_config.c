/*
 * fake_config.c - the plugin's config section: checked against its schema at
 * start as camid checks [plugin.NAME], then served by the config getters.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fake.h"

static const char *const type_names[] = { "?", "string", "int", "bool", "double", "list" };

/* ---- value parsers: the same rules as plugin.h states for camid ----------- */

static int parse_int(const char *s, int64_t *out)
{
    char *end;
    long long v;

    if (*s == '\0' || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = (int64_t)v;
    return 0;
}

static int parse_bool(const char *s, int *out)
{
    static const char *const yes[] = { "on", "yes", "true", "1" };
    static const char *const no[] = { "off", "no", "false", "0" };

    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    double v;

    if (*s == '\0' || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static int valid_value(cami_config_type type, const char *v)
{
    int64_t i;
    int b;
    double d;

    switch (type) {
    case CAMI_CONFIG_STRING:
    case CAMI_CONFIG_LIST:
        return 1;
    case CAMI_CONFIG_INT:
        return parse_int(v, &i) == 0;
    case CAMI_CONFIG_BOOL:
        return parse_bool(v, &b) == 0;
    case CAMI_CONFIG_DOUBLE:
        return parse_double(v, &d) == 0;
    }
    return 0;
}

static int reserved(const char *key)
{
    return strcmp(key, "module") == 0 || strcmp(key, "listeners") == 0;
}

static int valid_key(const char *k)
{
    if (k == NULL || *k == '\0')
        return 0;
    for (; *k != '\0'; k++)
        if (!(isalnum((unsigned char)*k) || *k == '_' || *k == '-' || *k == '.'))
            return 0;
    return 1;
}

int fake_check_schema(const cami_config_key *schema, const char *plugin)
{
    for (size_t i = 0; schema != NULL && schema[i].key != NULL; i++) {
        const cami_config_key *k = &schema[i];

        if (!valid_key(k->key) || reserved(k->key)) {
            fprintf(stderr, "cami-testing: plugin '%s': config key '%s' is %s\n", plugin, k->key,
                    reserved(k->key) ? "the host's own" : "not [A-Za-z0-9_.-]+");
            return -1;
        }
        if (k->type < CAMI_CONFIG_STRING || k->type > CAMI_CONFIG_LIST) {
            fprintf(stderr, "cami-testing: plugin '%s': config key '%s' has unknown type %d\n",
                    plugin, k->key, (int)k->type);
            return -1;
        }
        if (k->default_value != NULL && !valid_value(k->type, k->default_value)) {
            fprintf(stderr, "cami-testing: plugin '%s': default '%s' of config key '%s' is "
                            "not a valid %s\n", plugin, k->default_value, k->key,
                    type_names[k->type]);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(schema[j].key, k->key) == 0) {
                fprintf(stderr, "cami-testing: plugin '%s': config key '%s' declared twice\n",
                        plugin, k->key);
                return -1;
            }
        }
    }
    return 0;
}

/* ---- checking the section at start ----------------------------------------- */

static const char *set_value(const cami_test_host *h, const char *key)
{
    for (size_t i = 0; i < h->set.count; i++)
        if (strcmp(h->set.names[i], key) == 0)
            return h->set.values[i];
    return NULL;
}

static int split_list(fake_conf *c)
{
    const char *s = c->value;

    while (*s != '\0') {
        const char *end = strchr(s, ',');
        const char *b = s, *e = end != NULL ? end : s + strlen(s);
        char **items;

        while (b < e && (*b == ' ' || *b == '\t'))
            b++;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        items = realloc(c->items, (c->nitems + 1) * sizeof *items);
        if (items == NULL)
            return CAMI_ENOMEM;
        c->items = items;
        c->items[c->nitems] = strndup(b, (size_t)(e - b));
        if (c->items[c->nitems] == NULL)
            return CAMI_ENOMEM;
        c->nitems++;
        if (end == NULL)
            break;
        s = end + 1;
    }
    return CAMI_OK;
}

static int known_key(const cami_test_host *h, const char *key)
{
    const cami_config_key *schema = h->plugin.desc.config_schema;

    for (size_t i = 0; schema != NULL && schema[i].key != NULL; i++)
        if (strcmp(schema[i].key, key) == 0)
            return 1;
    return 0;
}

int fake_config_check(cami_test_host *h)
{
    const cami_config_key *schema = h->plugin.desc.config_schema;
    const char *name = h->plugin.desc.name;
    size_t n = 0;
    int problems = 0;

    for (size_t i = 0; i < h->set.count; i++) {
        if (reserved(h->set.names[i]) || known_key(h, h->set.names[i]))
            continue;
        fake_log(h, "fake-host", CAMI_LOG_ERROR,
                 "config: unknown key '%s' in [plugin.%s] (not in the plugin's schema)",
                 h->set.names[i], name);
        problems++;
    }
    while (schema != NULL && schema[n].key != NULL)
        n++;
    h->conf = calloc(n + 1, sizeof *h->conf);
    if (h->conf == NULL)
        return CAMI_ENOMEM;
    h->nconf = n;
    for (size_t i = 0; i < n; i++) {
        fake_conf *c = &h->conf[i];
        const char *set = set_value(h, schema[i].key);

        c->key = &schema[i];
        c->value = set != NULL ? set : schema[i].default_value;
        if (c->value == NULL) {
            if (schema[i].required) {
                fake_log(h, "fake-host", CAMI_LOG_ERROR,
                         "config: [plugin.%s] needs key '%s' (%s: %s)", name, schema[i].key,
                         type_names[schema[i].type], schema[i].doc ? schema[i].doc : "");
                problems++;
            }
            continue;
        }
        if (!valid_value(schema[i].type, c->value)) {
            fake_log(h, "fake-host", CAMI_LOG_ERROR,
                     "config: [plugin.%s] %s = '%s' is not a valid %s", name, schema[i].key,
                     c->value, type_names[schema[i].type]);
            problems++;
            continue;
        }
        if (schema[i].type == CAMI_CONFIG_LIST && split_list(c) != CAMI_OK)
            return CAMI_ENOMEM;
    }
    return problems > 0 ? CAMI_EINVAL : CAMI_OK;
}

void fake_config_free(cami_test_host *h)
{
    for (size_t i = 0; i < h->nconf; i++) {
        for (size_t j = 0; j < h->conf[i].nitems; j++)
            free(h->conf[i].items[j]);
        free(h->conf[i].items);
    }
    free(h->conf);
    h->conf = NULL;
    h->nconf = 0;
}

/* ---- getters ----------------------------------------------------------------- */

static const fake_conf *find(const cami_plugin *self, const char *key)
{
    const cami_test_host *h = self->host;

    for (size_t i = 0; key != NULL && i < h->nconf; i++)
        if (strcmp(h->conf[i].key->key, key) == 0)
            return &h->conf[i];
    return NULL;
}

/* The value of a declared key of `type`, or the getter's error code. */
static int typed(const cami_plugin *self, const char *key, cami_config_type type,
                 const char **value)
{
    const fake_conf *c = find(self, key);

    if (c == NULL || c->key->type != type)
        return CAMI_EINVAL;
    if (c->value == NULL)
        return CAMI_ENOENT;
    *value = c->value;
    return CAMI_OK;
}

const char *fake_config_string(const cami_plugin *self, const char *key)
{
    const fake_conf *c = find(self, key);

    return c != NULL ? c->value : NULL;
}

int fake_config_int(const cami_plugin *self, const char *key, int64_t *out)
{
    const char *v;
    int rc = typed(self, key, CAMI_CONFIG_INT, &v);

    if (rc != CAMI_OK || out == NULL)
        return rc != CAMI_OK ? rc : CAMI_EINVAL;
    return parse_int(v, out) == 0 ? CAMI_OK : CAMI_EINVAL;
}

int fake_config_bool(const cami_plugin *self, const char *key, int *out)
{
    const char *v;
    int rc = typed(self, key, CAMI_CONFIG_BOOL, &v);

    if (rc != CAMI_OK || out == NULL)
        return rc != CAMI_OK ? rc : CAMI_EINVAL;
    return parse_bool(v, out) == 0 ? CAMI_OK : CAMI_EINVAL;
}

int fake_config_double(const cami_plugin *self, const char *key, double *out)
{
    const char *v;
    int rc = typed(self, key, CAMI_CONFIG_DOUBLE, &v);

    if (rc != CAMI_OK || out == NULL)
        return rc != CAMI_OK ? rc : CAMI_EINVAL;
    return parse_double(v, out) == 0 ? CAMI_OK : CAMI_EINVAL;
}

const char *fake_config_list_item(const cami_plugin *self, const char *key, size_t index)
{
    const fake_conf *c = find(self, key);

    if (c == NULL || c->key->type != CAMI_CONFIG_LIST || index >= c->nitems)
        return NULL;
    return c->items[index];
}
