/*
 * cmd_backend.c: the commands about the tensor backend itself: device
 * (which device, libtorch version, threads, BLAS; loads the backend on
 * first use) and seed (reproducible random draws).  See registry.h for the
 * calling convention.
 */
#include <inttypes.h>
#include <limits.h> /* PATH_MAX */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../backend/backend.h"
#include "../diffusion/rng.h"
#include "../util/array.h"
#include "registry.h"
#include "strbuf.h"

#define SEED_MAX 9007199254740992.0 /* 2^53: every integer up to it is exact */

/* "cpu" -> TS_CPU, "cuda" -> 0, "cuda:N" -> N; -3 for anything else. */
static int parse_device(const char *s)
{
    if (strcasecmp(s, "cpu") == 0)
        return TS_CPU;
    if (strcasecmp(s, "cuda") == 0 || strcasecmp(s, "gpu") == 0)
        return 0;
    int n = -1, used = 0;
    if (strncasecmp(s, "cuda:", 5) == 0 && sscanf(s + 5, "%d%n", &n, &used) == 1 &&
        s[5 + used] == '\0' && n >= 0)
        return n;
    return -3;
}

static void device_name(int device, char *buf, size_t size)
{
    if (device == TS_CPU)
        snprintf(buf, size, "cpu");
    else
        snprintf(buf, size, "cuda:%d", device);
}

/* The report as a markdown table and as aligned text. */
static void report(const ts_device_info *d, StrBuf *md, StrBuf *text)
{
    char dev[32], mem[32] = "";
    device_name(d->device, dev, sizeof dev);
    if (d->cuda_memory)
        snprintf(mem, sizeof mem, ", %.1f GiB",
                 (double)d->cuda_memory / (1024.0 * 1024.0 * 1024.0));
    char gpu[200];
    if (d->cuda_available)
        snprintf(gpu, sizeof gpu, "%d (%s%s)", d->cuda_count, d->cuda_name, mem);
    else
        snprintf(gpu, sizeof gpu, "none");
    char blas[400];
    snprintf(blas, sizeof blas, "%s%s%s (libtorch built with %s)", d->blas_name,
             d->blas_path[0] ? ", " : "", d->blas_path, d->blas_build);
    char torch[32], threads[64], load[64 + PATH_MAX];
    snprintf(torch, sizeof torch, "%d.%d.%d", d->torch_major, d->torch_minor,
             d->torch_patch);
    snprintf(threads, sizeof threads, "%d of %d cores", d->threads, d->cores);
    snprintf(load, sizeof load, "%.0f ms (%s)", backend_load_ms(),
             backend_path() ? backend_path() : "?");
    const char *rows[][2] = {
        {"device", dev}, {"GPUs", gpu}, {"libtorch", torch},
        {"threads", threads}, {"BLAS", blas}, {"backend load", load},
    };
    strbuf_puts(md, "| | |\n|---|---|\n");
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        strbuf_printf(md, "| %s | `%s` |\n", rows[i][0], rows[i][1]);
        strbuf_printf(text, "%s%-13s %s", i ? "\n" : "", rows[i][0],
                      rows[i][1]);
    }
}

enum { DEVICE_NAME, DEVICE_THREADS };
static const ArgSpec device_args[] = {
    [DEVICE_NAME] = {
        .name = "name",
        .types = VT_STRING | VT_NONE,
        .default_src = "none",
        .doc = "\"cpu\", \"cuda\" or \"cuda:N\" to choose; none keeps the "
               "current one",
    },
    [DEVICE_THREADS] = {
        .name = "threads",
        .types = VT_NUMBER | VT_NONE,
        .default_src = "none",
        .doc = "CPU threads libtorch may use; 0 means one per core",
    },
};

static dk_status cmd_device(CallCtx *cx, Value **args, Value **out)
{
    const TsApi *api = NULL;
    dk_status rc = cmd_api(cx, &api);
    if (rc != DK_OK)
        return rc;
    if (args[DEVICE_NAME]->kind == VAL_STRING) {
        int dev = parse_device(args[DEVICE_NAME]->as.str.bytes);
        if (dev == -3) {
            cx_error(cx, DEVICE_NAME, DK_ERR_ARG, "unknown device \"%s\"",
                     args[DEVICE_NAME]->as.str.bytes);
            dk_err_hint(cx->err, "device \"cpu\", \"cuda\" or \"cuda:1\"");
            return DK_ERR_ARG;
        }
        ts_status st = api->set_device(dev);
        if (st != TS_OK) {
            backend_error(api, st, cx->err);
            dk_err_hint(cx->err, "device \"cpu\" always works; `device` "
                        "lists the GPUs libtorch sees");
            dk_err_at(cx->err, cx->arg_spans[DEVICE_NAME]);
            return cx->err->code;
        }
    }
    if (args[DEVICE_THREADS]->kind != VAL_NONE) {
        long n = 0;
        rc = int_arg(cx, DEVICE_THREADS, args[DEVICE_THREADS], 0, 1024, &n);
        if (rc != DK_OK)
            return rc;
        ts_status st = api->set_threads((int)n, NULL);
        if (st != TS_OK)
            return backend_error(api, st, cx->err);
    }
    ts_device_info d;
    ts_status st = api->info(&d);
    if (st != TS_OK)
        return backend_error(api, st, cx->err);
    StrBuf md, text;
    strbuf_init(&md);
    strbuf_init(&text);
    report(&d, &md, &text);
    json_t *data = json_object();
    if (!data || md.oom || text.oom) {
        json_decref(data);
        strbuf_free(&md);
        strbuf_free(&text);
        return cx_oom(cx);
    }
    json_object_set_new(data, "text/markdown", value_json_text(strbuf_cstr(&md)));
    json_object_set_new(data, "text/plain", value_json_text(strbuf_cstr(&text)));
    strbuf_free(&md);
    strbuf_free(&text);
    cx_display(cx, data, NULL);
    return DK_OK;
}

enum { SEED_VALUE };
static const ArgSpec seed_args[] = {
    [SEED_VALUE] = {
        .name = "value",
        .types = VT_NUMBER,
        .doc = "a whole number, 0 to 2^53",
    },
};

static dk_status cmd_seed(CallCtx *cx, Value **args, Value **out)
{
    double s = args[SEED_VALUE]->as.number;
    if (!(s >= 0) || s > SEED_MAX || s != floor(s)) {
        cx_error(cx, SEED_VALUE, DK_ERR_ARG, "seed %g must be a whole number "
                 "from 0 to 2^53", s);
        dk_err_hint(cx->err, "for example: seed 180");
        return DK_ERR_ARG;
    }
    const TsApi *api = NULL;
    dk_status rc = cmd_api(cx, &api);
    if (rc != DK_OK)
        return rc;
    rc = cx_seed(cx, api, (uint64_t)s);
    if (rc != DK_OK)
        dk_err_at(cx->err, cx->span);
    return rc;
}

static const Command commands[] = {
    {
        .name = "device",
        .group = "Backend",
        .summary = "Show (or choose) the device tensors live on.",
        .help = "Loads the libtorch backend on first use (a second or two) "
                "and shows the chosen device (the first GPU when libtorch "
                "sees one, else the CPU), the libtorch version, the CPU "
                "threads it uses and which BLAS library does its matrix "
                "products. `device \"cpu\"` forces the CPU for what comes "
                "next; images made before stay where they are.",
        .example = "device\n"
                   "device \"cpu\" threads=0",
        .args = device_args,
        .nargs = ARRAY_LEN(device_args),
        .fn = cmd_device,
    },
    {
        .name = "seed",
        .group = "Backend",
        .summary = "Make every later random draw reproducible.",
        .help = "Seeds libtorch's generators and the noise stream of "
                "`forward` and the samplers. The same seed on the same "
                "machine gives the same numbers, so a notebook run twice "
                "draws byte-identical images. Noise is drawn on the CPU in "
                "float32 whatever the device, so GPU and CPU runs start from "
                "the same noise. Report your seed with your results.",
        .example = "seed 180\n"
                   "img = load \"notebooks/data/rocket.jpg\"\n"
                   "forward img t=500",
        .args = seed_args,
        .nargs = ARRAY_LEN(seed_args),
        .fn = cmd_seed,
    },
};

const CommandTable cmd_backend_table = {commands, ARRAY_LEN(commands)};
