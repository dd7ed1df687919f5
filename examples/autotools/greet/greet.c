/* greet: print a greeting, in a language whose greeting is installed under GREET_DATADIR. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "greet.h"

static int usage(FILE *to) {
  fprintf(to, "usage: greet [-v] [-g GREETING | -l LANG] [NAME]\n");
  return to == stderr ? 2 : 0;
}

/* Reads the first line of GREET_DATADIR/<lang> into buf; 0 when it worked. */
static int load_greeting(const char *lang, char *buf, size_t size) {
  char path[512];
  if (strchr(lang, '/')) return -1;
  snprintf(path, sizeof path, "%s/%s", GREET_DATADIR, lang);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  int ok = fgets(buf, (int)size, f) != NULL;
  fclose(f);
  if (!ok) return -1;
  buf[strcspn(buf, "\n")] = '\0';
  return 0;
}

int main(int argc, char **argv) {
  const char *greeting = "Hello";
  char loaded[128];
  int opt;
  while ((opt = getopt(argc, argv, "g:l:vh")) != -1) {
    switch (opt) {
      case 'g': greeting = optarg; break;
      case 'l':
        if (load_greeting(optarg, loaded, sizeof loaded) != 0) {
          fprintf(stderr, "greet: no greeting for language '%s' in %s\n", optarg, GREET_DATADIR);
          return 1;
        }
        greeting = loaded;
        break;
      case 'v': printf("greet %s\n", greet_version()); return 0;
      case 'h': return usage(stdout);
      default: return usage(stderr);
    }
  }
  const char *name = optind < argc ? argv[optind] : "world";
  char line[256];
  greet_format(line, sizeof line, greeting, name);
  puts(line);
  return 0;
}
