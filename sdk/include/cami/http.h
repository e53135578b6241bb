/*
 * http.h - HTTP routes, requests and responses.
 *
 * Routes. A plugin registers routes during init with cami_route_add(). A path
 * template is a literal path in which a whole segment may be a named
 * parameter: "/api/v1/medication-plans/{id}/". A parameter matches one
 * non-empty segment (no '/'), percent-decoded. Literal segments win over
 * parameters. A GET route also answers HEAD. A request for a path without
 * its trailing slash, when the slashed path has a route, gets 301 to the
 * slashed path (as Django/Tastypie did). A path that exists for other
 * methods gets 405 with Allow. Routes are bound to the listeners named in the
 * plugin's `listeners` config key (default: all).
 *
 * Handlers. A handler runs on the loop thread and must not block:
 *   return CAMI_OK       the response built so far is sent (status defaults
 *                        to 200, body to empty);
 *   return CAMI_PENDING  the plugin answers later: it builds the response and
 *                        calls cami_req_finish() from the loop thread (e.g. in
 *                        a cami_work_submit done callback). Until then the
 *                        request stays valid even if the client goes away or
 *                        the admin's handler_timeout answers it with 504
 *                        (cami_req_aborted() tells; finishing is still owed);
 *   return < 0           the host answers 500 with a JSON error and logs the
 *                        plugin's name; whatever was built is discarded.
 *
 * Errors are JSON: {"error": "message"}, like the original CAMI API.
 *
 * Unless said otherwise, every call here: Thread: loop. Strings returned are
 * owned by the host, NUL-terminated, valid until the request is finished.
 * Since ABI 1.0.
 */
#ifndef CAMI_HTTP_H
#define CAMI_HTTP_H

#include <cami/host.h>
#include <cami/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * cami_route_add - serve `method` `path` with handler(req, ud).
 * method: an upper-case token such as "GET", "POST", "PUT", "PATCH", "DELETE".
 * Thread: loop, during init only.
 * Errors: CAMI_EINVAL (bad method or template: must start with '/', braces
 * must enclose a whole segment, names [A-Za-z0-9_]+ and unique);
 * CAMI_EEXIST (another route, of this or another plugin, has the same method
 * and shape on a shared listener; the host logs both plugins and refuses to
 * load); CAMI_ESTATE (not during init).
 */
static inline int cami_route_add(cami_plugin *self, const char *method, const char *path,
                                 cami_http_handler handler, void *ud)
{
    return cami_host_->route_add(self, method, path, handler, ud);
}

/* The request method, upper case ("GET"). Never NULL. */
static inline const char *cami_req_method(const cami_request *req)
{
    return cami_host_->req_method(req);
}

/* The percent-decoded path, without the query string. Never NULL. */
static inline const char *cami_req_path(const cami_request *req)
{
    return cami_host_->req_path(req);
}

/* The request target exactly as received (path and query, not decoded). */
static inline const char *cami_req_target(const cami_request *req)
{
    return cami_host_->req_target(req);
}

/* The value of the template parameter `name` ("{id}" -> "id"), decoded;
 * NULL when the route has no such parameter. */
static inline const char *cami_req_param(const cami_request *req, const char *name)
{
    return cami_host_->req_param(req, name);
}

/* The first value of query parameter `name`, percent-decoded ('+' is a
 * space); "" for a bare "?name"; NULL when absent. */
static inline const char *cami_req_query(const cami_request *req, const char *name)
{
    return cami_host_->req_query(req, name);
}

/* Query parameter number `index` (from 0), in order of appearance,
 * repeated names included. Returns CAMI_OK, or CAMI_ENOENT past the end. */
static inline int cami_req_query_at(const cami_request *req, size_t index, const char **name,
                                    const char **value)
{
    return cami_host_->req_query_at(req, index, name, value);
}

/* The value of header `name` (case-insensitive); repeated headers are joined
 * with ", " as RFC 9110 allows. NULL when absent. */
static inline const char *cami_req_header(const cami_request *req, const char *name)
{
    return cami_host_->req_header(req, name);
}

/* Header number `index` (from 0) as received. CAMI_OK or CAMI_ENOENT. */
static inline int cami_req_header_at(const cami_request *req, size_t index, const char **name,
                                     const char **value)
{
    return cami_host_->req_header_at(req, index, name, value);
}

/* The request body (de-chunked), its length in *len. Never NULL: an empty
 * body is "" with *len 0. The host has already enforced max_body_size. */
static inline const void *cami_req_body(const cami_request *req, size_t *len)
{
    return cami_host_->req_body(req, len);
}

/*
 * cami_req_json - the body parsed as JSON (any JSON value), parsed once and
 * cached. Borrowed: owned by the request; json_incref() it to keep it past
 * cami_req_finish. Returns NULL when the body is empty or not JSON, with the
 * reason in *error when error is not NULL.
 */
static inline json_t *cami_req_json(cami_request *req, json_error_t *error)
{
    return cami_host_->req_json(req, error);
}

/* The request's id, also sent as X-Request-Id (the client's own if it sent
 * a sane one). Put it in log lines. */
static inline const char *cami_req_id(const cami_request *req)
{
    return cami_host_->req_id(req);
}

/* The peer address, "127.0.0.1:54321" or "[::1]:54321". */
static inline const char *cami_req_remote_addr(const cami_request *req)
{
    return cami_host_->req_remote_addr(req);
}

/* Set the response status (100-599 without 1xx: 200-599).
 * Errors: CAMI_EINVAL (out of range), CAMI_ESTATE (already finished). */
static inline int cami_resp_status(cami_request *req, int status)
{
    return cami_host_->resp_status(req, status);
}

/*
 * cami_resp_header - add a response header; both strings are copied.
 * Errors: CAMI_EINVAL for a name that is not an RFC 9110 token or a value
 * with CR, LF or NUL (header injection), or for the headers the host owns
 * (Content-Length, Transfer-Encoding, Connection, Date, X-Request-Id,
 * Keep-Alive, Upgrade); Content-Type sets the body's type; CAMI_ESTATE.
 */
static inline int cami_resp_header(cami_request *req, const char *name, const char *value)
{
    return cami_host_->resp_header(req, name, value);
}

/* Set the response body (copied) and its Content-Type (NULL:
 * "application/octet-stream"). Replaces an earlier body. */
static inline int cami_resp_body(cami_request *req, const void *data, size_t len,
                                 const char *content_type)
{
    return cami_host_->resp_body(req, data, len, content_type);
}

/*
 * cami_resp_json - set status and a JSON body (Content-Type application/json).
 * Steals the reference to `body` in every case, also on error, so
 * `return cami_resp_json(req, 200, json_pack(...));` never leaks; a NULL
 * body (e.g. a failed json_pack) gives CAMI_ENOMEM.
 */
static inline int cami_resp_json(cami_request *req, int status, json_t *body)
{
    return cami_host_->resp_json(req, status, body);
}

/* Set status and the body {"error": message}. message is copied. */
static inline int cami_resp_error(cami_request *req, int status, const char *message)
{
    return cami_host_->resp_error(req, status, message);
}

/*
 * cami_req_finish - send the response of a request whose handler returned
 * CAMI_PENDING. After this call `req` is gone. If the client has left in the
 * meantime the response is discarded and the request freed.
 * Thread: loop (use cami_loop_post to get there from another thread).
 * Errors: CAMI_ESTATE when the handler did not return CAMI_PENDING or the
 * request was already finished.
 */
static inline int cami_req_finish(cami_request *req)
{
    return cami_host_->req_finish(req);
}

/* Non-zero when the client has closed the connection or the host is stopping;
 * a pending request should then be finished soon (its response is dropped). */
static inline int cami_req_aborted(const cami_request *req)
{
    return cami_host_->req_aborted(req);
}

#ifdef __cplusplus
}
#endif
#endif
