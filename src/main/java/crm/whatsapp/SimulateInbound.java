package crm.whatsapp;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * {@code scripts/simulate-inbound PHONE "text" [NAME]}: posts a correctly signed WhatsApp webhook carrying one text
 * message to a running server, as Meta would. Server URL from CRM_URL (default http://localhost:5000); app secret from
 * WHATSAPP_APP_SECRET, else the one the server generated in CRM_DATA_DIR (default ./data).
 */
public final class SimulateInbound {
  private SimulateInbound() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: scripts/simulate-inbound PHONE \"text\" [PROFILE_NAME]");
      System.exit(64);
    }
    String url = System.getenv().getOrDefault("CRM_URL", "http://localhost:5000") + WebhookRoutes.PATH;
    String secret = System.getenv("WHATSAPP_APP_SECRET");
    if (secret == null || secret.isBlank()) {
      Path file = Path.of(System.getenv().getOrDefault("CRM_DATA_DIR", "./data"), "whatsapp-app-secret");
      if (!Files.exists(file)) {
        System.err.println("No WHATSAPP_APP_SECRET and no " + file + ": start the server once (scripts/run), or set it");
        System.exit(2);
      }
      secret = Files.readString(file, StandardCharsets.UTF_8).trim();
    }
    String phoneNumberId = System.getenv().getOrDefault("WHATSAPP_PHONE_NUMBER_ID", "100000000000000");
    String from = args[0].replaceAll("[^0-9]", "");
    String wamid = "wamid.SIM" + UUID.randomUUID().toString().replace("-", "").toUpperCase();
    String body = WebhookPayloads.text(phoneNumberId, from, args.length > 2 ? args[2] : null, wamid, args[1],
        Instant.now().getEpochSecond()).encode();
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .header("X-Hub-Signature-256", WebhookSignature.sign(secret, bytes))
        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build();
    HttpResponse<String> res = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
        .send(request, HttpResponse.BodyHandlers.ofString());
    System.out.println(res.statusCode() + " " + res.body() + "  (" + wamid + " from " + from + ")");
    System.exit(res.statusCode() == 200 ? 0 : 1);
  }
}
