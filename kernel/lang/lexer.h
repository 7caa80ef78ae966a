/*
 * lexer.h: turns a cell into tokens.
 *
 * A token is a slice of the source (byte offset and length), never a copy,
 * with the 1-based line and column (in code points) where it starts.  Bad
 * input becomes a TOK_ERROR token carrying a LexError; the parser reports
 * it, so lexing itself never fails.
 *
 * Newlines end statements, except where the statement obviously goes on:
 * inside () and [], and after a token that needs a right-hand side (a
 * binary operator, `=`, `,`, `..`, `by`, `not`).  Blank lines and comment
 * lines produce no tokens.
 *
 * Ownership: tokens point into the source string, which must outlive them.
 * A TokenVec owns its array (tokvec_free).
 */
#ifndef DK_LEXER_H
#define DK_LEXER_H

#include <stddef.h>

typedef enum {
    /* literals and names */
    TOK_NUMBER, TOK_STRING, TOK_NAME,
    /* keywords (ORDER: lexer.c keyword table) */
    TOK_TRUE, TOK_FALSE, TOK_NONE, TOK_AND, TOK_OR, TOK_NOT, TOK_BY,
    /* block keywords (ORDER: after TOK_BY, same table) */
    TOK_IF, TOK_ELSE, TOK_FOR, TOK_IN, TOK_DEF, TOK_RETURN, TOK_END,
    /* arithmetic */
    TOK_PLUS, TOK_MINUS, TOK_STAR, TOK_SLASH, TOK_PERCENT, TOK_POW,
    /* comparison */
    TOK_EQ, TOK_NE, TOK_LT, TOK_LE, TOK_GT, TOK_GE,
    /* punctuation */
    TOK_ASSIGN, TOK_DOTDOT, TOK_DOT, TOK_COMMA,
    TOK_LPAREN, TOK_RPAREN, TOK_LBRACKET, TOK_RBRACKET,
    /* structure */
    TOK_NEWLINE, TOK_EOF, TOK_ERROR
} TokenType;

typedef enum {
    LEX_OK,
    LEX_BAD_CHAR,        /* a character that starts no token */
    LEX_OPEN_STRING,     /* "... reached the end of the line */
    LEX_OPEN_TRIPLE,     /* """... reached the end of the cell */
    LEX_BAD_NUMBER       /* 1e, 1e+ */
} LexError;

typedef struct Token {
    TokenType type;
    LexError error;    /* TOK_ERROR only */
    size_t start;      /* byte offset into the source */
    size_t len;        /* bytes */
    int line;          /* 1-based */
    int col;           /* 1-based, in code points */
    int space_before;  /* whitespace (or line start) right before it */
} Token;

typedef struct TokenVec {
    Token *v;
    size_t n, cap;
    int depth;         /* brackets still open at the end */
    int oom;           /* an allocation failed: the vector is truncated */
} TokenVec;

/* Lex all of src into tv (emptied first; its buffer is reused).  Always
 * ends with TOK_EOF unless tv->oom. */
void lexer_tokenize(const char *src, TokenVec *tv);
void tokvec_free(TokenVec *tv);

/* "end of input", "'+'", "name", "number" ...: for messages. */
const char *lexer_token_name(TokenType t);
/* A fixed message for a LexError: "this string has no closing quote". */
const char *lexer_error_text(LexError e);

/* The keyword spelled by s[0..n), or TOK_NAME. */
TokenType lexer_keyword(const char *s, size_t n);
/* NULL-terminated list of the keywords, for suggestions and completion. */
extern const char *const lexer_keywords[];

/* Non-zero for tokens after which a newline does not end the statement
 * (binary operators, '=', ',', '..', 'by', 'not'). */
int lexer_continues(TokenType t);

/* Character classes shared with completion. */
int lexer_is_name_start(int c);
int lexer_is_name_char(int c);

#endif
