/*
 * config.c - see config.h.
 *
 * A hand-written line parser: the format is small, and every complaint must
 * point at file:line and say what was expected, which no Debian-packaged INI
 * library can do (see config.h). All strings live in one arena owned by the
 * conf; section and entry arrays are plain realloc()ed arrays.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* Deep enough for any sane layout, shallow enough to stop a runaway chain of
 * distinct files that a loop check by identity cannot catch (e.g. bind mounts). */
#define INCLUDE_DEPTH_MAX 16
/* Longest key compared for "did you mean": longer keys are never near misses
 * of each other in practice, and a fixed bound keeps the table on the stack. */
#define SUGGEST_KEY_MAX 64

/* ---- string arena ---- */

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used;
    size_t cap;
    char data[];
} arena_chunk;

typedef struct arena {
    arena_chunk *head;
} arena;

static char *arena_strndup(arena *a, const char *s, size_t n)
{
    arena_chunk *ch = a->head;
    if (!ch || ch->cap - ch->used < n + 1) {
        size_t cap = n + 1 > 4000 ? n + 1 : 4000;
        ch = malloc(sizeof(*ch) + cap);
        if (!ch)
            return NULL;
        ch->used = 0;
        ch->cap = cap;
        ch->next = a->head;
        a->head = ch;
    }
    char *p = ch->data + ch->used;
    memcpy(p, s, n);
    p[n] = '\0';
    ch->used += n + 1;
    return p;
}

static char *arena_strdup(arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

static void arena_free(arena *a)
{
    arena_chunk *ch = a->head;
    while (ch) {
        arena_chunk *next = ch->next;
        free(ch);
        ch = next;
    }
    free(a);
}

/* ---- parser state ---- */

typedef struct open_file {
    const char *name;   /* as shown in messages */
    dev_t dev;
    ino_t ino;
} open_file;

typedef struct parser {
    conf *c;
    arena *a;
    diag *d;
    int errors;
    open_file stack[INCLUDE_DEPTH_MAX];  /* files being read, outermost first */
    int depth;
} parser;

static void perr(parser *p, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void perr(parser *p, const char *file, int line, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    diag_at(p->d, file, line, "%s", msg);
    p->errors++;
}

static void oom(parser *p)
{
    diag_add(p->d, "out of memory while reading the configuration");
    p->errors++;
}

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v';
}

/* Characters allowed in section names and keys: enough for "listener.main"
 * and "max-body", nothing that could be confused with syntax. */
static int is_name_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '_' || ch == '.' || ch == '-';
}

static int valid_name(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_name_char(s[i]))
            return 0;
    return 1;
}

/* dirname() without modifying its argument: "." for a bare name. */
static char *dir_of(arena *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return arena_strdup(a, ".");
    if (slash == path)
        return arena_strdup(a, "/");
    return arena_strndup(a, path, (size_t)(slash - path));
}

/* ---- sections and entries ---- */

static conf_section *section_find(conf *c, const char *name, size_t n)
{
    for (size_t i = 0; i < c->count; i++)
        if (strlen(c->sections[i].name) == n && memcmp(c->sections[i].name, name, n) == 0)
            return &c->sections[i];
    return NULL;
}

/* Returns the index of the (possibly reopened) section, or -1 on OOM. */
static long section_open(parser *p, const char *name, size_t n, const char *file, int line)
{
    conf *c = p->c;
    conf_section *s = section_find(c, name, n);
    if (s)
        return (long)(s - c->sections);
    conf_section *ns = realloc(c->sections, (c->count + 1) * sizeof(*ns));
    if (!ns)
        return -1;
    c->sections = ns;
    s = &c->sections[c->count];
    memset(s, 0, sizeof(*s));
    s->name = arena_strndup(p->a, name, n);
    s->file = file;
    s->line = line;
    if (!s->name)
        return -1;
    return (long)c->count++;
}

static const conf_entry *entry_findn(const conf_section *s, const char *key, size_t n)
{
    for (size_t i = 0; i < s->count; i++)
        if (strlen(s->entries[i].key) == n && memcmp(s->entries[i].key, key, n) == 0)
            return &s->entries[i];
    return NULL;
}

static int entry_add(parser *p, conf_section *s, const char *key, size_t keylen,
                     const char *value, const char *file, int line)
{
    conf_entry *ne = realloc(s->entries, (s->count + 1) * sizeof(*ne));
    if (!ne)
        return -1;
    s->entries = ne;
    conf_entry *e = &s->entries[s->count];
    e->key = arena_strndup(p->a, key, keylen);
    e->value = arena_strdup(p->a, value);
    e->file = file;
    e->line = line;
    e->used = 0;
    if (!e->key || !e->value)
        return -1;
    s->count++;
    return 0;
}

/* ---- reading files ---- */

static void parse_text(parser *p, const char *text, size_t len, const char *file, const char *dir);

/* Read a whole file into a NUL-terminated malloc()ed buffer; errno on failure. */
static char *slurp(FILE *f, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    for (;;) {
        if (cap - n < 2) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                errno = ENOMEM;
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                int e = errno;
                free(buf);
                errno = e ? e : EIO;
                return NULL;
            }
            break;
        }
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/*
 * Read and parse `path`. `from`/`from_line` is the include line that named
 * it (NULL for the main file), where a failure to read it is reported.
 */
static void load_file(parser *p, const char *path, const char *from, int from_line)
{
    const char *name = arena_strdup(p->a, path);
    const char *dir = dir_of(p->a, path);
    if (!name || !dir) {
        oom(p);
        return;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        int e = errno;
        if (from)
            perr(p, from, from_line, "cannot read included file %s: %s; expected a readable "
                 "config file", path, strerror(e));
        else
            perr(p, path, 0, "cannot read the configuration: %s; expected a readable config "
                 "file (use -c FILE to name another)", strerror(e));
        return;
    }
    struct stat st;
    int isdir = 0;
    if (fstat(fileno(f), &st) != 0 || (isdir = S_ISDIR(st.st_mode))) {
        const char *why = isdir ? "it is a directory" : strerror(errno);
        if (from)
            perr(p, from, from_line, "cannot read included file %s: %s; expected a config file",
                 path, why);
        else
            perr(p, path, 0, "cannot read the configuration: %s; expected a config file", why);
        fclose(f);
        return;
    }
    for (int i = 0; i < p->depth; i++) {
        if (p->stack[i].dev == st.st_dev && p->stack[i].ino == st.st_ino) {
            char chain[768] = "";
            size_t off = 0;
            for (int j = i; j < p->depth && off < sizeof(chain); j++)
                off += (size_t)snprintf(chain + off, sizeof(chain) - off, "%s -> ", p->stack[j].name);
            if (off < sizeof(chain))
                snprintf(chain + off, sizeof(chain) - off, "%s", path);
            perr(p, from, from_line, "include loop: %s; expected includes that do not lead back "
                 "to a file being read: remove one of these include lines", chain);
            fclose(f);
            return;
        }
    }
    if (p->depth == INCLUDE_DEPTH_MAX) {
        perr(p, from, from_line, "includes nested more than %d deep at %s; expected a shallower "
             "layout (does an included file include others in turn?)", INCLUDE_DEPTH_MAX, path);
        fclose(f);
        return;
    }
    size_t len = 0;
    char *text = slurp(f, &len);
    int e = errno;
    fclose(f);
    if (!text) {
        if (from)
            perr(p, from, from_line, "cannot read included file %s: %s; expected a readable "
                 "config file", path, strerror(e));
        else
            perr(p, path, 0, "cannot read the configuration: %s; expected a readable config "
                 "file", strerror(e));
        return;
    }
    p->stack[p->depth].name = name;
    p->stack[p->depth].dev = st.st_dev;
    p->stack[p->depth].ino = st.st_ino;
    p->depth++;
    parse_text(p, text, len, name, dir);
    p->depth--;
    free(text);
}

/* Which directory stopped glob(3), for the message: glob's error callback
 * takes no context argument. */
static _Thread_local int glob_failed_errno;
static _Thread_local char glob_failed_dir[512];

/* A directory that does not exist only means nothing matches; any other
 * failure (e.g. EACCES) must not silently drop configuration. */
static int glob_error(const char *path, int err)
{
    if (err == ENOENT || err == ENOTDIR)
        return 0;
    glob_failed_errno = err;
    snprintf(glob_failed_dir, sizeof(glob_failed_dir), "%s", path);
    return 1;
}

/* Copy `s` with glob's special characters escaped, so a directory named
 * "conf[1]" is taken literally when a pattern is appended to it. */
static char *glob_escape(const char *s)
{
    char *out = malloc(strlen(s) * 2 + 1);
    if (!out)
        return NULL;
    char *o = out;
    for (; *s; s++) {
        if (strchr("*?[]\\", *s))
            *o++ = '\\';
        *o++ = *s;
    }
    *o = '\0';
    return out;
}

static void do_include(parser *p, const char *pattern, const char *file, int line, const char *dir)
{
    if (pattern[0] == '\0') {
        perr(p, file, line, "include names no file; expected include = FILE or GLOB, "
             "e.g. include = camid.d/*.conf");
        return;
    }
    char *full;
    if (pattern[0] == '/' || strcmp(dir, ".") == 0) {
        full = strdup(pattern);
    } else {
        char *edir = glob_escape(dir);
        full = edir ? malloc(strlen(edir) + strlen(pattern) + 2) : NULL;
        if (full)
            sprintf(full, "%s/%s", edir, pattern);
        free(edir);
    }
    if (!full) {
        oom(p);
        return;
    }
    glob_t g;
    glob_failed_errno = 0;
    glob_failed_dir[0] = '\0';
    int rc = glob(full, 0, glob_error, &g);
    if (rc == GLOB_NOMATCH) {
        /* A glob matching nothing is an empty conf.d; a plain file name that
         * matches nothing is a typo or a missing file, and says so. */
        if (!strpbrk(pattern, "*?["))
            perr(p, file, line, "cannot read included file %s: %s; expected an existing file "
                 "(or a glob such as *.conf, which may match nothing)", full, strerror(ENOENT));
    } else if (rc == GLOB_NOSPACE) {
        oom(p);
    } else if (rc != 0) {
        perr(p, file, line, "cannot search for include = %s: cannot read directory %s: %s; "
             "expected readable directories", pattern, glob_failed_dir,
             strerror(glob_failed_errno ? glob_failed_errno : EIO));
    } else {
        for (size_t i = 0; i < g.gl_pathc; i++)
            load_file(p, g.gl_pathv[i], file, line);
    }
    globfree(&g);
    free(full);
}

/* ---- one line ---- */

/* Current section index while parsing, or one of these. */
#define SECTION_NONE (-1L)    /* before the first header of a file */
#define SECTION_BROKEN (-2L)  /* after a header with an error */

static void parse_header(parser *p, const char *s, const char *end, const char *file, int line,
                         long *cur)
{
    const char *close = memchr(s, ']', (size_t)(end - s));
    if (!close) {
        perr(p, file, line, "section header '%.*s' has no closing ']'; expected [name]",
             (int)(end - s), s);
        *cur = SECTION_BROKEN;  /* keys below would land in the wrong section */
        return;
    }
    const char *n = s + 1, *ne = close;
    while (n < ne && is_blank(*n))
        n++;
    while (ne > n && is_blank(ne[-1]))
        ne--;
    const char *after = close + 1;
    while (after < end && is_blank(*after))
        after++;
    if (after < end) {
        perr(p, file, line, "unexpected '%.*s' after the section header; expected nothing after "
             "']' (comments go on a line of their own)", (int)(end - after), after);
        *cur = SECTION_BROKEN;
        return;
    }
    if (!valid_name(n, (size_t)(ne - n))) {
        if (ne == n)
            perr(p, file, line, "empty section name; expected [name], e.g. [camid]");
        else
            perr(p, file, line, "section name '%.*s' is not valid; expected letters, digits, "
                 "'_', '.' and '-' only, e.g. [plugin.hello]", (int)(ne - n), n);
        *cur = SECTION_BROKEN;
        return;
    }
    *cur = section_open(p, n, (size_t)(ne - n), file, line);
    if (*cur < 0) {
        oom(p);
        *cur = SECTION_BROKEN;
    }
}

/*
 * Unquote a value starting at the '"' at `q`. Writes into out (at least as
 * long as the line). Returns 0, or -1 after reporting the error.
 */
static int unquote(parser *p, const char *linestart, const char *q, const char *end, char *out,
                   const char *file, int line)
{
    const char *s = q + 1;
    char *o = out;
    while (s < end && *s != '"') {
        if (*s == '\\') {
            if (s + 1 >= end)
                break;  /* unterminated */
            switch (s[1]) {
            case '"': *o++ = '"'; break;
            case '\\': *o++ = '\\'; break;
            case 'n': *o++ = '\n'; break;
            case 't': *o++ = '\t'; break;
            default:
                perr(p, file, line, "unknown escape '\\%c' in a quoted value; expected \\\" \\\\ "
                     "\\n or \\t", s[1]);
                return -1;
            }
            s += 2;
        } else {
            *o++ = *s++;
        }
    }
    if (s >= end || *s != '"') {
        perr(p, file, line, "unterminated quoted value (the '\"' at column %d is never closed); "
             "expected a closing '\"' on the same line", (int)(q - linestart) + 1);
        return -1;
    }
    *o = '\0';
    const char *after = s + 1;
    while (after < end && is_blank(*after))
        after++;
    if (after < end) {
        perr(p, file, line, "unexpected '%.*s' after the closing quote; expected the end of the "
             "line (comments go on a line of their own)", (int)(end - after), after);
        return -1;
    }
    return 0;
}

static void parse_setting(parser *p, const char *linestart, const char *s, const char *end,
                          const char *file, int line, const char *dir, long cur)
{
    const char *eq = memchr(s, '=', (size_t)(end - s));
    if (!eq) {
        perr(p, file, line, "'%.*s' is not a setting; expected key = value, a [section] header "
             "or a # comment", (int)(end - s), s);
        return;
    }
    const char *ke = eq;
    while (ke > s && is_blank(ke[-1]))
        ke--;
    size_t keylen = (size_t)(ke - s);
    if (keylen == 0) {
        perr(p, file, line, "no key before '='; expected key = value");
        return;
    }
    if (!valid_name(s, keylen)) {
        perr(p, file, line, "key '%.*s' is not valid; expected letters, digits, '_', '.' and '-' "
             "only, then = value", (int)keylen, s);
        return;
    }
    const char *v = eq + 1, *ve = end;
    while (v < ve && is_blank(*v))
        v++;
    while (ve > v && is_blank(ve[-1]))
        ve--;
    size_t vlen = (size_t)(ve - v);
    char *value = malloc(vlen + 1);
    if (!value) {
        oom(p);
        return;
    }
    if (vlen > 0 && *v == '"') {
        if (unquote(p, linestart, v, end, value, file, line) != 0) {
            free(value);
            return;
        }
    } else {
        memcpy(value, v, vlen);
        value[vlen] = '\0';
    }
    if (cur == SECTION_BROKEN) {
        free(value);   /* its header was reported; one error is enough */
        return;
    }
    if (cur == SECTION_NONE) {
        perr(p, file, line, "key '%.*s' is outside any section; expected a [section] header "
             "(e.g. [camid]) before it", (int)keylen, s);
        free(value);
        return;
    }
    conf_section *sec = &p->c->sections[cur];
    if (strcmp(sec->name, "camid") == 0 && keylen == 7 && memcmp(s, "include", 7) == 0) {
        do_include(p, value, file, line, dir);
        free(value);
        return;
    }
    const conf_entry *first = entry_findn(sec, s, keylen);
    if (first) {
        perr(p, file, line, "key '%.*s' is set twice in [%s] (first at %s:%d); expected each key "
             "once per section: remove one", (int)keylen, s, sec->name, first->file, first->line);
    } else if (entry_add(p, sec, s, keylen, value, file, line) != 0) {
        oom(p);
    }
    free(value);
}

static void parse_text(parser *p, const char *text, size_t len, const char *file, const char *dir)
{
    const char *pos = text, *end = text + len;
    long cur = SECTION_NONE;   /* an included file starts outside any section */
    int line = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos += 3;    /* a UTF-8 byte order mark some editors add */
    while (pos < end) {
        const char *nl = memchr(pos, '\n', (size_t)(end - pos));
        const char *le = nl ? nl : end;
        const char *ls = pos;
        pos = nl ? nl + 1 : end;
        line++;
        if (memchr(ls, '\0', (size_t)(le - ls))) {
            perr(p, file, line, "line contains a NUL byte; expected text (is this a config file?)");
            continue;
        }
        const char *s = ls, *e = le;
        while (s < e && is_blank(*s))
            s++;
        while (e > s && is_blank(e[-1]))
            e--;
        if (s == e || *s == '#' || *s == ';')
            continue;
        if (*s == '[')
            parse_header(p, s, e, file, line, &cur);
        else
            parse_setting(p, ls, s, e, file, line, dir, cur);
    }
}

/* ---- public: loading ---- */

static conf *conf_new(const char *path, diag *d, parser *p)
{
    conf *c = calloc(1, sizeof(*c));
    arena *a = calloc(1, sizeof(*a));
    if (!c || !a) {
        free(c);
        free(a);
        diag_add(d, "out of memory while reading the configuration");
        return NULL;
    }
    c->priv_ = a;
    c->path = arena_strdup(a, path);
    c->dir = dir_of(a, path);
    if (!c->path || !c->dir) {
        conf_free(c);
        diag_add(d, "out of memory while reading the configuration");
        return NULL;
    }
    memset(p, 0, sizeof(*p));
    p->c = c;
    p->a = a;
    p->d = d;
    return c;
}

conf *conf_load(const char *path, diag *d)
{
    parser p;
    conf *c = conf_new(path, d, &p);
    if (!c)
        return NULL;
    load_file(&p, path, NULL, 0);
    if (p.errors) {
        conf_free(c);
        return NULL;
    }
    return c;
}

conf *conf_load_string(const char *text, const char *name, diag *d)
{
    parser p;
    conf *c = conf_new(name, d, &p);
    if (!c)
        return NULL;
    parse_text(&p, text, strlen(text), c->path, c->dir);
    if (p.errors) {
        conf_free(c);
        return NULL;
    }
    return c;
}

void conf_free(conf *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->count; i++)
        free(c->sections[i].entries);
    free(c->sections);
    if (c->priv_)
        arena_free(c->priv_);
    free(c);
}

const conf_section *conf_section_get(const conf *c, const char *name)
{
    if (!c || !name)
        return NULL;
    for (size_t i = 0; i < c->count; i++)
        if (strcmp(c->sections[i].name, name) == 0)
            return &c->sections[i];
    return NULL;
}

const conf_entry *conf_entry_get(const conf_section *s, const char *key)
{
    if (!s || !key)
        return NULL;
    return entry_findn(s, key, strlen(key));
}

/* ---- value parsers ---- */

int conf_parse_int(const char *s, int64_t *out)
{
    if (!s)
        return -1;
    const char *digits = (*s == '+' || *s == '-') ? s + 1 : s;
    if (!isdigit((unsigned char)*digits))
        return -1;   /* also rejects leading blanks, which strtoll would skip */
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno == ERANGE || *end != '\0')
        return -1;
    if (out)
        *out = (int64_t)v;
    return 0;
}

int conf_parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"on", "yes", "true", "1"};
    static const char *const no[] = {"off", "no", "false", "0"};
    if (!s)
        return -1;
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            if (out)
                *out = 1;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            if (out)
                *out = 0;
            return 0;
        }
    }
    return -1;
}

int conf_parse_double(const char *s, double *out)
{
    if (!s || *s == '\0')
        return -1;
    /* Plain decimal only: strtod would also take "inf", "nan" and hex
     * floats, which are no way to write a timeout or a ratio. */
    if (strspn(s, "0123456789+-.eE") != strlen(s) || !strpbrk(s, "0123456789"))
        return -1;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (*end != '\0' || (errno == ERANGE && fabs(v) == HUGE_VAL) || !isfinite(v))
        return -1;
    if (out)
        *out = v;
    return 0;
}

int conf_list_item(const char *s, size_t index, char *buf, size_t buflen)
{
    if (!s)
        return -1;
    const char *p = s;
    while (is_blank(*p))
        p++;
    if (*p == '\0')
        return -1;   /* a blank value is an empty list */
    for (size_t i = 0;; i++) {
        const char *comma = strchr(p, ',');
        const char *e = comma ? comma : p + strlen(p);
        if (i == index) {
            const char *b = p;
            while (b < e && is_blank(*b))
                b++;
            while (e > b && is_blank(e[-1]))
                e--;
            size_t n = (size_t)(e - b);
            if (!buf || n + 1 > buflen)
                return -1;
            memcpy(buf, b, n);
            buf[n] = '\0';
            return 0;
        }
        if (!comma)
            return -1;
        p = comma + 1;
    }
}

const char *conf_value(const conf_section *s, const cami_config_key *schema, const char *key)
{
    const conf_entry *e = conf_entry_get(s, key);
    if (e)
        return e->value;
    for (const cami_config_key *k = schema; k && k->key; k++)
        if (key && strcmp(k->key, key) == 0)
            return k->default_value;
    return NULL;
}

/* ---- checking a section against a schema ---- */

/* Edit distance, case-insensitive; SIZE_MAX when either is too long to matter. */
static size_t levenshtein(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > SUGGEST_KEY_MAX || lb > SUGGEST_KEY_MAX)
        return SIZE_MAX;
    size_t prev[SUGGEST_KEY_MAX + 1], cur[SUGGEST_KEY_MAX + 1];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t best = prev[j - 1] + cost;
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            cur[j] = best;
        }
        memcpy(prev, cur, (lb + 1) * sizeof(prev[0]));
    }
    return prev[lb];
}

/* Consider `cand` as a suggestion for `key`: the closest within distance 2
 * wins, the first of equals. A candidate no longer than the distance (e.g.
 * "ab" for "xy") would be a guess, not a near miss. */
static void suggest(const char *key, const char *cand, const char **best, size_t *bestd)
{
    size_t dist = levenshtein(key, cand);
    if (dist <= 2 && dist < strlen(cand) && dist < *bestd) {
        *best = cand;
        *bestd = dist;
    }
}

static const char *type_expected(cami_config_type t)
{
    switch (t) {
    case CAMI_CONFIG_INT: return "an integer (a whole number such as 10 or -1)";
    case CAMI_CONFIG_BOOL: return "a boolean (on/off, yes/no, true/false or 1/0)";
    case CAMI_CONFIG_DOUBLE: return "a number (such as 2.5)";
    case CAMI_CONFIG_LIST: return "a comma-separated list with no empty item";
    case CAMI_CONFIG_STRING: break;
    }
    return "a string";
}

/* A blank value is an empty list; otherwise no item may be empty ("a,,b"). */
static int list_ok(const char *v)
{
    const char *p = v;
    while (is_blank(*p))
        p++;
    if (*p == '\0')
        return 0;
    p = v;
    for (;;) {
        const char *comma = strchr(p, ',');
        const char *e = comma ? comma : p + strlen(p);
        while (p < e && is_blank(*p))
            p++;
        if (p == e)
            return -1;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

/* Digits with an optional sign that conf_parse_int refuses: too big. */
static int int_out_of_range(const char *v)
{
    const char *digits = (*v == '+' || *v == '-') ? v + 1 : v;
    return *digits && strspn(digits, "0123456789") == strlen(digits) &&
           conf_parse_int(v, NULL) != 0;
}

/* 0 when `v` is a valid value of type t, else -1. Unknown types are strings:
 * the loader refuses such schemas before they get here. */
static int value_ok(cami_config_type t, const char *v)
{
    switch (t) {
    case CAMI_CONFIG_INT: return conf_parse_int(v, NULL);
    case CAMI_CONFIG_BOOL: return conf_parse_bool(v, NULL);
    case CAMI_CONFIG_DOUBLE: return conf_parse_double(v, NULL);
    case CAMI_CONFIG_LIST: return list_ok(v);
    case CAMI_CONFIG_STRING: break;
    }
    return 0;
}

static int in_list(const char *const *list, const char *key)
{
    for (size_t i = 0; list && list[i]; i++)
        if (strcmp(list[i], key) == 0)
            return 1;
    return 0;
}

static const cami_config_key *schema_find(const cami_config_key *schema, const char *key)
{
    for (const cami_config_key *k = schema; k && k->key; k++)
        if (strcmp(k->key, key) == 0)
            return k;
    return NULL;
}

static void unknown_key(const conf_entry *e, const cami_config_key *schema,
                        const char *const *reserved, const char *who, diag *d)
{
    const char *best = NULL;
    size_t bestd = SIZE_MAX;
    for (const cami_config_key *k = schema; k && k->key; k++)
        suggest(e->key, k->key, &best, &bestd);
    for (size_t i = 0; reserved && reserved[i]; i++)
        suggest(e->key, reserved[i], &best, &bestd);
    if (best) {
        diag_at(d, e->file, e->line, "%s: unknown key '%s'; did you mean '%s'?", who, e->key, best);
        return;
    }
    char known[600] = "";
    size_t off = 0;
    for (const cami_config_key *k = schema; k && k->key && off < sizeof(known); k++)
        off += (size_t)snprintf(known + off, sizeof(known) - off, "%s%s", off ? ", " : "", k->key);
    for (size_t i = 0; reserved && reserved[i] && off < sizeof(known); i++)
        off += (size_t)snprintf(known + off, sizeof(known) - off, "%s%s", off ? ", " : "",
                                reserved[i]);
    if (off)
        diag_at(d, e->file, e->line, "%s: unknown key '%s'; expected one of: %s", who, e->key, known);
    else
        diag_at(d, e->file, e->line, "%s: unknown key '%s'; expected no keys here", who, e->key);
}

int conf_check_section(const conf_section *s, const cami_config_key *schema,
                       const char *const *reserved, const char *who, diag *d)
{
    int problems = 0;
    char whobuf[300];
    if (!who) {
        snprintf(whobuf, sizeof(whobuf), "[%s]", s ? s->name : "?");
        who = whobuf;
    }
    for (size_t i = 0; s && i < s->count; i++) {
        conf_entry *e = &s->entries[i];
        const cami_config_key *k = schema_find(schema, e->key);
        if (k) {
            e->used = 1;
            if (value_ok(k->type, e->value) != 0) {
                const char *why = type_expected(k->type);
                if (k->type == CAMI_CONFIG_INT && int_out_of_range(e->value))
                    why = "an integer between -9223372036854775808 and 9223372036854775807";
                diag_at(d, e->file, e->line, "%s: %s = %s: expected %s%s", who, e->key,
                        *e->value ? e->value : "(nothing)", why,
                        strchr(e->value, '#') ? " (comments go on a line of their own)" : "");
                problems++;
            }
        } else if (in_list(reserved, e->key)) {
            e->used = 1;
        } else {
            unknown_key(e, schema, reserved, who, d);
            problems++;
        }
    }
    for (const cami_config_key *k = schema; k && k->key; k++) {
        if (!k->required || (s && conf_entry_get(s, k->key)))
            continue;
        if (s)
            diag_at(d, s->file, s->line, "%s: required key '%s' is missing from [%s]; expected "
                    "%s = %s%s%s", who, k->key, s->name, k->key, type_expected(k->type),
                    k->doc ? " - " : "", k->doc ? k->doc : "");
        else
            diag_add(d, "%s: required key '%s' is not set; expected %s = %s in its section%s%s",
                     who, k->key, k->key, type_expected(k->type), k->doc ? " - " : "",
                     k->doc ? k->doc : "");
        problems++;
    }
    return problems;
}
