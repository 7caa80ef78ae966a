/*
 * value.h: the values a cell computes with.
 *
 * A Value is immutable and reference counted.  Kinds: none, bool, number
 * (always a double; shown as an integer when integral), string (UTF-8,
 * NUL-terminated, length kept), list (of Values) and object.  An object is
 * how later layers (images, tensors, models, data sets) enter the language:
 * they describe their type once in an ObjType and wrap a pointer with
 * value_object; the language never looks inside.
 *
 * Ownership: every function returning Value * returns a NEW reference that
 * the caller releases with value_unref (NULL is a no-op).  Arguments are
 * borrowed unless the name says otherwise (value_string_take,
 * value_object).  A constructor returns NULL only when out of memory.
 * none, true and false are immortal singletons; ref/unref on them are
 * no-ops, so they need no special casing by callers.
 */
#ifndef DK_VALUE_H
#define DK_VALUE_H

#include <jansson.h>
#include <stddef.h>

#include "../util/err.h"

typedef enum {
    VAL_NONE,
    VAL_BOOL,
    VAL_NUMBER,
    VAL_STRING,
    VAL_LIST,
    VAL_OBJECT
} ValueKind;

/* Bit masks of kinds, for argument specs (registry.h). */
#define VT_NONE   (1u << VAL_NONE)
#define VT_BOOL   (1u << VAL_BOOL)
#define VT_NUMBER (1u << VAL_NUMBER)
#define VT_STRING (1u << VAL_STRING)
#define VT_LIST   (1u << VAL_LIST)
#define VT_OBJECT (1u << VAL_OBJECT)
#define VT_ANY    (VT_NONE | VT_BOOL | VT_NUMBER | VT_STRING | VT_LIST | VT_OBJECT)

typedef struct Value Value;

/* The behaviour of one kind of object.  Define one static const ObjType
 * per kind (e.g. in cmd_image.c) and pass its address to value_object.
 * Every callback gets the `data` pointer given to value_object. */
typedef struct ObjType {
    /* Type name shown to users ("image", "tensor"): `type x`, errors. */
    const char *name;
    /* Release data when the last reference goes.  May be NULL. */
    void (*free)(void *data);
    /* One line for text/plain ("image 64x64 RGB").  Returns a malloc'd
     * string the caller frees, or NULL (then "<name>" is shown). */
    char *(*describe)(const void *data);
    /* MIME data for display ({"image/png": base64, ...}).  Returns a new
     * object or NULL when the object has only its text/plain summary;
     * "text/plain" is added from describe when missing. */
    json_t *(*bundle)(const void *data);
    /* `x.name`: on success *out is a new reference.  Unknown fields return
     * DK_ERR_NAME with err set.  NULL when the type has no fields. */
    dk_status (*field)(const void *data, const char *name, Value **out,
                       DkErr *err);
    /* `x[i]` for objects made of items (a batch of images): the number of
     * items, and item i (0 <= i < count; the evaluator checks the range
     * and counts negative indices from the end).  On success *out is a new
     * reference.  Both NULL when the type has no items. */
    long (*count)(const void *data);
    dk_status (*item)(const void *data, long i, Value **out, DkErr *err);
} ObjType;

struct Value {
    int refs;          /* < 0: immortal */
    ValueKind kind;
    union {
        int boolean;
        double number;
        struct {
            char *bytes;   /* owned, NUL-terminated */
            size_t len;    /* bytes */
        } str;
        struct {
            Value **items; /* owned references */
            size_t len;
        } list;
        struct {
            const ObjType *type;
            void *data;    /* owned: released through type->free */
        } obj;
    } as;
};

/* --- construction ------------------------------------------------------ */
Value *value_none(void);
Value *value_bool(int b);
Value *value_number(double d);
/* Copies n bytes of s. */
Value *value_string(const char *s, size_t n);
/* Takes ownership of the malloc'd NUL-terminated s (freed even on OOM). */
Value *value_string_take(char *s, size_t n);
/* A list of n items, all set to none; fill with value_list_set. */
Value *value_list_new(size_t n);
/* Put v (reference taken over) at i of a list still being built. */
void value_list_set(Value *list, size_t i, Value *v);
/* Wrap data; takes ownership of data (freed through type->free on OOM). */
Value *value_object(const ObjType *type, void *data);

/* --- references -------------------------------------------------------- */
Value *value_ref(Value *v);
void value_unref(Value *v);

/* --- inspection -------------------------------------------------------- */
/* "none", "bool", "number", "string", "list" or the object's type name. */
const char *value_type_name(const Value *v);
/* The kind name of a bit in a VT_ mask, for messages. */
const char *value_kind_name(ValueKind k);
/* Describe a mask for messages: "a number or a string".  Writes into buf. */
void value_mask_text(unsigned mask, char *buf, size_t size);
/* none, false, 0, "" and [] are false; everything else is true. */
int value_truthy(const Value *v);
/* Deep equality (objects: same pointer). */
int value_equal(const Value *a, const Value *b);
/* Length in code points of a UTF-8 string. */
size_t value_utf8_len(const char *s, size_t n);

/* --- text and display -------------------------------------------------- */
/* Shortest text that reads back as d: "3", "0.1", "1e-04" -> "0.0001". */
void value_format_number(double d, char *buf, size_t size);
/* text/plain: strings quoted, lists longer than 100 items elided.
 * Malloc'd; NULL only when out of memory. */
char *value_repr(const Value *v);
/* What print shows: strings raw, everything else as value_repr. */
char *value_str(const Value *v);
/* A one-line summary for `vars`/inspect: repr cut to about 60 chars. */
char *value_summary(const Value *v);
/* The MIME data object for a result ({"text/plain": ...} at least).
 * New reference; NULL only when out of memory. */
json_t *value_bundle(const Value *v);
/* A JSON string of s, with bytes that are not valid UTF-8 replaced by
 * U+FFFD (jansson refuses invalid UTF-8).  New reference; NULL on OOM. */
json_t *value_json_text(const char *s);

#endif
