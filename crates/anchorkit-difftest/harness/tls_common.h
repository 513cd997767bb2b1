/* Shared helpers for the TLS client harnesses (tls_*.c): reading a scenario directory
 * (trust-NN.der, host, at, port) and opening a TCP connection to 127.0.0.1 with 10 s
 * connect/send/receive timeouts. Self-contained: does not include common.h. */
#ifndef ANCHORKIT_TLS_COMMON_H
#define ANCHORKIT_TLS_COMMON_H

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define TLS_MAX_FILES 64             /* trust files read per directory */
#define TLS_MAX_FILE_BYTES (1 << 20) /* larger files are read as empty */
#define TLS_TIMEOUT_SECONDS 10

typedef struct { unsigned char *data; size_t len; } tls_blob;

typedef struct {
  tls_blob trust[TLS_MAX_FILES];
  int ntrust;
  int has_host;      /* the host file exists */
  int host_is_ip;    /* host is IPv4 or IPv6 address text */
  char host[256];
  long long at;      /* Unix seconds (the at file; 0 when absent) */
  int port;          /* 0 when absent or invalid */
} tls_scenario;

/* Reads a whole file of at most TLS_MAX_FILE_BYTES bytes; {NULL, 0} when absent, empty or too
 * large. Sets *exists (when non-NULL) to whether the file could be opened. */
static tls_blob tls_read_file(const char *path, int *exists) {
  tls_blob b = {NULL, 0};
  FILE *f = fopen(path, "rb");
  if (exists) *exists = f != NULL;
  if (!f) return b;
  unsigned char *buf = malloc(TLS_MAX_FILE_BYTES + 1);
  if (buf) {
    size_t n = fread(buf, 1, TLS_MAX_FILE_BYTES + 1, f);
    if (n > 0 && n <= TLS_MAX_FILE_BYTES) { b.data = buf; b.len = n; }
    else free(buf);
  }
  fclose(f);
  return b;
}

static int tls_cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the first TLS_MAX_FILES dir/prefix* files in name order (names beyond
 * TLS_MAX_NAMES matching entries are not considered); returns how many. */
#define TLS_MAX_NAMES 4096
static int tls_read_set(const char *dir, const char *prefix, tls_blob *out) {
  char **names = calloc(TLS_MAX_NAMES, sizeof *names);
  int n = 0;
  DIR *d = names ? opendir(dir) : NULL;
  if (!d) { free(names); return 0; }
  struct dirent *e;
  while ((e = readdir(d)) != NULL && n < TLS_MAX_NAMES) {
    if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
      names[n] = strdup(e->d_name);
      if (names[n]) n++;
    }
  }
  closedir(d);
  qsort(names, (size_t)n, sizeof names[0], tls_cmp_names);
  int kept = n < TLS_MAX_FILES ? n : TLS_MAX_FILES;
  for (int i = 0; i < n; i++) {
    if (i < kept) {
      char p[4096];
      snprintf(p, sizeof p, "%s/%s", dir, names[i]);
      out[i] = tls_read_file(p, NULL);
    }
    free(names[i]);
  }
  free(names);
  return kept;
}

/* Reads a small text file without trailing whitespace; returns 0 when absent. */
static int tls_read_text(const char *dir, const char *name, char *out, size_t cap) {
  char p[4096];
  int exists = 0;
  snprintf(p, sizeof p, "%s/%s", dir, name);
  tls_blob b = tls_read_file(p, &exists);
  size_t n = b.len < cap - 1 ? b.len : cap - 1;
  if (b.data) memcpy(out, b.data, n);
  out[n] = 0;
  while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' ')) out[--n] = 0;
  free(b.data);
  return exists;
}

static int tls_is_ip_text(const char *s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static void tls_load_scenario(const char *dir, tls_scenario *sc) {
  char text[64];
  memset(sc, 0, sizeof *sc);
  sc->ntrust = tls_read_set(dir, "trust-", sc->trust);
  sc->has_host = tls_read_text(dir, "host", sc->host, sizeof sc->host);
  sc->host_is_ip = sc->has_host && tls_is_ip_text(sc->host);
  if (tls_read_text(dir, "at", text, sizeof text)) sc->at = strtoll(text, NULL, 10);
  if (tls_read_text(dir, "port", text, sizeof text)) {
    long p = strtol(text, NULL, 10);
    sc->port = p > 0 && p < 65536 ? (int)p : 0;
  }
}

static void tls_free_scenario(tls_scenario *sc) {
  for (int i = 0; i < sc->ntrust; i++) free(sc->trust[i].data);
  sc->ntrust = 0;
}

/* Connects to 127.0.0.1:port (blocking socket, 10 s connect/send/receive timeouts).
 * Returns the fd, or -1. */
static int tls_connect_local(int port) {
  if (port <= 0) return -1;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct timeval tv = {TLS_TIMEOUT_SECONDS, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int flags = fcntl(fd, F_GETFL, 0);
  fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  int r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
  if (r != 0 && errno == EINPROGRESS) {
    struct pollfd pfd = {fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof err;
    if (poll(&pfd, 1, TLS_TIMEOUT_SECONDS * 1000) == 1 &&
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
      r = 0;
  }
  if (r != 0) { close(fd); return -1; }
  fcntl(fd, F_SETFL, flags);
  return fd;
}

/* Call once at start: a peer closing the connection must not kill the process. */
static void tls_harness_init(void) {
  signal(SIGPIPE, SIG_IGN);
  setvbuf(stdout, NULL, _IOLBF, 0);
}

/* Debug output on stderr when TLS_HARNESS_DEBUG is set. */
static int tls_debug_enabled(void) {
  const char *v = getenv("TLS_HARNESS_DEBUG");
  return v != NULL && v[0] != 0 && strcmp(v, "0") != 0;
}

#endif
