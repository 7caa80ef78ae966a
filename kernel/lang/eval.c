/*
 * eval.c: the tree walker (see eval.h).  Every function returns a status
 * and hands its value through *out as a new reference; errors carry the
 * span of the innermost node that failed.
 */
#include "eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/interrupt.h"
#include "../util/utf8.h"
#include "func.h"
#include "suggest.h"
#include "tensor_ops.h"

#define MAX_CMD_ARGS 16
#define MAX_CALLS 200  /* functions running at once: deeper is an error */

typedef struct Ev {
    Interp *in;
    const Outlet *out;
    DkErr *err;
    VarTable *locals;  /* the running function's variables; NULL: the cell */
    int calls;         /* function calls in progress */
    Value *ret;        /* what `return` gave, while returning is set */
    int returning;
} Ev;

/* A name's value: the function's own variables first, then the
 * notebook's (a function reads `model` without passing it). */
static Value *lookup(const Ev *ev, const char *name)
{
    Value *v = ev->locals ? vars_get(ev->locals, name) : NULL;
    return v ? v : vars_get(ev->in->vars, name);
}

/* Where assignments go: inside a function its own variables, so a
 * function never changes the notebook's by accident. */
static VarTable *scope(const Ev *ev)
{
    return ev->locals ? ev->locals : ev->in->vars;
}

static dk_status eval(Ev *ev, const Node *n, Value **out);
static dk_status eval_funcall(Ev *ev, const Node *n, Value **out);
static dk_status eval_if(Ev *ev, const Node *n, Value **out);
static dk_status eval_for(Ev *ev, const Node *n, Value **out);
static dk_status eval_def(Ev *ev, const Node *n, Value **out);
static dk_status eval_return(Ev *ev, const Node *n, Value **out);

/* Wrap a freshly made value (NULL means out of memory). */
static dk_status give(Value *v, Value **out, DkErr *err)
{
    *out = v;
    return v ? DK_OK : dk_err_oom(err);
}

// ---- names ---------------------------------------------------------------

dk_status eval_unknown_name(Interp *in, const char *name, Span span,
                            DkErr *err)
{
    Suggest s;
    suggest_init(&s, name, strlen(name));
    size_t n = 0;
    const char **names = in && in->vars ? vars_names(in->vars, &n) : NULL;
    for (size_t i = 0; i < n; i++)
        suggest_offer(&s, names[i]);
    const Command *const *cmds = registry_all(&n);
    for (size_t i = 0; i < n; i++)
        suggest_offer(&s, cmds[i]->name);
    for (int i = 0; lexer_keywords[i]; i++)
        suggest_offer(&s, lexer_keywords[i]);
    dk_err_set(err, DK_ERR_NAME, "unknown name '%s'", name);
    const char *best = suggest_result(&s);
    if (best)
        dk_err_hint(err, "did you mean '%s'?", best);
    else
        dk_err_hint(err, "give it a value first: %s = ...", name);
    free(names);
    dk_err_at(err, span);
    return DK_ERR_NAME;
}

// ---- ranges --------------------------------------------------------------

dk_status eval_range(const Interp *in, double from, double to,
                     const double *by, Value **out, DkErr *err)
{
    *out = NULL;
    if (!isfinite(from) || !isfinite(to))
        return dk_err_set(err, DK_ERR_VALUE, "a range needs finite ends");
    double step = by ? *by : (to >= from ? 1 : -1);
    if (step == 0 || !isfinite(step))
        return dk_err_set(err, DK_ERR_VALUE, "the step of a range cannot be 0");
    if ((to - from) * step < 0) {
        char a[40], b[40], c[40];
        value_format_number(from, a, sizeof a);
        value_format_number(to, b, sizeof b);
        value_format_number(step, c, sizeof c);
        dk_err_set(err, DK_ERR_VALUE, "a step of %s never gets from %s to %s",
                   c, a, b);
        dk_err_hint(err, step > 0 ? "count down with a negative step: 10..0 by -1"
                                  : "count up with a positive step: 0..10 by 1");
        return DK_ERR_VALUE;
    }
    double count = floor((to - from) / step + 1e-9) + 1;
    size_t limit = in ? in->max_items : EVAL_MAX_ITEMS;
    if (count > (double)limit)
        return dk_err_set(err, DK_ERR_VALUE,
                          "this range would hold %.0f numbers; the limit is %zu",
                          count, limit);
    size_t n = (size_t)count;
    Value *list = value_list_new(n);
    if (!list)
        return dk_err_oom(err);
    for (size_t k = 0; k < n; k++) {
        Value *v = value_number(from + (double)k * step);
        if (!v) {
            value_unref(list);
            return dk_err_oom(err);
        }
        value_list_set(list, k, v);
    }
    *out = list;
    return DK_OK;
}

static dk_status get_number(Ev *ev, const Node *n, const char *what,
                            double *d)
{
    Value *v;
    dk_status st = eval(ev, n, &v);
    if (st)
        return st;
    if (v->kind != VAL_NUMBER) {
        dk_err_set(ev->err, DK_ERR_TYPE, "the %s of a range must be a number, "
                   "not %s", what, value_type_name(v));
        value_unref(v);
        dk_err_at(ev->err, n->span);
        return DK_ERR_TYPE;
    }
    *d = v->as.number;
    value_unref(v);
    return DK_OK;
}

static dk_status eval_range_node(Ev *ev, const Node *n, Value **out)
{
    double from, to, by;
    dk_status st = get_number(ev, n->as.range.from, "start", &from);
    if (!st)
        st = get_number(ev, n->as.range.to, "end", &to);
    if (!st && n->as.range.by)
        st = get_number(ev, n->as.range.by, "step", &by);
    if (!st)
        st = eval_range(ev->in, from, to, n->as.range.by ? &by : NULL, out,
                        ev->err);
    if (st)
        dk_err_at(ev->err, n->span);
    return st;
}

// ---- operators -----------------------------------------------------------

static const char *op_text(TokenType op)
{
    return lexer_token_name(op);
}

/* "a number", "a string": the article matters in messages. */
static const char *a_type(const Value *v)
{
    switch (v->kind) {
    case VAL_NONE:   return "none";
    case VAL_BOOL:   return "a bool";
    case VAL_NUMBER: return "a number";
    case VAL_STRING: return "a string";
    case VAL_LIST:   return "a list";
    case VAL_OBJECT: return v->as.obj.type->name;
    }
    return "a value";
}

static dk_status type_error(Ev *ev, const Node *n, const Value *a,
                            const Value *b)
{
    TokenType op = n->as.op.op;
    dk_err_set(ev->err, DK_ERR_TYPE, "cannot use %s on %s and %s",
               op_text(op), a_type(a), a_type(b));
    if (op == TOK_PLUS && (a->kind == VAL_STRING || b->kind == VAL_STRING))
        dk_err_hint(ev->err, "print takes several values: print \"x =\" x");
    else if (op == TOK_PLUS)
        dk_err_hint(ev->err, "'+' adds two numbers, or joins two strings or "
                    "two lists");
    else
        dk_err_hint(ev->err, "%s works on numbers", op_text(op));
    dk_err_at(ev->err, n->span);
    return DK_ERR_TYPE;
}

static dk_status concat(Ev *ev, const Node *n, const Value *a, const Value *b,
                        Value **out)
{
    if (a->kind == VAL_STRING) {
        size_t len = a->as.str.len + b->as.str.len;
        if (len > ev->in->max_bytes) {
            dk_err_set(ev->err, DK_ERR_VALUE, "this string would be %zu "
                       "bytes long; the limit is %zu", len, ev->in->max_bytes);
            dk_err_at(ev->err, n->span);
            return DK_ERR_VALUE;
        }
        char *s = malloc(len + 1);
        if (!s)
            return dk_err_oom(ev->err);
        memcpy(s, a->as.str.bytes, a->as.str.len);
        memcpy(s + a->as.str.len, b->as.str.bytes, b->as.str.len + 1);
        return give(value_string_take(s, len), out, ev->err);
    }
    size_t na = a->as.list.len, nb = b->as.list.len;
    if (na + nb > ev->in->max_items) {
        dk_err_set(ev->err, DK_ERR_VALUE, "this list would hold %zu items; "
                   "the limit is %zu", na + nb, ev->in->max_items);
        dk_err_at(ev->err, n->span);
        return DK_ERR_VALUE;
    }
    Value *list = value_list_new(na + nb);
    if (!list)
        return dk_err_oom(ev->err);
    for (size_t i = 0; i < na; i++)
        value_list_set(list, i, value_ref(a->as.list.items[i]));
    for (size_t i = 0; i < nb; i++)
        value_list_set(list, na + i, value_ref(b->as.list.items[i]));
    *out = list;
    return DK_OK;
}

/* "ab" * 3 and [0] * 3. */
static dk_status repeat(Ev *ev, const Node *n, const Value *a, double times,
                        Value **out)
{
    if (times < 0 || times != floor(times)) {
        dk_err_set(ev->err, DK_ERR_VALUE, "can only repeat a whole, "
                   "non-negative number of times");
        dk_err_at(ev->err, n->span);
        return DK_ERR_VALUE;
    }
    int is_str = a->kind == VAL_STRING;
    size_t unit = is_str ? a->as.str.len : a->as.list.len;
    size_t limit = is_str ? ev->in->max_bytes : ev->in->max_items;
    if (unit > 0 && times > (double)(limit / unit)) {
        dk_err_set(ev->err, DK_ERR_VALUE, "the repeated %s would be too long "
                   "(the limit is %zu)", is_str ? "string" : "list", limit);
        dk_err_at(ev->err, n->span);
        return DK_ERR_VALUE;
    }
    size_t k = unit ? (size_t)times : 0, total = unit * k;
    if (is_str) {
        char *s = malloc(total + 1);
        if (!s)
            return dk_err_oom(ev->err);
        for (size_t i = 0; i < k; i++)
            memcpy(s + i * unit, a->as.str.bytes, unit);
        s[total] = '\0';
        return give(value_string_take(s, total), out, ev->err);
    }
    Value *list = value_list_new(total);
    if (!list)
        return dk_err_oom(ev->err);
    for (size_t i = 0; i < total; i++)
        value_list_set(list, i, value_ref(a->as.list.items[i % unit]));
    *out = list;
    return DK_OK;
}

static dk_status arith(Ev *ev, const Node *n, double x, double y, Value **out)
{
    double r;
    switch (n->as.op.op) {
    case TOK_PLUS:  r = x + y; break;
    case TOK_MINUS: r = x - y; break;
    case TOK_STAR:  r = x * y; break;
    case TOK_POW:   r = pow(x, y); break;
    case TOK_SLASH:
    case TOK_PERCENT:
        if (y == 0) {
            dk_err_set(ev->err, DK_ERR_VALUE, "division by zero");
            dk_err_at(ev->err, n->as.op.b->span);
            return DK_ERR_VALUE;
        }
        if (n->as.op.op == TOK_SLASH) {
            r = x / y;
        } else {
            /* The sign follows the divisor, as in Python: -1 % 3 == 2. */
            r = fmod(x, y);
            if (r != 0 && (r < 0) != (y < 0))
                r += y;
        }
        break;
    default:
        return dk_err_set(ev->err, DK_ERR_INTERNAL, "bad arithmetic operator");
    }
    return give(value_number(r), out, ev->err);
}

static int compare_values(const Value *a, const Value *b, int *cmp)
{
    if (a->kind == VAL_NUMBER && b->kind == VAL_NUMBER) {
        double x = a->as.number, y = b->as.number;
        *cmp = x < y ? -1 : x > y ? 1 : 0;
        return !(isnan(x) || isnan(y));
    }
    if (a->kind == VAL_STRING && b->kind == VAL_STRING) {
        *cmp = strcmp(a->as.str.bytes, b->as.str.bytes);
        return 1;
    }
    return -1;
}

static dk_status binary_values(Ev *ev, const Node *n, Value *a, Value *b,
                               Value **out)
{
    TokenType op = n->as.op.op;
    int both_num = a->kind == VAL_NUMBER && b->kind == VAL_NUMBER;
    switch (op) {
    case TOK_EQ:
        return give(value_bool(value_equal(a, b)), out, ev->err);
    case TOK_NE:
        return give(value_bool(!value_equal(a, b)), out, ev->err);
    case TOK_LT: case TOK_LE: case TOK_GT: case TOK_GE: {
        int c = 0, ok = compare_values(a, b, &c);
        if (ok < 0)
            return type_error(ev, n, a, b);
        int r = ok && (op == TOK_LT ? c < 0 : op == TOK_LE ? c <= 0
                       : op == TOK_GT ? c > 0 : c >= 0);
        return give(value_bool(r), out, ev->err);
    }
    case TOK_PLUS:
        if (!both_num && a->kind == b->kind &&
            (a->kind == VAL_STRING || a->kind == VAL_LIST))
            return concat(ev, n, a, b, out);
        break;
    case TOK_STAR:
        if ((a->kind == VAL_STRING || a->kind == VAL_LIST) &&
            b->kind == VAL_NUMBER)
            return repeat(ev, n, a, b->as.number, out);
        break;
    default:
        break;
    }
    if (tensor_ops_wants(a, b)) {
        dk_status st = tensor_binary(op, a, b, out, ev->err);
        if (st)
            dk_err_at(ev->err, n->span);
        return st;
    }
    if (!both_num)
        return type_error(ev, n, a, b);
    return arith(ev, n, a->as.number, b->as.number, out);
}

static dk_status eval_binary(Ev *ev, const Node *n, Value **out)
{
    TokenType op = n->as.op.op;
    Value *a, *b;
    dk_status st = eval(ev, n->as.op.a, &a);
    if (st)
        return st;
    if (op == TOK_AND || op == TOK_OR) {
        int t = value_truthy(a);
        value_unref(a);
        if ((op == TOK_AND && !t) || (op == TOK_OR && t))
            return give(value_bool(t), out, ev->err);
        st = eval(ev, n->as.op.b, &b);
        if (st)
            return st;
        t = value_truthy(b);
        value_unref(b);
        return give(value_bool(t), out, ev->err);
    }
    st = eval(ev, n->as.op.b, &b);
    if (st) {
        value_unref(a);
        return st;
    }
    st = binary_values(ev, n, a, b, out);
    value_unref(a);
    value_unref(b);
    return st;
}

static dk_status eval_unary(Ev *ev, const Node *n, Value **out)
{
    Value *a;
    dk_status st = eval(ev, n->as.op.a, &a);
    if (st)
        return st;
    if (n->as.op.op == TOK_NOT) {
        int t = value_truthy(a);
        value_unref(a);
        return give(value_bool(!t), out, ev->err);
    }
    if (tensor_ops_wants(a, a)) {
        st = tensor_negate(a, out, ev->err);
        value_unref(a);
        if (st)
            dk_err_at(ev->err, n->span);
        return st;
    }
    if (a->kind != VAL_NUMBER) {
        dk_err_set(ev->err, DK_ERR_TYPE, "cannot negate %s", a_type(a));
        value_unref(a);
        dk_err_at(ev->err, n->span);
        return DK_ERR_TYPE;
    }
    double d = a->as.number;
    value_unref(a);
    return give(value_number(-d), out, ev->err);
}

// ---- indexing and fields -------------------------------------------------

static dk_status index_values(Ev *ev, const Node *n, const Value *obj,
                              const Value *ix, Value **out)
{
    const ObjType *ot = obj->kind == VAL_OBJECT ? obj->as.obj.type : NULL;
    int has_items = ot && ot->count && ot->item;
    if (obj->kind != VAL_LIST && obj->kind != VAL_STRING && !has_items) {
        dk_err_set(ev->err, DK_ERR_TYPE, "%s cannot be indexed", a_type(obj));
        dk_err_hint(ev->err, "only lists, strings and batches of images have "
                    "items: xs[0]");
        dk_err_at(ev->err, n->as.index.obj->span);
        return DK_ERR_TYPE;
    }
    if (ix->kind != VAL_NUMBER || ix->as.number != floor(ix->as.number)) {
        dk_err_set(ev->err, DK_ERR_TYPE, "an index must be a whole number, "
                   "not %s", ix->kind == VAL_NUMBER ? "a fraction" : a_type(ix));
        dk_err_at(ev->err, n->as.index.index->span);
        return DK_ERR_TYPE;
    }
    int is_str = obj->kind == VAL_STRING;
    size_t len = has_items ? (size_t)ot->count(obj->as.obj.data)
                 : is_str  ? value_utf8_len(obj->as.str.bytes, obj->as.str.len)
                           : obj->as.list.len;
    double i = ix->as.number;
    if (i < 0)
        i += (double)len;
    if (i < 0 || i >= (double)len) {
        char num[40];
        value_format_number(ix->as.number, num, sizeof num);
        dk_err_set(ev->err, DK_ERR_VALUE, "index %s is out of range: the %s "
                   "has %zu %s", num,
                   has_items ? ot->name : is_str ? "string" : "list", len,
                   is_str ? (len == 1 ? "character" : "characters")
                          : (len == 1 ? "item" : "items"));
        if (len > 0)
            dk_err_hint(ev->err, "indices go from 0 to %zu, or from -%zu "
                        "to -1 counting from the end", len - 1, len);
        dk_err_at(ev->err, n->as.index.index->span);
        return DK_ERR_VALUE;
    }
    size_t k = (size_t)i;
    if (has_items) {
        dk_status st = ot->item(obj->as.obj.data, (long)k, out, ev->err);
        if (st)
            dk_err_at(ev->err, n->span);
        return st;
    }
    if (!is_str) {
        *out = value_ref(obj->as.list.items[k]);
        return DK_OK;
    }
    /* A string value is NUL-terminated and holds no NUL before its end
     * (its text comes from the cell or from C strings). */
    const char *s = obj->as.str.bytes;
    size_t a = utf8_byte_offset(s, k);
    size_t b = utf8_byte_offset(s, k + 1);
    return give(value_string(s + a, b - a), out, ev->err);
}

static dk_status eval_index(Ev *ev, const Node *n, Value **out)
{
    Value *obj, *ix;
    dk_status st = eval(ev, n->as.index.obj, &obj);
    if (st)
        return st;
    st = eval(ev, n->as.index.index, &ix);
    if (st) {
        value_unref(obj);
        return st;
    }
    st = index_values(ev, n, obj, ix, out);
    value_unref(obj);
    value_unref(ix);
    return st;
}

static dk_status eval_field(Ev *ev, const Node *n, Value **out)
{
    Value *obj;
    dk_status st = eval(ev, n->as.field.obj, &obj);
    if (st)
        return st;
    if (obj->kind != VAL_OBJECT || !obj->as.obj.type->field) {
        dk_err_set(ev->err, DK_ERR_TYPE, "%s has no fields", a_type(obj));
        value_unref(obj);
        dk_err_at(ev->err, n->span);
        return DK_ERR_TYPE;
    }
    st = obj->as.obj.type->field(obj->as.obj.data, n->as.field.name, out,
                                 ev->err);
    value_unref(obj);
    if (st) {
        *out = NULL;
        dk_err_at(ev->err, n->span);
    }
    return st;
}

// ---- command calls -------------------------------------------------------

static Span join_spans(Span a, Span b)
{
    if (a.line == 0)
        return b;
    if (b.line != a.line || b.col < a.col)
        return a;
    Span s = a;
    s.len = b.col + b.len - a.col;
    return s;
}

static dk_status arg_error(Ev *ev, const Command *cmd, Span span,
                           dk_status code)
{
    StrBuf usage;
    strbuf_init(&usage);
    registry_usage(cmd, &usage);
    if (ev->err->hint)
        dk_err_hint(ev->err, "%s usage: %s", ev->err->hint,
                    strbuf_cstr(&usage));
    else
        dk_err_hint(ev->err, "usage: %s", strbuf_cstr(&usage));
    strbuf_free(&usage);
    dk_err_at(ev->err, span);
    return code;
}

static int accepts(const ArgSpec *s, const Value *v)
{
    if (!(s->types & (1u << v->kind)))
        return 0;
    return v->kind != VAL_OBJECT || !s->objtype ||
           strcmp(v->as.obj.type->name, s->objtype) == 0;
}

static dk_status wrong_type(Ev *ev, const Command *cmd, const ArgSpec *s,
                            const Value *v, Span span)
{
    char want[96];
    if (s->objtype)
        snprintf(want, sizeof want, "%s", s->objtype);
    else
        value_mask_text(s->types, want, sizeof want);
    dk_err_set(ev->err, DK_ERR_TYPE, "argument '%s' of %s must be %s, not %s",
               s->name, cmd->name, want, a_type(v));
    return arg_error(ev, cmd, span, DK_ERR_TYPE);
}

/* How many specs positional arguments fill before the rest go to the
 * variadic one: all of them for a plain command; for a variadic command
 * only the leading required ones, so options before the list are given by
 * keyword (`show a b title="t"`; registry.h). */
static size_t positional_specs(const Command *cmd)
{
    if (!cmd->variadic)
        return (size_t)cmd->nargs;
    size_t n = 0;
    while ((int)n < cmd->nargs - 1 && !cmd->args[n].default_src)
        n++;
    return n;
}

/* Match keywords to specs before anything is evaluated, so a misspelt
 * keyword fails before a slow argument runs. */
static dk_status bind_check(Ev *ev, const Node *n, size_t *npos)
{
    const Command *cmd = n->as.call.cmd;
    size_t fixed = positional_specs(cmd);
    size_t rest_at = (size_t)(cmd->nargs - 1);
    unsigned named = 0;
    *npos = 0;
    for (size_t k = 0; k < n->as.call.n; k++) {
        const CallArg *a = &n->as.call.args[k];
        if (!a->name) {
            if (!cmd->variadic && *npos >= fixed) {
                if (fixed == 0)
                    dk_err_set(ev->err, DK_ERR_ARG, "%s takes no arguments",
                               cmd->name);
                else
                    dk_err_set(ev->err, DK_ERR_ARG, "%s takes %zu argument%s, "
                               "got more", cmd->name, fixed,
                               fixed == 1 ? "" : "s");
                return arg_error(ev, cmd, a->value->span, DK_ERR_ARG);
            }
            (*npos)++;
            continue;
        }
        int i = registry_arg_index(cmd, a->name, strlen(a->name));
        if (i < 0) {
            dk_err_set(ev->err, DK_ERR_ARG, "%s has no argument '%s'",
                       cmd->name, a->name);
            Suggest s;
            suggest_init(&s, a->name, strlen(a->name));
            for (int j = 0; j < cmd->nargs; j++)
                suggest_offer(&s, cmd->args[j].name);
            /* A command has few arguments and some are one letter (t=):
             * one edit away is close enough here, however short. */
            const char *near = suggest_result(&s);
            for (int j = 0; j < cmd->nargs && !near; j++) {
                const char *c = cmd->args[j].name;
                if (suggest_distance(a->name, strlen(a->name), c, strlen(c),
                                     1) <= 1)
                    near = c;
            }
            if (near)
                dk_err_hint(ev->err, "did you mean '%s='?", near);
            return arg_error(ev, cmd, a->name_span, DK_ERR_ARG);
        }
        int twice = (named >> i) & 1;
        if ((size_t)i < fixed && (size_t)i < *npos)
            twice = 1;
        if (cmd->variadic && (size_t)i == rest_at && *npos > fixed)
            twice = 1;
        if (twice) {
            dk_err_set(ev->err, DK_ERR_ARG, "argument '%s' of %s is given "
                       "twice", a->name, cmd->name);
            return arg_error(ev, cmd, a->name_span, DK_ERR_ARG);
        }
        named |= 1u << i;
    }
    return DK_OK;
}

static dk_status eval_args(Ev *ev, const Node *n, size_t npos, Value **argv,
                           Span *spans)
{
    const Command *cmd = n->as.call.cmd;
    size_t fixed = positional_specs(cmd);
    size_t rest_at = (size_t)(cmd->nargs - 1);
    Value *rest = NULL;
    if (cmd->variadic) {
        rest = value_list_new(npos > fixed ? npos - fixed : 0);
        if (!rest)
            return dk_err_oom(ev->err);
    }
    size_t pos = 0;
    for (size_t k = 0; k < n->as.call.n; k++) {
        const CallArg *a = &n->as.call.args[k];
        Value *v;
        dk_status st = eval(ev, a->value, &v);
        if (st) {
            value_unref(rest);
            return st;
        }
        if (a->name) {
            int i = registry_arg_index(cmd, a->name, strlen(a->name));
            argv[i] = v;
            spans[i] = join_spans(a->name_span, a->value->span);
        } else if (pos < fixed) {
            argv[pos] = v;
            spans[pos++] = a->value->span;
        } else {
            value_list_set(rest, pos - fixed, v);
            spans[rest_at] = join_spans(spans[rest_at], a->value->span);
            pos++;
        }
    }
    if (cmd->variadic && !argv[rest_at])
        argv[rest_at] = rest;
    else
        value_unref(rest);
    return DK_OK;
}

static dk_status check_args(Ev *ev, const Node *n, Value **argv, Span *spans)
{
    const Command *cmd = n->as.call.cmd;
    for (int i = 0; i < cmd->nargs; i++) {
        const ArgSpec *s = &cmd->args[i];
        if (!argv[i]) {
            if (!s->default_src) {
                dk_err_set(ev->err, DK_ERR_ARG, "%s needs the argument '%s'",
                           cmd->name, s->name);
                return arg_error(ev, cmd, n->span, DK_ERR_ARG);
            }
            argv[i] = registry_default(cmd, i, ev->err);
            if (!argv[i])
                return DK_ERR_INTERNAL;
            continue; /* a default is the command's own choice */
        }
        int is_rest = cmd->variadic && i == cmd->nargs - 1;
        if (is_rest && argv[i]->kind == VAL_LIST) {
            for (size_t k = 0; k < argv[i]->as.list.len; k++)
                if (!accepts(s, argv[i]->as.list.items[k]))
                    return wrong_type(ev, cmd, s, argv[i]->as.list.items[k],
                                      spans[i]);
            continue;
        }
        if (!accepts(s, argv[i]))
            return wrong_type(ev, cmd, s, argv[i], spans[i]);
    }
    return DK_OK;
}

static dk_status eval_call(Ev *ev, const Node *n, Value **out)
{
    const Command *cmd = n->as.call.cmd;
    if (cmd->nargs > MAX_CMD_ARGS)
        return dk_err_set(ev->err, DK_ERR_INTERNAL, "%s declares too many "
                          "arguments", cmd->name);
    Value *argv[MAX_CMD_ARGS] = {0};
    Span spans[MAX_CMD_ARGS] = {{0, 0, 0}};
    size_t npos;
    dk_status st = bind_check(ev, n, &npos);
    if (!st)
        st = eval_args(ev, n, npos, argv, spans);
    if (!st)
        st = check_args(ev, n, argv, spans);
    Value *result = NULL;
    if (!st) {
        CallCtx cx = {ev->in, ev->out, ev->err, cmd, n->span, spans};
        st = cmd->fn(&cx, argv, &result);
        if (st && st != DK_END) {
            value_unref(result);
            result = NULL;
            if (!ev->err->msg)
                dk_err_set(ev->err, st, "%s failed", cmd->name);
            ev->err->code = st;
            dk_err_at(ev->err, n->span);
        }
    }
    for (int i = 0; i < cmd->nargs; i++)
        value_unref(argv[i]);
    if (st)
        return st;
    *out = result ? result : value_none();
    return DK_OK;
}


// ---- blocks and functions ------------------------------------------------

static dk_status interrupted(Ev *ev)
{
    return dk_err_set(ev->err, DK_ERR_INTERRUPTED, "interrupted by the user");
}

/* Run the statements of b until one fails or `return` runs.  The
 * interrupt is polled before each, so a runaway loop stops between
 * statements and the variables are those after the last one that
 * finished.  `polled`: the caller has just polled (a loop, before setting
 * its variable), so the first statement runs without a second look: an
 * interrupt then never separates the loop variable from the body's first
 * statement. */
/* Count a statement or a loop's turn against the sandbox's budget: with
 * loops and recursion a short cell could run for ever, and a fuzzer must
 * not hang. */
static dk_status step(Ev *ev)
{
    Interp *in = ev->in;
    if (!in->max_steps || ++in->steps <= in->max_steps)
        return DK_OK;
    return dk_err_set(ev->err, DK_ERR_VALUE, "this cell ran more than %zu "
                      "statements, the limit here", in->max_steps);
}

static dk_status exec_block(Ev *ev, const Block *b, int polled)
{
    for (size_t i = 0; i < b->n && !ev->returning; i++) {
        if (!(i == 0 && polled) && dk_interrupted())
            return interrupted(ev);
        if (step(ev))
            return ev->err->code;
        Value *v;
        dk_status st = eval(ev, b->stmts[i], &v);
        if (st) {
            dk_err_at(ev->err, b->stmts[i]->span);
            return st;
        }
        value_unref(v);
    }
    return DK_OK;
}

static dk_status eval_if(Ev *ev, const Node *n, Value **out)
{
    Value *c;
    dk_status st = eval(ev, n->as.if_.cond, &c);
    if (st)
        return st;
    int t = value_truthy(c);
    value_unref(c);
    st = exec_block(ev, t ? &n->as.if_.then : &n->as.if_.els, 0);
    if (!st)
        *out = value_none();
    return st;
}

static dk_status eval_for(Ev *ev, const Node *n, Value **out)
{
    Value *list;
    dk_status st = eval(ev, n->as.for_.iter, &list);
    if (st)
        return st;
    if (list->kind != VAL_LIST) {
        dk_err_set(ev->err, DK_ERR_TYPE, "for goes over a list, not %s",
                   a_type(list));
        dk_err_hint(ev->err, "for i in 0..9, or for t in [990, 690, 390]");
        dk_err_at(ev->err, n->as.for_.iter->span);
        value_unref(list);
        return DK_ERR_TYPE;
    }
    for (size_t i = 0; i < list->as.list.len && !st && !ev->returning; i++) {
        if (dk_interrupted()) {
            st = interrupted(ev);
            break;
        }
        if ((st = step(ev)))
            break;
        Value *item = value_ref(list->as.list.items[i]);
        if (vars_set(scope(ev), n->as.for_.name, item))
            st = dk_err_oom(ev->err);
        else
            st = exec_block(ev, &n->as.for_.body, 1);
    }
    value_unref(list);
    if (!st)
        *out = value_none();
    return st;
}

static dk_status eval_def(Ev *ev, const Node *n, Value **out)
{
    Value *f = func_value(ev->in->cell_src, n->start, ev->err);
    if (!f)
        return ev->err->code;
    if (vars_set(ev->in->vars, n->as.def.name, f))
        return dk_err_oom(ev->err);
    *out = value_none();
    return DK_OK;
}

static dk_status eval_return(Ev *ev, const Node *n, Value **out)
{
    Value *v = NULL;
    if (n->as.ret.value) {
        dk_status st = eval(ev, n->as.ret.value, &v);
        if (st)
            return st;
    }
    ev->ret = v ? v : value_none();
    ev->returning = 1;
    *out = value_none();
    return DK_OK;
}

/* The function f called at n, by name, or an error. */
static dk_status callee(Ev *ev, const Node *n, Value **fv)
{
    const char *name = n->as.funcall.name;
    Value *v = lookup(ev, name);
    if (!v)
        return eval_unknown_name(ev->in, name, n->span, ev->err);
    const Func *f = func_of(v);
    if (!f) {
        dk_err_set(ev->err, DK_ERR_TYPE, "'%s' is %s, not a function", name,
                   a_type(v));
        dk_err_hint(ev->err, "define one with def %s(x) ... end", name);
        dk_err_at(ev->err, n->span);
        return DK_ERR_TYPE;
    }
    size_t want = f->def->as.def.nparams;
    if (n->as.funcall.n != want) {
        char *sig = value_repr(v);
        dk_err_set(ev->err, DK_ERR_ARG, "%s takes %zu argument%s, got %zu",
                   name, want, want == 1 ? "" : "s", n->as.funcall.n);
        if (sig)
            dk_err_hint(ev->err, "it is %s", sig);
        free(sig);
        dk_err_at(ev->err, n->span);
        return DK_ERR_ARG;
    }
    if (ev->calls >= MAX_CALLS) {
        dk_err_set(ev->err, DK_ERR_VALUE, "recursion is too deep: %d calls "
                   "of functions are running at once", ev->calls);
        dk_err_hint(ev->err, "does %s stop calling itself? A loop (for) "
                    "may serve better", name);
        dk_err_at(ev->err, n->span);
        return DK_ERR_VALUE;
    }
    *fv = value_ref(v);
    return DK_OK;
}

/* The arguments of n, evaluated in the caller's scope, as the callee's
 * variables. */
static dk_status bind_params(Ev *ev, const Node *n, const Func *f,
                             VarTable *locals)
{
    for (size_t i = 0; i < n->as.funcall.n; i++) {
        Value *a;
        dk_status st = eval(ev, n->as.funcall.args[i], &a);
        if (st)
            return st;
        if (vars_set(locals, f->def->as.def.params[i], a))
            return dk_err_oom(ev->err);
    }
    return DK_OK;
}

/* An error inside a function another cell defined: its span points into
 * that cell, so show it at the call and say where it happened. */
static void move_error(Ev *ev, const Node *n, const Func *f)
{
    if (func_from_cell(f, ev->in->cell_src) || ev->err->span.line == 0)
        return;
    int line = ev->err->span.line;
    char *msg = ev->err->msg ? strdup(ev->err->msg) : NULL;
    if (msg)
        dk_err_set(ev->err, ev->err->code, "%s (in %s, line %d of the cell "
                   "that defined it)", msg, f->def->as.def.name, line);
    free(msg);
    ev->err->span.line = 0;
    dk_err_at(ev->err, n->span);
}

static dk_status eval_funcall(Ev *ev, const Node *n, Value **out)
{
    Value *fv = NULL;
    dk_status st = callee(ev, n, &fv);
    if (st)
        return st;
    const Func *f = func_of(fv);
    VarTable *locals = vars_new();
    if (!locals) {
        value_unref(fv);
        return dk_err_oom(ev->err);
    }
    st = bind_params(ev, n, f, locals);
    if (!st) {
        VarTable *saved = ev->locals;
        ev->locals = locals;
        ev->calls++;
        st = exec_block(ev, &f->def->as.def.body, 0);
        ev->calls--;
        ev->locals = saved;
    }
    Value *ret = ev->ret;
    ev->ret = NULL;
    ev->returning = 0;
    if (st) {
        value_unref(ret);
        if (st != DK_END)
            move_error(ev, n, f);
    } else {
        *out = ret ? ret : value_none();
    }
    vars_free(locals);
    value_unref(fv);
    return st;
}

// ---- nodes ---------------------------------------------------------------

static dk_status eval_list(Ev *ev, const Node *n, Value **out)
{
    Value *list = value_list_new(n->as.list.n);
    if (!list)
        return dk_err_oom(ev->err);
    for (size_t i = 0; i < n->as.list.n; i++) {
        Value *v;
        dk_status st = eval(ev, n->as.list.items[i], &v);
        if (st) {
            value_unref(list);
            return st;
        }
        value_list_set(list, i, v);
    }
    *out = list;
    return DK_OK;
}

static dk_status eval(Ev *ev, const Node *n, Value **out)
{
    *out = NULL;
    switch (n->kind) {
    case NODE_NUMBER:
        return give(value_number(n->as.number), out, ev->err);
    case NODE_STRING:
        if (n->as.str.len > ev->in->max_bytes) {
            dk_err_set(ev->err, DK_ERR_VALUE, "this string is too long");
            dk_err_at(ev->err, n->span);
            return DK_ERR_VALUE;
        }
        return give(value_string(n->as.str.s, n->as.str.len), out, ev->err);
    case NODE_BOOL:
        *out = value_bool(n->as.boolean);
        return DK_OK;
    case NODE_NONE:
        *out = value_none();
        return DK_OK;
    case NODE_NAME: {
        Value *v = lookup(ev, n->as.name);
        if (!v)
            return eval_unknown_name(ev->in, n->as.name, n->span, ev->err);
        *out = value_ref(v);
        return DK_OK;
    }
    case NODE_LIST:   return eval_list(ev, n, out);
    case NODE_RANGE:  return eval_range_node(ev, n, out);
    case NODE_UNARY:  return eval_unary(ev, n, out);
    case NODE_BINARY: return eval_binary(ev, n, out);
    case NODE_INDEX:  return eval_index(ev, n, out);
    case NODE_FIELD:  return eval_field(ev, n, out);
    case NODE_CALL:   return eval_call(ev, n, out);
    case NODE_ASSIGN: {
        Value *v;
        dk_status st = eval(ev, n->as.assign.value, &v);
        if (st)
            return st;
        if (vars_set(scope(ev), n->as.assign.name, v))
            return dk_err_oom(ev->err);
        *out = value_none();
        return DK_OK;
    }
    case NODE_FUNCALL: return eval_funcall(ev, n, out);
    case NODE_IF:      return eval_if(ev, n, out);
    case NODE_FOR:     return eval_for(ev, n, out);
    case NODE_DEF:     return eval_def(ev, n, out);
    case NODE_RETURN:  return eval_return(ev, n, out);
    }
    return dk_err_set(ev->err, DK_ERR_INTERNAL, "unknown syntax node");
}

// ---- programs ------------------------------------------------------------

void eval_parse(Interp *in, const char *src, int expression, Program *prog)
{
    arena_reset(&in->arena);
    in->cell_src = src;
    lexer_tokenize(src, &in->toks);
    if (expression)
        parser_expression(&in->arena, src, &in->toks, prog);
    else
        parser_program(&in->arena, src, &in->toks, prog);
}

dk_status eval_program(Interp *in, const Program *prog, const Outlet *out,
                       Value **last, DkErr *err)
{
    Ev ev = {.in = in, .out = out ? out : &eval_null_outlet, .err = err};
    *last = NULL;
    in->steps = 0;
    for (size_t i = 0; i < prog->n; i++) {
        if (dk_interrupted())
            return dk_err_set(err, DK_ERR_INTERRUPTED,
                              "interrupted by the user");
        const Node *s = prog->stmts[i];
        Value *v;
        dk_status st = eval(&ev, s, &v);
        if (st == DK_END) {
            /* A `needs` guard: the rest of the cell is skipped, quietly. */
            dk_err_clear(err);
            value_unref(*last);
            *last = NULL;
            return DK_OK;
        }
        if (st) {
            if (!err->msg)
                dk_err_set(err, st, "error");
            err->code = st;
            dk_err_at(err, s->span);
            value_unref(*last);
            *last = NULL;
            return st;
        }
        value_unref(*last);
        *last = NULL;
        if (s->kind == NODE_ASSIGN)
            value_unref(v);
        else
            *last = v;
    }
    return DK_OK;
}

dk_status eval_constant(const char *src, Value **out, DkErr *err)
{
    *out = NULL;
    Interp *in = interp_new();
    if (!in)
        return dk_err_oom(err);
    Program prog;
    eval_parse(in, src, 1, &prog);
    dk_status st = parser_report(&prog, err);
    if (!st && prog.n != 1)
        st = dk_err_set(err, DK_ERR_SYNTAX, "empty expression");
    if (!st) {
        Ev ev = {.in = in, .out = &eval_null_outlet, .err = err};
        st = eval(&ev, prog.stmts[0], out);
    }
    interp_free(in);
    return st;
}

// ---- the null outlet -----------------------------------------------------

static void null_stream(void *ctx, const char *name, const char *text,
                        size_t len)
{
}

static void null_display(void *ctx, json_t *data, json_t *metadata,
                         const char *display_id, int update)
{
}

static void null_clear(void *ctx, int wait) {}

static char *null_input(void *ctx, const char *prompt, int password,
                        DkErr *err)
{
    dk_err_set(err, DK_ERR_STDIN, "input is not available here");
    return NULL;
}

const Outlet eval_null_outlet = {NULL, null_stream, null_display, null_clear,
                                 null_input};
