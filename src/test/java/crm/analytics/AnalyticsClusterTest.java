package crm.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import crm.bus.Addresses;
import crm.support.ClusterNode;
import crm.support.Inbox;
import crm.support.TestApp;
import crm.support.Wa;
import crm.whatsapp.WebhookPayloads;
import crm.whatsapp.WebhookSignature;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two clustered nodes (B on A's database through MONGO_URI): messages recorded and replies sent on either node are
 * counted once, whichever node folds (one at a time, under the cluster lock), and either node's dashboard shows them.
 */
class AnalyticsClusterTest {

  @Test
  void writes_on_both_nodes_are_counted_once_and_seen_on_both() throws Exception {
    String name = ClusterNode.randomClusterName();
    JsonObject common = TestApp.defaults().mergeIn(Wa.config());
    ClusterNode a = ClusterNode.start(common.copy(), name);
    ClusterNode b = null;
    try {
      b = ClusterNode.start(common.copy().put("MONGO_URI", a.mongoUri()), name);
      WebClient toA = client(a);
      WebClient toB = client(b);
      String admin = login(toA);
      List<String> phones = List.of(Inbox.phone(), Inbox.phone(), Inbox.phone());
      long at = Instant.now().getEpochSecond() - 600;
      for (int i = 0; i < phones.size(); i++) {
        post(i % 2 == 0 ? toA : toB, phones.get(i), at);
        post(i % 2 == 0 ? toB : toA, phones.get(i), at + 1);
      }
      MongoClient db = MongoClient.create(a.vertx(), new JsonObject().put("connection_string", a.mongoUri()).put("db_name", "crm"));
      for (int tries = 0; db.count("messages", new JsonObject()).await(10, TimeUnit.SECONDS) < 6 && tries < 200; tries++) {
        Thread.sleep(50); // polling the inbox's asynchronous processing, as Wa.await does
      }
      for (JsonObject c : db.find("conversations", new JsonObject()).await(10, TimeUnit.SECONDS)) {
        HttpResponse<Buffer> sent = toB.post("/api/v2/conversations/" + c.getString("_id") + "/messages")
            .putHeader("Authorization", "Bearer " + admin).sendJsonObject(new JsonObject().put("content", "Hola"))
            .await(30, TimeUnit.SECONDS);
        assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(201);
      }
      JsonObject flushed = request(b.vertx(), Addresses.ANALYTICS_FLUSH, new JsonObject().put("timeoutMs", 20_000));
      assertThat(flushed.getBoolean("caughtUp")).as("%s", flushed).isTrue();
      JsonObject recount = request(a.vertx(), Addresses.ANALYTICS_RECOUNT, new JsonObject());
      assertThat(recount.getJsonArray("differences")).isEmpty();
      assertThat(recount.getJsonArray("stateDifferences")).isEmpty();
      assertThat(recount.getLong("messages")).isEqualTo(9);
      for (WebClient node : List.of(toA, toB)) {
        JsonObject d = node.get("/api/v2/analytics/dashboard?tz=UTC").putHeader("Authorization", "Bearer " + admin).send()
            .await(30, TimeUnit.SECONDS).bodyAsJsonObject();
        // all-time counts and the last 30 days' rate (today's would depend on the run's minute: just after midnight UTC
        // the customers' messages, ten minutes old, are yesterday's)
        assertThat(d.getJsonObject("conversations").getLong("total")).isEqualTo(3);
        assertThat(d.getJsonObject("messages").getDouble("responseRate")).isEqualTo(100.0);
      }
    } finally {
      if (b != null) b.close();
      a.close();
    }
  }

  private static WebClient client(ClusterNode node) {
    return WebClient.create(node.vertx(), new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.port()));
  }

  private static String login(WebClient client) throws Exception {
    return client.post("/api/v2/auth/login").sendJsonObject(new JsonObject().put("email", TestApp.ADMIN_EMAIL)
        .put("password", TestApp.ADMIN_PASSWORD)).await(30, TimeUnit.SECONDS).bodyAsJsonObject().getString("token");
  }

  private static void post(WebClient client, String phone, long epochSeconds) throws Exception {
    byte[] bytes = WebhookPayloads.text(Inbox.PHONE_ID, phone, "Ana", Inbox.wamid(), "Hola", epochSeconds).encode()
        .getBytes(StandardCharsets.UTF_8);
    HttpResponse<Buffer> res = client.post("/webhooks/whatsapp").putHeader("Content-Type", "application/json")
        .putHeader("X-Hub-Signature-256", WebhookSignature.sign(Wa.APP_SECRET, bytes)).sendBuffer(Buffer.buffer(bytes))
        .await(30, TimeUnit.SECONDS);
    assertThat(res.statusCode()).isEqualTo(200);
  }

  private static JsonObject request(Vertx vertx, String address, JsonObject body) throws Exception {
    return vertx.eventBus().<JsonObject>request(address, body, new DeliveryOptions().setSendTimeout(60_000))
        .await(70, TimeUnit.SECONDS).body();
  }
}
