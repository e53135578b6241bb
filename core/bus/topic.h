/*
 * topic.h - names on the bus: validation, prefix lists, prefix matching.
 * Topics and task names are 1-255 bytes of [A-Za-z0-9._-]; a prefix list is
 * an admin's comma-separated list (NULL: everything matches).
 */
#ifndef CORE_BUS_TOPIC_H
#define CORE_BUS_TOPIC_H

#include <stddef.h>

#define BUS_NAME_MAX 255

/* Non-zero for a valid topic or task name of len bytes. */
int bus_name_valid(const char *s, size_t len);
/* Non-zero for a valid subscription prefix ("" is valid: everything). */
int bus_prefix_valid(const char *s);

typedef struct prefix_list {
    char **items;
    size_t count;
} prefix_list;

/* Parse "a.,b.c" into list (NULL or empty text: no list = all). 0, or -1
 * with the offending item in err. */
int prefix_list_parse(prefix_list *list, const char *text, char *err, size_t errlen);
void prefix_list_free(prefix_list *list);
/* Does topic (len bytes) start with one of the prefixes? An empty list (no
 * admin setting) matches everything. */
int prefix_list_match(const prefix_list *list, const char *topic, size_t len);

#endif
