/*
 * pager.c: `name?` / `?name` as a pager payload (see pager.h).  The help
 * itself is the language's Shift+Tab help (interp_inspect), so `print?`
 * and Shift+Tab on `print` say the same thing.
 */
#include "pager.h"

#include <ctype.h>
#include <string.h>

static const char *skip_blanks(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    return s;
}

static size_t count_marks(const char *s)
{
    size_t n = 0;
    while (s[n] == '?')
        n++;
    return n;
}

int pager_query(const char *code, char *name, size_t size, int *detail)
{
    const char *s = skip_blanks(code);
    size_t before = count_marks(s);
    s += before;
    const char *start = s;
    if (!(isalpha((unsigned char)*s) || *s == '_'))
        return 0;
    while (isalnum((unsigned char)*s) || *s == '_')
        s++;
    size_t len = (size_t)(s - start);
    size_t after = count_marks(s);
    s = skip_blanks(s + after);
    /* marks on one side only, one or two of them, nothing else */
    if (*s || (before == 0) == (after == 0) || before > 2 || after > 2)
        return 0;
    if (len + 1 > size)
        return 0;
    memcpy(name, start, len);
    name[len] = '\0';
    *detail = (before > after ? before : after) - 1;
    return 1;
}

json_t *pager_payload(Interp *in, const char *name, int detail)
{
    json_t *data = interp_inspect(in, name, strlen(name), detail);
    if (!data)
        return NULL;
    return json_pack("[{s:s, s:o, s:i}]", "source", "page", "data", data,
                     "start", 0);
}
