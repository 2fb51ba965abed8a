package crm.ticket;

import static crm.support.ApiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import crm.storage.Mongo;
import crm.support.Inbox;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GET /tickets/statistics against a hand-built set of tickets written to the database, every number checked: here
 * from the in-memory ticket index, in {@link TicketStatisticsDatabaseTest} from the MongoDB aggregation.
 */
@org.junit.jupiter.api.TestInstance(org.junit.jupiter.api.TestInstance.Lifecycle.PER_CLASS)
class TicketStatisticsTest {
  static TestApp app;
  static TicketFixture fx;
  static Inbox.Agent a;
  static Inbox.Agent b;
  static Inbox.Agent supervisor;

  String listIndex() {
    return "memory";
  }

  @BeforeAll
  void start() throws Exception {
    app = TestApp.start(Wa.config().put("TICKET_LIST_INDEX", listIndex()));
    fx = new TicketFixture(app);
    a = fx.inbox.agent(fx.admin, "agent");
    b = fx.inbox.agent(fx.admin, "agent");
    supervisor = fx.inbox.agent(fx.admin, "supervisor");
    MongoClient db = new Mongo(app.vertx, app.app.deployedConfig()).client();
    Instant now = Instant.now();
    String customer = Mongo.newId();
    List<JsonObject> docs = new ArrayList<>();
    // status, category, priority, agent, hours until due (negative: overdue), resolution hours, first response given
    docs.add(t(customer, "new", "billing", "low", a.id(), 10, null, false, now, "general"));
    docs.add(t(customer, "open", "technical_issue", "medium", a.id(), -1, null, true, now, "general"));
    docs.add(t(customer, "in_progress", "technical_issue", "high", b.id(), -2, null, true, now, "general"));
    docs.add(t(customer, "pending_customer", "billing", "urgent", null, 5, null, true, now, "general"));
    docs.add(t(customer, "waiting_internal", "complaint", "medium", b.id(), 5, null, true, now, "general"));
    docs.add(t(customer, "resolved", "billing", "high", a.id(), -5, 2.0, true, now, "general"));
    docs.add(t(customer, "closed", "technical_issue", "low", null, -5, 4.0, true, now, "general"));
    docs.add(t(customer, "resolved", "feedback", "medium", b.id(), 5, 6.0, true, now, "general"));
    docs.add(t(customer, "open", "other", "medium", null, 5, null, true, now.minus(10, ChronoUnit.DAYS), "general"));
    docs.add(t(customer, "open", "damaged_product", "high", a.id(), -1, 1.0, false, now, "ecommerce"));
    for (JsonObject d : docs) db.insert("tickets", d).await(10, TimeUnit.SECONDS);
    if (listIndex().equals("memory")) { // written behind the ticket verticle's back: its index reads them
      JsonObject res = app.vertx.eventBus().<JsonObject>request(crm.bus.Addresses.TICKET_REINDEX,
          new JsonObject().put("ids", new JsonArray(docs.stream().map(d -> d.getString("_id")).toList()))).await(10, TimeUnit.SECONDS).body();
      assertThat(res.getInteger("indexed")).isEqualTo(docs.size());
    }
  }

  static JsonObject t(String customer, String status, String category, String priority, String agent, int dueHours,
                      Double resolutionHours, boolean responded, Instant created, String type) {
    Instant now = Instant.now();
    JsonObject d = new JsonObject().put("_id", Mongo.newId()).put("ticketId", "STAT-" + Mongo.newId().substring(16))
        .put("businessType", type).put("customerId", customer).put("subject", "s").put("description", "d")
        .put("category", category).put("priority", priority).put("status", status)
        .put("estimatedResolution", Mongo.date(now.plus(dueHours, ChronoUnit.HOURS)))
        .put("responseDueAt", Mongo.date(responded ? now.plus(1, ChronoUnit.HOURS) : now.minus(1, ChronoUnit.HOURS)))
        .put("createdAt", Mongo.date(created)).put("updatedAt", Mongo.date(created));
    if (agent != null) d.put("assignedAgentId", agent);
    if (resolutionHours != null) d.put("resolutionMs", (long) (resolutionHours * 3_600_000));
    if (responded) d.put("firstResponseAt", Mongo.date(created));
    return d;
  }

  @AfterAll
  void stop() {
    if (app != null) app.close();
  }

  JsonObject stats(String query, String token) {
    return Inbox.json(app.get("/api/v2/tickets/statistics" + query, token), 200);
  }

  @Test
  void every_count_of_the_active_business_type() {
    JsonObject s = stats("", supervisor.token());
    assertThat(s.getLong("total")).isEqualTo(9);
    assertThat(s.getJsonObject("byStatus")).isEqualTo(new JsonObject().put("new", 1L).put("open", 2L).put("in_progress", 1L)
        .put("pending_customer", 1L).put("waiting_internal", 1L).put("resolved", 2L).put("closed", 1L));
    assertThat(s.getJsonObject("byPriority")).isEqualTo(new JsonObject().put("low", 2L).put("medium", 4L).put("high", 2L).put("urgent", 1L));
    assertThat(s.getJsonObject("byCategory")).isEqualTo(new JsonObject().put("general_inquiry", 0L).put("technical_issue", 3L)
        .put("billing", 3L).put("service_request", 0L).put("complaint", 1L).put("feedback", 1L).put("other", 1L));
    JsonArray byAgent = s.getJsonArray("byAgent");
    assertThat(byAgent).hasSize(2);
    for (Object o : byAgent) {
      JsonObject row = (JsonObject) o;
      assertThat(row.getString("agentId")).isIn(a.id(), b.id());
      assertThat(row.getString("agentName")).isEqualTo("Test Agent");
      assertThat(row.getLong("count")).isEqualTo(3);
    }
    assertThat(s.getDouble("averageResolutionTime")).isEqualTo(4.0);
    assertThat(s.getLong("overdue")).isEqualTo(2);
    assertThat(s.getJsonObject("sla")).isEqualTo(new JsonObject().put("overdue", 2L).put("responseOverdue", 1L));
  }

  @Test
  void the_list_filters_apply() {
    JsonObject high = stats("?priority=high", supervisor.token());
    assertThat(high.getLong("total")).isEqualTo(2);
    assertThat(high.getJsonObject("byStatus").getLong("in_progress")).isEqualTo(1);
    assertThat(high.getJsonObject("byStatus").getLong("resolved")).isEqualTo(1);
    assertThat(high.getDouble("averageResolutionTime")).isEqualTo(2.0);
    assertThat(high.getLong("overdue")).isEqualTo(1);
    String since = Instant.now().minus(2, ChronoUnit.DAYS).toString();
    assertThat(stats("?dateFrom=" + since, supervisor.token()).getLong("total")).isEqualTo(8);
    JsonObject mine = stats("?assignedAgent=me", a.token());
    assertThat(mine.getLong("total")).isEqualTo(3);
    assertThat(mine.getJsonArray("byAgent")).hasSize(1);
    assertThat(stats("?category=billing&status=resolved", a.token()).getLong("total")).isEqualTo(1);
    assertThat(stats("?search=nothing-matches-this", a.token()).getLong("total")).isZero();
    assertThat(stats("?search=nothing-matches-this", a.token()).getJsonObject("byStatus").size()).isEqualTo(7);
    assertError(app.get("/api/v2/tickets/statistics?status=bogus", a.token()), 400, "VALIDATION_FAILED", "/api/v2/tickets/statistics");
  }

  @Test
  void an_admin_may_count_every_business_type() {
    JsonObject all = stats("?businessType=all", fx.admin);
    assertThat(all.getLong("total")).isEqualTo(10);
    assertThat(all.getJsonObject("byCategory").getLong("damaged_product")).isEqualTo(1);
    assertThat(all.getDouble("averageResolutionTime")).isEqualTo(3.25);
    assertThat(all.getLong("overdue")).isEqualTo(3);
    assertThat(stats("?businessType=ecommerce", fx.admin).getLong("total")).isEqualTo(1);
    assertError(app.get("/api/v2/tickets/statistics?businessType=all", supervisor.token()), 403,
        "AUTH_INSUFFICIENT_PERMISSIONS", "/api/v2/tickets/statistics");
  }
}
