"""Pygments lexer for the diffuse language (nbconvert's HTML, Sphinx, ...).

It follows the kernel's lexer (kernel/lang/lexer.c): ASCII names, `#`
comments, strings with the escapes \\n \\t \\" \\\\ (a backslash at a line's
end joins lines), triple-quoted strings over several lines, `1..5` ranges
(a dot is a decimal point only before a digit).  The commands and keywords
are the kernel's own (words.py); only their roles are decided here:
true/false/none are constants, and/or/not operators, the rest keywords.
"""
import functools

from pygments.lexer import Lexer, RegexLexer, bygroups, words
from pygments.token import (Comment, Error, Keyword, Name, Number, Operator,
                            Punctuation, String, Whitespace)

from . import words as diffuse_words

CONSTANTS = {"true", "false", "none"}
WORD_OPERATORS = {"and", "or", "not"}


def _string_body(end):
    """A string's rules up to its closing quote(s): only triple-quoted
    strings go on past a line's end."""
    triple = end == '"""'
    return [
        (r'\\(n|t|"|\\|\n)', String.Escape),
        (r"\\.", Error),  # the kernel rejects other escapes
        (end, String, "#pop"),
        (r'[^"\\\n]+|"' if triple else r'[^"\\\n]+', String),
        (r"\n", String) if triple else (r"\n", Error, "#pop"),
    ]


def _rules(vocab):
    keywords = vocab["keywords"]
    kw = [w for w in keywords if w not in CONSTANTS | WORD_OPERATORS]
    name = r"[A-Za-z_][A-Za-z0-9_]*"
    return {
        "root": [
            # `x = ...` at a statement's start (after any indentation) names
            # a variable; `name=` after a command is a keyword argument
            # (even one spelled like a command)
            (r"^([ \t]*)(" + name + r")(?=[ \t]*=(?!=))", bygroups(Whitespace, Name.Variable)),
            (r"[ \t\r]+", Whitespace),
            (r"\n", Whitespace),
            (r"#.*?$", Comment.Single),
            (r'"""', String, "triple"),
            (r'"', String, "string"),
            (r"(\d+\.\d+|\.\d+)([eE][+-]?\d+)?\b", Number.Float),
            (r"\d+[eE][+-]?\d+\b", Number.Float),
            (r"\d+\b", Number.Integer),
            (r"(def)([ \t]+)(" + name + ")", bygroups(Keyword, Whitespace, Name.Function)),
            (words(sorted(c for c in keywords if c in CONSTANTS), suffix=r"\b"), Keyword.Constant),
            (words(sorted(c for c in keywords if c in WORD_OPERATORS), suffix=r"\b"), Operator.Word),
            (words(sorted(kw), suffix=r"\b"), Keyword),
            (name + r"(?=[ \t]*=(?!=))", Name.Attribute),
            (r"(?<=\.)" + name, Name.Property),
            (words(vocab["commands"], suffix=r"\b"), Name.Builtin),
            (name, Name),
            (r"\*\*|==|!=|<=|>=|\.\.|[-+*/%<>=.]", Operator),
            (r"[()\[\],]", Punctuation),
            (r".", Error),
        ],
        "string": _string_body('"'),
        "triple": _string_body('"""'),
    }


@functools.lru_cache(maxsize=1)
def _regex_lexer():
    """The RegexLexer built from the kernel's words (once per process)."""
    vocab = diffuse_words.load()
    return type("DiffuseRegexLexer", (RegexLexer,), {
        "name": "diffuse (rules)", "aliases": [], "tokens": _rules(vocab)})


class DiffuseLexer(Lexer):
    """The diffuse kernel's language."""

    name = "diffuse"
    aliases = ["diffuse"]
    filenames = ["*.diffuse"]
    mimetypes = ["text/x-diffuse"]

    # The word list is read on first use, not at import: Pygments imports
    # every plugin lexer when it looks any name up, and a missing list must
    # not break other languages' highlighting.
    def get_tokens_unprocessed(self, text):
        inner = _regex_lexer()(**self.options)
        return inner.get_tokens_unprocessed(text)
