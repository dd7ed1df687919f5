/* libgreet: format greetings. A tiny library of our own, installed as libgreet.a and this header. */
#ifndef GREET_H
#define GREET_H

#include <stddef.h>

/* Writes "<greeting>, <name>!" into buf (at most size bytes, always terminated when size > 0).
 * Returns the length the whole greeting needs, as snprintf does. */
int greet_format(char *buf, size_t size, const char *greeting, const char *name);

/* The library's version, e.g. "1.0.0". */
const char *greet_version(void);

#endif
