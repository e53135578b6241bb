/*
 * config.h - the admin's configuration: INI-style files with file:line kept
 * for every value, so every complaint can point at the line to fix.
 *
 * Format (docs/ADMIN.md is the reference):
 *   # or ; starts a comment line (also after whitespace)
 *   [section]            e.g. [camid], [http], [listener.main], [plugin.hello]
 *   key = value          value runs to end of line, surrounding blanks trimmed;
 *                        "double quotes" keep blanks and allow \" \\ \n \t
 *   include = GLOB       (in [camid] only) reads matching files, sorted, at
 *                        that point; a relative GLOB is relative to the
 *                        including file's directory.
 * A key may appear once per section; a section may be reopened in another
 * file (e.g. camid.d/hello.conf adds to [plugin.hello]).
 *
 * Why not libinih: Debian builds it without INI_HANDLER_LINENO, so it cannot
 * tell us the line of a value, and file:line is a requirement.
 */
#ifndef CORE_CONFIG_H
#define CORE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <cami/plugin.h>

#include "diag.h"

typedef struct conf_entry {
    const char *key;
    const char *value;
    const char *file;   /* path as given/resolved (owned by the conf) */
    int line;
    int used;           /* set by conf_check_section for declared keys */
} conf_entry;

typedef struct conf_section {
    const char *name;   /* "camid", "listener.main", "plugin.hello" */
    const char *file;   /* where it was first opened */
    int line;
    conf_entry *entries;
    size_t count;
} conf_section;

typedef struct conf {
    conf_section *sections;
    size_t count;
    char *path;         /* the main file */
    char *dir;          /* its directory; relative paths in values resolve here */
    /* private: string storage */
    void *priv_;
} conf;

/* Parse `path` and its includes. Syntax errors go to `d` with file:line;
 * returns NULL when the file cannot be read or has syntax errors. */
conf *conf_load(const char *path, diag *d);
/* Same from a string (tests); name is used as the file name in messages. */
conf *conf_load_string(const char *text, const char *name, diag *d);
void conf_free(conf *c);

const conf_section *conf_section_get(const conf *c, const char *name);
const conf_entry *conf_entry_get(const conf_section *s, const char *key);

/*
 * Check section `s` against `schema` (key==NULL terminated). `reserved` is a
 * NULL-terminated list of keys the host itself handles (e.g. "module",
 * "listeners"); they are allowed without being in the schema. For each
 * problem, a message to `d` with file:line: unknown key (with "did you mean
 * 'x'?" for a near miss), wrong type (what was found, what type was expected),
 * required key missing (file:line of the section header). `who` names the
 * section's owner in messages (e.g. "plugin 'hello'"). Returns the number of
 * problems found.
 */
int conf_check_section(const conf_section *s, const cami_config_key *schema,
                       const char *const *reserved, const char *who, diag *d);

/* Value parsers shared by the host and the plugin config getters.
 * Return 0 on success, -1 when `s` is not a valid value of that type. */
int conf_parse_int(const char *s, int64_t *out);
int conf_parse_bool(const char *s, int *out);
int conf_parse_double(const char *s, double *out);
/* Item `index` of a comma-separated list, trimmed, copied into buf.
 * Returns 0, or -1 past the end (or if the item does not fit). */
int conf_list_item(const char *s, size_t index, char *buf, size_t buflen);

/* A value of section `s`, or of schema default when unset, or NULL. */
const char *conf_value(const conf_section *s, const cami_config_key *schema, const char *key);

#endif
