/*
 * func.c: function values (see func.h).
 */
#include "func.h"

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

static void func_free(void *data)
{
    Func *f = data;
    if (!f)
        return;
    arena_free(&f->arena);
    tokvec_free(&f->toks);
    free(f->src);
    free(f);
}

/* "function f(a, b)". */
static char *func_describe(const void *data)
{
    const Func *f = data;
    StrBuf b;
    strbuf_init(&b);
    strbuf_printf(&b, "function %s(", f->def->as.def.name);
    for (size_t i = 0; i < f->def->as.def.nparams; i++)
        strbuf_printf(&b, "%s%s", i ? ", " : "", f->def->as.def.params[i]);
    strbuf_puts(&b, ")");
    return strbuf_take(&b);
}

static const ObjType func_objtype = {
    .name = "function",
    .free = func_free,
    .describe = func_describe,
};

Value *func_value(const char *src, size_t def_start, DkErr *err)
{
    Func *f = calloc(1, sizeof *f);
    if (!f || !(f->src = strdup(src))) {
        free(f);
        dk_err_oom(err);
        return NULL;
    }
    lexer_tokenize(f->src, &f->toks);
    parser_program(&f->arena, f->src, &f->toks, &f->prog);
    for (size_t i = 0; i < f->prog.n && !f->def; i++) {
        const Node *s = f->prog.stmts[i];
        if (s->kind == NODE_DEF && s->start == def_start)
            f->def = s;
    }
    if (!f->def) {
        int oom = f->toks.oom || f->arena.oom;
        func_free(f);
        if (oom)
            dk_err_oom(err);
        else
            dk_err_set(err, DK_ERR_INTERNAL, "the def is not found again");
        return NULL;
    }
    Value *v = value_object(&func_objtype, f);
    if (!v)
        dk_err_oom(err);
    return v;
}

const Func *func_of(const Value *v)
{
    if (v->kind != VAL_OBJECT || v->as.obj.type != &func_objtype)
        return NULL;
    return v->as.obj.data;
}

int func_from_cell(const Func *f, const char *src)
{
    return src && strcmp(f->src, src) == 0;
}
