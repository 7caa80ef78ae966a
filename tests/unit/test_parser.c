/*
 * test_parser.c: the shape of the tree (precedence, command arguments,
 * Ruby's minus rule) and syntax errors with their positions and hints.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lang/eval.h"
#include "lang/parser.h"

static Interp *in;
static Program prog;

static Node *parse1(const char *src)
{
    eval_parse(in, src, 0, &prog);
    return prog.ndiags == 0 && prog.n == 1 ? prog.stmts[0] : NULL;
}

static int is_op(const Node *n, TokenType op)
{
    return n && n->kind == NODE_BINARY && n->as.op.op == op;
}

int main(void)
{
    in = interp_new();

    /* Precedence. */
    Node *n = parse1("1 + 2 * 3");
    CHECK(is_op(n, TOK_PLUS) && is_op(n->as.op.b, TOK_STAR));
    n = parse1("-2 ** 2");
    CHECK(n && n->kind == NODE_UNARY && is_op(n->as.op.a, TOK_POW));
    n = parse1("2 ** 3 ** 2");
    CHECK(is_op(n, TOK_POW) && is_op(n->as.op.b, TOK_POW));
    n = parse1("not a == b or c and d");
    CHECK(is_op(n, TOK_OR) && n->as.op.a->kind == NODE_UNARY &&
          is_op(n->as.op.b, TOK_AND));
    n = parse1("0..n - 1 by 2");
    CHECK(n && n->kind == NODE_RANGE && is_op(n->as.range.to, TOK_MINUS) &&
          n->as.range.by && n->as.range.by->kind == NODE_NUMBER);
    n = parse1("xs[0][-1]");
    CHECK(n && n->kind == NODE_INDEX && n->as.index.obj->kind == NODE_INDEX);

    /* Assignment. */
    n = parse1("x = 1");
    CHECK(n && n->kind == NODE_ASSIGN && strcmp(n->as.assign.name, "x") == 0);

    /* Blocks: the tree of if/else if/else, for and def. */
    n = parse1("if a\n  x = 1\nelse if b\n  x = 2\nelse\n  x = 3\nend");
    CHECK(n && n->kind == NODE_IF && n->as.if_.then.n == 1 &&
          n->as.if_.els.n == 1 && n->as.if_.els.stmts[0]->kind == NODE_IF &&
          n->as.if_.els.stmts[0]->as.if_.els.n == 1);
    CHECK(n && n->span.line == 1 && n->span.len == 4); /* the header only */
    n = parse1("for t in 990..0 by -30\n  print t\n\n  y = t\nend");
    CHECK(n && n->kind == NODE_FOR && strcmp(n->as.for_.name, "t") == 0 &&
          n->as.for_.iter->kind == NODE_RANGE && n->as.for_.body.n == 2);
    n = parse1("def f(a, b)\n  return a * b\nend");
    CHECK(n && n->kind == NODE_DEF && n->as.def.nparams == 2 &&
          strcmp(n->as.def.params[1], "b") == 0 && n->as.def.body.n == 1 &&
          n->as.def.body.stmts[0]->kind == NODE_RETURN);
    n = parse1("def g()\n  return\nend");
    CHECK(n && n->as.def.nparams == 0 &&
          n->as.def.body.stmts[0]->as.ret.value == NULL);
    n = parse1("f(1, g(2), 3) + 1");
    CHECK(is_op(n, TOK_PLUS) && n->as.op.a->kind == NODE_FUNCALL &&
          n->as.op.a->as.funcall.n == 3 &&
          n->as.op.a->as.funcall.args[1]->kind == NODE_FUNCALL);
    /* f (1) with a space is a name and a stray value, not a call */
    CHECK(parse1("f (1)") == NULL);
    /* a command with glued parentheses: comma-separated arguments */
    n = parse1("clamp(x, 0, hi=1) * 2");
    CHECK(is_op(n, TOK_STAR) && n->as.op.a->kind == NODE_CALL &&
          n->as.op.a->as.call.n == 3 && n->as.op.a->as.call.args[2].name);
    n = parse1("print (x) * 2");
    CHECK(n && n->kind == NODE_CALL && n->as.call.n == 1);
    /* errors: the block's opener is named, and an open block is at_end */
    eval_parse(in, "for i in xs\n  print i\n", 0, &prog);
    CHECK(prog.ndiags == 1 && prog.open_blocks == 1 && prog.diags[0].at_end &&
          strstr(prog.diags[0].msg, "the 'for' at line 1 has no 'end'"));
    eval_parse(in, "if a\n  for i in xs\n", 0, &prog);
    CHECK(prog.open_blocks == 2);
    eval_parse(in, "x = 1\nend\ny = 2\nelse", 0, &prog);
    CHECK(prog.ndiags == 2 && prog.n == 2);
    /* a broken header is one error: its body and 'end' are still read */
    eval_parse(in, "def print(x)\n  return x\nend\ny = 1", 0, &prog);
    CHECK(prog.ndiags == 1 && prog.n == 1 &&
          strstr(prog.diags[0].msg, "cannot be a function name"));
    eval_parse(in, "for 1 in xs\nend", 0, &prog);
    CHECK(prog.ndiags >= 1 && strstr(prog.diags[0].msg, "expected a name"));

    /* Commands: arguments up to the end of the line. */
    n = parse1("print x -1");
    CHECK(n && n->kind == NODE_CALL && n->as.call.n == 2);
    n = parse1("print x - 1");
    CHECK(n && n->kind == NODE_CALL && n->as.call.n == 1);
    n = parse1("print x-1");
    CHECK(n && n->kind == NODE_CALL && n->as.call.n == 1);
    n = parse1("print -1");
    CHECK(n && n->kind == NODE_CALL && n->as.call.n == 1 &&
          n->as.call.args[0].value->kind == NODE_UNARY);
    n = parse1("print ts [0]");
    CHECK(n && n->kind == NODE_CALL && n->as.call.n == 2);
    n = parse1("print ts[0]");
    CHECK(n && n->kind == NODE_CALL && n->as.call.n == 1);
    n = parse1("print (len ts) 2");
    CHECK(n && n->kind == NODE_CALL && n->as.call.n == 2 &&
          n->as.call.args[0].value->kind == NODE_CALL);
    n = parse1("print len ts");   /* the inner call takes the rest */
    CHECK(n && n->as.call.n == 1 &&
          n->as.call.args[0].value->kind == NODE_CALL);
    n = parse1("clear wait=true");
    CHECK(n && n->as.call.n == 1 && n->as.call.args[0].name &&
          strcmp(n->as.call.args[0].name, "wait") == 0);
    n = parse1("[print 1, 2]");
    CHECK(n && n->kind == NODE_LIST && n->as.list.n == 2);
    n = parse1("help print");   /* a word argument, not a call */
    CHECK(n && n->as.call.n == 1 &&
          n->as.call.args[0].value->kind == NODE_STRING);
    n = parse1("x = [1,\n  2,\n  3,\n]");
    CHECK(n && n->as.assign.value->as.list.n == 3);

    /* Syntax errors: all of them, with line and column. */
    eval_parse(in, "x = = 1\ny = 2\nz = (1 2)\nw = 3", 0, &prog);
    CHECK(prog.ndiags == 2);
    CHECK(prog.ndiags == 2 && prog.diags[0].span.line == 1 &&
          prog.diags[0].span.col == 5);
    CHECK(prog.ndiags == 2 && prog.diags[1].span.line == 3 &&
          prog.diags[1].span.col == 8);
    CHECK(prog.n == 2); /* the good lines still parse */
    DkErr err = {0};
    CHECK(parser_report(&prog, &err) == DK_ERR_SYNTAX);
    CHECK(err.msg && strstr(err.msg, "(and 1 more error)"));
    CHECK(err.span.line == 1 && err.span.col == 5);
    dk_err_clear(&err);

    /* Columns count code points. */
    eval_parse(in, "s = \"é\" )", 0, &prog);
    CHECK(prog.ndiags == 1 && prog.diags[0].span.col == 9);

    /* Friendly messages. */
    eval_parse(in, "prnt \"hi\"", 0, &prog);
    CHECK(prog.ndiags == 1 && prog.diags[0].code == DK_ERR_NAME &&
          prog.diags[0].hint && strcmp(prog.diags[0].hint,
                                       "did you mean 'print'?") == 0);
    eval_parse(in, "len = 3", 0, &prog);
    CHECK(prog.ndiags == 1 && strstr(prog.diags[0].msg, "is a command"));
    eval_parse(in, "x = 1 < 2 < 3", 0, &prog);
    CHECK(prog.ndiags == 1 && strstr(prog.diags[0].msg, "do not chain"));
    eval_parse(in, "print 'a'", 0, &prog);
    CHECK(prog.ndiags >= 1 && prog.diags[0].hint &&
          strstr(prog.diags[0].hint, "double quotes"));
    eval_parse(in, "print \"a\\qb\"", 0, &prog);
    CHECK(prog.ndiags == 1 && strstr(prog.diags[0].msg, "unknown escape") &&
          prog.diags[0].span.col == 9);
    eval_parse(in, "print 1, 2", 0, &prog);
    CHECK(prog.ndiags == 1 && prog.diags[0].hint &&
          strstr(prog.diags[0].hint, "separated by spaces"));

    /* Deep nesting is an error, not a stack overflow. */
    char deep[2100];
    memset(deep, '(', 1000);
    strcpy(deep + 1000, "1");
    memset(deep + 1001, ')', 1000);
    deep[2001] = '\0';
    eval_parse(in, deep, 0, &prog);
    CHECK(prog.ndiags == 1 && strstr(prog.diags[0].msg, "nested too deeply"));

    /* One expression for user_expressions. */
    eval_parse(in, "1 + 2", 1, &prog);
    CHECK(prog.ndiags == 0 && prog.n == 1);
    eval_parse(in, "1 + 2\n3", 1, &prog);
    CHECK(prog.ndiags == 1);

    interp_free(in);
    return check_report("test_parser");
}
