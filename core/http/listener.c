/* listener.c - see listener.h. */
#include "http/listener.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/conn.h"
#include "log.h"
#include "metrics.h"

int listener_parse_address(const char *text, struct sockaddr_storage *out, char *err, size_t errlen)
{
    char host[64];
    const char *port_s;
    memset(out, 0, sizeof(*out));
    if (text[0] == '[') {
        const char *end = strchr(text, ']');
        if (!end || end[1] != ':' || (size_t)(end - text - 1) >= sizeof(host)) {
            snprintf(err, errlen, "'%s' is not an address; expected [IPV6]:PORT", text);
            return -1;
        }
        memcpy(host, text + 1, (size_t)(end - text - 1));
        host[end - text - 1] = '\0';
        port_s = end + 2;
    } else {
        const char *colon = strrchr(text, ':');
        if (!colon || (size_t)(colon - text) >= sizeof(host)) {
            snprintf(err, errlen, "'%s' is not an address; expected HOST:PORT, e.g. 127.0.0.1:8080", text);
            return -1;
        }
        memcpy(host, text, (size_t)(colon - text));
        host[colon - text] = '\0';
        port_s = colon + 1;
    }
    char *endp;
    errno = 0;
    long port = strtol(port_s, &endp, 10);
    if (!*port_s || *endp || errno || port < 1 || port > 65535) {
        snprintf(err, errlen, "'%s': the port must be a number from 1 to 65535", text);
        return -1;
    }
    if (host[0] == '\0' || strcmp(host, "*") == 0)
        snprintf(host, sizeof(host), "0.0.0.0");
    if (uv_ip4_addr(host, (int)port, (struct sockaddr_in *)out) == 0)
        return 0;
    if (uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)out) == 0)
        return 0;
    snprintf(err, errlen, "'%s': '%s' is not a numeric IPv4 or IPv6 address", text, host);
    return -1;
}

listener *listener_new(const char *name, const char *address, char *err, size_t errlen)
{
    listener *l = calloc(1, sizeof(*l));
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (listener_parse_address(address, &l->addr, err, errlen) < 0)
        goto fail;
    l->name = strdup(name);
    l->address = strdup(address);
    l->router = router_new();
    if (!l->name || !l->address || !l->router) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    return l;
fail:
    listener_free(l);
    return NULL;
}

void listener_close_fds(listener *l, int keep)
{
    for (unsigned i = 0; i < l->nfds; i++) {
        if ((int)i != keep && l->fds[i] >= 0) {
            close(l->fds[i]);
            l->fds[i] = -1;
        }
    }
}

void listener_free(listener *l)
{
    if (!l)
        return;
    listener_close_fds(l, -1);
    free(l->fds);
    router_free(l->router);
    free(l->name);
    free(l->address);
    free(l);
}

int listener_same_address(const listener *a, const listener *b)
{
    if (a->addr.ss_family != b->addr.ss_family)
        return 0;
    if (a->addr.ss_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const void *)&a->addr, *y = (const void *)&b->addr;
        return x->sin6_port == y->sin6_port &&
               memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
    }
    const struct sockaddr_in *x = (const void *)&a->addr, *y = (const void *)&b->addr;
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
}

static socklen_t addr_len(const listener *l)
{
    return l->addr.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

static void bind_error(const listener *l, int err_no, char *err, size_t errlen)
{
    snprintf(err, errlen, "listener '%s' cannot listen on %s: %s%s", l->name, l->address,
             strerror(err_no),
             err_no == EADDRINUSE ? " (another process uses this address: stop it or change "
                                    "the address)"
             : err_no == EACCES   ? " (ports below 1024 need privileges)"
                                  : "");
}

static int bind_one(const listener *l, int backlog, char *err, size_t errlen)
{
    int fd = socket(l->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
        bind(fd, (const struct sockaddr *)&l->addr, addr_len(l)) < 0 || listen(fd, backlog) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        bind_error(l, e, err, errlen);
        return -1;
    }
    return fd;
}

int listener_bind(listener *l, unsigned n, int backlog, char *err, size_t errlen)
{
    l->fds = calloc(n, sizeof(int));
    if (!l->fds) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    l->nfds = n;
    for (unsigned i = 0; i < n; i++)
        l->fds[i] = -1;
    /* SO_REUSEPORT would let us share the port with another process (a
     * second camid) and silently split its traffic: make sure it is free by
     * binding once without it. */
    int probe = socket(l->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (probe < 0 || setsockopt(probe, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(probe, (const struct sockaddr *)&l->addr, addr_len(l)) < 0) {
        int e = errno;
        if (probe >= 0)
            close(probe);
        bind_error(l, e, err, errlen);
        return -1;
    }
    close(probe);
    for (unsigned i = 0; i < n; i++) {
        l->fds[i] = bind_one(l, backlog, err, errlen);
        if (l->fds[i] < 0) {
            listener_close_fds(l, -1);
            return -1;
        }
    }
    return 0;
}

void listener_close_slot(listener *l, unsigned slot)
{
    if (slot < l->nfds && l->fds[slot] >= 0) {
        close(l->fds[slot]);
        l->fds[slot] = -1;
    }
}

int listener_rebind_slot(listener *l, unsigned slot, int backlog, char *err, size_t errlen)
{
    if (slot >= l->nfds)
        return -1;
    if (l->fds[slot] >= 0)
        return 0;
    l->fds[slot] = bind_one(l, backlog, err, errlen);
    return l->fds[slot] < 0 ? -1 : 0;
}

static void on_connection(uv_stream_t *server, int status)
{
    listener *l = server->data;
    if (status < 0) {
        /* EMFILE and friends repeat per connection: say it once a minute. */
        static uint64_t last_ms;
        uint64_t now = uv_now(server->loop);
        metrics_conn_rejected();
        if (!last_ms || now - last_ms >= 60000) {
            last_ms = now;
            log_error("accept on %s (%s) failed: %s%s", l->name, l->address, uv_strerror(status),
                      status == UV_EMFILE || status == UV_ENFILE
                          ? " (out of file descriptors: raise LimitNOFILE/ulimit -n or lower "
                            "max_connections)"
                          : "");
        }
        return;
    }
    http_accept(l, server);
}

int listener_start(listener *l, uv_loop_t *loop, unsigned slot)
{
    if (slot >= l->nfds || l->fds[slot] < 0)
        return UV_EINVAL;
    int rc = uv_tcp_init(loop, &l->tcp);
    if (rc < 0)
        return rc;
    l->tcp.data = l;
    rc = uv_tcp_open(&l->tcp, l->fds[slot]);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&l->tcp, 511, on_connection);
    if (rc < 0) {
        uv_close((uv_handle_t *)&l->tcp, NULL);
        return rc;
    }
    /* The handle owns the fd now. */
    l->fds[slot] = -1;
    l->listening = 1;
    return 0;
}

void listener_stop(listener *l)
{
    if (!l->listening)
        return;
    l->listening = 0;
    uv_close((uv_handle_t *)&l->tcp, NULL);
}
