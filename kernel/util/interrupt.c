/*
 * interrupt.c: the interrupt flag (see interrupt.h).
 */
#include "interrupt.h"

#include <stdatomic.h>

static atomic_int flag;

void dk_interrupt_raise(void) { atomic_store(&flag, 1); }
int dk_interrupted(void) { return atomic_load(&flag); }
void dk_interrupt_clear(void) { atomic_store(&flag, 0); }
