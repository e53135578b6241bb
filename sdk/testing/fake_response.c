/*
 * fake_response.c - the resp_* calls that build a response, and "sending"
 * it: copying what a real host would put on the wire into the
 * cami_test_response the test reads.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fake.h"

/* Replace header `name` (case-insensitive) or add it. */
static int put_header(fake_pairs *p, const char *name, const char *value)
{
    for (size_t i = 0; i < p->count; i++) {
        if (strcasecmp(p->names[i], name) == 0) {
            char *v = strdup(value);

            if (v == NULL)
                return CAMI_ENOMEM;
            free(p->values[i]);
            p->values[i] = v;
            return CAMI_OK;
        }
    }
    return fake_pairs_add(p, name, strlen(name), value, strlen(value));
}

static int set_body(struct cami_request *req, const void *data, size_t len, const char *type)
{
    char *copy = malloc(len + 1);

    if (copy == NULL)
        return CAMI_ENOMEM;
    if (len > 0)
        memcpy(copy, data, len);
    copy[len] = '\0';
    if (put_header(&req->out_headers, "Content-Type", type) != CAMI_OK) {
        free(copy);
        return CAMI_ENOMEM;
    }
    free(req->out_body);
    req->out_body = copy;
    req->out_len = len;
    return CAMI_OK;
}

/* Status, then a compact JSON body; steals body in every case. */
static int set_json(struct cami_request *req, int status, json_t *body)
{
    char *text;
    int rc;

    if (body == NULL)
        return CAMI_ENOMEM;
    text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(body);
    if (text == NULL)
        return CAMI_ENOMEM;
    rc = set_body(req, text, strlen(text), "application/json");
    free(text);
    if (rc == CAMI_OK)
        req->status = status;
    return rc;
}

static int valid_status(int status)
{
    return status >= 200 && status <= 599;
}

int fake_reply_json(struct cami_request *req, int status, json_t *body)
{
    fake_pairs_free(&req->out_headers);
    return set_json(req, status, body);
}

int fake_reply_error(struct cami_request *req, int status, const char *message)
{
    return fake_reply_json(req, status, json_pack("{s:s}", "error", message));
}

int fake_resp_status(cami_request *req, int status)
{
    if (!fake_req_usable(req, "cami_resp_status"))
        return CAMI_ESTATE;
    if (!valid_status(status))
        return CAMI_EINVAL;
    req->status = status;
    return CAMI_OK;
}

/* An RFC 9110 token. */
static int is_token(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c <= 32 || c >= 127 || strchr("\"(),/:;<=>?@[\\]{}", c) != NULL)
            return 0;
    }
    return 1;
}

int fake_resp_header(cami_request *req, const char *name, const char *value)
{
    static const char *const owned[] = { "Content-Length", "Transfer-Encoding", "Connection",
                                         "Date" };

    if (!fake_req_usable(req, "cami_resp_header"))
        return CAMI_ESTATE;
    if (name == NULL || value == NULL || !is_token(name) || strpbrk(value, "\r\n") != NULL)
        return CAMI_EINVAL;
    for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++)
        if (strcasecmp(name, owned[i]) == 0)
            return CAMI_EINVAL;
    /* One Content-Type; other headers may repeat. */
    if (strcasecmp(name, "Content-Type") == 0)
        return put_header(&req->out_headers, "Content-Type", value);
    return fake_pairs_add(&req->out_headers, name, strlen(name), value, strlen(value));
}

int fake_resp_body(cami_request *req, const void *data, size_t len, const char *content_type)
{
    if (!fake_req_usable(req, "cami_resp_body"))
        return CAMI_ESTATE;
    if (data == NULL && len > 0)
        return CAMI_EINVAL;
    if (content_type != NULL && strpbrk(content_type, "\r\n") != NULL)
        return CAMI_EINVAL;
    return set_body(req, data, len,
                    content_type != NULL ? content_type : "application/octet-stream");
}

int fake_resp_json(cami_request *req, int status, json_t *body)
{
    if (!fake_req_usable(req, "cami_resp_json")) {
        json_decref(body);
        return CAMI_ESTATE;
    }
    if (!valid_status(status)) {
        json_decref(body);
        return CAMI_EINVAL;
    }
    return set_json(req, status, body);
}

int fake_resp_error(cami_request *req, int status, const char *message)
{
    json_t *msg;

    if (!fake_req_usable(req, "cami_resp_error"))
        return CAMI_ESTATE;
    if (!valid_status(status) || message == NULL)
        return CAMI_EINVAL;
    /* jansson refuses text that is not UTF-8: a bad argument, not "no memory". */
    msg = json_string(message);
    if (msg == NULL)
        return CAMI_EINVAL;
    return set_json(req, status, json_pack("{s:o}", "error", msg));
}

static int is_json_type(const char *type)
{
    size_t n = strlen("application/json");

    return type != NULL && strncasecmp(type, "application/json", n) == 0 &&
           (type[n] == '\0' || type[n] == ';' || type[n] == ' ');
}

int fake_send(struct cami_request *req)
{
    cami_test_response *r = &req->resp;
    const char *type = NULL;

    req->state = REQ_DONE;
    for (size_t i = 0; i < req->out_headers.count; i++)
        if (strcasecmp(req->out_headers.names[i], "Content-Type") == 0)
            type = req->out_headers.values[i];
    if (fake_pairs_add(&req->out_headers, "X-Request-Id", 12, req->id, strlen(req->id)) !=
        CAMI_OK)
        return CAMI_ENOMEM;
    r->status = req->status != 0 ? req->status : 200;
    /* HEAD gets the headers of GET without its body. */
    if (req->out_body != NULL && strcmp(req->method, "HEAD") != 0) {
        r->body = req->out_body;
        r->body_len = req->out_len;
    }
    if (is_json_type(type) && r->body_len > 0)
        r->json = json_loadb(r->body, r->body_len, JSON_DECODE_ANY, NULL);
    r->aborted = req->aborted;
    r->finished = 1;
    return CAMI_OK;
}

const char *cami_test_response_header(const cami_test_response *resp, const char *name)
{
    const struct cami_request *req =
        (const struct cami_request *)((const char *)resp - offsetof(struct cami_request, resp));

    for (size_t i = 0; name != NULL && i < req->out_headers.count; i++)
        if (strcasecmp(req->out_headers.names[i], name) == 0)
            return req->out_headers.values[i];
    return NULL;
}
