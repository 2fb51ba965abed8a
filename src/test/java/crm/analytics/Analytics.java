package crm.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import crm.bus.Addresses;
import crm.storage.Mongo;
import crm.support.Inbox;
import crm.support.TestApp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Analytics test helpers over a running {@link TestApp}: raw conversations, messages and tickets written straight into
 * the database at chosen times (what the folder counts from), the marks that tell analytics about them, a flush that
 * waits until everything is counted, the dashboard over HTTP and the recount.
 */
final class Analytics {
  final TestApp app;
  final MongoClient db;

  Analytics(TestApp app) {
    this.app = app;
    this.db = new Mongo(app.vertx, app.app.deployedConfig()).client();
  }

  static Instant at(String iso) {
    return Instant.parse(iso);
  }

  /** A conversation document (customer included) created at {@code created}; returns its id. */
  String conversation(Instant created, String status, String agentId) {
    String customerId = Mongo.newId();
    String id = Mongo.newId();
    String phone = Inbox.phone();
    JsonObject customer = new JsonObject().put("_id", customerId).put("phoneNumber", phone).put("waId", phone)
        .put("firstName", "Ana").put("lastName", "Pérez").put("tags", new JsonArray()).put("isBlocked", false)
        .put("createdAt", Mongo.date(created)).put("updatedAt", Mongo.date(created));
    JsonObject conv = new JsonObject().put("_id", id).put("customerId", customerId).put("status", status)
        .put("priority", "medium").put("tags", new JsonArray()).put("messageCount", 0).put("messageSeq", 0)
        .put("unreadCount", 0).put("isAIEnabled", false).put("metadata", new JsonObject())
        .put("createdAt", Mongo.date(created)).put("updatedAt", Mongo.date(created));
    if (agentId != null) conv.put("assignedAgentId", agentId);
    await(db.insert("customers", customer));
    await(db.insert("conversations", conv));
    return id;
  }

  /** Appends a message to the conversation (the next number); {@code sentBy}, {@code waType} may be null. */
  void message(String conversationId, Instant at, boolean inbound, String agentId, String sentBy, String waType) {
    JsonObject conv = await(db.findOneAndUpdate("conversations", new JsonObject().put("_id", conversationId),
        new JsonObject().put("$inc", new JsonObject().put("messageSeq", 1).put("messageCount", 1))));
    long seq = conv.getLong("messageSeq") + 1;
    JsonObject metadata = new JsonObject().put("waType", waType == null ? "text" : waType);
    if (sentBy != null) metadata.put("sentBy", sentBy);
    JsonObject m = new JsonObject().put("_id", Mongo.newId()).put("conversationId", conversationId)
        .put("customerId", conv.getString("customerId")).put("direction", inbound ? "inbound" : "outbound")
        .put("type", "text").put("content", "hola").put("seq", seq).put("seqKey", conversationId + ":" + seq)
        .put("state", new JsonObject().put("rank", 20).put("status", "delivered")).put("metadata", metadata)
        .put("timestamp", Mongo.date(at)).put("createdAt", Mongo.date(at)).put("updatedAt", Mongo.date(at));
    if (inbound) m.put("whatsappMessageId", Inbox.wamid());
    if (agentId != null) m.put("agentId", agentId);
    await(db.insert("messages", m));
  }

  void inbound(String conversationId, String iso) {
    message(conversationId, at(iso), true, null, null, null);
  }

  void reply(String conversationId, String iso, String agentId) {
    message(conversationId, at(iso), false, agentId, null, null);
  }

  /** A ticket document; {@code resolutionMs} null for none. */
  String ticket(Instant created, String status, String agentId, Long resolutionMs) {
    String id = Mongo.newId();
    JsonObject t = new JsonObject().put("_id", id).put("ticketId", "TICKET-" + id.substring(16).toUpperCase())
        .put("businessType", "general").put("customerId", Mongo.newId()).put("subject", "s").put("description", "d")
        .put("category", "general").put("priority", "medium").put("status", status).put("notes", new JsonArray())
        .put("history", new JsonArray()).put("reopenCount", 0).put("createdAt", Mongo.date(created)).put("updatedAt", Mongo.date(created));
    if (agentId != null) t.put("assignedAgentId", agentId);
    if (resolutionMs != null) t.put("resolutionMs", resolutionMs).put("resolvedAt", Mongo.date(created.plusMillis(resolutionMs)));
    await(db.insert("tickets", t));
    return id;
  }

  void mark(List<String> conversations, List<String> tickets) {
    request(Addresses.ANALYTICS_MARK, new JsonObject().put("conversations", new JsonArray(conversations))
        .put("tickets", new JsonArray(tickets)));
  }

  /** Folds until everything marked is counted (fails the test when it cannot within 20 s). */
  void flush() {
    JsonObject res = request(Addresses.ANALYTICS_FLUSH, new JsonObject().put("timeoutMs", 20_000));
    assertThat(res.getBoolean("caughtUp")).as("analytics caught up: %s", res).isTrue();
  }

  /** Recounts from the raw collections and asserts the kept rollups and states are exactly that. */
  JsonObject assertRecountMatches() {
    JsonObject res = request(Addresses.ANALYTICS_RECOUNT, new JsonObject());
    assertThat(res.getJsonArray("differences")).as("rollups differing from the recount").isEmpty();
    assertThat(res.getJsonArray("stateDifferences")).as("states differing from the recount").isEmpty();
    return res;
  }

  JsonObject dashboard(String token, String query) {
    return Inbox.json(app.get("/api/v2/analytics/dashboard" + query, token), 200);
  }

  JsonObject request(String address, JsonObject body) {
    try {
      return app.vertx.eventBus().<JsonObject>request(address, body, new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(60_000))
          .await(70, TimeUnit.SECONDS).body();
    } catch (Exception e) {
      throw new IllegalStateException(address + " failed", e);
    }
  }

  static <T> T await(io.vertx.core.Future<T> f) {
    try {
      return f.await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The chart's averageTime per hour, as a 24-element array. */
  static double[] byHour(JsonObject dashboard) {
    JsonArray points = dashboard.getJsonObject("charts").getJsonArray("responseTimesByHour");
    assertThat(points).hasSize(24);
    double[] out = new double[24];
    for (int h = 0; h < 24; h++) {
      assertThat(points.getJsonObject(h).getInteger("hour")).isEqualTo(h);
      out[h] = points.getJsonObject(h).getDouble("averageTime");
    }
    return out;
  }

  /** The chart's {date: count}. */
  static java.util.Map<String, Long> byDay(JsonObject dashboard) {
    java.util.Map<String, Long> out = new java.util.LinkedHashMap<>();
    for (Object o : dashboard.getJsonObject("charts").getJsonArray("conversationsOverTime")) {
      JsonObject p = (JsonObject) o;
      out.put(p.getString("date"), p.getLong("count"));
    }
    return out;
  }
}
