/*
 * compliance_texts.h - the notification texts of the compliance rules:
 * templates per language, event, recipient and variant (a person the
 * store knows, or a neutral one for a person it does not), read from JSON
 * and checked at load, then filled in with a measurement's values.
 *
 * The JSON shape (plugins/compliance/texts.json, and the admin's `texts`
 * file that overrides some of it):
 *
 *   {"en": {"weight_loss": {"caregiver": {"message": "{name} lost {delta} kg",
 *                                         "description": "..."},
 *                           "caregiver_neutral": {...}, "elderly": {...},
 *                           "elderly_neutral": {...}}, ...}, "ro": {...}, ...}
 *
 * Pure: no I/O. Loop thread only.
 */
#ifndef COMPLIANCE_TEXTS_H
#define COMPLIANCE_TEXTS_H

#include <stddef.h>

#include <jansson.h>

/* The languages CAMI shipped; codes as the store keeps them. */
enum text_lang { TL_EN, TL_RO, TL_DK, TL_PL, TL_COUNT };

/* What a rule saw; each has its own texts and severity. */
enum text_event {
    TE_WEIGHT_LOSS, TE_WEIGHT_GAIN,
    TE_HEART_LOW_ALERT, TE_HEART_LOW_WARNING, TE_HEART_HIGH_WARNING, TE_HEART_HIGH_ALERT,
    TE_BP_LOW_ALERT, TE_BP_LOW_WARNING, TE_BP_HIGH_WARNING, TE_BP_HIGH_ALERT,
    TE_PULSE_LOW_ALERT, TE_PULSE_LOW_WARNING, TE_PULSE_HIGH_WARNING, TE_PULSE_HIGH_ALERT,
    TE_STEPS_VERY_LOW, TE_STEPS_LOW, TE_STEPS_HIGH,
    TE_COUNT
};

enum text_recipient { TR_ELDERLY, TR_CAREGIVER, TR_COUNT };

/* What a template may say; {name} only in the texts for a known person,
 * {date} (the UTC day judged, YYYY-MM-DD) only in the steps texts. */
enum text_placeholder {
    TP_NAME, TP_VALUE, TP_DELTA, TP_PREVIOUS, TP_SYSTOLIC, TP_DIASTOLIC, TP_PULSE, TP_DATE,
    TP_COUNT
};

enum text_field { TF_MESSAGE, TF_DESCRIPTION, TF_COUNT };

/* Longest texts the notification table holds (message varchar(512),
 * description varchar(1024)); longer templates are refused, longer
 * filled-in texts cut at a character boundary. */
#define TEXT_MESSAGE_MAX 512
#define TEXT_DESCRIPTION_MAX 1024

/* An event's fixed facts: its JSON key, the notification's type and
 * severity, who gets it (bit 1 << TR_x) and what its texts may say
 * (bit 1 << TP_x). */
struct text_event_def {
    const char *key;
    const char *type;
    const char *severity;
    unsigned recipients;
    unsigned placeholders;
};

extern const struct text_event_def text_events[TE_COUNT];

/* "en", ... for a language; its index for a code, or -1. */
const char *text_lang_code(int lang);
int text_lang_index(const char *code);

struct texts;

struct texts *texts_new(void);
void texts_free(struct texts *t);

/*
 * texts_merge - apply a JSON document of the shape above: every text it
 * has replaces the one in t. Refuses (returns -1, and in err "WHERE: why",
 * WHERE like "en.weight_loss.caregiver.message") an unknown language,
 * event, recipient or field, a text that is not a non-empty string, too
 * long, an unknown placeholder, {name} in a neutral text, or an unclosed
 * '{'. t may then hold part of the document: free it. Returns 0.
 */
int texts_merge(struct texts *t, const json_t *doc, char *err, size_t errlen);

/* texts_complete - 0 when every language has both fields of every text
 * each event needs, else -1 with the first missing one in err. */
int texts_complete(const struct texts *t, char *err, size_t errlen);

/*
 * texts_render - the filled-in text (malloc'd; NULL when out of memory).
 * vars[TP_x]: the placeholder's value (NULL: empty). neutral: the variant
 * for a person the store does not know. The result is cut to
 * TEXT_MESSAGE_MAX / TEXT_DESCRIPTION_MAX bytes at a UTF-8 boundary.
 */
char *texts_render(const struct texts *t, int lang, int event, int recipient, int neutral,
                   int field, const char *const vars[TP_COUNT]);

#endif
