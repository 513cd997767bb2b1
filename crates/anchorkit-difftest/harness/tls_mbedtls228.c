/* TLS client on real Mbed TLS 2.28 (Debian libmbedtls-dev), configured the way an embedded
 * device configures it by default: mbedtls_ssl_config_defaults(CLIENT, STREAM, PRESET_DEFAULT),
 * authmode REQUIRED, the directory's trust certificates as the only CA chain, ctr_drbg +
 * entropy, mbedtls_ssl_set_hostname(host) when a host file exists. The certificate validity
 * clock is the process clock: run under faketime. The handshake is driven step by step so a
 * failure can be attributed to the state it happened in (SERVER_CERTIFICATE = stage cert).
 * Prints "<code> <verify flags or -> <pre|cert|post|done>" per scenario directory.
 * Build: cc -O1 -Wall -o tls_mbedtls228 tls_mbedtls228.c -lmbedtls -lmbedx509 -lmbedcrypto */
#include "tls_common.h"
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

static int bio_send(void *ctx, const unsigned char *buf, size_t len) {
  int fd = *(int *)ctx;
  ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
  if (n >= 0) return (int)n;
  if (errno == EAGAIN || errno == EWOULDBLOCK) return MBEDTLS_ERR_SSL_TIMEOUT;
  return MBEDTLS_ERR_NET_SEND_FAILED;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len) {
  int fd = *(int *)ctx;
  ssize_t n = recv(fd, buf, len, 0);
  if (n >= 0) return (int)n; /* 0 = EOF, reported by Mbed TLS as MBEDTLS_ERR_SSL_CONN_EOF */
  if (errno == EAGAIN || errno == EWOULDBLOCK) return MBEDTLS_ERR_SSL_TIMEOUT;
  return MBEDTLS_ERR_NET_RECV_FAILED;
}

static void run(const char *dir) {
  tls_scenario sc;
  tls_load_scenario(dir, &sc);
  mbedtls_x509_crt ca;
  mbedtls_x509_crt_init(&ca);
  int parsed = 0, first_err = 0;
  for (int i = 0; i < sc.ntrust; i++) {
    int r = mbedtls_x509_crt_parse_der(&ca, sc.trust[i].data, sc.trust[i].len);
    if (r == 0) parsed++;
    else if (!first_err) first_err = r;
  }
  if (!parsed) {
    /* Like harness/mbedtls228.c: no usable CA list, the device cannot connect at all. */
    printf("%d - cert\n", first_err ? first_err : MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED);
    mbedtls_x509_crt_free(&ca);
    tls_free_scenario(&sc);
    return;
  }

  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_ssl_config conf;
  mbedtls_ssl_context ssl;
  mbedtls_entropy_init(&entropy);
  mbedtls_ctr_drbg_init(&drbg);
  mbedtls_ssl_config_init(&conf);
  mbedtls_ssl_init(&ssl);
  int fd = -1, ret;
  const char *stage = "pre";
  int reached_cert = 0;

  static const unsigned char pers[] = "anchorkit-tls-mbedtls228";
  if ((ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, pers, sizeof pers - 1)) != 0) goto out;
  if ((ret = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                         MBEDTLS_SSL_PRESET_DEFAULT)) != 0)
    goto out;
  mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_ca_chain(&conf, &ca, NULL);
  mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
  if ((ret = mbedtls_ssl_setup(&ssl, &conf)) != 0) goto out;
  if (sc.has_host && (ret = mbedtls_ssl_set_hostname(&ssl, sc.host)) != 0) goto out;
  fd = tls_connect_local(sc.port);
  if (fd < 0) { ret = MBEDTLS_ERR_NET_CONNECT_FAILED; goto out; }
  mbedtls_ssl_set_bio(&ssl, &fd, bio_send, bio_recv, NULL);

  ret = 0;
  for (int steps = 0; ssl.state != MBEDTLS_SSL_HANDSHAKE_OVER; steps++) {
    int state = ssl.state;
    if (steps > 1000) { ret = MBEDTLS_ERR_SSL_INTERNAL_ERROR; break; } /* cannot happen */
    ret = mbedtls_ssl_handshake_step(&ssl);
    if (state >= MBEDTLS_SSL_SERVER_CERTIFICATE) reached_cert = 1;
    if (ret != 0) {
      stage = state < MBEDTLS_SSL_SERVER_CERTIFICATE ? "pre"
            : state == MBEDTLS_SSL_SERVER_CERTIFICATE ? "cert" : "post";
      break;
    }
  }
  if (ret == 0) stage = "done";

out:
  if (reached_cert) {
    uint32_t flags = mbedtls_ssl_get_verify_result(&ssl);
    printf("%d %u %s\n", strcmp(stage, "post") == 0 ? 0 : ret, (unsigned)flags, stage);
  } else {
    printf("%d - %s\n", ret, stage);
  }
  if (tls_debug_enabled() && ret != 0) fprintf(stderr, "%s: mbedtls -0x%04x in stage %s\n", dir, (unsigned)-ret, stage);
  mbedtls_ssl_free(&ssl);
  mbedtls_ssl_config_free(&conf);
  mbedtls_ctr_drbg_free(&drbg);
  mbedtls_entropy_free(&entropy);
  mbedtls_x509_crt_free(&ca);
  if (fd >= 0) close(fd);
  tls_free_scenario(&sc);
}

int main(int argc, char **argv) {
  tls_harness_init();
  for (int i = 1; i < argc; i++) run(argv[i]);
  return 0;
}
