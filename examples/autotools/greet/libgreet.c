#include <stdio.h>

#include "config.h"
#include "greet.h"

int greet_format(char *buf, size_t size, const char *greeting, const char *name) {
  return snprintf(buf, size, "%s, %s!", greeting, name);
}

const char *greet_version(void) { return PACKAGE_VERSION; }
