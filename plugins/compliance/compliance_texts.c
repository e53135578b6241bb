/*
 * compliance_texts.c - the rules' notification texts: which texts exist,
 * reading and checking them from JSON, filling them in.
 *
 * Everything an admin can get wrong is refused at load with where it is
 * ("ro.heart_low_alert.caregiver.message") and why, so a notification is
 * never sent with a broken text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compliance_texts.h"

#define R(x) (1u << (x))
#define P(x) (1u << (x))
#define BOTH (R(TR_ELDERLY) | R(TR_CAREGIVER))
#define WEIGHT_P (P(TP_NAME) | P(TP_VALUE) | P(TP_DELTA) | P(TP_PREVIOUS))
#define ONE_P (P(TP_NAME) | P(TP_VALUE))
#define STEPS_P (ONE_P | P(TP_DATE))
#define BP_P (P(TP_NAME) | P(TP_VALUE) | P(TP_SYSTOLIC) | P(TP_DIASTOLIC))
/* a pulse event always has a pulse; a pressure event may have none */
#define PULSE_P (BP_P | P(TP_PULSE))

const struct text_event_def text_events[TE_COUNT] = {
    [TE_WEIGHT_LOSS] = { "weight_loss", "weight", "medium", BOTH, WEIGHT_P },
    [TE_WEIGHT_GAIN] = { "weight_gain", "weight", "medium", BOTH, WEIGHT_P },
    [TE_HEART_LOW_ALERT] = { "heart_low_alert", "heart", "high", BOTH, ONE_P },
    [TE_HEART_LOW_WARNING] = { "heart_low_warning", "heart", "medium", BOTH, ONE_P },
    [TE_HEART_HIGH_WARNING] = { "heart_high_warning", "heart", "medium", BOTH, ONE_P },
    [TE_HEART_HIGH_ALERT] = { "heart_high_alert", "heart", "high", BOTH, ONE_P },
    [TE_BP_LOW_ALERT] = { "bp_low_alert", "blood_pressure", "high", BOTH, BP_P },
    [TE_BP_LOW_WARNING] = { "bp_low_warning", "blood_pressure", "medium", BOTH, BP_P },
    [TE_BP_HIGH_WARNING] = { "bp_high_warning", "blood_pressure", "medium", BOTH, BP_P },
    [TE_BP_HIGH_ALERT] = { "bp_high_alert", "blood_pressure", "high", BOTH, BP_P },
    [TE_PULSE_LOW_ALERT] = { "pulse_low_alert", "blood_pressure", "high", BOTH, PULSE_P },
    [TE_PULSE_LOW_WARNING] = { "pulse_low_warning", "blood_pressure", "medium", BOTH, PULSE_P },
    [TE_PULSE_HIGH_WARNING] = { "pulse_high_warning", "blood_pressure", "medium", BOTH, PULSE_P },
    [TE_PULSE_HIGH_ALERT] = { "pulse_high_alert", "blood_pressure", "high", BOTH, PULSE_P },
    /* the later decision-support rules name one recipient per band */
    [TE_STEPS_VERY_LOW] = { "steps_very_low", "steps", "high", R(TR_CAREGIVER), STEPS_P },
    [TE_STEPS_LOW] = { "steps_low", "steps", "medium", R(TR_ELDERLY), STEPS_P },
    [TE_STEPS_HIGH] = { "steps_high", "steps", "low", R(TR_ELDERLY), STEPS_P },
};

static const char *const lang_codes[TL_COUNT] = { "en", "ro", "dk", "pl" };
static const char *const recipient_keys[TR_COUNT] = { "elderly", "caregiver" };
static const char *const placeholder_names[TP_COUNT] = {
    "name", "value", "delta", "previous", "systolic", "diastolic", "pulse", "date"
};
static const char *const field_keys[TF_COUNT] = { "message", "description" };
static const size_t field_max[TF_COUNT] = { TEXT_MESSAGE_MAX, TEXT_DESCRIPTION_MAX };

#define NEUTRAL_SUFFIX "_neutral"

struct texts {
    /* [language][event][recipient][neutral][field]: template or NULL */
    char *text[TL_COUNT][TE_COUNT][TR_COUNT][2][TF_COUNT];
};

const char *text_lang_code(int lang)
{
    return lang >= 0 && lang < TL_COUNT ? lang_codes[lang] : NULL;
}

int text_lang_index(const char *code)
{
    int i;
    for (i = 0; code != NULL && i < TL_COUNT; i++)
        if (strcmp(code, lang_codes[i]) == 0)
            return i;
    return -1;
}

struct texts *texts_new(void)
{
    return calloc(1, sizeof(struct texts));
}

void texts_free(struct texts *t)
{
    char **p, **end;
    if (t == NULL)
        return;
    p = &t->text[0][0][0][0][0];
    end = p + sizeof t->text / sizeof(char *);
    for (; p < end; p++)
        free(*p);
    free(t);
}

/* "a, b, c" of the names whose bit is in mask, into buf. */
static void list_names(char *buf, size_t len, const char *const *names, size_t n, unsigned mask,
                       int braces)
{
    size_t i, used = 0;
    buf[0] = '\0';
    for (i = 0; i < n && used < len; i++) {
        int w;
        if (!(mask & (1u << i)))
            continue;
        w = snprintf(buf + used, len - used, "%s%s%s%s", used ? ", " : "", braces ? "{" : "",
                     names[i], braces ? "}" : "");
        if (w < 0)
            return;
        used += (size_t)w;
    }
}

static int placeholder_index(const char *s, size_t n)
{
    int i;
    for (i = 0; i < TP_COUNT; i++)
        if (strlen(placeholder_names[i]) == n && strncmp(s, placeholder_names[i], n) == 0)
            return i;
    return -1;
}

/* Check one template; where is "en.weight_loss.caregiver.message". */
static int check_template(const char *s, int event, int neutral, int field, const char *where,
                          char *err, size_t errlen)
{
    unsigned allowed = text_events[event].placeholders;
    const char *p, *close;
    char known[160];

    if (neutral)
        allowed &= ~P(TP_NAME);
    if (s[0] == '\0') {
        snprintf(err, errlen, "%s: is empty", where);
        return -1;
    }
    if (strlen(s) > field_max[field]) {
        snprintf(err, errlen, "%s: is longer than %zu bytes (the notification's %s column)",
                 where, field_max[field], field_keys[field]);
        return -1;
    }
    for (p = strchr(s, '{'); p != NULL; p = strchr(close + 1, '{')) {
        int i;
        size_t n;
        close = strchr(p + 1, '}');
        if (close == NULL) {
            snprintf(err, errlen, "%s: '{' without a closing '}' (placeholders are like {value})",
                     where);
            return -1;
        }
        n = (size_t)(close - p - 1);
        i = placeholder_index(p + 1, n);
        if (i == TP_NAME && neutral && (text_events[event].placeholders & P(TP_NAME))) {
            snprintf(err, errlen, "%s: {name} in a neutral text (used when the store does not "
                     "know the person, so there is no name)", where);
            return -1;
        }
        if (i < 0 || !(allowed & P(i))) {
            list_names(known, sizeof known, placeholder_names, TP_COUNT, allowed, 1);
            snprintf(err, errlen, "%s: unknown placeholder {%.*s}; this text may use %s", where,
                     n > 40 ? 40 : (int)n, p + 1, known);
            return -1;
        }
    }
    return 0;
}

/* "caregiver" or "caregiver_neutral" -> recipient, *neutral; -1 if neither. */
static int parse_recipient(const char *key, int *neutral)
{
    int r;
    for (r = 0; r < TR_COUNT; r++) {
        size_t n = strlen(recipient_keys[r]);
        if (strncmp(key, recipient_keys[r], n) != 0)
            continue;
        if (key[n] == '\0') {
            *neutral = 0;
            return r;
        }
        if (strcmp(key + n, NEUTRAL_SUFFIX) == 0) {
            *neutral = 1;
            return r;
        }
    }
    return -1;
}

static int merge_recipient(struct texts *t, int lang, int event, const char *rkey,
                           const json_t *rv, char *err, size_t errlen)
{
    const char *base = text_events[event].key;
    const char *fk;
    json_t *fv;
    int neutral, r = parse_recipient(rkey, &neutral);

    if (r < 0 || !(text_events[event].recipients & R(r))) {
        char known[80];
        list_names(known, sizeof known, recipient_keys, TR_COUNT, text_events[event].recipients, 0);
        snprintf(err, errlen, "%s.%s.%s: unknown recipient; %s notifications go to %s "
                 "(and %s" NEUTRAL_SUFFIX " for a person the store does not know)",
                 lang_codes[lang], base, rkey, base, known,
                 text_events[event].recipients == BOTH ? "each" : known);
        return -1;
    }
    if (!json_is_object(rv)) {
        snprintf(err, errlen, "%s.%s.%s: must be an object with \"message\" and \"description\"",
                 lang_codes[lang], base, rkey);
        return -1;
    }
    json_object_foreach((json_t *)rv, fk, fv) {
        char where[128];
        char *copy;
        int f;
        snprintf(where, sizeof where, "%s.%s.%s.%s", lang_codes[lang], base, rkey, fk);
        for (f = 0; f < TF_COUNT && strcmp(fk, field_keys[f]) != 0; f++)
            ;
        if (f == TF_COUNT) {
            snprintf(err, errlen, "%s: unknown field (known: message, description)", where);
            return -1;
        }
        if (!json_is_string(fv)) {
            snprintf(err, errlen, "%s: must be a string", where);
            return -1;
        }
        if (check_template(json_string_value(fv), event, neutral, f, where, err, errlen) < 0)
            return -1;
        copy = strdup(json_string_value(fv));
        if (copy == NULL) {
            snprintf(err, errlen, "%s: out of memory", where);
            return -1;
        }
        free(t->text[lang][event][r][neutral][f]);
        t->text[lang][event][r][neutral][f] = copy;
    }
    return 0;
}

static int merge_language(struct texts *t, int lang, const json_t *lv, char *err, size_t errlen)
{
    const char *ek, *rk;
    json_t *ev, *rv;

    if (!json_is_object(lv)) {
        snprintf(err, errlen, "%s: must be an object of events (like \"weight_loss\")",
                 lang_codes[lang]);
        return -1;
    }
    json_object_foreach((json_t *)lv, ek, ev) {
        int e;
        for (e = 0; e < TE_COUNT && strcmp(ek, text_events[e].key) != 0; e++)
            ;
        if (e == TE_COUNT) {
            char known[600];
            size_t used = 0;
            int i;
            known[0] = '\0';
            for (i = 0; i < TE_COUNT && used < sizeof known; i++)
                used += (size_t)snprintf(known + used, sizeof known - used, "%s%s",
                                         i ? ", " : "", text_events[i].key);
            snprintf(err, errlen, "%s.%s: unknown event (known: %s)", lang_codes[lang], ek, known);
            return -1;
        }
        if (!json_is_object(ev)) {
            snprintf(err, errlen, "%s.%s: must be an object of recipients (like \"elderly\")",
                     lang_codes[lang], ek);
            return -1;
        }
        json_object_foreach(ev, rk, rv)
            if (merge_recipient(t, lang, e, rk, rv, err, errlen) < 0)
                return -1;
    }
    return 0;
}

int texts_merge(struct texts *t, const json_t *doc, char *err, size_t errlen)
{
    const char *lk;
    json_t *lv;

    if (!json_is_object(doc)) {
        snprintf(err, errlen, "must be a JSON object of languages (en, ro, dk, pl)");
        return -1;
    }
    json_object_foreach((json_t *)doc, lk, lv) {
        int lang = text_lang_index(lk);
        if (lang < 0) {
            snprintf(err, errlen, "%s: unknown language (known: en, ro, dk, pl)", lk);
            return -1;
        }
        if (merge_language(t, lang, lv, err, errlen) < 0)
            return -1;
    }
    return 0;
}

int texts_complete(const struct texts *t, char *err, size_t errlen)
{
    int l, e, r, n, f;
    for (l = 0; l < TL_COUNT; l++)
        for (e = 0; e < TE_COUNT; e++)
            for (r = 0; r < TR_COUNT; r++) {
                if (!(text_events[e].recipients & R(r)))
                    continue;
                for (n = 0; n < 2; n++)
                    for (f = 0; f < TF_COUNT; f++)
                        if (t->text[l][e][r][n][f] == NULL) {
                            snprintf(err, errlen, "%s.%s.%s%s.%s: missing", lang_codes[l],
                                     text_events[e].key, recipient_keys[r],
                                     n ? NEUTRAL_SUFFIX : "", field_keys[f]);
                            return -1;
                        }
            }
    return 0;
}

/* Fill in tmpl into out (when not NULL); returns the full length. The
 * template was checked at load, so every {x} is a known placeholder. */
static size_t fill(const char *tmpl, const char *const vars[TP_COUNT], char *out)
{
    size_t len = 0;
    const char *p = tmpl;
    while (*p != '\0') {
        const char *open = strchr(p, '{');
        const char *close = open != NULL ? strchr(open, '}') : NULL;
        size_t lit = open != NULL && close != NULL ? (size_t)(open - p) : strlen(p);
        if (out != NULL)
            memcpy(out + len, p, lit);
        len += lit;
        p += lit;
        if (*p == '{') {
            int i = placeholder_index(open + 1, (size_t)(close - open - 1));
            const char *v = i >= 0 && vars[i] != NULL ? vars[i] : "";
            size_t vn = strlen(v);
            if (out != NULL)
                memcpy(out + len, v, vn);
            len += vn;
            p = close + 1;
        }
    }
    return len;
}

char *texts_render(const struct texts *t, int lang, int event, int recipient, int neutral,
                   int field, const char *const vars[TP_COUNT])
{
    const char *tmpl;
    size_t len;
    char *out;

    if (lang < 0 || lang >= TL_COUNT || event < 0 || event >= TE_COUNT || recipient < 0 ||
        recipient >= TR_COUNT || field < 0 || field >= TF_COUNT)
        return NULL;
    tmpl = t->text[lang][event][recipient][neutral ? 1 : 0][field];
    if (tmpl == NULL)
        tmpl = "";
    len = fill(tmpl, vars, NULL);
    out = malloc(len + 1);
    if (out == NULL)
        return NULL;
    fill(tmpl, vars, out);
    if (len > field_max[field]) {
        /* back off to the start of the character the cut falls in */
        len = field_max[field];
        while (len > 0 && ((unsigned char)out[len] & 0xC0) == 0x80)
            len--;
    }
    out[len] = '\0';
    return out;
}
