package crm.ticket;

import static org.assertj.core.api.Assertions.assertThat;

import crm.support.FakeGraphApi;
import crm.support.Inbox;
import crm.support.TestApp;
import crm.support.Wa;
import crm.storage.Mongo;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the customer receives on WhatsApp (through {@link FakeGraphApi}): the resolution notice in the preset's words
 * inside the 24 h window, the configured template outside it, nothing when not asked; public notes inside the window
 * only. And auto-reopen: a customer message within the window reopens, an older resolution does not.
 */
class TicketNotificationTest {
  static FakeGraphApi fake;
  static TestApp app;
  static TicketFixture fx;

  @BeforeAll
  static void start() {
    fake = FakeGraphApi.startOwn();
    app = TestApp.start(Wa.config().mergeIn(fake.config()).put("WHATSAPP_RETRY_BASE_MS", 5).put("WHATSAPP_SEND_MAX_ATTEMPTS", 2));
    fx = new TicketFixture(app);
    // the e-commerce preset: its words ("pedido") and language (es) are the ones the customer must get
    Inbox.json(app.post("/api/v2/config/presets/load", fx.admin, new JsonObject().put("presetId", "ecommerce")), 200);
  }

  @AfterAll
  static void stop() {
    if (app != null) app.close();
    if (fake != null) fake.close();
  }

  @AfterEach
  void forget() {
    fake.clearScripted();
  }

  JsonObject order(TicketFixture.Customer c) {
    return fx.create(fx.admin, TicketFixture.newTicket(c).put("category", "damaged_product"));
  }

  List<JsonObject> sentTo(String phone) {
    return fake.sentMessages().stream().filter(m -> m != null && phone.equals(m.getString("to"))).toList();
  }

  JsonObject resolve(JsonObject ticket, JsonObject body) {
    return Inbox.json(fx.send(HttpMethod.PUT, "/tickets/" + ticket.getString("_id") + "/resolve", fx.admin, body), 200);
  }

  /** The customer last wrote long ago: their 24 h window is closed. */
  void windowClosed(TicketFixture.Customer c) {
    fx.inbox.set("customers", c.customerId(), new JsonObject().put("lastInboundAt", Mongo.date(Instant.now().minus(3, ChronoUnit.DAYS))));
  }

  @Test
  void resolution_inside_the_window_is_a_text_in_the_presets_words() {
    TicketFixture.Customer c = fx.customer("Giovanni Rossi");
    JsonObject t = order(c);
    JsonObject res = resolve(t, new JsonObject().put("resolutionSummary", "Reemplazo enviado por exprés"));
    assertThat(res.getBoolean("notificationSent")).isTrue();
    List<JsonObject> sent = sentTo(c.phone());
    assertThat(sent).hasSize(1);
    assertThat(sent.get(0).getString("type")).isEqualTo("text");
    String body = sent.get(0).getJsonObject("text").getString("body");
    assertThat(body).contains("Hola Giovanni Rossi").contains("pedido " + t.getString("ticketId")).contains("Reemplazo enviado por exprés");
    JsonObject notice = res.getJsonObject("ticket").getJsonObject("resolution").getJsonObject("notification");
    assertThat(notice.getBoolean("sent")).isTrue();
    assertThat(notice.getString("type")).isEqualTo("text");
    assertThat(notice.getString("whatsappMessageId")).startsWith("wamid.");
    // and it is in the conversation like any agent message
    assertThat(fx.inbox.wa.count("messages", new JsonObject().put("customerId", c.customerId()).put("direction", "outbound"))).isEqualTo(1);
  }

  @Test
  void resolution_outside_the_window_is_the_configured_template() {
    TicketFixture.Customer c = fx.customer("Ana López");
    JsonObject t = order(c);
    windowClosed(c);
    JsonObject res = resolve(t, new JsonObject().put("resolution", new JsonObject().put("summary", "Reembolso aplicado")));
    assertThat(res.getBoolean("notificationSent")).isTrue();
    List<JsonObject> sent = sentTo(c.phone());
    assertThat(sent).hasSize(1);
    JsonObject template = sent.get(0).getJsonObject("template");
    assertThat(sent.get(0).getString("type")).isEqualTo("template");
    assertThat(template.getString("name")).isEqualTo("ticket_resolved");
    assertThat(template.getJsonObject("language").getString("code")).isEqualTo("es");
    assertThat(template.encode()).contains("Ana López").contains(t.getString("ticketId")).contains("Reembolso aplicado");
    assertThat(res.getJsonObject("notification").getString("type")).isEqualTo("template");
  }

  @Test
  void a_refused_template_and_an_unrequested_notice_are_reported_as_not_sent() {
    TicketFixture.Customer c = fx.customer();
    JsonObject t = order(c);
    windowClosed(c);
    fake.respondNext(404, FakeGraphApi.error(132001, "OAuthException", "(#132001) Template name does not exist in the translation"));
    JsonObject res = resolve(t, new JsonObject().put("resolutionSummary", "Listo"));
    assertThat(res.getBoolean("notificationSent")).isFalse();
    assertThat(res.getJsonObject("notification").getJsonObject("error").getString("code")).isNotBlank();
    assertThat(res.getJsonObject("ticket").getString("status")).isEqualTo("resolved");
    assertThat(sentTo(c.phone())).hasSize(1); // the template was tried, once (Meta's 4xx is final)

    TicketFixture.Customer quiet = fx.customer();
    JsonObject q = resolve(order(quiet), new JsonObject().put("resolutionSummary", "Listo").put("sendNotification", false));
    assertThat(q.getBoolean("notificationSent")).isFalse();
    assertThat(sentTo(quiet.phone())).isEmpty();
  }

  @Test
  void public_notes_go_to_the_customer_inside_the_window_internal_ones_never() {
    TicketFixture.Customer c = fx.customer();
    JsonObject t = order(c);
    String notes = "/tickets/" + t.getString("_id") + "/notes";
    JsonObject internal = Inbox.json(fx.send(HttpMethod.POST, notes, fx.admin, new JsonObject().put("content", "solo equipo").put("isInternal", true)), 201);
    assertThat(internal.getBoolean("notificationSent")).isFalse();
    JsonObject pub = Inbox.json(fx.send(HttpMethod.POST, notes, fx.admin, new JsonObject().put("content", "Tu reemplazo sale hoy").put("isInternal", false)), 201);
    assertThat(pub.getBoolean("notificationSent")).isTrue();
    List<JsonObject> sent = sentTo(c.phone());
    assertThat(sent).hasSize(1);
    assertThat(sent.get(0).getJsonObject("text").getString("body")).contains("pedido " + t.getString("ticketId")).contains("Tu reemplazo sale hoy");
    windowClosed(c);
    JsonObject late = Inbox.json(fx.send(HttpMethod.POST, notes, fx.admin, new JsonObject().put("content", "¿Sigue ahí?").put("isInternal", false)), 201);
    assertThat(late.getBoolean("notificationSent")).isFalse();
    assertThat(late.getJsonObject("note").getJsonObject("notification").getJsonObject("error").getString("code")).isEqualTo("WHATSAPP_WINDOW_CLOSED");
    assertThat(late.getJsonObject("ticket").getJsonArray("notes")).hasSize(3);
    assertThat(sentTo(c.phone())).hasSize(1);
  }

  @Test
  void a_customer_message_within_the_window_reopens_and_an_older_resolution_does_not() {
    TicketFixture.Customer c = fx.customer("Lucía Gómez");
    JsonObject recent = order(c);
    JsonObject old = order(c);
    resolve(recent, new JsonObject().put("resolutionSummary", "Listo").put("sendNotification", false));
    resolve(old, new JsonObject().put("resolutionSummary", "Listo").put("sendNotification", false));
    // the old one was resolved 49 hours ago (window: TICKET_REOPEN_WINDOW_HOURS = 48)
    Instant longAgo = Instant.now().minus(49, ChronoUnit.HOURS);
    fx.inbox.set("tickets", old.getString("_id"), new JsonObject().put("resolvedAt", Mongo.date(longAgo)));
    fx.inbox.set("ticket_reopen", c.customerId(), new JsonObject().put("tickets." + old.getString("_id"), longAgo.toEpochMilli()));

    fx.inbox.inbound(c.phone(), "Lucía Gómez", "Sigue sin funcionar");
    List<JsonObject> reopened = fx.inbox.wa.await("tickets", new JsonObject().put("_id", recent.getString("_id")),
        l -> "open".equals(l.get(0).getString("status")));
    JsonObject doc = reopened.get(0);
    assertThat(doc.getString("status")).isEqualTo("open");
    assertThat(doc.getInteger("reopenCount")).isEqualTo(1);
    JsonObject entry = doc.getJsonArray("history").getJsonObject(doc.getJsonArray("history").size() - 1);
    assertThat(entry.getString("from")).isEqualTo("resolved");
    assertThat(entry.getString("to")).isEqualTo("open");
    assertThat(entry.getString("by")).isEqualTo("customer");
    assertThat(fx.get(old.getString("_id")).getString("status")).isEqualTo("resolved");
    // the outdated watch was dropped, the reopened one too: another message changes nothing
    fx.inbox.inbound(c.phone(), "Lucía Gómez", "¿Hola?");
    assertThat(fx.inbox.wa.await("ticket_reopen", new JsonObject().put("_id", c.customerId()),
        l -> l.isEmpty() || l.get(0).getJsonObject("tickets", new JsonObject()).isEmpty()).get(0)
        .getJsonObject("tickets", new JsonObject())).isEmpty();
    assertThat(fx.get(recent.getString("_id")).getInteger("reopenCount")).isEqualTo(1);
    assertThat(new JsonArray(List.of(fx.get(old.getString("_id")).getString("status")))).containsExactly("resolved");
  }
}
