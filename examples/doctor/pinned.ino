// ESP8266 (Arduino core, BearSSL): the server certificate pinned by its SHA-1 fingerprint,
// copied from the browser when the firmware was written. The server has renewed since.
#include <ESP8266WiFi.h>
#include <ESP8266HTTPClient.h>
#include <WiFiClientSecureBearSSL.h>

BearSSL::WiFiClientSecure client;

void setup() {
  client.setFingerprint("3A:51:9C:0D:77:E2:41:B8:65:0F:D2:9A:C4:13:8E:57:B0:6C:21:F9");
  HTTPClient https;
  https.begin(client, "https://iot.example.com/api/status");
  Serial.printf("GET -> %d\n", https.GET());
}

void loop() {}
