/* Scenario-directory reading shared by the C harnesses. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILES 64

typedef struct { unsigned char *data; size_t len; } blob;

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static blob read_file(const char *path) {
  blob b = {0, 0};
  FILE *f = fopen(path, "rb");
  if (!f) return b;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  if (n > 0) {
    b.data = malloc((size_t)n);
    if (b.data && fread(b.data, 1, (size_t)n, f) == (size_t)n) b.len = (size_t)n;
  }
  fclose(f);
  return b;
}

/* Reads dir/prefix* files in name order into out; returns how many. */
static int read_set(const char *dir, const char *prefix, blob *out) {
  char *names[MAX_FILES];
  int n = 0;
  DIR *d = opendir(dir);
  if (!d) return 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < MAX_FILES) {
    if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, (size_t)n, sizeof names[0], cmp_names);
  for (int i = 0; i < n; i++) {
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, names[i]);
    out[i] = read_file(p);
    free(names[i]);
  }
  return n;
}

/* Reads a small text file (host, at) without the trailing newline; "" when absent. */
static void read_text(const char *dir, const char *name, char *out, size_t cap) {
  char p[4096];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  blob b = read_file(p);
  size_t n = b.len < cap - 1 ? b.len : cap - 1;
  if (b.data) memcpy(out, b.data, n);
  out[n] = 0;
  while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r')) out[--n] = 0;
  free(b.data);
}
