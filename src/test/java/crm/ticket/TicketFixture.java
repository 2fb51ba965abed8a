package crm.ticket;

import static org.assertj.core.api.Assertions.assertThat;

import crm.support.Inbox;
import crm.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;

/** Ticket test helpers over a running {@link TestApp}: customers who wrote on WhatsApp, tickets made through the API. */
final class TicketFixture {
  final TestApp app;
  final Inbox inbox;
  final String admin;

  TicketFixture(TestApp app) {
    this.app = app;
    this.inbox = new Inbox(app);
    this.admin = app.adminToken();
  }

  /** A customer who just wrote (a signed webhook): {phone, customerId, conversationId}. */
  record Customer(String phone, String customerId, String conversationId) {}

  Customer customer() {
    return customer("Juan Pérez");
  }

  Customer customer(String name) {
    String phone = Inbox.phone();
    JsonObject msg = inbox.inbound(phone, name, "Hola, tengo un problema");
    return new Customer(phone, msg.getString("customerId"), msg.getString("conversationId"));
  }

  static JsonObject newTicket(Customer c) {
    return new JsonObject().put("customerId", c.customerId()).put("conversationId", c.conversationId())
        .put("subject", "Se fue la luz").put("description", "Sin servicio desde ayer").put("category", "technical_issue");
  }

  HttpResponse<Buffer> send(HttpMethod method, String path, String token, Object body) {
    return app.send(method, "/api/v2" + path, token, body);
  }

  /** Creates a ticket as {@code token}; asserts 201 and returns the ticket. */
  JsonObject create(String token, JsonObject body) {
    HttpResponse<Buffer> res = send(HttpMethod.POST, "/tickets", token, body);
    return Inbox.json(res, 201).getJsonObject("ticket");
  }

  JsonObject create(Customer c) {
    return create(admin, newTicket(c));
  }

  JsonObject get(String id) {
    return Inbox.json(send(HttpMethod.GET, "/tickets/" + id, admin, null), 200).getJsonObject("ticket");
  }

  /** PUT /tickets/:id/status as admin; asserts 200. */
  JsonObject status(String id, String status) {
    JsonObject body = new JsonObject().put("status", status);
    if (status.equals("resolved")) body.put("resolutionSummary", "Listo").put("sendNotification", false);
    return Inbox.json(send(HttpMethod.PUT, "/tickets/" + id + "/status", admin, body), 200).getJsonObject("ticket");
  }

  JsonArray list(String query, String token) {
    return Inbox.json(send(HttpMethod.GET, "/tickets" + query, token, null), 200).getJsonArray("tickets");
  }

  static java.util.List<String> ticketIds(JsonArray tickets) {
    return tickets.stream().map(o -> ((JsonObject) o).getString("ticketId")).toList();
  }

  static void assertHistory(JsonObject ticket, String from, String to) {
    JsonArray h = ticket.getJsonArray("history");
    JsonObject last = h.stream().map(o -> (JsonObject) o).filter(e -> "status".equals(e.getString("type"))).reduce((a, b) -> b).orElseThrow();
    assertThat(last.getString("from")).isEqualTo(from);
    assertThat(last.getString("to")).isEqualTo(to);
    assertThat(last.getString("at")).endsWith("Z");
    assertThat(last.getString("by")).isNotBlank();
  }
}
