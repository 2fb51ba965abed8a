package crm.whatsapp;

import static org.assertj.core.api.Assertions.assertThat;

import crm.bus.Addresses;
import crm.support.FakeGraphApi;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** An image from a customer: stored at once as pending, fetched from the (fake) Graph API, served to agents. */
class InboundMediaTest {
  static FakeGraphApi fake;
  static TestApp app;
  static Wa wa;
  static final List<JsonObject> updates = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    fake = FakeGraphApi.startOwn();
    app = TestApp.start(Wa.config().mergeIn(fake.config()).put("WHATSAPP_RETRY_BASE_MS", 5).put("WHATSAPP_SEND_MAX_ATTEMPTS", 2));
    wa = new Wa(app);
    app.vertx.eventBus().<JsonObject>consumer(Addresses.EVT_MESSAGE_UPDATED, m -> updates.add(m.body()));
  }

  @AfterAll
  static void stop() {
    app.close();
    fake.close();
  }

  static JsonObject imageWebhook(String wamid, String mediaId, String sha256Base64) {
    JsonObject msg = new JsonObject().put("from", "525511112222").put("id", wamid)
        .put("timestamp", String.valueOf(Instant.now().getEpochSecond())).put("type", "image")
        .put("image", new JsonObject().put("id", mediaId).put("mime_type", "image/jpeg").put("sha256", sha256Base64)
            .put("caption", "foto del medidor"));
    return WebhookPayloads.notification(FakeGraphApi.PHONE_NUMBER_ID, "525511112222", "Medidor", new JsonArray().add(msg), null);
  }

  static byte[] bytes(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  static String base64Sha(byte[] b) throws Exception {
    return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(b));
  }

  @Test
  void an_image_is_downloaded_stored_and_served_to_agents() throws Exception {
    byte[] jpeg = bytes(300_000);
    fake.addMedia("MEDIA-OK-1", jpeg, "image/jpeg");
    String wamid = "wamid.IMG" + System.nanoTime();
    assertThat(wa.post(imageWebhook(wamid, "MEDIA-OK-1", base64Sha(jpeg))).statusCode()).isEqualTo(200);

    List<JsonObject> found = wa.await("messages", new JsonObject().put("whatsappMessageId", wamid),
        l -> !l.isEmpty() && "ready".equals(l.get(0).getJsonArray("attachments").getJsonObject(0).getString("status")));
    JsonObject message = found.get(0);
    assertThat(message.getString("type")).isEqualTo("image");
    assertThat(message.getString("content")).isEqualTo("foto del medidor");
    JsonObject att = message.getJsonArray("attachments").getJsonObject(0);
    assertThat(att.getString("status")).isEqualTo("ready");
    assertThat(att.getLong("size")).isEqualTo(300_000L);
    assertThat(att.getString("mimeType")).isEqualTo("image/jpeg");
    assertThat(att.getString("url")).startsWith("/api/v2/media/");
    assertThat(att.getString("filename")).isNotBlank();

    HttpResponse<Buffer> served = app.get(att.getString("url"), app.adminToken());
    assertThat(served.statusCode()).isEqualTo(200);
    assertThat(served.getHeader("Content-Type")).startsWith("image/jpeg");
    assertThat(served.body().getBytes()).isEqualTo(jpeg);
    assertThat(app.get(att.getString("url"), null).statusCode()).isEqualTo(401);

    // in the API the attachment is a signed link made when it is read: an <img src> works without the agent's token
    JsonObject listed = app.get("/api/v2/conversations/" + message.getString("conversationId") + "/messages", app.adminToken())
        .bodyAsJsonObject().getJsonArray("messages").stream().map(o -> (JsonObject) o)
        .filter(m -> message.getString("_id").equals(m.getString("_id"))).findFirst().orElseThrow();
    String link = listed.getJsonArray("attachments").getJsonObject(0).getString("url");
    assertThat(link).contains("/api/v2/files/" + att.getString("fileId") + "?exp=").contains("&sig=");
    HttpResponse<Buffer> viaLink = app.get(link.substring(link.indexOf("/api/v2/")), null);
    assertThat(viaLink.statusCode()).isEqualTo(200);
    assertThat(viaLink.body().getBytes()).isEqualTo(jpeg);
    assertThat(app.get(link.substring(link.indexOf("/api/v2/")).replace("sig=", "sig=A"), null).statusCode()).isEqualTo(403);

    assertThat(updates.stream().anyMatch(u -> message.getString("_id").equals(u.getJsonObject("message").getString("_id"))
        && "ready".equals(u.getJsonObject("message").getJsonArray("attachments").getJsonObject(0).getString("status")))).isTrue();
    assertThat(wa.count("media_jobs", new JsonObject().put("messageId", message.getString("_id")))).isZero();
  }

  @Test
  void a_hash_mismatch_marks_the_attachment_failed_but_keeps_the_message() throws Exception {
    byte[] data = bytes(5_000);
    fake.addMedia("MEDIA-BAD-HASH", data, "image/jpeg");
    String wamid = "wamid.HASH" + System.nanoTime();
    wa.post(imageWebhook(wamid, "MEDIA-BAD-HASH", base64Sha(bytes(4_999))));
    List<JsonObject> found = wa.await("messages", new JsonObject().put("whatsappMessageId", wamid),
        l -> !l.isEmpty() && "failed".equals(l.get(0).getJsonArray("attachments").getJsonObject(0).getString("status")));
    JsonObject att = found.get(0).getJsonArray("attachments").getJsonObject(0);
    assertThat(att.getString("status")).isEqualTo("failed");
    assertThat(att.getString("error")).isEqualTo("sha256_mismatch");
    assertThat(found.get(0).getString("content")).isEqualTo("foto del medidor");
  }

  @Test
  void a_temporary_failure_leaves_the_attachment_pending_with_a_job_for_the_sweep() throws Exception {
    byte[] data = bytes(2_000);
    fake.addMedia("MEDIA-FLAKY", data, "image/jpeg");
    fake.failNextMediaLookups(2, 500); // both attempts of the first run fail
    String wamid = "wamid.FLAKY" + System.nanoTime();
    wa.post(imageWebhook(wamid, "MEDIA-FLAKY", base64Sha(data)));
    List<JsonObject> jobs = wa.await("media_jobs", new JsonObject(), l -> l.stream().anyMatch(j -> j.getInteger("runs", 0) == 1));
    JsonObject job = jobs.stream().filter(j -> j.getInteger("runs", 0) == 1).findFirst().orElseThrow();
    assertThat(job.getJsonObject("attachment").getString("mediaId")).isEqualTo("MEDIA-FLAKY");
    JsonObject message = wa.find("messages", new JsonObject().put("whatsappMessageId", wamid)).get(0);
    assertThat(message.getJsonArray("attachments").getJsonObject(0).getString("status")).isEqualTo("pending");
  }
}
