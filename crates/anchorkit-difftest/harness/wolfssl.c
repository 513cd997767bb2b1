/* Real wolfSSL 5.5 (Debian libwolfssl-dev, built with WOLFSSL_ALT_CERT_CHAINS) on scenario
 * directories, reproducing what a TLS client's ProcessPeerCerts does with a CertManager: the
 * trust list is loaded as user CAs (dates checked at load time, as wolfSSL does by default);
 * the served chain is verified top down, each CA that verifies is added as a temporary signer,
 * a CA failing only with ASN_NO_SIGNER_E is skipped (alternate chains); then the leaf is
 * verified and its name checked (DOMAIN_NAME_MISMATCH). The clock is the process clock: run
 * under faketime. Prints the wolfSSL error code (0 = trusted) per directory. */
#include "common.h"
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/error-ssl.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

static void run(const char *dir) {
  blob trust[MAX_FILES], chain[MAX_FILES];
  int nt = read_set(dir, "trust-", trust), nc = read_set(dir, "chain-", chain);
  char host[512];
  read_text(dir, "host", host, sizeof host);
  WOLFSSL_CERT_MANAGER *cm = wolfSSL_CertManagerNew();
  int ret = 0;
  for (int i = 0; i < nt; i++)
    (void)wolfSSL_CertManagerLoadCABuffer(cm, trust[i].data, (long)trust[i].len, WOLFSSL_FILETYPE_ASN1);
  for (int i = nc - 1; i >= 1; i--) {
    int r = wolfSSL_CertManagerVerifyBuffer(cm, chain[i].data, (long)chain[i].len, WOLFSSL_FILETYPE_ASN1);
    if (r == WOLFSSL_SUCCESS) {
      /* ProcessPeerCerts adds a chain certificate as a signer only when it is a CA with
       * keyCertSign (when keyUsage is present). */
      WOLFSSL_X509 *x = wolfSSL_X509_load_certificate_buffer(chain[i].data, (int)chain[i].len, WOLFSSL_FILETYPE_ASN1);
      int add = 1;
      if (x) {
        unsigned int ku = wolfSSL_X509_get_keyUsage(x);
        add = wolfSSL_X509_get_isCA(x) && (ku == 0 || (ku & KEYUSE_KEY_CERT_SIGN));
        wolfSSL_X509_free(x);
      }
      if (add) (void)wolfSSL_CertManagerLoadCABuffer(cm, chain[i].data, (long)chain[i].len, WOLFSSL_FILETYPE_ASN1);
    } else if (r != ASN_NO_SIGNER_E) {
      ret = r;
      goto out;
    }
  }
  if (nc > 0) {
    int r = wolfSSL_CertManagerVerifyBuffer(cm, chain[0].data, (long)chain[0].len, WOLFSSL_FILETYPE_ASN1);
    if (r != WOLFSSL_SUCCESS) { ret = r; goto out; }
    if (host[0]) {
      /* The handshake matches names on its decoded certificate; here the X509 API does it. It
       * cannot load Ed25519 certificates, which are then not name-checked. */
      WOLFSSL_X509 *x = wolfSSL_X509_load_certificate_buffer(chain[0].data, (int)chain[0].len, WOLFSSL_FILETYPE_ASN1);
      if (x && wolfSSL_X509_check_host(x, host, strlen(host), 0, NULL) != WOLFSSL_SUCCESS) ret = DOMAIN_NAME_MISMATCH;
      if (x) wolfSSL_X509_free(x);
    }
  }
out:
  printf("%d -\n", ret);
  wolfSSL_CertManagerFree(cm);
  for (int i = 0; i < nt; i++) free(trust[i].data);
  for (int i = 0; i < nc; i++) free(chain[i].data);
}

int main(int argc, char **argv) {
  wolfSSL_Init();
  for (int i = 1; i < argc; i++) run(argv[i]);
  wolfSSL_Cleanup();
  return 0;
}
