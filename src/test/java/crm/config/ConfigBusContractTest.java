package crm.config;

import static org.assertj.core.api.Assertions.assertThat;

import crm.bus.Addresses;
import crm.support.TestApp;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The bus contract the ticket verticle relies on: crm.config.active's shape and crm.events.config.changed. */
class ConfigBusContractTest {
  TestApp app;

  @BeforeEach
  void start() {
    app = TestApp.start();
  }

  @AfterEach
  void stop() {
    app.close();
  }

  JsonObject active() throws Exception {
    return app.vertx.eventBus().<JsonObject>request(Addresses.CONFIG_ACTIVE, new JsonObject())
        .await(10, TimeUnit.SECONDS).body();
  }

  static void assertContractShape(JsonObject c) {
    assertThat(c.containsKey("presetId")).as("presetId key in %s", c).isTrue();
    assertThat(c.getString("businessType")).isNotBlank();
    JsonArray categories = c.getJsonArray("categories");
    assertThat(categories).isNotEmpty();
    for (Object o : categories) {
      assertThat(((JsonObject) o).fieldNames()).containsExactlyInAnyOrder("id", "label", "labelEn", "icon", "color", "description");
    }
    assertThat(c.getJsonObject("terminology").fieldNames()).containsExactlyInAnyOrder("ticketNoun", "ticketNounPlural");
    JsonObject format = c.getJsonObject("ticketIdFormat");
    assertThat(format.getValue("prefix")).isInstanceOf(String.class);
    assertThat(format.getValue("includeYear")).isInstanceOf(Boolean.class);
    assertThat(format.getValue("padding")).isInstanceOf(Integer.class);
    assertThat(c.getString("initialTicketStatus")).isIn("open", "new");
    assertThat(c.getJsonObject("assistant").fieldNames()).containsExactlyInAnyOrder("assistantName", "companyName",
        "primaryServiceIssue", "serviceType", "ticketNoun", "ticketNounPlural", "language");
    assertThat(c.getJsonObject("notifications").fieldNames()).contains("ticketResolved", "ticketNote");
  }

  @Test
  void fresh_install_replies_the_general_configuration() throws Exception {
    JsonObject c = active();
    assertContractShape(c);
    assertThat(c.getValue("presetId")).isNull();
    assertThat(c.getString("businessType")).isEqualTo("general");
    assertThat(c.getJsonArray("categories").size()).isGreaterThanOrEqualTo(5);
    assertThat(c.getJsonObject("terminology")).isEqualTo(new JsonObject().put("ticketNoun", "ticket").put("ticketNounPlural", "tickets"));
    assertThat(c.getJsonObject("ticketIdFormat"))
        .isEqualTo(new JsonObject().put("prefix", "TICKET").put("includeYear", false).put("padding", 3));
    assertThat(c.getString("initialTicketStatus")).isEqualTo("open");
    assertThat(c.getJsonObject("assistant").getString("language")).isEqualTo("es");
    assertThat(c.getJsonObject("assistant").getString("ticketNoun")).isEqualTo("ticket");
    for (String p : List.of("{customerName}", "{ticketNoun}", "{ticketId}", "{summary}")) {
      assertThat(c.getJsonObject("notifications").getString("ticketResolved")).contains(p);
    }
    for (String p : List.of("{ticketNoun}", "{ticketId}", "{content}")) {
      assertThat(c.getJsonObject("notifications").getString("ticketNote")).contains(p);
    }
  }

  @Test
  void a_change_is_published_with_the_new_active_configuration() throws Exception {
    Promise<JsonObject> event = Promise.promise();
    MessageConsumer<JsonObject> consumer = app.vertx.eventBus().consumer(Addresses.EVT_CONFIG_CHANGED, m -> event.tryComplete(m.body()));
    consumer.completion().await(5, TimeUnit.SECONDS);
    app.vertx.eventBus().request(Addresses.CONFIG_PRESETS_LOAD, new JsonObject().put("presetId", "ecommerce"))
        .await(10, TimeUnit.SECONDS);
    JsonObject published = event.future().await(5, TimeUnit.SECONDS);
    assertContractShape(published);
    assertThat(published.getString("presetId")).isEqualTo("ecommerce");
    assertThat(published.getString("businessType")).isEqualTo("ecommerce");
    assertThat(published.getJsonObject("ticketIdFormat"))
        .isEqualTo(new JsonObject().put("prefix", "ORD").put("includeYear", true).put("padding", 5));
    assertThat(published.getJsonObject("terminology").getString("ticketNoun")).isEqualTo("pedido");
    JsonObject now = active();
    assertThat(now).isEqualTo(published);
  }

  @Test
  void the_cache_follows_change_events_from_other_nodes_newest_version_wins() throws Exception {
    JsonObject base = active();
    JsonObject newer = base.copy().put("version", base.getLong("version") + 5).put("initialTicketStatus", "new")
        .put("businessType", "elsewhere");
    app.vertx.eventBus().publish(Addresses.EVT_CONFIG_CHANGED, newer);
    waitFor(() -> active().equals(newer));
    // a late event about an older change does not roll the cache back
    JsonObject older = base.copy().put("version", base.getLong("version") + 1).put("businessType", "stale");
    app.vertx.eventBus().publish(Addresses.EVT_CONFIG_CHANGED, older);
    app.vertx.eventBus().request(Addresses.CONFIG_ACTIVE, new JsonObject()).await(5, TimeUnit.SECONDS); // after the event
    assertThat(active()).isEqualTo(newer);
  }

  @Test
  void a_second_instance_as_on_another_node_sees_the_change_made_through_the_first() throws Exception {
    String second = app.vertx.deployVerticle(new BusinessConfigVerticle(),
        new io.vertx.core.DeploymentOptions().setConfig(app.app.deployedConfig())).await(20, TimeUnit.SECONDS);
    try {
      app.vertx.eventBus().request(Addresses.CONFIG_PRESETS_LOAD, new JsonObject().put("presetId", "restaurant"))
          .await(10, TimeUnit.SECONDS);
      // requests go round-robin over both instances: every answer must be the new configuration
      waitFor(() -> {
        for (int i = 0; i < 6; i++) if (!"restaurant".equals(active().getString("businessType"))) return false;
        return true;
      });
      JsonObject c = active();
      assertThat(c.getJsonObject("terminology").getString("ticketNoun")).isEqualTo("solicitud");
      assertThat(c.getJsonObject("ticketIdFormat").getString("prefix")).isEqualTo("RST");
    } finally {
      app.vertx.undeploy(second).await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void a_refused_change_publishes_nothing_and_changes_nothing() throws Exception {
    JsonObject before = active();
    java.util.concurrent.atomic.AtomicInteger events = new java.util.concurrent.atomic.AtomicInteger();
    MessageConsumer<JsonObject> consumer = app.vertx.eventBus().consumer(Addresses.EVT_CONFIG_CHANGED, m -> events.incrementAndGet());
    consumer.completion().await(5, TimeUnit.SECONDS);
    Throwable err = app.vertx.eventBus().request(Addresses.CONFIG_CATEGORIES_SET,
            new JsonObject().put("categories", new JsonArray().add(new JsonObject().put("id", "x"))))
        .transform(ar -> io.vertx.core.Future.succeededFuture(ar.cause())).await(10, TimeUnit.SECONDS);
    assertThat(err).isInstanceOf(io.vertx.core.eventbus.ReplyException.class);
    assertThat(((io.vertx.core.eventbus.ReplyException) err).failureCode()).isEqualTo(crm.bus.ErrorCode.VALIDATION_FAILED.bus());
    assertThat(active()).isEqualTo(before);
    assertThat(events.get()).isZero();
  }

  @Test
  void a_partial_assistant_change_on_a_fresh_install_keeps_the_other_defaults() throws Exception {
    JsonObject res = app.vertx.eventBus().<JsonObject>request(Addresses.CONFIG_ASSISTANT_SET,
        new JsonObject().put("config", new JsonObject().put("companyName", "Luxfree Mérida").put("ticketNounPlural", "casos")))
        .await(10, TimeUnit.SECONDS).body();
    JsonObject expected = BusinessConfig.defaults().getJsonObject("assistant").copy()
        .put("companyName", "Luxfree Mérida").put("ticketNoun", "ticket").put("ticketNounPlural", "casos");
    // and whether the assistant answers (no model configured here)
    assertThat(res.getJsonObject("config")).isEqualTo(expected.copy().put("enabled", false).put("reason", "AI_BASE_URL is not set"));
    JsonObject c = active();
    assertContractShape(c);
    assertThat(c.getJsonObject("assistant")).isEqualTo(expected);
    assertThat(c.getJsonObject("terminology").getString("ticketNounPlural")).isEqualTo("casos");
    assertThat(c.getString("businessType")).isEqualTo("general");
    assertThat(c.getJsonArray("categories")).isEqualTo(BusinessConfig.defaults().getJsonArray("categories"));
  }

  interface Check { boolean ok() throws Exception; }

  static void waitFor(Check check) throws Exception {
    long deadline = System.currentTimeMillis() + 5_000;
    while (!check.ok()) {
      if (System.currentTimeMillis() > deadline) throw new AssertionError("condition not reached in 5 s");
      Thread.sleep(20);
    }
  }
}
