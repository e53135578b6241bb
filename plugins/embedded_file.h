/*
 * embedded_file.h - a file compiled into a first-party plugin by
 * scripts/embed.sh (migrations, resource specs, texts), so an installed .so
 * needs no data directory. Each plugin's *_builtin.h declares its array.
 */
#ifndef PLUGINS_EMBEDDED_FILE_H
#define PLUGINS_EMBEDDED_FILE_H

struct embedded_file {
    const char *name;   /* the file's last two path parts: "migrations/0001_x.sql" */
    const char *text;
};

#endif
