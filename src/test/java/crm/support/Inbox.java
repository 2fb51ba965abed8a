package crm.support;

import static org.assertj.core.api.Assertions.assertThat;

import crm.storage.Mongo;
import crm.whatsapp.WebhookPayloads;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.web.client.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Inbox test helpers over a running {@link TestApp}: customers, conversations and messages made the way production
 * makes them (signed WhatsApp webhooks), agents with tokens, and direct database writes for the few fields no route
 * sets yet (priority, tags, dates far in the past).
 */
public final class Inbox {
  public static final String PHONE_ID = "110200345678901";
  public static final String PASSWORD = "inbox-password-1";
  private static final Random RANDOM = new Random();
  private static final AtomicInteger SEQ = new AtomicInteger(RANDOM.nextInt(50_000_000));

  public final TestApp app;
  public final Wa wa;
  private final MongoClient db;

  public Inbox(TestApp app) {
    this.app = app;
    this.wa = new Wa(app);
    this.db = new Mongo(app.vertx, app.app.deployedConfig()).client();
  }

  /** A Mexican mobile number (52 + 10 digits, already canonical) that no other call in this JVM returns. */
  public static String phone() {
    return "5255" + String.format("%08d", SEQ.incrementAndGet());
  }

  public static String wamid() {
    return "wamid.TEST" + UUID.randomUUID().toString().replace("-", "");
  }

  /** A short lower-case word that matches nothing else stored: for searches and tags. */
  public static String token() {
    StringBuilder sb = new StringBuilder("zq");
    for (int i = 0; i < 8; i++) sb.append((char) ('a' + RANDOM.nextInt(26)));
    return sb.toString();
  }

  public static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  // ---- inbound messages, as WhatsApp sends them

  /** One customer text message, sent now; waits until it is stored and returns the stored message document. */
  public JsonObject inbound(String from, String profileName, String text) {
    return inbound(from, profileName, text, Instant.now().getEpochSecond());
  }

  public JsonObject inbound(String from, String profileName, String text, long epochSeconds) {
    String id = wamid();
    HttpResponse<Buffer> res = wa.post(WebhookPayloads.text(PHONE_ID, from, profileName, id, text, epochSeconds));
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    return stored(id);
  }

  /** Several text messages from one customer in one webhook body, all with the same timestamp; returns them stored, in order. */
  public List<JsonObject> inboundBatch(String from, String profileName, List<String> texts, long epochSeconds) {
    JsonArray messages = new JsonArray();
    List<String> ids = texts.stream().map(t -> wamid()).toList();
    for (int i = 0; i < texts.size(); i++) {
      messages.add(new JsonObject().put("from", from).put("id", ids.get(i)).put("timestamp", String.valueOf(epochSeconds))
          .put("type", "text").put("text", new JsonObject().put("body", texts.get(i))));
    }
    HttpResponse<Buffer> res = wa.post(WebhookPayloads.notification(PHONE_ID, from, profileName, messages, null));
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    return ids.stream().map(this::stored).toList();
  }

  /** The stored message with this WhatsApp id, once it is stored (at most 10 s). */
  public JsonObject stored(String wamid) {
    List<JsonObject> found = wa.await("messages", new JsonObject().put("whatsappMessageId", wamid), l -> !l.isEmpty());
    assertThat(found).as("message %s stored", wamid).hasSize(1);
    return found.get(0);
  }

  /** Waits until the conversation counts {@code n} messages (its counters move after the message is stored). */
  public JsonObject awaitMessageCount(String conversationId, int n) {
    List<JsonObject> found = wa.await("conversations", new JsonObject().put("_id", conversationId),
        l -> !l.isEmpty() && l.get(0).getInteger("messageCount", 0) >= n);
    assertThat(found.get(0).getInteger("messageCount")).as("messageCount of %s", conversationId).isEqualTo(n);
    return found.get(0);
  }

  // ---- direct database writes, for setup only

  public void set(String collection, String id, JsonObject set) {
    try {
      db.updateCollection(collection, new JsonObject().put("_id", id), new JsonObject().put("$set", set)).await(10, TimeUnit.SECONDS);
      if (collection.equals("conversations")) { // behind the inbox's back: its in-memory list index reads it again
        app.vertx.eventBus().request(crm.bus.Addresses.CONVERSATION_REINDEX, new JsonObject()
                .put("ids", new io.vertx.core.json.JsonArray().add(id)))
            .otherwise(err -> null) // no index in use (INBOX_LIST_INDEX=database): nothing to tell
            .await(10, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public JsonObject doc(String collection, String id) {
    List<JsonObject> found = wa.find(collection, new JsonObject().put("_id", id));
    return found.isEmpty() ? null : found.get(0);
  }

  // ---- agents

  public record Agent(String id, String email, String role, String token) {}

  /** A new agent of this role (through the API, as admin), logged in. */
  public Agent agent(String adminToken, String role) {
    String email = role + "-" + token() + "@crm.test";
    JsonObject a = app.createAgent(adminToken, email.toLowerCase(Locale.ROOT), PASSWORD, role);
    String token = app.login(email, PASSWORD).getString("token");
    return new Agent(a.getString("_id"), email, role, token);
  }

  /** Asserts the status and returns the JSON body. */
  public static JsonObject json(HttpResponse<Buffer> res, int status) {
    assertThat(res.statusCode()).as("status of %s", res.bodyAsString()).isEqualTo(status);
    assertThat(res.getHeader("Content-Type")).startsWith("application/json");
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.getValue("success")).as("success in %s", body).isEqualTo(true);
    return body;
  }

  /** The {@code _id}s of a JSON array of objects, in order. */
  public static List<String> ids(JsonArray items) {
    return items.stream().map(o -> ((JsonObject) o).getString("_id")).toList();
  }

  /** A value of this field for each object of the array, in order. */
  public static List<Object> values(JsonArray items, String field) {
    return items.stream().map(o -> ((JsonObject) o).getValue(field)).toList();
  }
}
