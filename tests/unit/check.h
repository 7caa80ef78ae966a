/*
 * check.h: the tiny assertion kit of the C unit tests.
 *
 * CHECK(cond) records a failure with file and line and carries on, so one
 * run reports every broken expectation; CHECK_STR compares strings; a test
 * file's main ends with `return check_report("name");`, which prints
 * "name: N passed, N failed" and gives ctest the exit code.
 */
#ifndef DK_CHECK_H
#define DK_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (cond) {                                                        \
            check_passed++;                                                \
        } else {                                                           \
            check_failed++;                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,         \
                    __LINE__, #cond);                                      \
        }                                                                  \
    } while (0)

#define CHECK_STR(got, want)                                               \
    do {                                                                   \
        const char *g_ = (got), *w_ = (want);                              \
        if (g_ && w_ && strcmp(g_, w_) == 0) {                             \
            check_passed++;                                                \
        } else {                                                           \
            check_failed++;                                                \
            fprintf(stderr, "%s:%d: CHECK_STR failed:\n  got:  %s\n"       \
                    "  want: %s\n", __FILE__, __LINE__,                    \
                    g_ ? g_ : "(null)", w_ ? w_ : "(null)");               \
        }                                                                  \
    } while (0)

static inline int check_report(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
