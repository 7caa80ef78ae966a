/*
 * array.h: ARRAY_LEN, so a table's length is taken from the table itself
 * and can never drift from what is typed into it.
 */
#ifndef DK_ARRAY_H
#define DK_ARRAY_H

#include <stddef.h>

/* The number of elements of an array (an array, not a pointer to one). */
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
