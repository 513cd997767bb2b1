/* Real Mbed TLS 2.28 (Debian libmbedtls-dev) on scenario directories. The clock is the process
 * clock: run under faketime. Prints "<return code> <flags>" per directory, reproducing the
 * client handshake around mbedtls_x509_crt_verify_with_profile as the Mbed TLS 3.6 harness does
 * (2.28 has no hostname requirement). */
#include "common.h"
#include <mbedtls/x509_crt.h>
#include <mbedtls/oid.h>
#include <mbedtls/ssl.h>

static void run(const char *dir) {
  blob trust[MAX_FILES], chain[MAX_FILES];
  int nt = read_set(dir, "trust-", trust), nc = read_set(dir, "chain-", chain);
  char host[512];
  read_text(dir, "host", host, sizeof host);
  mbedtls_x509_crt crt, ca;
  mbedtls_x509_crt_init(&crt);
  mbedtls_x509_crt_init(&ca);
  int parsed = 0, first_err = 0;
  for (int i = 0; i < nt; i++) {
    int r = mbedtls_x509_crt_parse_der(&ca, trust[i].data, trust[i].len);
    if (r == 0) parsed++;
    else if (!first_err) first_err = r;
  }
  if (!parsed) { printf("%d -\n", first_err ? first_err : MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED); goto done; }
  for (int i = 0; i < nc; i++) {
    int r = mbedtls_x509_crt_parse_der(&crt, chain[i].data, chain[i].len);
    if (r == MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG + MBEDTLS_ERR_OID_NOT_FOUND) continue;
    if (r != 0) { printf("%d -\n", r); goto done; }
  }
  if (crt.raw.p == NULL) { printf("%d -\n", MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE); goto done; }
  uint32_t flags = 0;
  int ret = mbedtls_x509_crt_verify_with_profile(&crt, &ca, NULL, &mbedtls_x509_crt_profile_default,
                                                 host[0] ? host : NULL, &flags, NULL, NULL);
  if (ret != MBEDTLS_ERR_X509_FATAL_ERROR) {
    uint32_t extra = 0;
    if (mbedtls_x509_crt_check_key_usage(&crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) != 0) extra |= MBEDTLS_X509_BADCERT_KEY_USAGE;
    if (mbedtls_x509_crt_check_extended_key_usage(&crt, MBEDTLS_OID_SERVER_AUTH, MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)) != 0)
      extra |= MBEDTLS_X509_BADCERT_EXT_KEY_USAGE;
    if (extra) { flags |= extra; if (ret == 0) ret = MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE; }
  }
  printf("%d %u\n", ret, flags);
done:
  mbedtls_x509_crt_free(&crt);
  mbedtls_x509_crt_free(&ca);
  for (int i = 0; i < nt; i++) free(trust[i].data);
  for (int i = 0; i < nc; i++) free(chain[i].data);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) run(argv[i]);
  return 0;
}
