/* TLS client on real OpenSSL 3.0 (Debian libssl-dev), configured as a typical client:
 * TLS_client_method (TLS 1.2 and 1.3), security level 1 (upstream default; 2 when the mode
 * file says level2), a certificate store holding only the directory's trust certificates (no
 * default paths; a trust certificate with an aux-NN.der file carries those trust settings), SSL_VERIFY_PEER, the
 * validation time set from the at file, SSL_set1_host (DNS name) or
 * X509_VERIFY_PARAM_set1_ip_asc (IP text) when a host file exists, and SNI for DNS names.
 * A verify callback records that chain verification ran; a message callback records whether the
 * server's Certificate message arrived. Neither changes the library's decision.
 * Prints "<code> - <pre|cert|post|done>" per scenario directory: the X509_V_ERR_* number when
 * verification failed, or -<reason of the first queued error> when the handshake failed with
 * no verification (-SSL_get_error() when the queue is empty).
 * Build: cc -O1 -Wall -o tls_openssl tls_openssl.c -lssl -lcrypto */
#include "tls_common.h"
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

static struct {
  int callbacks;     /* verify callback calls */
  int cert_msg_seen; /* the server's Certificate handshake message was received */
} st;

static int verify_cb(int preverify_ok, X509_STORE_CTX *store) {
  st.callbacks++;
  if (tls_debug_enabled())
    fprintf(stderr, "  verify ok %d depth %d error %d\n", preverify_ok, X509_STORE_CTX_get_error_depth(store),
            X509_STORE_CTX_get_error(store));
  return preverify_ok;
}

static void msg_cb(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl, void *arg) {
  const unsigned char *p = buf;
  (void)version; (void)ssl; (void)arg;
  if (!write_p && content_type == SSL3_RT_HANDSHAKE && len > 0 && p[0] == SSL3_MT_CERTIFICATE)
    st.cert_msg_seen = 1;
}

static void run(const char *dir) {
  tls_scenario sc;
  tls_load_scenario(dir, &sc);
  memset(&st, 0, sizeof st);
  ERR_clear_error();
  long code = 0;
  const char *stage = "pre";
  int fd = -1;
  SSL *ssl = NULL;
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == NULL) { code = -SSL_ERROR_SSL; goto out; }
  char mode[32] = "";
  tls_read_text(dir, "mode", mode, sizeof mode);
  SSL_CTX_set_security_level(ctx, strcmp(mode, "level2") == 0 ? 2 : 1);
  X509_STORE *store = SSL_CTX_get_cert_store(ctx);
  for (int i = 0; i < sc.ntrust; i++) {
    /* aux-NN.der: the trust settings of a TRUSTED CERTIFICATE block, after its certificate,
     * read as PEM_read_bio_X509_AUX reads the block (d2i_X509_AUX). */
    char name[4096];
    int has_aux = 0;
    snprintf(name, sizeof name, "%s/aux-%02d.der", dir, i);
    tls_blob aux = tls_read_file(name, &has_aux);
    size_t n = sc.trust[i].len + (has_aux ? aux.len : 0);
    unsigned char *buf = sc.trust[i].data ? malloc(n ? n : 1) : NULL;
    X509 *x = NULL;
    if (buf) {
      memcpy(buf, sc.trust[i].data, sc.trust[i].len);
      if (has_aux && aux.data) memcpy(buf + sc.trust[i].len, aux.data, aux.len);
      const unsigned char *p = buf;
      x = has_aux ? d2i_X509_AUX(NULL, &p, (long)n) : d2i_X509(NULL, &p, (long)n);
      free(buf);
    }
    free(aux.data);
    if (x) { X509_STORE_add_cert(store, x); X509_free(x); }
  }
  ERR_clear_error(); /* unparseable trust certificates are skipped */
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
  ssl = SSL_new(ctx);
  if (ssl == NULL) { code = -SSL_ERROR_SSL; goto out; }
  SSL_set_msg_callback(ssl, msg_cb);
  X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_time(param, (time_t)sc.at);
  if (sc.has_host) {
    int ok = sc.host_is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, sc.host)
                           : SSL_set1_host(ssl, sc.host) && SSL_set_tlsext_host_name(ssl, sc.host);
    if (!ok) { code = -ERR_GET_REASON(ERR_peek_error()); goto out; }
  }
  fd = tls_connect_local(sc.port);
  if (fd < 0) { code = -SSL_ERROR_SYSCALL; goto out; }
  SSL_set_fd(ssl, fd);
  int ret = SSL_connect(ssl);
  if (ret == 1) { code = 0; stage = "done"; goto out; }
  if (st.callbacks) {
    code = SSL_get_verify_result(ssl);
    stage = code ? "cert" : "post";
  } else {
    /* The SSL layer's own reason is the last one queued (an ASN.1 reason may precede it). */
    unsigned long e = ERR_peek_last_error();
    code = e ? -(long)ERR_GET_REASON(e) : -(long)SSL_get_error(ssl, ret);
    stage = st.cert_msg_seen ? "cert" : "pre";
  }
  if (tls_debug_enabled()) {
    fprintf(stderr, "%s: callbacks %d cert_msg %d verify_result %ld\n", dir, st.callbacks, st.cert_msg_seen,
            SSL_get_verify_result(ssl));
    ERR_print_errors_fp(stderr);
  }

out:
  printf("%ld - %s\n", code, stage);
  if (ssl) SSL_free(ssl);
  if (ctx) SSL_CTX_free(ctx);
  if (fd >= 0) close(fd);
  ERR_clear_error();
  tls_free_scenario(&sc);
}

int main(int argc, char **argv) {
  tls_harness_init();
  for (int i = 1; i < argc; i++) run(argv[i]);
  return 0;
}
