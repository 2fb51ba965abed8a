package crm.assistant;

import static org.assertj.core.api.Assertions.assertThat;

import crm.support.ClusterNode;
import crm.support.FakeGraphApi;
import crm.support.FakeLlm;
import crm.support.Inbox;
import crm.support.TestApp;
import crm.support.Wa;
import crm.whatsapp.WebhookPayloads;
import crm.whatsapp.WebhookSignature;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two clustered nodes sharing one database, webhooks spread over both: every customer message is answered exactly
 * once, by one node, and a customer whose messages land on both nodes at once still gets one answer per turn, in order.
 */
class AssistantClusterTest {
  static final String CLUSTER = ClusterNode.randomClusterName();
  static JsonObject common;
  static ClusterNode a;
  static ClusterNode b;
  static FakeGraphApi graph;
  static FakeLlm llm;
  static WebClient client;

  @BeforeAll
  static void startCluster() throws Exception {
    graph = FakeGraphApi.startOwn();
    llm = FakeLlm.startOwn();
    common = TestApp.defaults().mergeIn(Wa.config()).mergeIn(graph.config()).mergeIn(llm.config()).put("WHATSAPP_RETRY_BASE_MS", 5);
    a = ClusterNode.start(common.copy(), CLUSTER);
    b = ClusterNode.start(common.copy().put("MONGO_URI", a.mongoUri()), CLUSTER);
    assertThat(b.cluster().getNodes()).hasSize(2);
    client = WebClient.create(a.vertx());
  }

  @AfterAll
  static void stopCluster() {
    if (b != null) b.close();
    if (a != null) a.close();
    if (llm != null) llm.close();
    if (graph != null) graph.close();
    if (common != null) TestApp.deleteTree(Path.of(common.getString("CRM_DATA_DIR")));
  }

  static void post(ClusterNode node, String phone, String text) throws Exception {
    byte[] body = WebhookPayloads.text(Inbox.PHONE_ID, phone, "Cliente " + phone, Inbox.wamid(), text, Instant.now().getEpochSecond())
        .encode().getBytes(StandardCharsets.UTF_8);
    int status = client.post(node.port(), "127.0.0.1", "/webhooks/whatsapp").putHeader("Content-Type", "application/json")
        .putHeader("X-Hub-Signature-256", WebhookSignature.sign(Wa.APP_SECRET, body)).sendBuffer(Buffer.buffer(body))
        .await(20, TimeUnit.SECONDS).statusCode();
    assertThat(status).isEqualTo(200);
  }

  /**
   * Waits until neither node has anything of the assistant's pending or held. A reply reaches the Graph API before its
   * turn lets go, so what was sent by then is all there is.
   */
  static void settled() throws Exception {
    io.vertx.ext.mongo.MongoClient db = io.vertx.ext.mongo.MongoClient.create(a.vertx(),
        new JsonObject().put("connection_string", a.mongoUri()).put("db_name", common.getString("MONGO_DB", "crm")));
    try {
      JsonObject busy = new JsonObject().put("$or", new io.vertx.core.json.JsonArray()
          .add(new JsonObject().put("pending", true)).add(new JsonObject().put("claimToken", new JsonObject().put("$exists", true))));
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (db.count("assistant_work", busy).await(10, TimeUnit.SECONDS) > 0) {
        assertThat(System.nanoTime()).as("the assistant settles within 20 s").isLessThan(deadline);
        Thread.sleep(50);
      }
    } finally {
      db.close();
    }
  }

  static Map<String, List<String>> repliesByPhone() {
    return graph.sentMessages().stream().filter(m -> "text".equals(m.getString("type")))
        .collect(Collectors.groupingBy(m -> m.getString("to"), Collectors.mapping(m -> m.getJsonObject("text").getString("body"),
            Collectors.toList())));
  }

  @Test
  void each_message_is_answered_once_whichever_node_received_it() throws Exception {
    llm.respondWith(req -> FakeLlm.Reply.text("Respuesta a: " + req.lastMessage().getString("content")).delay(100));
    List<String> phones = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      String phone = Inbox.phone();
      phones.add(phone);
      post(i % 2 == 0 ? a : b, phone, "Hola " + i);
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline && !phones.stream().allMatch(p -> repliesByPhone().containsKey(p))) Thread.sleep(50);
    settled();
    Map<String, List<String>> replies = repliesByPhone();
    for (int i = 0; i < phones.size(); i++) {
      assertThat(replies.get(phones.get(i))).as("replies to customer %d", i).containsExactly("Respuesta a: Hola " + i);
    }
  }

  @Test
  void a_customer_writing_to_both_nodes_at_once_is_answered_in_order_and_never_twice() throws Exception {
    llm.respondWith(req -> FakeLlm.Reply.text("Respuesta a: " + req.lastMessage().getString("content")).delay(300));
    llm.clearRequests();
    String phone = Inbox.phone();
    post(a, phone, "Uno");
    llm.awaitRequests(1, Duration.ofSeconds(10));
    post(b, phone, "Dos"); // lands on the other node while node a's turn runs
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline && repliesByPhone().getOrDefault(phone, List.of()).size() < 2) Thread.sleep(50);
    settled();
    assertThat(repliesByPhone().get(phone)).containsExactly("Respuesta a: Uno", "Respuesta a: Dos");
  }
}
