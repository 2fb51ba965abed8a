package crm.assistant;

import crm.support.FakeGraphApi;
import crm.support.FakeLlm;
import crm.support.Inbox;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/** The application wired to a fake Graph API and a fake model ({@link FakeLlm}), for the assistant's tests. */
final class AssistantFixture implements AutoCloseable {
  final FakeGraphApi graph;
  final FakeLlm llm;
  final TestApp app;
  final Inbox inbox;

  private AssistantFixture(FakeGraphApi graph, FakeLlm llm, TestApp app) {
    this.graph = graph;
    this.llm = llm;
    this.app = app;
    this.inbox = new Inbox(app);
  }

  static AssistantFixture start(JsonObject overrides) {
    return start(overrides, vertx -> { });
  }

  static AssistantFixture start(JsonObject overrides, Consumer<Vertx> beforeStart) {
    FakeGraphApi graph = FakeGraphApi.startOwn();
    FakeLlm llm = FakeLlm.startOwn();
    TestApp app = TestApp.start(Wa.config().mergeIn(graph.config()).mergeIn(llm.config()).put("WHATSAPP_RETRY_BASE_MS", 5)
        .mergeIn(overrides), beforeStart);
    return new AssistantFixture(graph, llm, app);
  }

  /** The model's script and what it was asked: forgotten between tests. */
  void forget() {
    llm.reset();
    llm.clearRequests();
  }

  /** The active preset's language. */
  String language() {
    return app.vertx.eventBus().<JsonObject>request(crm.bus.Addresses.CONFIG_ACTIVE, new JsonObject())
        .map(m -> m.body().getJsonObject("assistant").getString("language", "en")).await();
  }

  /** The texts sent to a phone through the Graph API, waiting (up to 15 s) until there are {@code n}. */
  List<String> textsTo(String phone, int n) {
    return textsTo(graph, phone, n);
  }

  static List<String> textsTo(FakeGraphApi graph, String phone, int n) {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    List<String> texts = List.of();
    while (System.nanoTime() < deadline) {
      texts = graph.sentMessages().stream().filter(m -> phone.equals(m.getString("to")) && "text".equals(m.getString("type")))
          .map(m -> m.getJsonObject("text").getString("body")).toList();
      if (texts.size() >= n) return texts;
      sleep(20);
    }
    return texts;
  }

  /**
   * Waits until the assistant is done with a conversation: nothing pending, nobody holding it. A reply is sent (and
   * the Graph API has it) before its turn lets go, so what was sent by then is all there is.
   */
  JsonObject settled(String conversationId) {
    return inbox.wa.await("assistant_work", new JsonObject().put("_id", conversationId),
        l -> !l.isEmpty() && !l.get(0).getBoolean("pending", true) && l.get(0).getString("claimToken") == null).get(0);
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    app.close();
    llm.close();
    graph.close();
  }
}
