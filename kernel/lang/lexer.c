/*
 * lexer.c: the hand-written scanner (see lexer.h).  One pass, one token of
 * look-behind (for newline suppression and `space_before`).
 */
#include "lexer.h"

#include <stdlib.h>
#include <string.h>

#include "../util/utf8.h"

/* ORDER: TOK_TRUE .. TOK_END */
const char *const lexer_keywords[] = {"true", "false", "none",   "and",
                                      "or",   "not",   "by",     "if",
                                      "else", "for",   "in",     "def",
                                      "return", "end", NULL};

typedef struct Lexer {
    const char *src;
    size_t pos;
    int line, col;
    int depth;
    TokenType prev;    /* last token emitted, TOK_NEWLINE at the start */
} Lexer;

int lexer_is_name_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

int lexer_is_name_char(int c)
{
    return lexer_is_name_start(c) || (c >= '0' && c <= '9');
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }

TokenType lexer_keyword(const char *s, size_t n)
{
    for (int i = 0; lexer_keywords[i]; i++)
        if (strlen(lexer_keywords[i]) == n && memcmp(lexer_keywords[i], s, n) == 0)
            return (TokenType)(TOK_TRUE + i);
    return TOK_NAME;
}

/* Move over one byte, keeping line and column (columns count code points,
 * so UTF-8 continuation bytes do not advance them). */
static void advance(Lexer *lx)
{
    unsigned char c = (unsigned char)lx->src[lx->pos];
    if (c == '\0')
        return;
    lx->pos++;
    if (c == '\n') {
        lx->line++;
        lx->col = 1;
    } else if (!utf8_is_cont(c)) {
        lx->col++;
    }
}

static char peek(const Lexer *lx, size_t ahead)
{
    for (size_t i = 0; i < ahead; i++)
        if (lx->src[lx->pos + i] == '\0')
            return '\0';
    return lx->src[lx->pos + ahead];
}

/* Tokens after which a newline does not end the statement. */
int lexer_continues(TokenType t)
{
    switch (t) {
    case TOK_PLUS: case TOK_MINUS: case TOK_STAR: case TOK_SLASH:
    case TOK_PERCENT: case TOK_POW: case TOK_EQ: case TOK_NE: case TOK_LT:
    case TOK_LE: case TOK_GT: case TOK_GE: case TOK_ASSIGN: case TOK_DOTDOT:
    case TOK_DOT: case TOK_COMMA: case TOK_AND: case TOK_OR: case TOK_NOT:
    case TOK_BY: case TOK_NEWLINE:
        return 1;
    default:
        return 0;
    }
}

static void push(TokenVec *tv, Token t)
{
    if (tv->oom)
        return;
    if (tv->n == tv->cap) {
        size_t cap = tv->cap ? tv->cap * 2 : 64;
        Token *v = realloc(tv->v, cap * sizeof *v);
        if (!v) {
            tv->oom = 1;
            return;
        }
        tv->v = v;
        tv->cap = cap;
    }
    tv->v[tv->n++] = t;
}

static TokenType scan_string(Lexer *lx, LexError *err)
{
    if (peek(lx, 1) == '"' && peek(lx, 2) == '"') {
        for (int i = 0; i < 3; i++)
            advance(lx);
        for (;;) {
            char c = peek(lx, 0);
            if (c == '\0') {
                *err = LEX_OPEN_TRIPLE;
                return TOK_ERROR;
            }
            if (c == '\\' && peek(lx, 1) != '\0') {
                advance(lx);
                advance(lx);
                continue;
            }
            if (c == '"' && peek(lx, 1) == '"' && peek(lx, 2) == '"') {
                for (int i = 0; i < 3; i++)
                    advance(lx);
                return TOK_STRING;
            }
            advance(lx);
        }
    }
    advance(lx);
    for (;;) {
        char c = peek(lx, 0);
        if (c == '\0' || c == '\n') {
            *err = LEX_OPEN_STRING;
            return TOK_ERROR;
        }
        if (c == '\\' && peek(lx, 1) != '\0' && peek(lx, 1) != '\n') {
            advance(lx);
            advance(lx);
            continue;
        }
        advance(lx);
        if (c == '"')
            return TOK_STRING;
    }
}

static TokenType scan_number(Lexer *lx, LexError *err)
{
    while (is_digit(peek(lx, 0)))
        advance(lx);
    /* `1..5` is a range, so a dot is a decimal point only before a digit. */
    if (peek(lx, 0) == '.' && is_digit(peek(lx, 1))) {
        advance(lx);
        while (is_digit(peek(lx, 0)))
            advance(lx);
    }
    char e = peek(lx, 0);
    if (e == 'e' || e == 'E') {
        size_t sign = (peek(lx, 1) == '+' || peek(lx, 1) == '-') ? 1 : 0;
        if (!is_digit(peek(lx, 1 + sign))) {
            for (size_t i = 0; i < 1 + sign; i++)
                advance(lx);
            *err = LEX_BAD_NUMBER;
            return TOK_ERROR;
        }
        for (size_t i = 0; i < 1 + sign; i++)
            advance(lx);
        while (is_digit(peek(lx, 0)))
            advance(lx);
    }
    if (lexer_is_name_start(peek(lx, 0))) {
        while (lexer_is_name_char(peek(lx, 0)))
            advance(lx);
        *err = LEX_BAD_NUMBER;
        return TOK_ERROR;
    }
    return TOK_NUMBER;
}

/* Two-character operators first, then single ones. */
static TokenType scan_operator(Lexer *lx)
{
    char c = peek(lx, 0), d = peek(lx, 1);
    static const struct { char a, b; TokenType t; } two[] = {
        {'*', '*', TOK_POW}, {'=', '=', TOK_EQ}, {'!', '=', TOK_NE},
        {'<', '=', TOK_LE},  {'>', '=', TOK_GE}, {'.', '.', TOK_DOTDOT},
    };
    for (size_t i = 0; i < sizeof two / sizeof two[0]; i++) {
        if (c == two[i].a && d == two[i].b) {
            advance(lx);
            advance(lx);
            return two[i].t;
        }
    }
    TokenType t;
    switch (c) {
    case '+': t = TOK_PLUS; break;
    case '-': t = TOK_MINUS; break;
    case '*': t = TOK_STAR; break;
    case '/': t = TOK_SLASH; break;
    case '%': t = TOK_PERCENT; break;
    case '<': t = TOK_LT; break;
    case '>': t = TOK_GT; break;
    case '=': t = TOK_ASSIGN; break;
    case '.': t = TOK_DOT; break;
    case ',': t = TOK_COMMA; break;
    case '(': t = TOK_LPAREN; lx->depth++; break;
    case '[': t = TOK_LBRACKET; lx->depth++; break;
    case ')': t = TOK_RPAREN; if (lx->depth > 0) lx->depth--; break;
    case ']': t = TOK_RBRACKET; if (lx->depth > 0) lx->depth--; break;
    default:
        return TOK_ERROR;
    }
    advance(lx);
    return t;
}

/* Skip one whole (possibly invalid) UTF-8 character. */
static void skip_char(Lexer *lx)
{
    advance(lx);
    while (utf8_is_cont((unsigned char)peek(lx, 0)))
        advance(lx);
}

void lexer_tokenize(const char *src, TokenVec *tv)
{
    Lexer lx = {.src = src, .line = 1, .col = 1, .prev = TOK_NEWLINE};
    tv->n = 0;
    tv->oom = 0;
    for (;;) {
        int space = lx.pos == 0 || src[lx.pos - 1] == '\n';
        for (;;) {
            char c = peek(&lx, 0);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
                advance(&lx);
                space = 1;
            } else if (c == '#') {
                while (peek(&lx, 0) != '\n' && peek(&lx, 0) != '\0')
                    advance(&lx);
            } else {
                break;
            }
        }
        Token t = {.start = lx.pos, .line = lx.line, .col = lx.col,
                   .space_before = space};
        char c = peek(&lx, 0);
        if (c == '\0') {
            if (lx.prev != TOK_NEWLINE) {
                t.type = TOK_NEWLINE;
                push(tv, t);
            }
            t.type = TOK_EOF;
            push(tv, t);
            tv->depth = lx.depth;
            return;
        }
        if (c == '\n') {
            advance(&lx);
            if (lx.depth > 0 || lexer_continues(lx.prev))
                continue;
            t.type = TOK_NEWLINE;
            t.len = 1;
            push(tv, t);
            lx.prev = TOK_NEWLINE;
            continue;
        }
        if (c == '"') {
            t.type = scan_string(&lx, &t.error);
        } else if (is_digit(c) || (c == '.' && is_digit(peek(&lx, 1)))) {
            t.type = scan_number(&lx, &t.error);
        } else if (lexer_is_name_start(c)) {
            while (lexer_is_name_char(peek(&lx, 0)))
                advance(&lx);
            t.type = lexer_keyword(src + t.start, lx.pos - t.start);
        } else {
            t.type = scan_operator(&lx);
            if (t.type == TOK_ERROR) {
                t.error = LEX_BAD_CHAR;
                skip_char(&lx);
            }
        }
        t.len = lx.pos - t.start;
        push(tv, t);
        lx.prev = t.type;
    }
}

void tokvec_free(TokenVec *tv)
{
    free(tv->v);
    memset(tv, 0, sizeof *tv);
}

const char *lexer_token_name(TokenType t)
{
    switch (t) {
    case TOK_NUMBER:   return "a number";
    case TOK_STRING:   return "a string";
    case TOK_NAME:     return "a name";
    case TOK_TRUE:     return "'true'";
    case TOK_FALSE:    return "'false'";
    case TOK_NONE:     return "'none'";
    case TOK_AND:      return "'and'";
    case TOK_OR:       return "'or'";
    case TOK_NOT:      return "'not'";
    case TOK_BY:       return "'by'";
    case TOK_IF:       return "'if'";
    case TOK_ELSE:     return "'else'";
    case TOK_FOR:      return "'for'";
    case TOK_IN:       return "'in'";
    case TOK_DEF:      return "'def'";
    case TOK_RETURN:   return "'return'";
    case TOK_END:      return "'end'";
    case TOK_PLUS:     return "'+'";
    case TOK_MINUS:    return "'-'";
    case TOK_STAR:     return "'*'";
    case TOK_SLASH:    return "'/'";
    case TOK_PERCENT:  return "'%'";
    case TOK_POW:      return "'**'";
    case TOK_EQ:       return "'=='";
    case TOK_NE:       return "'!='";
    case TOK_LT:       return "'<'";
    case TOK_LE:       return "'<='";
    case TOK_GT:       return "'>'";
    case TOK_GE:       return "'>='";
    case TOK_ASSIGN:   return "'='";
    case TOK_DOTDOT:   return "'..'";
    case TOK_DOT:      return "'.'";
    case TOK_COMMA:    return "','";
    case TOK_LPAREN:   return "'('";
    case TOK_RPAREN:   return "')'";
    case TOK_LBRACKET: return "'['";
    case TOK_RBRACKET: return "']'";
    case TOK_NEWLINE:  return "the end of the line";
    case TOK_EOF:      return "the end of the cell";
    case TOK_ERROR:    return "bad input";
    }
    return "a token";
}

const char *lexer_error_text(LexError e)
{
    switch (e) {
    case LEX_OK:          return "no error";
    case LEX_BAD_CHAR:    return "unexpected character";
    case LEX_OPEN_STRING: return "this string has no closing quote";
    case LEX_OPEN_TRIPLE: return "this \"\"\"string\"\"\" is never closed";
    case LEX_BAD_NUMBER:  return "malformed number";
    }
    return "bad input";
}
