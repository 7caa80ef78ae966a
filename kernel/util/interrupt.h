/*
 * interrupt.h: one process-wide "stop what you are doing" flag.
 *
 * Raised by SIGINT and by an interrupt_request on the control channel (a
 * different thread), read by every long loop in the language and diffusion
 * layers, cleared by the protocol layer when a new request starts.  It is an
 * atomic int, so setting it from a signal handler is safe.
 */
#ifndef DK_INTERRUPT_H
#define DK_INTERRUPT_H

/* Ask the running cell to stop as soon as it can. Async-signal-safe. */
void dk_interrupt_raise(void);

/* Non-zero once an interrupt was raised and not yet cleared. */
int dk_interrupted(void);

/* Forget a pending interrupt (called before each execute). */
void dk_interrupt_clear(void);

#endif
