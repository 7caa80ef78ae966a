/*
 * test_lexer.c: tokens, positions (columns in code points) and the lexer's
 * newline and error rules.
 */
#include <stdlib.h>

#include "check.h"
#include "lang/lexer.h"

static TokenVec tv;

static void lex(const char *src) { lexer_tokenize(src, &tv); }

/* Token types of the last lex, compared with a -1 terminated list. */
static int types_are(const int *want)
{
    size_t i = 0;
    for (; want[i] != -1; i++)
        if (i >= tv.n || (int)tv.v[i].type != want[i])
            return 0;
    return i == tv.n;
}

int main(void)
{
    lex("x = 1..5 by 2");
    CHECK(types_are((int[]){TOK_NAME, TOK_ASSIGN, TOK_NUMBER, TOK_DOTDOT,
                            TOK_NUMBER, TOK_BY, TOK_NUMBER, TOK_NEWLINE,
                            TOK_EOF, -1}));

    lex("a = 1.5e-4 + .5 ** 2");
    CHECK(tv.v[2].type == TOK_NUMBER && tv.v[2].len == 6);
    CHECK(tv.v[4].type == TOK_NUMBER && tv.v[4].len == 2);
    CHECK(tv.v[5].type == TOK_POW);

    /* Comparison and two-character operators. */
    lex("a == b != c <= d >= e < f > g");
    CHECK(tv.v[1].type == TOK_EQ && tv.v[3].type == TOK_NE &&
          tv.v[5].type == TOK_LE && tv.v[7].type == TOK_GE &&
          tv.v[9].type == TOK_LT && tv.v[11].type == TOK_GT);

    /* Columns count code points, not bytes; lines count from 1. */
    lex("s = \"日本\" x\n  y");
    CHECK(tv.v[3].type == TOK_NAME && tv.v[3].line == 1 && tv.v[3].col == 10);
    CHECK(tv.v[5].type == TOK_NAME && tv.v[5].line == 2 && tv.v[5].col == 3);

    /* Keywords vs names. */
    lex("true false none and or not by bye");
    CHECK(tv.v[0].type == TOK_TRUE && tv.v[2].type == TOK_NONE &&
          tv.v[6].type == TOK_BY && tv.v[7].type == TOK_NAME);

    /* Newlines inside brackets and after an operator do not end lines;
     * blank and comment lines give no tokens. */
    lex("x = [1,\n 2,\n]\n\n# note\ny = 1 +\n 2");
    int n_newlines = 0;
    for (size_t i = 0; i < tv.n; i++)
        n_newlines += tv.v[i].type == TOK_NEWLINE;
    CHECK(n_newlines == 2);
    CHECK(tv.depth == 0);
    lex("x = (1,\n");
    CHECK(tv.depth == 1);

    /* Ruby's minus rule needs to know about spaces. */
    lex("f a -1");
    CHECK(tv.v[2].type == TOK_MINUS && tv.v[2].space_before &&
          !tv.v[3].space_before);

    /* Strings: escapes stay in the slice; triple quotes span lines. */
    lex("\"a\\\"b\" \"\"\"x\ny\"\"\" z");
    CHECK(tv.v[0].type == TOK_STRING && tv.v[0].len == 6);
    CHECK(tv.v[1].type == TOK_STRING && tv.v[1].len == 9);
    CHECK(tv.v[2].type == TOK_NAME && tv.v[2].line == 2);

    /* Errors become tokens. */
    lex("print \"open\nx");
    CHECK(tv.v[1].type == TOK_ERROR && tv.v[1].error == LEX_OPEN_STRING);
    lex("s = \"\"\"never closed\n");
    CHECK(tv.v[2].type == TOK_ERROR && tv.v[2].error == LEX_OPEN_TRIPLE);
    lex("x @ y");
    CHECK(tv.v[1].type == TOK_ERROR && tv.v[1].error == LEX_BAD_CHAR &&
          tv.v[1].col == 3);
    lex("x = 1e");
    CHECK(tv.v[2].type == TOK_ERROR && tv.v[2].error == LEX_BAD_NUMBER);
    lex("x = 12abc");
    CHECK(tv.v[2].type == TOK_ERROR && tv.v[2].error == LEX_BAD_NUMBER);

    /* Invalid UTF-8 is one bad character per sequence, never a crash. */
    lex("\xff\xfe x");
    CHECK(tv.v[0].type == TOK_ERROR);
    CHECK(tv.v[tv.n - 1].type == TOK_EOF);

    /* The empty cell is just the end. */
    lex("");
    CHECK(tv.n == 1 && tv.v[0].type == TOK_EOF);

    CHECK(lexer_keyword("not", 3) == TOK_NOT);
    CHECK(lexer_keyword("note", 4) == TOK_NAME);

    tokvec_free(&tv);
    return check_report("test_lexer");
}
