/* TLS client on real BearSSL 0.6 (Debian libbearssl-dev), configured as the ESP8266 Arduino
 * core configures it: br_ssl_client_init_full with trust anchors made from the directory's
 * certificates (DN + public key, BR_X509_TA_CA only for CA certificates), the validation time
 * set explicitly from the at file, br_ssl_client_reset(host or NULL), driven with br_sslio.
 * A wrapper X.509 engine around br_x509_minimal records whether the certificate stage was
 * entered (start_chain) and what end_chain returned; a passive reader of the received records
 * notes a Certificate message the engine rejected before starting the X.509 engine (an empty
 * certificate list).
 * Prints "<code> - <pre|cert|post|done>" per scenario directory.
 * Build: cc -O1 -Wall -I/usr/include/bearssl -o tls_bearssl tls_bearssl.c -lbearssl */
#include "tls_common.h"
#include <bearssl.h>

typedef struct { unsigned char buf[4096]; size_t len; } dnbuf;

static void dn_append(void *ctx, const void *data, size_t len) {
  dnbuf *d = ctx;
  if (d->len + len <= sizeof d->buf) { memcpy(d->buf + d->len, data, len); d->len += len; }
}

/* Same logic as harness/bearssl.c make_ta (ESP8266 Arduino BearSSL::X509List). */
static int make_ta(const tls_blob *der, br_x509_trust_anchor *ta) {
  dnbuf *dn = calloc(1, sizeof *dn);
  if (dn == NULL) return -1;
  br_x509_decoder_context dc;
  br_x509_decoder_init(&dc, dn_append, dn);
  br_x509_decoder_push(&dc, der->data, der->len);
  br_x509_pkey *pk = br_x509_decoder_get_pkey(&dc);
  if (pk == NULL) { free(dn); return -1; }
  memset(ta, 0, sizeof *ta);
  ta->dn.data = malloc(dn->len ? dn->len : 1);
  if (ta->dn.data) memcpy(ta->dn.data, dn->buf, dn->len);
  ta->dn.len = dn->len;
  free(dn);
  ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
  ta->pkey.key_type = pk->key_type;
  if (pk->key_type == BR_KEYTYPE_RSA) {
    unsigned char *n = malloc(pk->key.rsa.nlen ? pk->key.rsa.nlen : 1);
    unsigned char *e = malloc(pk->key.rsa.elen ? pk->key.rsa.elen : 1);
    if (n) memcpy(n, pk->key.rsa.n, pk->key.rsa.nlen);
    if (e) memcpy(e, pk->key.rsa.e, pk->key.rsa.elen);
    ta->pkey.key.rsa.n = n; ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
    ta->pkey.key.rsa.e = e; ta->pkey.key.rsa.elen = pk->key.rsa.elen;
  } else {
    unsigned char *q = malloc(pk->key.ec.qlen ? pk->key.ec.qlen : 1);
    if (q) memcpy(q, pk->key.ec.q, pk->key.ec.qlen);
    ta->pkey.key.ec.curve = pk->key.ec.curve;
    ta->pkey.key.ec.q = q; ta->pkey.key.ec.qlen = pk->key.ec.qlen;
  }
  return 0;
}

static void free_ta(br_x509_trust_anchor *ta) {
  free(ta->dn.data);
  if (ta->pkey.key_type == BR_KEYTYPE_RSA) { free(ta->pkey.key.rsa.n); free(ta->pkey.key.rsa.e); }
  else free(ta->pkey.key.ec.q);
}

/* X.509 engine forwarding to br_x509_minimal and recording the certificate stage. */
typedef struct {
  const br_x509_class *vtable; /* must be first */
  br_x509_minimal_context *inner;
  int started, ended;
  unsigned result;
} wrap_x509;

static const br_x509_class **inner_of(const br_x509_class **ctx) {
  return &((wrap_x509 *)(void *)ctx)->inner->vtable;
}

static void w_start_chain(const br_x509_class **ctx, const char *server_name) {
  wrap_x509 *w = (wrap_x509 *)(void *)ctx;
  w->started = 1;
  w->ended = 0;
  const br_x509_class **in = inner_of(ctx);
  (*in)->start_chain(in, server_name);
}

static void w_start_cert(const br_x509_class **ctx, uint32_t length) {
  const br_x509_class **in = inner_of(ctx);
  (*in)->start_cert(in, length);
}

static void w_append(const br_x509_class **ctx, const unsigned char *buf, size_t len) {
  const br_x509_class **in = inner_of(ctx);
  (*in)->append(in, buf, len);
}

static void w_end_cert(const br_x509_class **ctx) {
  const br_x509_class **in = inner_of(ctx);
  (*in)->end_cert(in);
}

static unsigned w_end_chain(const br_x509_class **ctx) {
  wrap_x509 *w = (wrap_x509 *)(void *)ctx;
  const br_x509_class **in = inner_of(ctx);
  w->result = (*in)->end_chain(in);
  w->ended = 1;
  return w->result;
}

static const br_x509_pkey *w_get_pkey(const br_x509_class *const *ctx, unsigned *usages) {
  const wrap_x509 *w = (const wrap_x509 *)(const void *)ctx;
  const br_x509_class *const *in = &w->inner->vtable;
  return (*in)->get_pkey(in, usages);
}

static const br_x509_class wrap_vtable = {
  sizeof(wrap_x509), w_start_chain, w_start_cert, w_append, w_end_cert, w_end_chain, w_get_pkey,
};

/* Watches the server's plaintext handshake records (BearSSL 0.6 speaks at most TLS 1.2, so the
 * Certificate message is not encrypted) to tell whether a Certificate message arrived. It counts
 * only a Certificate message that starts a record: BearSSL reads and processes one record at a
 * time, so all earlier messages were then processed without error. */
typedef struct {
  int fd;
  unsigned char rec_hdr[5];
  size_t rec_hdr_len, rec_left; /* record header bytes read; payload bytes left */
  int rec_type, rec_start;      /* current record's type; no payload byte consumed yet */
  int after_ccs;                /* the server's ChangeCipherSpec was seen: records encrypted */
  unsigned char hs_hdr[4];
  size_t hs_hdr_len;            /* handshake header bytes read (0 to 4) */
  uint32_t hs_left;             /* handshake body bytes left */
  int hs_at_start;              /* the current handshake header began at a record start */
  int cert_msg_seen;
  int empty_cert_msg;           /* a Certificate message with an empty list arrived */
} conn;

static void sniff_handshake(conn *c, const unsigned char *p, size_t n) {
  while (n > 0) {
    if (c->hs_left > 0) {
      size_t k = n < c->hs_left ? n : c->hs_left;
      c->hs_left -= (uint32_t)k; p += k; n -= k;
      c->rec_start = 0;
      continue;
    }
    if (c->hs_hdr_len == 0) c->hs_at_start = c->rec_start;
    c->hs_hdr[c->hs_hdr_len++] = *p++; n--;
    c->rec_start = 0;
    if (c->hs_hdr_len == 4) {
      if (c->hs_hdr[0] == 11 && c->hs_at_start) c->cert_msg_seen = 1;
      c->hs_left = ((uint32_t)c->hs_hdr[1] << 16) | ((uint32_t)c->hs_hdr[2] << 8) | c->hs_hdr[3];
      /* A body of 3 bytes is the list length alone: no certificate. */
      if (c->hs_hdr[0] == 11 && c->hs_left == 3) c->empty_cert_msg = 1;
      c->hs_hdr_len = 0;
    }
  }
}

static void sniff(conn *c, const unsigned char *p, size_t n) {
  while (n > 0) {
    if (c->rec_left == 0) {
      c->rec_hdr[c->rec_hdr_len++] = *p++; n--;
      if (c->rec_hdr_len == 5) {
        c->rec_type = c->rec_hdr[0];
        c->rec_left = ((size_t)c->rec_hdr[3] << 8) | c->rec_hdr[4];
        c->rec_hdr_len = 0;
        c->rec_start = 1;
        if (c->rec_type == 20) c->after_ccs = 1;
      }
      continue;
    }
    size_t k = n < c->rec_left ? n : c->rec_left;
    if (c->rec_type == 22 && !c->after_ccs) sniff_handshake(c, p, k);
    c->rec_left -= k; p += k; n -= k;
  }
}

static int sock_read(void *ctx, unsigned char *buf, size_t len) {
  conn *c = ctx;
  ssize_t n = recv(c->fd, buf, len, 0);
  if (n <= 0) return -1; /* EOF, error or timeout */
  sniff(c, buf, (size_t)n);
  return (int)n;
}

static int sock_write(void *ctx, const unsigned char *buf, size_t len) {
  ssize_t n = send(((conn *)ctx)->fd, buf, len, MSG_NOSIGNAL);
  return n > 0 ? (int)n : -1;
}

static unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];

static void run(const char *dir) {
  tls_scenario sc;
  tls_load_scenario(dir, &sc);
  br_x509_trust_anchor tas[TLS_MAX_FILES];
  size_t nta = 0;
  for (int i = 0; i < sc.ntrust; i++)
    if (make_ta(&sc.trust[i], &tas[nta]) == 0) nta++;

  static br_ssl_client_context cc;
  static br_x509_minimal_context xc;
  static wrap_x509 w;
  br_ssl_client_init_full(&cc, &xc, tas, nta);
  long long at = sc.at < 0 ? 0 : sc.at;
  br_x509_minimal_set_time(&xc, (uint32_t)(at / 86400 + 719528), (uint32_t)(at % 86400));
  memset(&w, 0, sizeof w);
  w.vtable = &wrap_vtable;
  w.inner = &xc;
  br_ssl_engine_set_x509(&cc.eng, &w.vtable);
  br_ssl_engine_set_buffer(&cc.eng, iobuf, sizeof iobuf, 1);

  int code = 0;
  const char *stage = "pre";
  static conn c;
  memset(&c, 0, sizeof c);
  c.fd = -1;
  if (!br_ssl_client_reset(&cc, sc.has_host ? sc.host : NULL, 0)) {
    code = br_ssl_engine_last_error(&cc.eng);
    goto out;
  }
  c.fd = tls_connect_local(sc.port);
  if (c.fd < 0) { code = BR_ERR_IO; goto out; }
  br_sslio_context ioc;
  br_sslio_init(&ioc, &cc.eng, sock_read, &c, sock_write, &c);
  int flushed = br_sslio_flush(&ioc);
  unsigned state = br_ssl_engine_current_state(&cc.eng);
  int ok = flushed == 0 && (state & BR_SSL_SENDAPP) != 0;
  int err = br_ssl_engine_last_error(&cc.eng);
  if (ok && err == BR_ERR_OK) { code = 0; stage = "done"; }
  /* The SSL engine checks the EE key's usages against the key exchange right after the
   * chain: that is still the certificate stage. */
  else if (w.ended && w.result == 0 && err == BR_ERR_WRONG_KEY_USAGE) { code = err; stage = "cert"; }
  else if (w.ended) { code = (int)w.result; stage = w.result ? "cert" : "post"; }
  else if (w.started || c.cert_msg_seen) { code = err; stage = "cert"; }
  /* BearSSL refuses an empty certificate list before the X.509 engine starts (UNEXPECTED). */
  else if (c.empty_cert_msg && err == BR_ERR_UNEXPECTED) { code = err; stage = "cert"; }
  else { code = err; stage = "pre"; }
  if (tls_debug_enabled())
    fprintf(stderr, "%s: flush %d state 0x%x last_error %d started %d ended %d end_chain %u cert_msg %d\n",
            dir, flushed, state, err, w.started, w.ended, w.result, c.cert_msg_seen);

out:
  printf("%d - %s\n", code, stage);
  if (c.fd >= 0) close(c.fd);
  for (size_t i = 0; i < nta; i++) free_ta(&tas[i]);
  tls_free_scenario(&sc);
}

int main(int argc, char **argv) {
  tls_harness_init();
  for (int i = 1; i < argc; i++) run(argv[i]);
  return 0;
}
