/* Real BearSSL 0.6 (Debian libbearssl-dev): br_x509_minimal with trust anchors built as the
 * ESP8266 Arduino core builds them (DN + key, BR_X509_TA_CA only for CA certificates).
 * Prints the end_chain code per scenario directory (0 = trusted). */
#include "common.h"
#include <bearssl.h>

typedef struct { unsigned char buf[4096]; size_t len; } dnbuf;

static void dn_append(void *ctx, const void *data, size_t len) {
  dnbuf *d = ctx;
  if (d->len + len <= sizeof d->buf) { memcpy(d->buf + d->len, data, len); d->len += len; }
}

static int make_ta(const blob *der, br_x509_trust_anchor *ta) {
  dnbuf *dn = calloc(1, sizeof *dn);
  br_x509_decoder_context dc;
  br_x509_decoder_init(&dc, dn_append, dn);
  br_x509_decoder_push(&dc, der->data, der->len);
  br_x509_pkey *pk = br_x509_decoder_get_pkey(&dc);
  if (pk == NULL) { free(dn); return -1; }
  ta->dn.data = dn->buf;
  ta->dn.len = dn->len;
  ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
  ta->pkey.key_type = pk->key_type;
  if (pk->key_type == BR_KEYTYPE_RSA) {
    unsigned char *n = malloc(pk->key.rsa.nlen), *e = malloc(pk->key.rsa.elen);
    memcpy(n, pk->key.rsa.n, pk->key.rsa.nlen);
    memcpy(e, pk->key.rsa.e, pk->key.rsa.elen);
    ta->pkey.key.rsa.n = n; ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
    ta->pkey.key.rsa.e = e; ta->pkey.key.rsa.elen = pk->key.rsa.elen;
  } else {
    unsigned char *q = malloc(pk->key.ec.qlen);
    memcpy(q, pk->key.ec.q, pk->key.ec.qlen);
    ta->pkey.key.ec.curve = pk->key.ec.curve;
    ta->pkey.key.ec.q = q; ta->pkey.key.ec.qlen = pk->key.ec.qlen;
  }
  return 0;
}

static void run(const char *dir) {
  blob trust[MAX_FILES], chain[MAX_FILES];
  int nt = read_set(dir, "trust-", trust), nc = read_set(dir, "chain-", chain);
  char host[512], at[64];
  read_text(dir, "host", host, sizeof host);
  read_text(dir, "at", at, sizeof at);
  long long t = atoll(at);
  br_x509_trust_anchor tas[MAX_FILES];
  int n = 0;
  for (int i = 0; i < nt; i++) if (make_ta(&trust[i], &tas[n]) == 0) n++;
  br_x509_minimal_context ctx;
  br_x509_minimal_init_full(&ctx, tas, (size_t)n);
  br_x509_minimal_set_time(&ctx, (uint32_t)(t / 86400 + 719528), (uint32_t)(t % 86400));
  const br_x509_class **vt = &ctx.vtable;
  (*vt)->start_chain(vt, host[0] ? host : NULL);
  for (int i = 0; i < nc; i++) {
    (*vt)->start_cert(vt, (uint32_t)chain[i].len);
    (*vt)->append(vt, chain[i].data, chain[i].len);
    (*vt)->end_cert(vt);
  }
  printf("%u -\n", (*vt)->end_chain(vt));
  for (int i = 0; i < nt; i++) free(trust[i].data);
  for (int i = 0; i < nc; i++) free(chain[i].data);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) run(argv[i]);
  return 0;
}
