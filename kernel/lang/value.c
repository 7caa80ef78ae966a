/*
 * value.c: reference-counted values, their equality and their text forms
 * (see value.h).
 */
#include "value.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/utf8.h"
#include "strbuf.h"

/* Lists longer than this are shown as their first and last few items. */
#define REPR_MAX_ITEMS 100
#define REPR_EDGE_ITEMS 3
/* Lists nested deeper than this are shown as [...]. */
#define REPR_MAX_DEPTH 64

static Value none_value = {.refs = -1, .kind = VAL_NONE};
static Value true_value = {.refs = -1, .kind = VAL_BOOL, .as.boolean = 1};
static Value false_value = {.refs = -1, .kind = VAL_BOOL, .as.boolean = 0};

// ---- construction ------------------------------------------------------

static Value *alloc_value(ValueKind kind)
{
    Value *v = malloc(sizeof *v);
    if (!v)
        return NULL;
    memset(v, 0, sizeof *v);
    v->refs = 1;
    v->kind = kind;
    return v;
}

Value *value_none(void) { return &none_value; }
Value *value_bool(int b) { return b ? &true_value : &false_value; }

Value *value_number(double d)
{
    Value *v = alloc_value(VAL_NUMBER);
    if (v)
        v->as.number = d;
    return v;
}

Value *value_string_take(char *s, size_t n)
{
    Value *v = alloc_value(VAL_STRING);
    if (!v) {
        free(s);
        return NULL;
    }
    v->as.str.bytes = s;
    v->as.str.len = n;
    return v;
}

Value *value_string(const char *s, size_t n)
{
    char *copy = malloc(n + 1);
    if (!copy)
        return NULL;
    if (n)
        memcpy(copy, s, n);
    copy[n] = '\0';
    return value_string_take(copy, n);
}

Value *value_list_new(size_t n)
{
    Value *v = alloc_value(VAL_LIST);
    if (!v)
        return NULL;
    v->as.list.items = malloc((n ? n : 1) * sizeof(Value *));
    if (!v->as.list.items) {
        free(v);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        v->as.list.items[i] = &none_value;
    v->as.list.len = n;
    return v;
}

void value_list_set(Value *list, size_t i, Value *v)
{
    value_unref(list->as.list.items[i]);
    list->as.list.items[i] = v ? v : &none_value;
}

Value *value_object(const ObjType *type, void *data)
{
    Value *v = alloc_value(VAL_OBJECT);
    if (!v) {
        if (type->free)
            type->free(data);
        return NULL;
    }
    v->as.obj.type = type;
    v->as.obj.data = data;
    return v;
}

// ---- references --------------------------------------------------------

Value *value_ref(Value *v)
{
    if (v && v->refs > 0)
        v->refs++;
    return v;
}

void value_unref(Value *v)
{
    if (!v || v->refs < 0)
        return;
    if (--v->refs > 0)
        return;
    switch (v->kind) {
    case VAL_STRING:
        free(v->as.str.bytes);
        break;
    case VAL_LIST:
        for (size_t i = 0; i < v->as.list.len; i++)
            value_unref(v->as.list.items[i]);
        free(v->as.list.items);
        break;
    case VAL_OBJECT:
        if (v->as.obj.type->free)
            v->as.obj.type->free(v->as.obj.data);
        break;
    default:
        break;
    }
    free(v);
}

// ---- inspection --------------------------------------------------------

const char *value_kind_name(ValueKind k)
{
    switch (k) {
    case VAL_NONE:   return "none";
    case VAL_BOOL:   return "bool";
    case VAL_NUMBER: return "number";
    case VAL_STRING: return "string";
    case VAL_LIST:   return "list";
    case VAL_OBJECT: return "object";
    }
    return "value";
}

const char *value_type_name(const Value *v)
{
    if (v->kind == VAL_OBJECT)
        return v->as.obj.type->name;
    return value_kind_name(v->kind);
}

void value_mask_text(unsigned mask, char *buf, size_t size)
{
    static const char *names[] = {"none", "a bool", "a number", "a string",
                                  "a list", "an object"};
    if ((mask & VT_ANY) == VT_ANY) {
        snprintf(buf, size, "any value");
        return;
    }
    size_t used = 0;
    int count = 0, total = 0;
    for (int k = 0; k <= VAL_OBJECT; k++)
        total += (mask >> k) & 1;
    buf[0] = '\0';
    for (int k = 0; k <= VAL_OBJECT && used < size; k++) {
        if (!((mask >> k) & 1))
            continue;
        count++;
        const char *sep = count == 1 ? "" : count == total ? " or " : ", ";
        int n = snprintf(buf + used, size - used, "%s%s", sep, names[k]);
        if (n < 0)
            return;
        used += (size_t)n;
    }
}

int value_truthy(const Value *v)
{
    switch (v->kind) {
    case VAL_NONE:   return 0;
    case VAL_BOOL:   return v->as.boolean;
    case VAL_NUMBER: return v->as.number != 0;
    case VAL_STRING: return v->as.str.len != 0;
    case VAL_LIST:   return v->as.list.len != 0;
    case VAL_OBJECT: return 1;
    }
    return 0;
}

int value_equal(const Value *a, const Value *b)
{
    if (a == b)
        return 1;
    if (a->kind != b->kind)
        return 0;
    switch (a->kind) {
    case VAL_NONE:   return 1;
    case VAL_BOOL:   return a->as.boolean == b->as.boolean;
    case VAL_NUMBER: return a->as.number == b->as.number;
    case VAL_STRING:
        return a->as.str.len == b->as.str.len &&
               memcmp(a->as.str.bytes, b->as.str.bytes, a->as.str.len) == 0;
    case VAL_LIST:
        if (a->as.list.len != b->as.list.len)
            return 0;
        for (size_t i = 0; i < a->as.list.len; i++)
            if (!value_equal(a->as.list.items[i], b->as.list.items[i]))
                return 0;
        return 1;
    case VAL_OBJECT:
        return a->as.obj.data == b->as.obj.data;
    }
    return 0;
}

size_t value_utf8_len(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (!utf8_is_cont((unsigned char)s[i]))
            count++;
    return count;
}

// ---- text --------------------------------------------------------------

void value_format_number(double d, char *buf, size_t size)
{
    if (isnan(d)) {
        snprintf(buf, size, "nan");
        return;
    }
    if (isinf(d)) {
        snprintf(buf, size, d < 0 ? "-inf" : "inf");
        return;
    }
    if (d == floor(d) && fabs(d) < 1e15) {
        /* -0 prints as 0: students never mean the sign of zero. */
        snprintf(buf, size, "%.0f", d == 0 ? 0.0 : d);
        return;
    }
    /* The shortest %g precision that reads back to the same double. */
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            return;
    }
}

static void repr_string(StrBuf *b, const char *s, size_t n)
{
    strbuf_addc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':  strbuf_puts(b, "\\\""); break;
        case '\\': strbuf_puts(b, "\\\\"); break;
        case '\n': strbuf_puts(b, "\\n"); break;
        case '\t': strbuf_puts(b, "\\t"); break;
        default:
            if (c < 0x20)
                strbuf_printf(b, "\\x%02x", c);
            else
                strbuf_addc(b, (char)c);
        }
    }
    strbuf_addc(b, '"');
}

static void repr_object(StrBuf *b, const Value *v)
{
    const ObjType *t = v->as.obj.type;
    char *text = t->describe ? t->describe(v->as.obj.data) : NULL;
    if (text)
        strbuf_puts(b, text);
    else
        strbuf_printf(b, "<%s>", t->name);
    free(text);
}

static void repr_to(StrBuf *b, const Value *v, int depth)
{
    char num[40];
    switch (v->kind) {
    case VAL_NONE:
        strbuf_puts(b, "none");
        return;
    case VAL_BOOL:
        strbuf_puts(b, v->as.boolean ? "true" : "false");
        return;
    case VAL_NUMBER:
        value_format_number(v->as.number, num, sizeof num);
        strbuf_puts(b, num);
        return;
    case VAL_STRING:
        repr_string(b, v->as.str.bytes, v->as.str.len);
        return;
    case VAL_OBJECT:
        repr_object(b, v);
        return;
    case VAL_LIST:
        break;
    }
    if (depth >= REPR_MAX_DEPTH) {
        strbuf_puts(b, "[...]");
        return;
    }
    size_t n = v->as.list.len;
    strbuf_addc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (n > REPR_MAX_ITEMS && i == REPR_EDGE_ITEMS) {
            strbuf_puts(b, ", ...");
            i = n - REPR_EDGE_ITEMS;
        }
        if (i > 0)
            strbuf_puts(b, ", ");
        repr_to(b, v->as.list.items[i], depth + 1);
    }
    strbuf_addc(b, ']');
}

char *value_repr(const Value *v)
{
    StrBuf b;
    strbuf_init(&b);
    repr_to(&b, v, 0);
    return strbuf_take(&b);
}

char *value_str(const Value *v)
{
    if (v->kind == VAL_STRING)
        return strdup(v->as.str.bytes);
    return value_repr(v);
}

char *value_summary(const Value *v)
{
    char *text = value_repr(v);
    if (!text)
        return NULL;
    /* Cut at the first newline or about 60 bytes, on a code point edge. */
    size_t cut = strcspn(text, "\n");
    if (cut > 60) {
        cut = 60;
        while (cut > 0 && utf8_is_cont((unsigned char)text[cut]))
            cut--;
    }
    if (text[cut] == '\0')
        return text;
    text[cut] = '\0';
    StrBuf b;
    strbuf_init(&b);
    strbuf_puts(&b, text);
    strbuf_puts(&b, "...");
    free(text);
    return strbuf_take(&b);
}

json_t *value_bundle(const Value *v)
{
    json_t *data = NULL;
    if (v->kind == VAL_OBJECT && v->as.obj.type->bundle)
        data = v->as.obj.type->bundle(v->as.obj.data);
    if (!data)
        data = json_object();
    if (!data)
        return NULL;
    if (!json_object_get(data, "text/plain")) {
        char *text = value_repr(v);
        json_object_set_new(data, "text/plain", value_json_text(text ? text : ""));
        free(text);
    }
    return data;
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one. */
static size_t utf8_valid(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4
             : s[0] >= 0xE0                 ? 3
             : s[0] >= 0xC2 && s[0] < 0xE0  ? 2
                                            : 0;
    for (size_t i = 1; i < n; i++)
        if (!utf8_is_cont(s[i]))
            return 0;
    if (n == 3 && s[0] == 0xE0 && s[1] < 0xA0)
        return 0; /* overlong */
    if (n == 3 && s[0] == 0xED && s[1] >= 0xA0)
        return 0; /* surrogate */
    if (n == 4 && s[0] == 0xF0 && s[1] < 0x90)
        return 0; /* overlong */
    if (n == 4 && s[0] == 0xF4 && s[1] >= 0x90)
        return 0; /* past U+10FFFF */
    return n;
}

json_t *value_json_text(const char *s)
{
    json_t *j = json_string(s);
    if (j)
        return j;
    StrBuf b;
    strbuf_init(&b);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = utf8_valid(p);
        if (n) {
            strbuf_add(&b, (const char *)p, n);
            p += n;
        } else {
            strbuf_puts(&b, "\xEF\xBF\xBD");
            p++;
        }
    }
    char *clean = strbuf_take(&b);
    j = clean ? json_string(clean) : NULL;
    free(clean);
    return j;
}
