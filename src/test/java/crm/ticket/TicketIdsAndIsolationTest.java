package crm.ticket;

import static crm.support.ApiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import crm.support.Inbox;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Year;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Human ids on a fresh database: 500 concurrent creations give TICKET-001..TICKET-500, each once; loading a preset
 * switches the format (ORD-YYYY-00001) and the business type of new tickets; lists and statistics show the active
 * business type only, all of them to an admin who asks businessType=all; old tickets keep theirs.
 */
class TicketIdsAndIsolationTest {
  TestApp app;
  TicketFixture fx;

  @BeforeEach
  void start() {
    app = TestApp.start(Wa.config());
    fx = new TicketFixture(app);
  }

  @AfterEach
  void stop() {
    if (app != null) app.close();
  }

  @Test
  void five_hundred_concurrent_creations_get_five_hundred_distinct_gap_free_ids() throws Exception {
    TicketFixture.Customer c = fx.customer();
    JsonObject body = TicketFixture.newTicket(c);
    List<Future<HttpResponse<Buffer>>> all = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      all.add(app.client.post("/api/v2/tickets").putHeader("Authorization", "Bearer " + fx.admin).sendJsonObject(body));
    }
    Future.all(all).await(120, TimeUnit.SECONDS);
    Set<String> ids = new HashSet<>();
    for (Future<HttpResponse<Buffer>> f : all) {
      HttpResponse<Buffer> res = f.result();
      assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(201);
      ids.add(res.bodyAsJsonObject().getJsonObject("ticket").getString("ticketId"));
    }
    Set<String> expected = new HashSet<>();
    for (int i = 1; i <= 500; i++) expected.add(String.format("TICKET-%03d", i));
    assertThat(ids).isEqualTo(expected);
    assertThat(Inbox.json(app.get("/api/v2/tickets?limit=1", fx.admin), 200).getLong("total")).isEqualTo(500);
    // the next one continues the sequence
    assertThat(fx.create(c).getString("ticketId")).isEqualTo("TICKET-501");
  }

  @Test
  void a_loaded_preset_changes_new_ids_and_business_type_and_lists_show_the_active_type_only() {
    TicketFixture.Customer c = fx.customer();
    Inbox.Agent agent = fx.inbox.agent(fx.admin, "agent");
    Inbox.Agent supervisor = fx.inbox.agent(fx.admin, "supervisor");
    JsonObject general = fx.create(c);
    assertThat(general.getString("ticketId")).isEqualTo("TICKET-001");
    assertThat(general.getString("businessType")).isEqualTo("general");

    Inbox.json(app.post("/api/v2/config/presets/load", fx.admin, new JsonObject().put("presetId", "ecommerce")), 200);
    int year = Year.now(ZoneOffset.UTC).getValue();
    // the general categories are not active any more
    assertError(app.post("/api/v2/tickets", fx.admin, TicketFixture.newTicket(c)), 400, "VALIDATION_FAILED", "/api/v2/tickets");
    JsonObject order = fx.create(fx.admin, TicketFixture.newTicket(c).put("category", "damaged_product"));
    assertThat(order.getString("ticketId")).isEqualTo("ORD-" + year + "-00001");
    assertThat(order.getString("businessType")).isEqualTo("ecommerce");
    assertThat(fx.create(fx.admin, TicketFixture.newTicket(c).put("category", "order_status")).getString("ticketId"))
        .isEqualTo("ORD-" + year + "-00002");

    // lists, customer lists and statistics: the active type only
    assertThat(TicketFixture.ticketIds(fx.list("", agent.token()))).containsExactly("ORD-" + year + "-00002", "ORD-" + year + "-00001");
    assertThat(TicketFixture.ticketIds(Inbox.json(app.get("/api/v2/customers/" + c.customerId() + "/tickets", agent.token()), 200)
        .getJsonArray("tickets"))).containsExactly("ORD-" + year + "-00002", "ORD-" + year + "-00001");
    JsonObject stats = Inbox.json(app.get("/api/v2/tickets/statistics", supervisor.token()), 200);
    assertThat(stats.getLong("total")).isEqualTo(2);
    assertThat(stats.getJsonObject("byCategory").getLong("damaged_product")).isEqualTo(1);
    // an admin may see all types; nobody else may ask
    assertThat(TicketFixture.ticketIds(fx.list("?businessType=all", fx.admin)))
        .containsExactly("ORD-" + year + "-00002", "ORD-" + year + "-00001", "TICKET-001");
    assertThat(TicketFixture.ticketIds(fx.list("?businessType=general", fx.admin))).containsExactly("TICKET-001");
    assertThat(Inbox.json(app.get("/api/v2/tickets/statistics?businessType=all", fx.admin), 200).getLong("total")).isEqualTo(3);
    assertError(app.get("/api/v2/tickets?businessType=all", agent.token()), 403, "AUTH_INSUFFICIENT_PERMISSIONS", "/api/v2/tickets");
    assertError(app.get("/api/v2/tickets/statistics?businessType=general", supervisor.token()), 403,
        "AUTH_INSUFFICIENT_PERMISSIONS", "/api/v2/tickets/statistics");
    // the old ticket is untouched, and still found by its id
    JsonObject old = fx.get("TICKET-001");
    assertThat(old.getString("businessType")).isEqualTo("general");
    assertThat(old.getString("category")).isEqualTo("technical_issue");

    // another preset: its own sequence; back to ecommerce: the ecommerce sequence goes on
    Inbox.json(app.post("/api/v2/config/presets/load", fx.admin, new JsonObject().put("presetId", "luxfree")), 200);
    assertThat(fx.create(fx.admin, TicketFixture.newTicket(c).put("category", "power_outage")).getString("ticketId"))
        .isEqualTo("LUX-" + year + "-00001");
    assertThat(fx.list("", agent.token())).hasSize(1);
    Inbox.json(app.post("/api/v2/config/presets/load", fx.admin, new JsonObject().put("presetId", "ecommerce")), 200);
    assertThat(fx.create(fx.admin, TicketFixture.newTicket(c).put("category", "order_status")).getString("ticketId"))
        .isEqualTo("ORD-" + year + "-00003");
    assertThat(fx.list("", agent.token())).hasSize(3);
    assertThat(app.send(HttpMethod.GET, "/api/v2/tickets?businessType=all", fx.admin, null).bodyAsJsonObject().getLong("total")).isEqualTo(5);
  }
}
