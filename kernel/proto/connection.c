/*
 * connection.c: parsing the connection file (see connection.h).
 */
#include "connection.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The connection file's key for each channel's port, indexed by CHAN_*. */
static const char *const port_keys[CHAN_COUNT] = {
    [CHAN_SHELL] = "shell_port",
    [CHAN_IOPUB] = "iopub_port",
    [CHAN_STDIN] = "stdin_port",
    [CHAN_CONTROL] = "control_port",
    [CHAN_HB] = "hb_port",
};

static dk_status copy_string(json_t *root, const char *key, char *dst,
                             size_t n, const char *fallback, const char *path,
                             DkErr *err)
{
    json_t *v = json_object_get(root, key);
    if (!v) {
        snprintf(dst, n, "%s", fallback);
        return DK_OK;
    }
    if (!json_is_string(v) || json_string_length(v) >= n)
        return dk_err_set(err, DK_ERR_FORMAT,
                          "connection file %s: \"%s\" must be a short string",
                          path, key);
    snprintf(dst, n, "%s", json_string_value(v));
    return DK_OK;
}

dk_status connection_load(const char *path, ConnInfo *ci, DkErr *err)
{
    memset(ci, 0, sizeof *ci);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root)
        return dk_err_set(err, DK_ERR_IO, "cannot read connection file %s: %s",
                          path, jerr.text);
    dk_status st = DK_OK;
    if (!json_is_object(root)) {
        st = dk_err_set(err, DK_ERR_FORMAT,
                        "connection file %s is not a JSON object", path);
        goto done;
    }
    st = copy_string(root, "transport", ci->transport, sizeof ci->transport,
                     "tcp", path, err);
    if (!st)
        st = copy_string(root, "ip", ci->ip, sizeof ci->ip, "127.0.0.1",
                         path, err);
    if (!st)
        st = copy_string(root, "signature_scheme", ci->scheme,
                         sizeof ci->scheme, "hmac-sha256", path, err);
    if (st)
        goto done;
    for (int c = 0; c < CHAN_COUNT; c++) {
        json_t *p = json_object_get(root, port_keys[c]);
        if (!json_is_integer(p) || json_integer_value(p) < 0 ||
            json_integer_value(p) > 65535) {
            st = dk_err_set(err, DK_ERR_FORMAT,
                            "connection file %s: \"%s\" is missing or not a "
                            "port number", path, port_keys[c]);
            goto done;
        }
        ci->port[c] = (int)json_integer_value(p);
    }
    json_t *key = json_object_get(root, "key");
    ci->key = strdup(json_is_string(key) ? json_string_value(key) : "");
    if (!ci->key)
        st = dk_err_oom(err);
done:
    json_decref(root);
    if (st)
        connection_free(ci);
    return st;
}

void connection_endpoint(const ConnInfo *ci, int chan, char *buf, size_t n)
{
    if (strcmp(ci->transport, "ipc") == 0)
        snprintf(buf, n, "ipc://%s-%d", ci->ip, ci->port[chan]);
    else
        snprintf(buf, n, "%s://%s:%d", ci->transport, ci->ip, ci->port[chan]);
}

void connection_free(ConnInfo *ci)
{
    free(ci->key);
    memset(ci, 0, sizeof *ci);
}
