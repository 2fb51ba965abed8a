package crm.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import crm.bus.Addresses;
import crm.storage.EmbeddedMongo;
import crm.support.Inbox;
import crm.support.TestApp;
import crm.support.Wa;
import crm.whatsapp.WebhookPayloads;
import crm.whatsapp.WebhookSignature;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The rollups equal a recount from the raw collections after random writes through the real paths, several at once:
 * inbound webhooks of one to three messages, agents' replies, the assistant's replies, conversations resolved (the next
 * message opens a new one), tickets created, resolved with the WhatsApp notice (not a reply) and reopened by the
 * customer, webhooks delivered twice; and a webhook replayed after a crash is counted once.
 */
class RollupRecountTest {

  @Test
  void random_writes_leave_the_rollups_equal_to_a_recount() throws Exception {
    long seed = Long.getLong("analytics.seed", System.nanoTime());
    Random random = new Random(seed);
    try (TestApp app = TestApp.start(Wa.config())) {
      Analytics a = new Analytics(app);
      Inbox inbox = new Inbox(app);
      String admin = app.adminToken();
      List<Inbox.Agent> agents = List.of(inbox.agent(admin, "agent"), inbox.agent(admin, "agent"), inbox.agent(admin, "supervisor"));
      List<String> phones = new ArrayList<>();
      for (int i = 0; i < 6; i++) phones.add(Inbox.phone());
      List<JsonObject> posted = new ArrayList<>();
      for (int round = 0; round < 30; round++) {
        Map<String, String> active = activeConversations(app, admin);
        List<Future<?>> ops = new ArrayList<>();
        // the first rounds make every kind of write (inbound first, so that there are conversations), then at random
        int n = round == 0 ? 6 : round == 1 ? 10 : 2 + random.nextInt(4);
        for (int i = 0; i < n; i++) {
          int kind = round == 0 ? 0 : round == 1 ? i : random.nextInt(10);
          String phone = phones.get(random.nextInt(phones.size()));
          String conversation = active.get(phone);
          if (kind < 4 || conversation == null) {
            JsonObject body = webhook(phone, 1 + random.nextInt(3), random);
            posted.add(body);
            ops.add(post(app, body));
          } else if (kind == 4 && !posted.isEmpty()) {
            ops.add(post(app, posted.get(random.nextInt(posted.size())))); // delivered again
          } else if (kind <= 6) {
            Inbox.Agent agent = agents.get(random.nextInt(agents.size()));
            ops.add(send(app, "POST", "/api/v2/conversations/" + conversation + "/assign", admin,
                    new JsonObject().put("agentId", agent.id()).put("force", true))
                .compose(r -> send(app, "POST", "/api/v2/conversations/" + conversation + "/messages", agent.token(),
                    new JsonObject().put("content", "Con gusto le ayudo"))));
          } else if (kind == 7) {
            ops.add(app.vertx.eventBus().request(Addresses.WHATSAPP_SEND, new JsonObject().put("type", "text")
                .put("conversationId", conversation).put("content", "Soy el asistente").put("sentBy", "assistant")
                .put("idempotencyKey", "assistant:" + conversation + ":" + round + ":" + i)));
          } else if (kind == 8) {
            ops.add(send(app, "PUT", "/api/v2/conversations/" + conversation + "/status", admin,
                new JsonObject().put("status", random.nextBoolean() ? "resolved" : "closed")));
          } else {
            ops.add(ticket(app, admin, conversation, agents.get(random.nextInt(agents.size())), round == 1 ? 0 : random.nextInt(3)));
          }
        }
        Future.join(ops).await(60, TimeUnit.SECONDS);
        if (round == 0) inbox.wa.awaitProcessed(); // round 1 writes to the conversations round 0 opened
        if (round % 10 == 9) {
          inbox.wa.awaitProcessed();
          a.flush();
          assertMatches(a, seed);
        }
      }
      inbox.wa.awaitProcessed();
      a.flush();
      JsonObject recount = assertMatches(a, seed);
      assertThat(recount.getLong("messages")).as("seed %s", seed).isEqualTo(inbox.wa.count("messages", new JsonObject()));
      assertThat(recount.getLong("conversations")).isEqualTo(inbox.wa.count("conversations", new JsonObject()));
      // all-time counts (not today's: a run just after midnight has customer messages of yesterday)
      JsonObject d = a.dashboard(admin, "?tz=UTC");
      // the writes did what they are for (round 1 makes each kind once): replies answered messages, a ticket was resolved
      assertThat(d.getJsonObject("messages").getDouble("averageResponseTime")).as("seed %s", seed).isPositive();
      assertThat(d.getJsonObject("tickets").getLong("resolved")).as("seed %s", seed).isPositive();
      assertThat(d.getJsonObject("conversations").getLong("total")).isEqualTo(inbox.wa.count("conversations", new JsonObject()));
    }
  }

  @Test
  void a_webhook_replayed_after_a_crash_is_counted_once() throws Exception {
    Path dir = Files.createTempDirectory("crm-analytics-replay");
    JsonObject cfg = Wa.config().put("CRM_DB_BACKEND", "h2").put("CRM_DATA_DIR", dir.toString());
    String phone = Inbox.phone();
    JsonObject body = webhook(phone, 2, new Random(7));
    try {
      try (TestApp first = TestApp.start(cfg)) {
        Analytics a = new Analytics(first);
        assertThat(new Wa(first).post(body).statusCode()).isEqualTo(200);
        new Wa(first).awaitProcessed();
        a.flush();
        assertThat(a.assertRecountMatches().getLong("messages")).isEqualTo(2);
      }
      // the state a crash after processing but before the body was removed leaves: the body still stored
      JsonObject stored = new JsonObject().put("_id", "0123456789abcdef01234567")
          .put("bodies", new JsonArray().add(body.encode())).put("count", 1)
          .put("receivedAt", new JsonObject().put("$date", Instant.now().toString()));
      EmbeddedMongo db = EmbeddedMongo.h2(dir);
      Vertx vertx = Vertx.vertx();
      try {
        MongoClient client = MongoClient.create(vertx, new JsonObject().put("connection_string", db.connectionString()).put("db_name", "crm"));
        client.insert("webhook_events", stored).await(10, TimeUnit.SECONDS);
        client.close().await(10, TimeUnit.SECONDS);
        db.commit();
      } finally {
        vertx.close().await(10, TimeUnit.SECONDS);
        db.close();
      }
      try (TestApp second = TestApp.start(cfg)) {
        Analytics a = new Analytics(second);
        Wa wa = new Wa(second);
        wa.awaitProcessed();
        a.flush();
        assertThat(wa.count("messages", new JsonObject())).isEqualTo(2);
        JsonObject d = a.dashboard(second.adminToken(), "?tz=UTC");
        assertThat(d.getJsonObject("conversations").getLong("total")).isEqualTo(1);
        // the two messages counted once: the recount from the raw collections is what the rollups hold
        assertThat(a.assertRecountMatches().getLong("messages")).isEqualTo(2);
      }
    } finally {
      TestApp.deleteTree(dir);
    }
  }

  @Test
  void a_customer_reopening_a_ticket_is_counted() throws Exception {
    try (TestApp app = TestApp.start(Wa.config())) {
      Analytics a = new Analytics(app);
      Inbox inbox = new Inbox(app);
      String admin = app.adminToken();
      Inbox.Agent agent = inbox.agent(admin, "agent");
      String phone = Inbox.phone();
      JsonObject first = inbox.inbound(phone, "Ana", "Se fue la luz");
      JsonObject t = new JsonObject().put("customerId", first.getString("customerId")).put("conversationId", first.getString("conversationId"))
          .put("subject", "Falla").put("description", "Sin luz").put("category", "technical_issue").put("assignedAgent", agent.id());
      String id = Inbox.json(app.post("/api/v2/tickets", admin, t), 201).getJsonObject("ticket").getString("_id");
      Inbox.json(app.put("/api/v2/tickets/" + id + "/resolve", admin, new JsonObject().put("resolutionSummary", "Listo")), 200);
      a.flush();
      JsonObject resolved = a.dashboard(admin, "?tz=UTC");
      assertThat(resolved.getJsonObject("tickets").getLong("resolved")).isEqualTo(1);
      // the customer writes again: the ticket reopens (after the message is recorded, on its own)
      inbox.inbound(phone, "Ana", "Sigue sin luz");
      inbox.wa.await("tickets", new JsonObject().put("_id", id).put("status", "open"), l -> !l.isEmpty());
      a.flush();
      JsonObject reopened = a.dashboard(admin, "?tz=UTC");
      assertThat(reopened.getJsonObject("tickets")).isEqualTo(new JsonObject().put("total", 1).put("open", 1).put("resolved", 0)
          .put("averageResolutionTime", 0.0));
      assertMatches(a, 0);
    }
  }

  @Test
  void a_conversation_opened_by_a_send_that_is_then_refused_is_counted() throws Exception {
    try (TestApp app = TestApp.start(Wa.config())) {
      Analytics a = new Analytics(app);
      String admin = app.adminToken();
      String phone = Inbox.phone();
      Inbox.json(app.post("/api/v2/customers", admin, new JsonObject().put("phoneNumber", phone).put("firstName", "Ana")), 201);
      // a send by phone opens the customer's conversation, then is refused: the customer never wrote (24 h window)
      Throwable refused = app.vertx.eventBus().request(Addresses.WHATSAPP_SEND, new JsonObject().put("type", "text")
          .put("to", phone).put("content", "Hola")).map(m -> (Throwable) null).otherwise(err -> err).await(30, TimeUnit.SECONDS);
      assertThat(refused).as("the send is refused").isNotNull();
      assertThat(new Wa(app).count("conversations", new JsonObject())).isEqualTo(1);
      a.flush();
      assertMatches(a, 0);
      assertThat(a.dashboard(admin, "?tz=UTC").getJsonObject("conversations").getLong("total")).isEqualTo(1);
    }
  }

  private static JsonObject assertMatches(Analytics a, long seed) {
    JsonObject res = a.request(Addresses.ANALYTICS_RECOUNT, new JsonObject());
    assertThat(res.getJsonArray("differences")).as("rollups differing from the recount (seed %s)", seed).isEmpty();
    assertThat(res.getJsonArray("stateDifferences")).as("states differing from the recount (seed %s)", seed).isEmpty();
    return res;
  }

  /** phone -> the customer's active conversation id. */
  private static Map<String, String> activeConversations(TestApp app, String admin) {
    JsonObject res = Inbox.json(app.get("/api/v2/conversations?limit=100", admin), 200);
    Map<String, String> out = new HashMap<>();
    for (Object o : res.getJsonArray("conversations")) {
      JsonObject c = (JsonObject) o;
      if (!List.of("open", "assigned").contains(c.getString("status"))) continue;
      out.put(c.getJsonObject("customer").getString("phoneNumber"), c.getString("_id"));
    }
    return out;
  }

  /**
   * One webhook body of {@code n} text messages from {@code phone}, written one to two hours ago: before any ticket of
   * the test was resolved, so none reopens one behind the test's back (the reopening runs after the message is
   * recorded, on its own; {@link #a_customer_reopening_a_ticket_is_counted} waits for it).
   */
  private static JsonObject webhook(String phone, int n, Random random) {
    return webhook(phone, n, random, Instant.now().getEpochSecond() - 3600);
  }

  private static JsonObject webhook(String phone, int n, Random random, long before) {
    JsonArray messages = new JsonArray();
    for (int i = 0; i < n; i++) {
      messages.add(new JsonObject().put("from", phone).put("id", Inbox.wamid()).put("timestamp", String.valueOf(before - random.nextInt(3600)))
          .put("type", "text").put("text", new JsonObject().put("body", "Hola " + i)));
    }
    return WebhookPayloads.notification(Inbox.PHONE_ID, phone, "Cliente Prueba", messages, null);
  }

  private static Future<HttpResponse<Buffer>> post(TestApp app, JsonObject body) {
    byte[] bytes = body.encode().getBytes(StandardCharsets.UTF_8);
    return app.client.post("/webhooks/whatsapp").putHeader("Content-Type", "application/json")
        .putHeader("X-Hub-Signature-256", WebhookSignature.sign(Wa.APP_SECRET, bytes)).sendBuffer(Buffer.buffer(bytes));
  }

  private static Future<HttpResponse<Buffer>> send(TestApp app, String method, String path, String token, JsonObject body) {
    return app.client.request(io.vertx.core.http.HttpMethod.valueOf(method), path).putHeader("Authorization", "Bearer " + token)
        .sendJsonObject(body);
  }

  /** A ticket on the conversation, assigned to {@code agent}; then resolved with the notice, or moved on, or left. */
  private static Future<?> ticket(TestApp app, String admin, String conversation, Inbox.Agent agent, int next) {
    return send(app, "GET", "/api/v2/conversations/" + conversation, admin, new JsonObject()).compose(r -> {
      if (r.statusCode() != 200) return Future.succeededFuture();
      String customerId = r.bodyAsJsonObject().getJsonObject("conversation").getJsonObject("customer").getString("_id");
      JsonObject t = new JsonObject().put("customerId", customerId).put("conversationId", conversation).put("subject", "Falla")
          .put("description", "No funciona").put("category", "technical_issue").put("assignedAgent", agent.id());
      return app.client.post("/api/v2/tickets").putHeader("Authorization", "Bearer " + admin).sendJsonObject(t).compose(created -> {
        if (created.statusCode() != 201) return Future.succeededFuture();
        String id = created.bodyAsJsonObject().getJsonObject("ticket").getString("_id");
        if (next == 0) {
          return send(app, "PUT", "/api/v2/tickets/" + id + "/resolve", admin, new JsonObject().put("resolutionSummary", "Listo"));
        }
        if (next == 1) return send(app, "PUT", "/api/v2/tickets/" + id + "/status", admin, new JsonObject().put("status", "in_progress"));
        return Future.succeededFuture();
      });
    });
  }
}
