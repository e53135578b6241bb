/*
 * store_rvalue.c - values between the API and the database, per field type.
 *
 * Pure functions (no I/O), unit-tested in test_store_resource.c. What a
 * client sends is checked here once and kept in a "normal form" that both
 * the validate hook and the binding see; errors are sentences for the
 * client, the caller adds the field's name.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_resource.h"

static json_t *refuse(char *err, size_t errlen, const char *fmt, ...) CAMI_PRINTF(3, 4);
static json_t *refuse(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return NULL;
}

int rvalue_parse_int64(const char *s, int64_t *out)
{
    char *end;
    long long v;
    if (s == NULL || *s == '\0' || !(*s == '-' || (*s >= '0' && *s <= '9')))
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || end == s || (*s == '-' && end == s + 1))
        return -1;
    *out = v;
    return 0;
}

int rvalue_parse_double(const char *s, double *out)
{
    char *end;
    double v;
    if (s == NULL || *s == '\0' || *s == ' ')
        return -1;
    errno = 0;
    v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* Characters in a UTF-8 string (jansson strings are valid UTF-8). */
static size_t utf8_chars(const char *s, size_t bytes)
{
    size_t n = 0;
    for (size_t i = 0; i < bytes; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/*
 * A trailing UTC offset "+HH:MM", "+HHMM" or "+HH" (or '-') after the time
 * of s[0..*n): its minutes east of UTC in *minutes, and *n shortened to the
 * text before it. 0 (none: *minutes 0), or -1 when it is malformed.
 */
static int utc_offset(const char *s, size_t *n, int *minutes)
{
    size_t at = 16;   /* the first place after "YYYY-MM-DDTHH:MM" */
    int h, m = 0, len;

    *minutes = 0;
    while (at < *n && s[at] != '+' && s[at] != '-')
        at++;
    if (at >= *n)
        return 0;
    len = (int)(*n - at - 1);
    if (digits(s + at + 1, 2, &h) || h > 23 ||
        !(len == 2 || (len == 4 && !digits(s + at + 3, 2, &m)) ||
          (len == 5 && s[at + 3] == ':' && !digits(s + at + 4, 2, &m))) ||
        m > 59)
        return -1;
    *minutes = (s[at] == '-' ? -1 : 1) * (h * 60 + m);
    *n = at;
    return 0;
}

/* Days from 1970-01-01 to y-mo-d (proleptic Gregorian), and back. */
static long days_from_civil(int y, int mo, int d)
{
    long era, yoe, doy, doe;

    y -= mo <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, int *y, int *mo, int *d)
{
    long era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *mo = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*mo <= 2));
}

/*
 * "YYYY-MM-DD", "YYYY-MM-DDTHH:MM", "...:SS", "...:SS.ffffff", each with an
 * optional 'Z' or UTC offset ("+02:00", "-0530", "+01") -> "YYYY-MM-DD
 * HH:MM:SS" in UTC: the API's date-times are UTC, so a time without either
 * is taken as UTC and one with an offset is moved to UTC.
 */
/* Room for any six ints, so no compiler can see a truncation. */
#define DATETIME_BUF 80

static int parse_datetime(const char *s, char out[DATETIME_BUF])
{
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int y, mo, d, h = 0, mi = 0, sec = 0, offset = 0;
    size_t n = strlen(s);

    if (n > 0 && s[n - 1] == 'Z')
        n--;
    else if (n > 16 && utc_offset(s, &n, &offset) != 0)
        return -1;
    if (n < 10 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d))
        return -1;
    if (n > 10) {
        if ((s[10] != 'T' && s[10] != ' ') || n < 16 || digits(s + 11, 2, &h) || s[13] != ':' ||
            digits(s + 14, 2, &mi))
            return -1;
        if (n > 16) {
            if (n < 19 || s[16] != ':' || digits(s + 17, 2, &sec))
                return -1;
            if (n > 19) {
                int frac;
                if (s[19] != '.' || n == 20 || n > 26 || digits(s + 20, (int)(n - 20), &frac))
                    return -1;
            }
        }
    }
    if (y < 1000 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 ||
        sec > 59)
        return -1;
    if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return -1;
    if (offset != 0) {
        long minutes = days_from_civil(y, mo, d) * 1440L + h * 60 + mi - offset;
        long days = minutes >= 0 ? minutes / 1440 : -((-minutes + 1439) / 1440);

        civil_from_days(days, &y, &mo, &d);
        minutes -= days * 1440;
        h = (int)(minutes / 60);
        mi = (int)(minutes % 60);
        if (y < 1000 || y > 9999)
            return -1;
    }
    snprintf(out, DATETIME_BUF, "%04d-%02d-%02d %02d:%02d:%02d", y, mo, d, h, mi, sec);
    return 0;
}

static json_t *integral(const struct rfield *f, json_t *v, int check_range, char *err,
                        size_t errlen)
{
    int64_t i;
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;

    if (json_is_integer(v)) {
        i = json_integer_value(v);
    } else if (s != NULL && rvalue_parse_int64(s, &i) == 0) {
        /* digits as a string: how 64-bit ids travel */
    } else if (f->type == RF_RELATED && s != NULL && f->related_uri != NULL &&
               strncmp(s, f->related_uri, strlen(f->related_uri)) == 0) {
        char id[32];
        const char *rest = s + strlen(f->related_uri);
        size_t n = strlen(rest);
        if (n < 2 || n > sizeof id || rest[n - 1] != '/')
            return refuse(err, errlen, "'%s' is not a URI of %s", s, f->related_uri);
        memcpy(id, rest, n - 1);
        id[n - 1] = '\0';
        if (rvalue_parse_int64(id, &i) != 0)
            return refuse(err, errlen, "'%s' is not a URI of %s", s, f->related_uri);
    } else if (f->type == RF_RELATED) {
        return refuse(err, errlen, "a URI such as %s1/ or an id is required", f->related_uri);
    } else {
        return refuse(err, errlen, "an integer is required");
    }
    if (check_range && i < f->imin)
        return refuse(err, errlen, "must be at least %" PRId64, f->imin);
    if (check_range && i > f->imax)
        return refuse(err, errlen, "must be at most %" PRId64, f->imax);
    return json_integer(i);
}

static json_t *real(const struct rfield *f, json_t *v, int check_range, char *err, size_t errlen)
{
    double d;
    if (json_is_number(v))
        d = json_number_value(v);
    else if (!json_is_string(v) || rvalue_parse_double(json_string_value(v), &d) != 0)
        return refuse(err, errlen, "a number is required");
    if (!isfinite(d))
        return refuse(err, errlen, "a finite number is required");
    if (check_range && f->has_min && d < f->min)
        return refuse(err, errlen, "must be at least %g", f->min);
    if (check_range && f->has_max && d > f->max)
        return refuse(err, errlen, "must be at most %g", f->max);
    return json_real(d);
}

static json_t *boolean_query(const char *s)
{
    if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 || strcmp(s, "1") == 0)
        return json_true();
    if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 || strcmp(s, "0") == 0)
        return json_false();
    return NULL;
}

/* The checks of one value; `strict`: a client's write (ranges, lengths,
 * choices), else a filter value. */
static json_t *from_api(const struct rfield *f, json_t *v, int strict, char *err, size_t errlen)
{
    json_t *out = NULL;
    char when[DATETIME_BUF];

    if (json_is_null(v))
        return f->nullable ? json_null() : refuse(err, errlen, "may not be null");
    switch (f->type) {
    case RF_INTEGER:
    case RF_BIGINT:
    case RF_RELATED:
        out = integral(f, v, strict, err, errlen);
        break;
    case RF_FLOAT:
        out = real(f, v, strict, err, errlen);
        break;
    case RF_STRING:
    case RF_TEXT:
        if (!json_is_string(v))
            return refuse(err, errlen, "a string is required");
        if (strict && f->max_length > 0 &&
            utf8_chars(json_string_value(v), json_string_length(v)) > f->max_length)
            return refuse(err, errlen, "must be at most %zu characters long", f->max_length);
        out = json_incref(v);
        break;
    case RF_BOOLEAN:
        if (json_is_boolean(v))
            out = json_incref(v);
        else if (!strict && json_is_string(v))
            out = boolean_query(json_string_value(v));
        if (out == NULL)
            return refuse(err, errlen, "true or false is required");
        break;
    case RF_DATETIME:
        if (!json_is_string(v) || parse_datetime(json_string_value(v), when) != 0)
            return refuse(err, errlen,
                          "a date and time such as \"2016-09-26T21:27:54\" is required");
        out = json_string(when);
        break;
    case RF_JSON:
        out = json_incref(v);
        break;
    }
    if (out != NULL && strict && f->choices != NULL) {
        size_t i;
        json_t *c;
        json_array_foreach(f->choices, i, c) {
            if (json_equal(c, out) || (json_is_number(c) && json_is_number(out) &&
                                       json_number_value(c) == json_number_value(out)))
                return out;
        }
        json_decref(out);
        char *list = json_dumps(f->choices, JSON_COMPACT);
        refuse(err, errlen, "must be one of %s", list != NULL ? list : "the choices");
        free(list);
        return NULL;
    }
    return out;
}

json_t *rvalue_from_api(const struct rfield *f, json_t *v, char *err, size_t errlen)
{
    return from_api(f, v, 1, err, errlen);
}

json_t *rvalue_from_query(const struct rfield *f, const char *text, char *err, size_t errlen)
{
    json_t *s, *out;

    if (f->nullable && (strcmp(text, "null") == 0 || strcmp(text, "None") == 0 ||
                        strcmp(text, "none") == 0 || strcmp(text, "nil") == 0))
        return json_null();
    s = json_string(text);
    if (s == NULL)
        return refuse(err, errlen, "the value is not valid UTF-8");
    out = from_api(f, s, 0, err, errlen);
    json_decref(s);
    return out;
}

json_t *rvalue_to_param(const struct rfield *f, json_t *v)
{
    char *text;
    json_t *out;

    if (json_is_null(v))
        return json_null();
    if (f->type != RF_JSON)
        return json_incref(v);
    /* Stored with sorted keys: lists copy the stored text (store_rlist.c)
     * and show objects sorted, as Tastypie did. */
    text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
    if (text == NULL)
        return NULL;
    out = json_string(text);
    free(text);
    return out;
}

static int by_key(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *rvalue_sorted(json_t *v)
{
    const char **keys;
    const char *key;
    json_t *out, *member;
    size_t n = 0, i;

    if (json_is_array(v)) {
        out = json_array();
        json_array_foreach(v, i, member)
            json_array_append_new(out, rvalue_sorted(member));
        return out;
    }
    if (!json_is_object(v))
        return json_incref(v);
    keys = malloc((json_object_size(v) + 1) * sizeof *keys);
    out = json_object();
    if (keys == NULL || out == NULL) {
        free(keys);
        json_decref(out);
        return NULL;
    }
    json_object_foreach(v, key, member)
        keys[n++] = key;
    qsort(keys, n, sizeof *keys, by_key);
    for (i = 0; i < n; i++)
        json_object_set_new(out, keys[i], rvalue_sorted(json_object_get(v, keys[i])));
    free(keys);
    return out;
}

static json_t *id_uri(const char *base, json_t *v)
{
    json_t *uri;
    char *s;
    int n;

    if (json_is_integer(v))
        n = asprintf(&s, "%s%" JSON_INTEGER_FORMAT "/", base, json_integer_value(v));
    else if (json_is_string(v))
        n = asprintf(&s, "%s%s/", base, json_string_value(v));
    else
        return json_null();
    if (n < 0)
        return NULL;
    uri = json_string(s);
    free(s);
    return uri;
}

json_t *rvalue_from_db(const struct rfield *f, json_t *v)
{
    char buf[32];
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    int64_t i;
    double d;

    if (v == NULL || json_is_null(v))
        return json_null();
    switch (f->type) {
    case RF_INTEGER:
        if (s != NULL && rvalue_parse_int64(s, &i) == 0)
            return json_integer(i);
        /* (within int64: a cast of anything larger is undefined) */
        if (json_is_real(v) && json_real_value(v) > -9.2e18 && json_real_value(v) < 9.2e18)
            return json_integer((json_int_t)json_real_value(v));
        break;
    case RF_BIGINT:
        if (json_is_integer(v)) {
            snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            return json_string(buf);
        }
        break;
    case RF_FLOAT:
        if (json_is_integer(v))
            return json_real((double)json_integer_value(v));
        if (s != NULL && rvalue_parse_double(s, &d) == 0)
            return json_real(d);
        break;
    case RF_BOOLEAN:
        if (json_is_integer(v))
            return json_boolean(json_integer_value(v) != 0);
        if (s != NULL)
            return json_boolean(strcmp(s, "0") != 0 && s[0] != '\0');
        break;
    case RF_DATETIME:
        if (s != NULL && strlen(s) >= 19 && s[10] == ' ') {
            char when[20];
            memcpy(when, s, 19);
            when[10] = 'T';
            when[19] = '\0';
            return json_string(when);
        }
        break;
    case RF_JSON:
        if (s != NULL) {
            json_t *parsed = json_loads(s, JSON_DECODE_ANY, NULL), *sorted;
            if (parsed != NULL) {
                /* shown sorted, as Tastypie printed every object (the
                 * store writes it sorted; other writers may not) */
                sorted = json_is_object(parsed) || json_is_array(parsed) ? rvalue_sorted(parsed)
                                                                         : json_incref(parsed);
                json_decref(parsed);
                return sorted;
            }
        }
        break;
    case RF_RELATED:
        return id_uri(f->related_uri, v);
    case RF_STRING:
    case RF_TEXT:
        break;
    }
    return json_incref(v);
}

json_t *rvalue_row(const struct resource *r, json_t *row)
{
    json_t *obj = json_object();
    int uri_done = 0;

    if (obj == NULL)
        return NULL;
    /* Insert in name order, so the JSON comes out sorted as Tastypie's did. */
    for (size_t k = 0; k < r->nfields; k++) {
        const struct rfield *f = &r->fields[r->out_order[k]];
        if (!uri_done && strcmp(f->name, "resource_uri") > 0) {
            json_object_set_new(obj, "resource_uri",
                                id_uri(r->base_path, json_object_get(row, r->fields[r->pk].name)));
            uri_done = 1;
        }
        json_object_set_new(obj, f->name, rvalue_from_db(f, json_object_get(row, f->name)));
    }
    if (!uri_done)
        json_object_set_new(obj, "resource_uri",
                            id_uri(r->base_path, json_object_get(row, r->fields[r->pk].name)));
    return obj;
}
