/* topic.c - see topic.h. */
#include "bus/topic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int name_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '.' || ch == '_' || ch == '-';
}

int bus_name_valid(const char *s, size_t len)
{
    if (!s || len == 0 || len > BUS_NAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!name_char(s[i]))
            return 0;
    return 1;
}

int bus_prefix_valid(const char *s)
{
    if (!s)
        return 0;
    size_t n = strlen(s);
    return n == 0 || bus_name_valid(s, n);
}

void prefix_list_free(prefix_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

int prefix_list_parse(prefix_list *list, const char *text, char *err, size_t errlen)
{
    list->items = NULL;
    list->count = 0;
    if (!text || !*text)
        return 0;
    const char *p = text;
    while (1) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n && (*p == ' ' || *p == '\t')) {
            p++;
            n--;
        }
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (!bus_name_valid(p, n)) {
            snprintf(err, errlen, "'%.*s' is not a topic prefix (1-255 of A-Z a-z 0-9 . _ -)",
                     (int)(n > 64 ? 64 : n), p);
            prefix_list_free(list);
            return -1;
        }
        char **items = realloc(list->items, (list->count + 1) * sizeof(*items));
        char *item = items ? strndup(p, n) : NULL;
        if (!item) {
            free(items ? items : list->items);
            list->items = NULL;
            list->count = 0;
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        list->items = items;
        list->items[list->count++] = item;
        if (!end)
            return 0;
        p = end + 1;
    }
}

int prefix_list_match(const prefix_list *list, const char *topic, size_t len)
{
    if (list->count == 0)
        return 1;
    for (size_t i = 0; i < list->count; i++) {
        size_t n = strlen(list->items[i]);
        if (n <= len && memcmp(list->items[i], topic, n) == 0)
            return 1;
    }
    return 0;
}
