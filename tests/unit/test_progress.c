/*
 * test_progress.c: the throttle (with an injected clock: 1000 updates in
 * one second give at most 5 bundles, first and final always), the
 * tqdm-like text (percent, bar, counts, elapsed<ETA, rate, loss), unknown
 * totals, finish states and unique display ids.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "render/progress.h"

static double fake_now;

static double fake_clock(void *ctx)
{
    (void)ctx;
    return fake_now;
}

static Progress *bar(const char *label, long total)
{
    fake_now = 100.0;
    Progress *p = progress_new(label, total);
    progress_set_clock(p, fake_clock, NULL);
    return p;
}

static void test_throttle(void)
{
    Progress *p = bar("train", 1000);
    int emitted = 0, first = 0, last = 0;
    for (long s = 1; s <= 1000; s++) {
        fake_now = 100.0 + s / 1000.0;  /* 1000 steps over one second */
        json_t *b = NULL;
        int due = progress_update(p, s, 0.5, &b);
        CHECK(due == (b != NULL));
        if (due) {
            emitted++;
            first |= s == 1;
            last |= s == 1000;
            CHECK(json_is_string(json_object_get(b, "text/plain")));
            CHECK(json_is_string(json_object_get(b, "text/html")));
        }
        json_decref(b);
    }
    CHECK(emitted <= 5 && emitted >= 3);
    CHECK(first && last);
    json_t *b = NULL;
    CHECK(progress_finish(p, PROGRESS_DONE, &b) == 1 && b != NULL);
    json_decref(b);
    progress_free(p);

    /* Slow steps (1 s each) are each shown. */
    p = bar("slow", 5);
    emitted = 0;
    for (long s = 1; s <= 5; s++) {
        fake_now = 100.0 + (double)s;
        emitted += progress_update(p, s, NAN, &b);
        json_decref(b);
    }
    CHECK(emitted == 5);
    progress_free(p);
}

static void test_text(void)
{
    Progress *p = bar("train", 1000);
    json_t *b = NULL;
    fake_now = 100.0 + 12.33;
    progress_update(p, 450, 0.0312, &b);
    CHECK_STR(json_string_value(json_object_get(b, "text/plain")),
              "train  45% |████▌     | 450/1000 [00:12<00:15, 36.5 it/s, "
              "loss=0.0312]");
    const char *html = json_string_value(json_object_get(b, "text/html"));
    CHECK(html && strstr(html, "width:45.0%"));
    CHECK(html && strstr(html, "[00:12&lt;00:15"));
    json_decref(b);

    /* Slow steps: seconds per iteration, hours in the ETA. */
    fake_now = 100.0 + 4000.0;
    char *t = progress_text(p, fake_now);
    progress_update(p, 500, NAN, &b);
    json_decref(b);
    free(t);
    t = progress_text(p, fake_now);
    CHECK_STR(t, "train  50% |█████     | 500/1000 [1:06:40<1:06:40, "
                 "8.00 s/it, loss=0.0312]");
    free(t);

    json_t *fin = NULL;
    progress_finish(p, PROGRESS_INTERRUPTED, &fin);
    const char *ft = json_string_value(json_object_get(fin, "text/plain"));
    CHECK(ft && strstr(ft, "(interrupted)"));
    CHECK(strstr(json_string_value(json_object_get(fin, "text/html")),
                 "#fb8c00") != NULL);
    json_decref(fin);
    progress_free(p);

    /* Unknown total: no bar, no ETA. */
    p = bar("sample", 0);
    fake_now = 102.0;
    progress_update(p, 300, NAN, &b);
    CHECK_STR(json_string_value(json_object_get(b, "text/plain")),
              "sample 300 it [00:02, 150 it/s]");
    json_decref(b);
    progress_finish(p, PROGRESS_ERROR, &b);
    CHECK(strstr(json_string_value(json_object_get(b, "text/plain")),
                 "(error)") != NULL);
    json_decref(b);
    progress_free(p);

    /* Step 0 at time 0: no rate or ETA yet; steps past total clamp. */
    p = bar("x", 10);
    t = progress_text(p, fake_now);
    CHECK_STR(t, "x   0% |          | 0/10 [00:00<?, ? it/s]");
    free(t);
    fake_now += 1;
    progress_update(p, 25, NAN, &b);
    CHECK(strstr(json_string_value(json_object_get(b, "text/plain")),
                 "100% |██████████| 10/10") != NULL);
    json_decref(b);
    progress_free(p);
}

static void test_misc(void)
{
    char buf[16];
    CHECK_STR(progress_format_time(59.4, buf, sizeof buf), "00:59");
    CHECK_STR(progress_format_time(3599.6, buf, sizeof buf), "1:00:00");
    CHECK_STR(progress_format_time(-1, buf, sizeof buf), "?");
    CHECK_STR(progress_format_time(NAN, buf, sizeof buf), "?");

    Progress *a = progress_new("a", 3), *b = progress_new(NULL, 3);
    CHECK(a && b);
    CHECK(strncmp(progress_display_id(a), "diffuse-progress-", 17) == 0);
    CHECK(strcmp(progress_display_id(a), progress_display_id(b)) != 0);
    json_t *j = NULL;
    CHECK(progress_update(NULL, 1, 0, &j) == 0 && j == NULL);
    CHECK(progress_update(b, 1, 0, &j) == 1);  /* real clock: first */
    json_decref(j);
    progress_free(a);
    progress_free(b);
    progress_free(NULL);
}

int main(void)
{
    test_throttle();
    test_text();
    test_misc();
    return check_report("test_progress");
}
