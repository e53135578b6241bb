/*
 * store_migfile.h - migration files: names, order, checksums, statements.
 *
 * Pure parts of the migrations (no connector calls), unit-tested on their
 * own. A migration file is NNNN_description.sql: NNNN digits, applied in
 * numeric order; its statements are separated by ';' at line ends.
 */
#ifndef STORE_MIGFILE_H
#define STORE_MIGFILE_H

#include <stddef.h>
#include <stdint.h>

struct store_migfile {
    unsigned long long version;
    char *name;    /* the file name, e.g. "0001_users.sql"; owned */
    char *text;    /* built in (migration_add): the SQL, owned; NULL: read the file */
};

/*
 * store_migfile_name - classify a directory entry. Returns 1 and the
 * version for a migration file, 0 for a name that is not a .sql file
 * (ignored: READMEs, editor backups), -1 for a .sql file whose name does not
 * start with digits and '_'.
 */
int store_migfile_name(const char *name, unsigned long long *version);

/*
 * store_migfile_list - the migration files of `dir`, sorted by version, in
 * *files (free with store_migfile_free). Returns 0, or -1 with the reason in
 * err: the folder cannot be read, a .sql file without a number, or two
 * files with the same number (both named).
 */
int store_migfile_list(const char *dir, struct store_migfile **files, size_t *n, char *err,
                       size_t errlen);

/* store_migfile_sort - sort by version; -1 with both names in err when two
 * files share one. */
int store_migfile_sort(struct store_migfile *files, size_t n, char *err, size_t errlen);

void store_migfile_free(struct store_migfile *files, size_t n);

/* FNV-1a, 64 bits: an edit detector, not a security measure. */
uint64_t store_fnv1a64(const void *data, size_t len);

/* The checksum recorded in schema_migrations: 16 lower-case hex digits. */
void store_checksum_hex(const void *data, size_t len, char out[17]);

/*
 * store_sql_next - the next statement of a migration file's text, starting
 * at *pos. A statement ends at a ';' followed only by blanks up to a line end
 * (or the end of the text); the ';' is not part of it. Statements that are
 * only blanks and comment lines (-- or #) are skipped. Returns 1 with the
 * statement in *stmt and *stmt_len (pointing into text) and *pos advanced, or 0
 * at the end.
 */
int store_sql_next(const char *text, size_t len, size_t *pos, const char **stmt,
                   size_t *stmt_len);

#endif
