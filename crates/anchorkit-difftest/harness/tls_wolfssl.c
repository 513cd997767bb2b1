/* TLS client on real wolfSSL: Debian's 5.5.4 (libwolfssl-dev) or 5.9.4 built from source with
 * its defaults (crates.io's wolfssl-sys source tree, see src/real.rs), configured the way an embedded
 * device configures it: wolfSSLv23_client_method (TLS 1.2 and 1.3), the directory's trust
 * certificates loaded with wolfSSL_CTX_load_verify_buffer (failures ignored, no system CAs),
 * WOLFSSL_VERIFY_PEER, wolfSSL_check_domain_name(host) when a host file exists and SNI for DNS
 * names. The certificate validity clock is the process clock: run under faketime.
 * A verify callback (Debian builds with WOLFSSL_ALWAYS_VERIFY_CB, so it also runs on success)
 * records failures and the acceptance of the depth-0 certificate. Whether the server's
 * Certificate message arrived is told by the message callback (TLS 1.2 only: wolfSSL does not
 * report received TLS 1.3 handshake messages) or by the peer chain wolfSSL stores (SESSION_CERTS)
 * as it reads each certificate entry, before parsing it. Nothing changes the library's decision.
 * Prints "<code> - <pre|cert|post|done>" per scenario directory.
 * Build: cc -O1 -Wall -o tls_wolfssl tls_wolfssl.c -lwolfssl */
#include "tls_common.h"
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/error-ssl.h>

static struct {
  int verify_failed;  /* callback saw preverify_ok = 0 */
  int verify_error;   /* its wolfSSL_X509_STORE_CTX_get_error */
  int verify_depth;
  int leaf_ok;        /* callback saw depth 0 with preverify_ok = 1 */
  int callbacks;      /* callback calls */
  int cert_msg_seen;  /* the server's Certificate handshake message was received */
  int peer_entries;   /* certificate entries wolfSSL stored from that message */
} st;

static int verify_cb(int preverify_ok, WOLFSSL_X509_STORE_CTX *store) {
  int depth = store ? wolfSSL_X509_STORE_CTX_get_error_depth(store) : -1;
  st.callbacks++;
  if (!preverify_ok) {
    if (!st.verify_failed) {
      st.verify_failed = 1;
      st.verify_error = store ? wolfSSL_X509_STORE_CTX_get_error(store) : 0;
      st.verify_depth = depth;
    }
  } else if (depth == 0) {
    st.leaf_ok = 1;
  }
  return preverify_ok;
}

static void msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
                   WOLFSSL *ssl, void *arg) {
  const unsigned char *p = buf;
  (void)version; (void)ssl; (void)arg;
  if (!write_p && content_type == 22 /* handshake */ && len > 0 && p[0] == 11 /* certificate */)
    st.cert_msg_seen = 1;
  if (tls_debug_enabled())
    fprintf(stderr, "  msg %s type %d len %zu first %d\n", write_p ? "out" : "in", content_type, len,
            len > 0 ? p[0] : -1);
}

/* Socket I/O like wolfSSL's default callbacks, except that a receive/send timeout ends the
 * handshake (the default callbacks report WANT_READ, which wolfSSL_connect retries on a
 * blocking socket, for minutes). */
static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx) {
  (void)ssl;
  ssize_t n = recv(*(int *)ctx, buf, (size_t)sz, 0);
  if (n > 0) return (int)n;
  if (n == 0) return WOLFSSL_CBIO_ERR_CONN_CLOSE;
  if (errno == EAGAIN || errno == EWOULDBLOCK) return WOLFSSL_CBIO_ERR_TIMEOUT;
  if (errno == ECONNRESET) return WOLFSSL_CBIO_ERR_CONN_RST;
  return WOLFSSL_CBIO_ERR_GENERAL;
}

static int io_send(WOLFSSL *ssl, char *buf, int sz, void *ctx) {
  (void)ssl;
  ssize_t n = send(*(int *)ctx, buf, (size_t)sz, MSG_NOSIGNAL);
  if (n >= 0) return (int)n;
  if (errno == EAGAIN || errno == EWOULDBLOCK) return WOLFSSL_CBIO_ERR_TIMEOUT;
  if (errno == ECONNRESET) return WOLFSSL_CBIO_ERR_CONN_RST;
  if (errno == EPIPE) return WOLFSSL_CBIO_ERR_CONN_CLOSE;
  return WOLFSSL_CBIO_ERR_GENERAL;
}

#ifndef OPENSSL_EXTRA
/* wolfCrypt's certificate decoding and signature errors (-140 .. -299) and the TLS layer's
 * certificate errors. */
static int cert_stage_code(int code) {
  if (code <= -140 && code >= -299) return 1;
  switch (code) {
  case DOMAIN_NAME_MISMATCH: case EXTKEYUSE_AUTH_E: case KEYUSE_SIGNATURE_E:
  case RSA_KEY_SIZE_E: case ECC_KEY_SIZE_E: case PEER_KEY_ERROR: case NOT_CA_ERROR:
  case MAX_CHAIN_ERROR: case BUFFER_E:
    return 1;
  default:
    return 0;
  }
}
#endif

static void run(const char *dir) {
  tls_scenario sc;
  tls_load_scenario(dir, &sc);
  memset(&st, 0, sizeof st);
  int code = 0, fd = -1;
  const char *stage = "pre";
  WOLFSSL *ssl = NULL;
  WOLFSSL_CTX *ctx = wolfSSL_CTX_new(wolfSSLv23_client_method());
  if (ctx == NULL) { code = MEMORY_E; goto out; }
  for (int i = 0; i < sc.ntrust; i++)
    (void)wolfSSL_CTX_load_verify_buffer(ctx, sc.trust[i].data, (long)sc.trust[i].len, WOLFSSL_FILETYPE_ASN1);
  wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, verify_cb);
  ssl = wolfSSL_new(ctx);
  if (ssl == NULL) { code = MEMORY_E; goto out; }
#ifdef OPENSSL_EXTRA
  wolfSSL_set_msg_callback(ssl, msg_cb);
#else
  (void)msg_cb;
#endif
  if (sc.has_host) {
    int r = wolfSSL_check_domain_name(ssl, sc.host);
#ifdef HAVE_SNI
    if (r == WOLFSSL_SUCCESS && !sc.host_is_ip)
      r = wolfSSL_UseSNI(ssl, WOLFSSL_SNI_HOST_NAME, sc.host, (unsigned short)strlen(sc.host));
#endif
    /* A host the library refuses to check (wolfSSL 5.9 takes only host names): the name
     * decision, made before connecting. */
    if (r != WOLFSSL_SUCCESS) { code = r == WOLFSSL_FAILURE ? WOLFSSL_FATAL_ERROR : r; stage = "cert"; goto out; }
  }
  fd = tls_connect_local(sc.port);
  if (fd < 0) { code = SOCKET_ERROR_E; goto out; }
  wolfSSL_SSLSetIORecv(ssl, io_recv);
  wolfSSL_SSLSetIOSend(ssl, io_send);
  wolfSSL_SetIOReadCtx(ssl, &fd);
  wolfSSL_SetIOWriteCtx(ssl, &fd);
  int ret = wolfSSL_connect(ssl);
  if (ret == WOLFSSL_SUCCESS) { code = 0; stage = "done"; goto out; }
  code = wolfSSL_get_error(ssl, ret);
#ifdef SESSION_CERTS
  WOLFSSL_X509_CHAIN *chain = wolfSSL_get_peer_chain(ssl);
  st.peer_entries = chain ? wolfSSL_get_chain_count(chain) : 0;
#endif
  if (st.verify_failed) stage = "cert";
  else if (st.leaf_ok) { code = 0; stage = "post"; }
  else if (st.cert_msg_seen || st.peer_entries > 0 || st.callbacks) stage = "cert";
  /* The server's handshake message (its Certificate) was too large to receive. */
  else if (code == HANDSHAKE_SIZE_ERROR) stage = "cert";
  /* An empty Certificate message from the server: refused before any callback. */
  else if (code == NO_PEER_CERT) stage = "cert";
#ifndef OPENSSL_EXTRA
  /* Builds without OPENSSL_EXTRA have no message callback, and a certificate that does not
   * decode fails before any verify callback: the code tells the certificate stage. */
  else if (cert_stage_code(code)) stage = "cert";
#endif
  else stage = "pre";

out:
  printf("%d - %s\n", code, stage);
  if (tls_debug_enabled())
    fprintf(stderr, "%s: callbacks %d verify_failed %d (error %d depth %d) leaf_ok %d cert_msg %d entries %d\n",
            dir, st.callbacks, st.verify_failed, st.verify_error, st.verify_depth, st.leaf_ok, st.cert_msg_seen,
            st.peer_entries);
  if (ssl) wolfSSL_free(ssl);
  if (ctx) wolfSSL_CTX_free(ctx);
  if (fd >= 0) close(fd);
  tls_free_scenario(&sc);
}

int main(int argc, char **argv) {
  tls_harness_init();
  wolfSSL_Init();
  for (int i = 1; i < argc; i++) run(argv[i]);
  wolfSSL_Cleanup();
  return 0;
}
