/*
 * test_lang_value.c: values as users see them (repr, numbers, summaries),
 * the object plug-in interface later layers use, and suggestions.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lang/eval.h"
#include "lang/suggest.h"

/* ---- a pretend image type, as cmd_image.c would define one ----------- */

typedef struct Picture {
    int w, h;
} Picture;

static int freed;

static void picture_free(void *data)
{
    freed++;
    free(data);
}

static char *picture_describe(const void *data)
{
    const Picture *p = data;
    char *s = malloc(64);
    if (s)
        snprintf(s, 64, "image %dx%d", p->w, p->h);
    return s;
}

static json_t *picture_bundle(const void *data)
{
    return json_pack("{s:s}", "image/png", "iVBORw0KGgo=");
}

static dk_status picture_field(const void *data, const char *name,
                               Value **out, DkErr *err)
{
    const Picture *p = data;
    if (strcmp(name, "width") == 0) {
        *out = value_number(p->w);
        return DK_OK;
    }
    return dk_err_set(err, DK_ERR_NAME, "an image has no field '%s'", name);
}

static const ObjType picture_type = {"image", picture_free, picture_describe,
                                     picture_bundle, picture_field, NULL, NULL};

/* A pretend batch of three items, as an image batch would index. */
static long strip_count(const void *data) { return 3; }

static dk_status strip_item(const void *data, long i, Value **out, DkErr *err)
{
    *out = value_number((double)i * 10);
    return DK_OK;
}

static const ObjType strip_type = {"strip", NULL, NULL, NULL, NULL,
                                   strip_count, strip_item};

static char *repr_of(Value *v)
{
    static char buf[256];
    char *s = value_repr(v);
    snprintf(buf, sizeof buf, "%s", s ? s : "(null)");
    free(s);
    value_unref(v);
    return buf;
}

int main(void)
{
    /* Numbers print the way students write them. */
    char num[40];
    value_format_number(3, num, sizeof num);
    CHECK_STR(num, "3");
    value_format_number(-0.0, num, sizeof num);
    CHECK_STR(num, "0");
    value_format_number(0.1, num, sizeof num);
    CHECK_STR(num, "0.1");
    value_format_number(1.0 / 3, num, sizeof num);
    CHECK_STR(num, "0.3333333333333333");
    value_format_number(1e300, num, sizeof num);
    CHECK_STR(num, "1e+300");

    /* Reprs. */
    CHECK_STR(repr_of(value_string("a\"b\n", 4)), "\"a\\\"b\\n\"");
    CHECK_STR(repr_of(value_bool(1)), "true");
    CHECK_STR(repr_of(value_none()), "none");
    Value *list = value_list_new(2);
    value_list_set(list, 0, value_number(1));
    value_list_set(list, 1, value_list_new(0));
    CHECK_STR(repr_of(list), "[1, []]");
    Value *s = value_string("x", 1);
    char *str = value_str(s);
    CHECK_STR(str, "x");
    free(str);
    value_unref(s);

    /* Invalid UTF-8 never reaches jansson raw. */
    json_t *j = value_json_text("ok \xff end");
    CHECK(j && strcmp(json_string_value(j), "ok \xEF\xBF\xBD end") == 0);
    json_decref(j);

    /* Objects: describe, bundle, fields, type, and free on the last unref. */
    Interp *in = interp_new();
    Picture *pic = malloc(sizeof *pic);
    pic->w = 64;
    pic->h = 32;
    CHECK(vars_set(in->vars, "img", value_object(&picture_type, pic)) == DK_OK);
    json_t *res = NULL;
    DkErr err = {0};
    CHECK(interp_execute(in, "img", NULL, &res, &err) == DK_OK);
    CHECK_STR(json_string_value(json_object_get(res, "text/plain")),
              "image 64x32");
    CHECK_STR(json_string_value(json_object_get(res, "image/png")),
              "iVBORw0KGgo=");
    json_decref(res);
    CHECK(interp_execute(in, "img.width * 2", NULL, &res, &err) == DK_OK);
    CHECK_STR(json_string_value(json_object_get(res, "text/plain")), "128");
    json_decref(res);
    CHECK(interp_execute(in, "type img", NULL, &res, &err) == DK_OK);
    CHECK_STR(json_string_value(json_object_get(res, "text/plain")),
              "\"image\"");
    json_decref(res);
    CHECK(interp_execute(in, "img.depth", NULL, &res, &err) == DK_ERR_NAME);
    CHECK(err.span.line == 1 && err.span.col == 1);
    dk_err_clear(&err);
    CHECK(interp_execute(in, "x = 3\nx.y", NULL, &res, &err) == DK_ERR_TYPE);
    CHECK_STR(err.msg, "a number has no fields");
    dk_err_clear(&err);
    CHECK(interp_execute(in, "len img", NULL, &res, &err) == DK_ERR_TYPE);
    CHECK(err.msg && strstr(err.msg, "not image"));
    dk_err_clear(&err);
    CHECK(interp_execute(in, "img[0]", NULL, &res, &err) == DK_ERR_TYPE);
    CHECK(err.msg && strstr(err.msg, "cannot be indexed"));
    dk_err_clear(&err);
    /* Objects made of items index like lists, negative indices included. */
    CHECK(vars_set(in->vars, "b", value_object(&strip_type, NULL)) == DK_OK);
    CHECK(interp_execute(in, "b[1] + b[-1]", NULL, &res, &err) == DK_OK);
    CHECK_STR(json_string_value(json_object_get(res, "text/plain")), "30");
    json_decref(res);
    CHECK(interp_execute(in, "b[3]", NULL, &res, &err) == DK_ERR_VALUE);
    CHECK(err.msg && strstr(err.msg, "the strip has 3 items"));
    dk_err_clear(&err);
    CHECK(interp_execute(in, "copy = [img]\ndel img", NULL, &res, &err) == DK_OK);
    CHECK(freed == 0); /* the list still holds it */
    CHECK(interp_execute(in, "del copy", NULL, &res, &err) == DK_OK);
    CHECK(freed == 1);
    interp_free(in);

    /* Suggestions: close names only. */
    CHECK(suggest_distance("noisey", 6, "noisy", 5, 3) == 1);
    CHECK(suggest_distance("pritn", 5, "print", 5, 3) == 1); /* a swap */
    CHECK(suggest_distance("abc", 3, "xyz", 3, 2) == 3);
    Suggest sg;
    suggest_init(&sg, "lenn", 4);
    suggest_offer(&sg, "len");
    suggest_offer(&sg, "help");
    CHECK_STR(suggest_result(&sg), "len");
    suggest_init(&sg, "qq", 2);
    suggest_offer(&sg, "print");
    CHECK(suggest_result(&sg) == NULL);

    return check_report("test_lang_value");
}
