// NodeMCU (ESP8266) -> https://optimized.realyze.com/api/status
//
// v1 pinned the server certificate's SHA-1 fingerprint (openssl x509 -noout -fingerprint -sha1).
// That stops working every time Let's Encrypt renews the certificate (90 days),
// so TRUST_MODE 2 trusts the ISRG root instead. Needs the clock set first.

#include <ESP8266WiFi.h>
#include <ESP8266HTTPClient.h>
#include <WiFiClientSecureBearSSL.h>
#include <time.h>

#define WIFI_SSID "shed"
#define WIFI_PASS "********"

#define TRUST_MODE 2  // 0: fingerprint string, 1: fingerprint bytes, 2: root CA

const char* host = "optimized.realyze.com";

// the same SHA-1 as below, as bytes
static const uint8_t fp[20] = {0xAE, 0x9B, 0x81, 0x0E, 0x96, 0xB3, 0xAA, 0x1C, 0x41, 0xCA, 0x5A, 0x01, 0xE0, 0x31, 0xFD, 0xC6, 0x29, 0xC0, 0x58, 0x50};

// SHA-256 of the same certificate. BearSSL here only pins SHA-1,
// this one is for the ESP32 build (WiFiClientSecure::verify wants SHA-256).
const char fingerprint[] PROGMEM = "A8FF22DB251DC7D18AA4BC58012B06751F36617E139273FCDE271AD42C0D0763";

static const char ISRG_ROOT_PEM[] PROGMEM = R"CERT(
-----BEGIN CERTIFICATE-----
MIIFazCCA1OgAwIBAgIRAIIQz7DSQONZRGPgu2OCiwAwDQYJKoZIhvcNAQELBQAw
TzELMAkGA1UEBhMCVVMxKTAnBgNVBAoTIEludGVybmV0IFNlY3VyaXR5IFJlc2Vh
cmNoIEdyb3VwMRUwEwYDVQQDEwxJU1JHIFJvb3QgWDEwHhcNMTUwNjA0MTEwNDM4
WhcNMzUwNjA0MTEwNDM4WjBPMQswCQYDVQQGEwJVUzEpMCcGA1UEChMgSW50ZXJu
ZXQgU2VjdXJpdHkgUmVzZWFyY2ggR3JvdXAxFTATBgNVBAMTDElTUkcgUm9vdCBY
MTCCAiIwDQYJKoZIhvcNAQEBBQADggIPADCCAgoCggIBAK3oJHP0FDfzm54rVygc
h77ct984kIxuPOZXoHj3dcKi/vVqbvYATyjb3miGbESTtrFj/RQSa78f0uoxmyF+
0TM8ukj13Xnfs7j/EvEhmkvBioZxaUpmZmyPfjxwv60pIgbz5MDmgK7iS4+3mX6U
A5/TR5d8mUgjU+g4rk8Kb4Mu0UlXjIB0ttov0DiNewNwIRt18jA8+o+u3dpjq+sW
T8KOEUt+zwvo/7V3LvSye0rgTBIlDHCNAymg4VMk7BPZ7hm/ELNKjD+Jo2FR3qyH
B5T0Y3HsLuJvW5iB4YlcNHlsdu87kGJ55tukmi8mxdAQ4Q7e2RCOFvu396j3x+UC
B5iPNgiV5+I3lg02dZ77DnKxHZu8A/lJBdiB3QW0KtZB6awBdpUKD9jf1b0SHzUv
KBds0pjBqAlkd25HN7rOrFleaJ1/ctaJxQZBKT5ZPt0m9STJEadao0xAH0ahmbWn
OlFuhjuefXKnEgV4We0+UXgVCwOPjdAvBbI+e0ocS3MFEvzG6uBQE3xDk3SzynTn
jh8BCNAw1FtxNrQHusEwMFxIt4I7mKZ9YIqioymCzLq9gwQbooMDQaHWBfEbwrbw
qHyGO0aoSCqI3Haadr8faqU9GY/rOPNk3sgrDQoo//fb4hVC1CLQJ13hef4Y53CI
rU7m2Ys6xt0nUW7/vGT1M0NPAgMBAAGjQjBAMA4GA1UdDwEB/wQEAwIBBjAPBgNV
HRMBAf8EBTADAQH/MB0GA1UdDgQWBBR5tFnme7bl5AFzgAiIyBpY9umbbjANBgkq
hkiG9w0BAQsFAAOCAgEAVR9YqbyyqFDQDLHYGmkgJykIrGF1XIpu+ILlaS/V9lZL
ubhzEFnTIZd+50xx+7LSYK05qAvqFyFWhfFQDlnrzuBZ6brJFe+GnY+EgPbk6ZGQ
3BebYhtF8GaV0nxvwuo77x/Py9auJ/GpsMiu/X1+mvoiBOv/2X/qkSsisRcOj/KK
NFtY2PwByVS5uCbMiogziUwthDyC3+6WVwW6LLv3xLfHTjuCvjHIInNzktHCgKQ5
ORAzI4JMPJ+GslWYHb4phowim57iaztXOoJwTdwJx4nLCgdNbOhdjsnvzqvHu7Ur
TkXWStAmzOVyyghqpZXjFaH3pO3JLF+l+/+sKAIuvtd7u+Nxe5AW0wdeRlN8NwdC
jNPElpzVmbUq4JUagEiuTDkHzsxHpFKVK7q4+63SM1N95R1NbdWhscdCb+ZAJzVc
oyi3B43njTOQ5yOf+1CceWxG1bQVs5ZufpsMljq4Ui0/1lvh+wjChP4kqKOJ2qxq
4RgqsahDYVvTH9w7jXbyLeiNdd8XM2w9U/t7y0Ff/9yi0GE44Za4rF2LN9d11TPA
mRGunUHBcnWEvgJBQl9nJEiU0Zsnvgc/ubhPgXRR4Xq37Z0j4r7g1SgEEzwxA57d
emyPxgcYxn/eR44/KJ4EBs+lVDR3veyJm+kXQ99b21/+jh5Xos1AnX5iItreGCc=
-----END CERTIFICATE-----
)CERT";

BearSSL::X509List cert(ISRG_ROOT_PEM);
BearSSL::WiFiClientSecure client;

static void waitForClock() {
  configTime(0, 0, "pool.ntp.org");
  while (time(nullptr) < 1600000000) {  // anything before 2020 means "not synced yet"
    delay(250);
  }
}

void setup() {
  Serial.begin(115200);
  WiFi.mode(WIFI_STA);
  WiFi.begin(WIFI_SSID, WIFI_PASS);
  while (WiFi.status() != WL_CONNECTED) {
    delay(300);
  }

#if TRUST_MODE == 0
  client.setFingerprint("AE:9B:81:0E:96:B3:AA:1C:41:CA:5A:01:E0:31:FD:C6:29:C0:58:50");
#elif TRUST_MODE == 1
  client.setFingerprint(fp);
#else
  waitForClock();
  client.setTrustAnchors(&cert);
#endif

  HTTPClient https;
  if (https.begin(client, host, 443, "/api/status", true)) {
    int code = https.GET();
    Serial.printf("GET /api/status -> %d\n", code);
    if (code == HTTP_CODE_OK) {
      Serial.println(https.getString());
    }
    https.end();
  }
}

void loop() {}
