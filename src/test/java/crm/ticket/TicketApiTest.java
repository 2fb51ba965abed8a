package crm.ticket;

import static crm.support.ApiErrors.assertError;
import static crm.support.ApiErrors.assertFieldError;
import static org.assertj.core.api.Assertions.assertThat;

import crm.support.Inbox;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The ticket routes through the whole app: each happy path and each documented error. Lists are answered by the
 * in-memory ticket index here (the embedded database's default) and by the database in {@link TicketApiDatabaseTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TicketApiTest {
  static TestApp app;
  static TicketFixture fx;
  static Inbox.Agent agentA;
  static Inbox.Agent agentB;
  static Inbox.Agent supervisor;

  /** TICKET_LIST_INDEX for this run. */
  String listIndex() {
    return "memory";
  }

  @BeforeAll
  void start() {
    app = TestApp.start(Wa.config().put("ASSIGN_ALLOW_OFFLINE", true).put("TICKET_LIST_INDEX", listIndex()));
    fx = new TicketFixture(app);
    agentA = fx.inbox.agent(fx.admin, "agent");
    agentB = fx.inbox.agent(fx.admin, "agent");
    supervisor = fx.inbox.agent(fx.admin, "supervisor");
  }

  @AfterAll
  void stop() {
    if (app != null) app.close();
  }

  @Test
  void create_answers_the_populated_ticket_with_a_human_id_and_sla_dates() {
    TicketFixture.Customer c = fx.customer("María García");
    JsonObject body = TicketFixture.newTicket(c).put("priority", "high")
        .put("location", new JsonObject().put("latitude", 20.97).put("longitude", -89.62).put("address", "Calle 60, Mérida"))
        .put("attachments", new JsonArray().add("https://example.com/fotos/medidor.jpg")
            .add(new JsonObject().put("type", "document").put("url", "https://example.com/f.pdf").put("filename", "factura.pdf")));
    JsonObject t = fx.create(agentA.token(), body);
    assertThat(t.getString("_id")).matches("^[0-9a-f]{24}$");
    assertThat(t.getString("ticketId")).matches("^TICKET-\\d{3,}$");
    assertThat(t.getString("businessType")).isEqualTo("general");
    assertThat(t.getString("status")).isEqualTo("open");
    assertThat(t.getString("priority")).isEqualTo("high");
    assertThat(t.getJsonObject("customer").getString("_id")).isEqualTo(c.customerId());
    assertThat(t.getJsonObject("customer").getString("firstName")).isEqualTo("María");
    assertThat(t.getJsonObject("customerId")).isEqualTo(t.getJsonObject("customer"));
    assertThat(t.getJsonObject("conversation").getString("_id")).isEqualTo(c.conversationId());
    assertThat(t.getJsonObject("location").getDouble("latitude")).isEqualTo(20.97);
    assertThat(t.getJsonArray("attachments").getJsonObject(0))
        .isEqualTo(new JsonObject().put("type", "image").put("url", "https://example.com/fotos/medidor.jpg").put("filename", "medidor.jpg"));
    assertThat(t.getJsonArray("attachments").getJsonObject(1).getString("filename")).isEqualTo("factura.pdf");
    assertThat(t.getJsonArray("notes")).isEmpty();
    Instant created = Instant.parse(t.getString("createdAt"));
    // high: resolution due 24 h after creation (TICKET_SLA_RESOLUTION_HOURS default)
    assertThat(Instant.parse(t.getString("estimatedResolution"))).isEqualTo(created.plusSeconds(24 * 3600));
    assertThat(t.getBoolean("isOverdue")).isFalse();
    TicketFixture.assertHistory(t, null, "open");
    // default priority medium; no conversation needed
    JsonObject plain = fx.create(agentA.token(), TicketFixture.newTicket(c).put("conversationId", (Object) null));
    assertThat(plain.getString("priority")).isEqualTo("medium");
    assertThat(plain.containsKey("conversation")).isFalse();
    int a = Integer.parseInt(t.getString("ticketId").substring(7));
    assertThat(plain.getString("ticketId")).isEqualTo(String.format("TICKET-%03d", a + 1));
  }

  @Test
  void create_refuses_bad_input_with_the_error_envelope() {
    TicketFixture.Customer c = fx.customer();
    TicketFixture.Customer other = fx.customer();
    String path = "/api/v2/tickets";
    record Bad(JsonObject body, int status, String code, String field) {}
    List<Bad> cases = List.of(
        new Bad(TicketFixture.newTicket(c).put("subject", (Object) null), 400, "VALIDATION_FAILED", "subject"),
        new Bad(TicketFixture.newTicket(c).put("subject", 42), 400, "VALIDATION_FAILED", "subject"),
        new Bad(TicketFixture.newTicket(c).put("description", "  "), 400, "VALIDATION_FAILED", "description"),
        new Bad(TicketFixture.newTicket(c).put("customerId", new JsonObject().put("$ne", null)), 400, "VALIDATION_FAILED", "customerId"),
        new Bad(TicketFixture.newTicket(c).put("customerId", "not-an-id"), 400, "VALIDATION_FAILED", "customerId"),
        new Bad(TicketFixture.newTicket(c).put("customerId", "0123456789abcdef01234567"), 404, "CUSTOMER_NOT_FOUND", null),
        new Bad(TicketFixture.newTicket(c).put("conversationId", "0123456789abcdef01234567"), 404, "CONVERSATION_NOT_FOUND", null),
        new Bad(TicketFixture.newTicket(c).put("conversationId", other.conversationId()), 400, "VALIDATION_FAILED", "conversationId"),
        new Bad(TicketFixture.newTicket(c).put("category", "no_such_category"), 400, "VALIDATION_FAILED", "category"),
        new Bad(TicketFixture.newTicket(c).put("priority", "huge"), 400, "VALIDATION_FAILED", "priority"),
        new Bad(TicketFixture.newTicket(c).put("location", new JsonObject().put("latitude", 91).put("longitude", 0)), 400, "VALIDATION_FAILED", "location.latitude"),
        new Bad(TicketFixture.newTicket(c).put("location", new JsonObject().put("latitude", 0).put("longitude", -180.5)), 400, "VALIDATION_FAILED", "location.longitude"),
        new Bad(TicketFixture.newTicket(c).put("location", new JsonObject().put("latitude", "20").put("longitude", 0)), 400, "VALIDATION_FAILED", "location.latitude"),
        new Bad(TicketFixture.newTicket(c).put("location", "Mérida"), 400, "VALIDATION_FAILED", "location"),
        new Bad(TicketFixture.newTicket(c).put("attachments", new JsonArray().add("javascript:alert(1)")), 400, "VALIDATION_FAILED", "attachments[0]"),
        new Bad(TicketFixture.newTicket(c).put("attachments", "x"), 400, "VALIDATION_FAILED", "attachments"),
        new Bad(TicketFixture.newTicket(c).put("assignedAgent", "0123456789abcdef01234567"), 404, "AGENT_NOT_FOUND", "assignedAgent"));
    for (Bad bad : cases) {
      var res = fx.send(HttpMethod.POST, "/tickets", fx.admin, bad.body());
      if (bad.field() != null) assertFieldError(res, bad.status(), bad.code(), path, bad.field());
      else assertError(res, bad.status(), bad.code(), path);
    }
    assertError(fx.send(HttpMethod.POST, "/tickets", fx.admin, "{not json"), 400, "VALIDATION_FAILED", path);
    assertError(fx.send(HttpMethod.POST, "/tickets", fx.admin, "[1,2]"), 400, "VALIDATION_FAILED", path);
    // an agent may not give a ticket to someone else
    assertError(fx.send(HttpMethod.POST, "/tickets", agentA.token(), TicketFixture.newTicket(c).put("assignedAgent", agentB.id())),
        403, "AUTH_INSUFFICIENT_PERMISSIONS", path);
    assertError(fx.send(HttpMethod.POST, "/tickets", null, TicketFixture.newTicket(c)), 401, "AUTH_TOKEN_INVALID", path);
    // nothing of the above was stored
    assertThat(fx.list("?customerId=" + c.customerId(), fx.admin)).isEmpty();
  }

  @Test
  void get_by_object_id_or_human_id_and_unknown_ids_are_TICKET_NOT_FOUND() {
    JsonObject t = fx.create(fx.customer());
    assertThat(fx.get(t.getString("_id")).getString("ticketId")).isEqualTo(t.getString("ticketId"));
    assertThat(fx.get(t.getString("ticketId")).getString("_id")).isEqualTo(t.getString("_id"));
    assertThat(fx.get(t.getString("ticketId").toLowerCase()).getString("_id")).isEqualTo(t.getString("_id"));
    for (String id : List.of("0123456789abcdef01234567", "TICKET-999999", "zzz", "%24ne")) {
      var res = fx.send(HttpMethod.GET, "/tickets/" + id, agentA.token(), null);
      assertError(res, 404, "TICKET_NOT_FOUND", "/api/v2/tickets/" + id);
    }
  }

  @Test
  void list_filters_and_answers_both_pagination_shapes() {
    TicketFixture.Customer c = fx.customer();
    String word = Inbox.token();
    JsonObject t1 = fx.create(fx.admin, TicketFixture.newTicket(c).put("subject", "Medidor " + word).put("priority", "urgent")
        .put("category", "billing"));
    JsonObject t2 = fx.create(fx.admin, TicketFixture.newTicket(c).put("description", "texto " + word.toUpperCase())
        .put("assignedAgent", agentA.id()));
    JsonObject t3 = fx.create(fx.admin, TicketFixture.newTicket(c));
    fx.status(t3.getString("_id"), "in_progress");
    String cust = "&customerId=" + c.customerId();
    assertThat(TicketFixture.ticketIds(fx.list("?customerId=" + c.customerId(), agentB.token())))
        .containsExactly(t3.getString("ticketId"), t2.getString("ticketId"), t1.getString("ticketId"));
    assertThat(TicketFixture.ticketIds(fx.list("?search=" + word + cust, agentB.token())))
        .containsExactly(t2.getString("ticketId"), t1.getString("ticketId"));
    assertThat(TicketFixture.ticketIds(fx.list("?search=" + t3.getString("ticketId"), agentB.token()))).containsExactly(t3.getString("ticketId"));
    assertThat(TicketFixture.ticketIds(fx.list("?priority=urgent" + cust, agentB.token()))).containsExactly(t1.getString("ticketId"));
    assertThat(TicketFixture.ticketIds(fx.list("?category=billing" + cust, agentB.token()))).containsExactly(t1.getString("ticketId"));
    assertThat(TicketFixture.ticketIds(fx.list("?status=in_progress" + cust, agentB.token()))).containsExactly(t3.getString("ticketId"));
    assertThat(TicketFixture.ticketIds(fx.list("?assignedAgent=" + agentA.id() + cust, agentB.token()))).containsExactly(t2.getString("ticketId"));
    assertThat(TicketFixture.ticketIds(fx.list("?assignedAgent=me" + cust, agentA.token()))).containsExactly(t2.getString("ticketId"));
    assertThat(TicketFixture.ticketIds(fx.list("?assignedAgent=unassigned" + cust, agentA.token())))
        .containsExactly(t3.getString("ticketId"), t1.getString("ticketId"));
    String today = Instant.now().toString().substring(0, 10);
    assertThat(fx.list("?dateFrom=" + today + "&dateTo=" + today + cust, agentA.token())).hasSize(3);
    assertThat(fx.list("?dateTo=2020-01-01" + cust, agentA.token())).isEmpty();

    JsonObject page = Inbox.json(fx.send(HttpMethod.GET, "/tickets?limit=2&page=2" + cust, agentA.token(), null), 200);
    assertThat(TicketFixture.ticketIds(page.getJsonArray("tickets"))).containsExactly(t1.getString("ticketId"));
    assertThat(page.getLong("total")).isEqualTo(3);
    assertThat(page.getInteger("page")).isEqualTo(2);
    assertThat(page.getInteger("pages")).isEqualTo(2);
    assertThat(page.getJsonObject("pagination")).isEqualTo(new JsonObject().put("currentPage", 2).put("totalPages", 2)
        .put("totalCount", 3).put("pageSize", 2).put("hasNext", false).put("hasPrev", true));

    for (String q : List.of("status=bogus", "priority=1", "assignedAgent=xyz", "customerId=abc", "dateFrom=yesterday", "page=0",
        "limit=101", "dateFrom=2026-02-01&dateTo=2026-01-01", "status=open&status=closed")) {
      var res = fx.send(HttpMethod.GET, "/tickets?" + q, agentA.token(), null);
      assertError(res, 400, "VALIDATION_FAILED", "/api/v2/tickets");
    }
  }

  @Test
  void customer_and_conversation_ticket_lists() {
    TicketFixture.Customer c = fx.customer();
    JsonObject t1 = fx.create(fx.admin, TicketFixture.newTicket(c));
    JsonObject t2 = fx.create(fx.admin, TicketFixture.newTicket(c).put("conversationId", (Object) null));
    fx.status(t2.getString("_id"), "closed");
    JsonObject byId = Inbox.json(fx.send(HttpMethod.GET, "/customers/" + c.customerId() + "/tickets", agentA.token(), null), 200);
    assertThat(TicketFixture.ticketIds(byId.getJsonArray("tickets"))).containsExactly(t2.getString("ticketId"), t1.getString("ticketId"));
    assertThat(byId.getLong("total")).isEqualTo(2);
    JsonObject byPhone = Inbox.json(fx.send(HttpMethod.GET, "/customers/%2B" + c.phone() + "/tickets?status=closed", agentA.token(), null), 200);
    assertThat(TicketFixture.ticketIds(byPhone.getJsonArray("tickets"))).containsExactly(t2.getString("ticketId"));
    JsonObject limited = Inbox.json(fx.send(HttpMethod.GET, "/customers/" + c.customerId() + "/tickets?limit=1", agentA.token(), null), 200);
    assertThat(limited.getJsonArray("tickets")).hasSize(1);
    assertThat(limited.getLong("total")).isEqualTo(2);
    assertError(fx.send(HttpMethod.GET, "/customers/0123456789abcdef01234567/tickets", agentA.token(), null), 404,
        "CUSTOMER_NOT_FOUND", "/api/v2/customers/0123456789abcdef01234567/tickets");
    assertError(fx.send(HttpMethod.GET, "/customers/12/tickets", agentA.token(), null), 400,
        "PHONE_NUMBER_INVALID", "/api/v2/customers/12/tickets");

    JsonObject conv = Inbox.json(fx.send(HttpMethod.GET, "/conversations/" + c.conversationId() + "/tickets", agentA.token(), null), 200);
    assertThat(TicketFixture.ticketIds(conv.getJsonArray("tickets"))).containsExactly(t1.getString("ticketId"));
    assertThat(conv.getLong("total")).isEqualTo(1);
    for (String id : List.of("0123456789abcdef01234567", "nope")) {
      assertError(fx.send(HttpMethod.GET, "/conversations/" + id + "/tickets", agentA.token(), null), 404,
          "CONVERSATION_NOT_FOUND", "/api/v2/conversations/" + id + "/tickets");
    }
  }

  /** The "Tickets API" section's PATCH example resolves with only a reason: it is taken as the summary. */
  @Test
  void a_patch_resolving_with_only_a_reason_takes_it_as_the_summary() {
    JsonObject t = fx.create(fx.customer());
    JsonObject res = Inbox.json(fx.send(HttpMethod.PATCH, "/tickets/" + t.getString("ticketId") + "/status", agentA.token(),
        new JsonObject().put("status", "resolved").put("reason", "Replacement order shipped").put("sendNotification", false)), 200);
    assertThat(res.getJsonObject("ticket").getString("status")).isEqualTo("resolved");
    assertThat(res.getJsonObject("ticket").getJsonObject("resolution").getString("summary")).isEqualTo("Replacement order shipped");
    // a blank reason is no summary
    JsonObject u = fx.create(fx.customer());
    assertFieldError(fx.send(HttpMethod.PATCH, "/tickets/" + u.getString("_id") + "/status", agentA.token(),
        new JsonObject().put("status", "resolved").put("reason", "  ")), 400, "VALIDATION_FAILED",
        "/api/v2/tickets/" + u.getString("_id") + "/status", "resolutionSummary");
  }

  @Test
  void status_changes_by_put_and_patch_keep_history_and_illegal_ones_are_409() {
    JsonObject t = fx.create(fx.customer());
    String id = t.getString("_id");
    String path = "/api/v2/tickets/" + id + "/status";
    JsonObject moved = Inbox.json(fx.send(HttpMethod.PUT, "/tickets/" + id + "/status", agentA.token(),
        new JsonObject().put("status", "in_progress").put("reason", "Revisando")), 200).getJsonObject("ticket");
    assertThat(moved.getString("status")).isEqualTo("in_progress");
    TicketFixture.assertHistory(moved, "open", "in_progress");
    JsonObject last = moved.getJsonArray("history").getJsonObject(moved.getJsonArray("history").size() - 1);
    assertThat(last.getString("reason")).isEqualTo("Revisando");
    assertThat(last.getString("by")).isEqualTo(agentA.id());
    JsonObject patched = Inbox.json(fx.send(HttpMethod.PATCH, "/tickets/" + t.getString("ticketId") + "/status", agentA.token(),
        new JsonObject().put("status", "pending_customer")), 200).getJsonObject("ticket");
    assertThat(patched.getString("status")).isEqualTo("pending_customer");
    // resolved needs its summary
    assertFieldError(fx.send(HttpMethod.PUT, "/tickets/" + id + "/status", agentA.token(), new JsonObject().put("status", "resolved")),
        400, "VALIDATION_FAILED", path, "resolutionSummary");
    assertFieldError(fx.send(HttpMethod.PUT, "/tickets/" + id + "/status", agentA.token(), new JsonObject().put("status", "done")),
        400, "VALIDATION_FAILED", path, "status");
    assertFieldError(fx.send(HttpMethod.PUT, "/tickets/" + id + "/status", agentA.token(), new JsonObject()),
        400, "VALIDATION_FAILED", path, "status");
    JsonObject resolved = Inbox.json(fx.send(HttpMethod.PUT, "/tickets/" + id + "/status", agentA.token(),
        new JsonObject().put("status", "resolved").put("resolutionSummary", "Cambio de medidor").put("sendNotification", false)), 200);
    assertThat(resolved.getJsonObject("ticket").getJsonObject("resolution").getString("summary")).isEqualTo("Cambio de medidor");
    assertThat(resolved.getBoolean("notificationSent")).isFalse();
    fx.status(id, "closed");
    JsonObject err = assertError(fx.send(HttpMethod.PUT, "/tickets/" + id + "/status", agentA.token(),
        new JsonObject().put("status", "in_progress")), 409, "INVALID_STATUS_TRANSITION", path);
    assertThat(err.getJsonObject("details").getString("from")).isEqualTo("closed");
    assertError(fx.send(HttpMethod.PUT, "/tickets/0123456789abcdef01234567/status", agentA.token(),
        new JsonObject().put("status", "open")), 404, "TICKET_NOT_FOUND", "/api/v2/tickets/0123456789abcdef01234567/status");
    // another agent's ticket: only they and supervisors change it
    JsonObject mine = fx.create(fx.admin, TicketFixture.newTicket(fx.customer()).put("assignedAgent", agentA.id()));
    assertError(fx.send(HttpMethod.PUT, "/tickets/" + mine.getString("_id") + "/status", agentB.token(),
        new JsonObject().put("status", "in_progress")), 403, "AUTH_INSUFFICIENT_PERMISSIONS", "/api/v2/tickets/" + mine.getString("_id") + "/status");
    Inbox.json(fx.send(HttpMethod.PUT, "/tickets/" + mine.getString("_id") + "/status", supervisor.token(),
        new JsonObject().put("status", "in_progress")), 200);
  }

  @Test
  void every_illegal_transition_is_refused_and_every_legal_one_allowed() {
    for (String from : TicketStatus.ALL) {
      for (String to : TicketStatus.ALL) {
        JsonObject t = fx.create(fx.customer());
        String id = t.getString("_id");
        reach(id, from);
        JsonObject body = new JsonObject().put("status", to);
        if (to.equals("resolved")) body.put("resolutionSummary", "ok").put("sendNotification", false);
        var res = fx.send(HttpMethod.PUT, "/tickets/" + id + "/status", fx.admin, body);
        if (TicketStatusTest.expected(from, to)) {
          assertThat(res.statusCode()).as(from + " -> " + to + ": " + res.bodyAsString()).isEqualTo(200);
          assertThat(fx.get(id).getString("status")).isEqualTo(to);
        } else {
          assertError(res, 409, "INVALID_STATUS_TRANSITION", "/api/v2/tickets/" + id + "/status");
          assertThat(fx.get(id).getString("status")).as(from + " -> " + to + " left it").isEqualTo(from);
        }
      }
    }
  }

  /** Drives a new (open) ticket to {@code status}; "new" is set in the database (only a preset starts tickets there). */
  private static void reach(String id, String status) {
    switch (status) {
      case "open" -> { }
      case "new" -> fx.inbox.set("tickets", id, new JsonObject().put("status", "new"));
      default -> fx.status(id, status);
    }
  }

  @Test
  void assign_notes_and_escalation() {
    JsonObject t = fx.create(fx.customer());
    String id = t.getString("_id");
    String base = "/api/v2/tickets/" + id;
    // an agent takes it; another agent may not give it away; a supervisor may
    JsonObject taken = Inbox.json(fx.send(HttpMethod.PUT, "/tickets/" + id + "/assign", agentA.token(),
        new JsonObject().put("agentId", agentA.id())), 200).getJsonObject("ticket");
    assertThat(taken.getJsonObject("assignedAgent").getString("_id")).isEqualTo(agentA.id());
    assertThat(taken.getJsonObject("assignedAgent").getString("firstName")).isEqualTo("Test");
    assertError(fx.send(HttpMethod.PUT, "/tickets/" + id + "/assign", agentB.token(), new JsonObject().put("agentId", agentB.id())),
        403, "AUTH_INSUFFICIENT_PERMISSIONS", base + "/assign");
    assertFieldError(fx.send(HttpMethod.PUT, "/tickets/" + id + "/assign", supervisor.token(), new JsonObject()),
        400, "VALIDATION_FAILED", base + "/assign", "agentId");
    assertError(fx.send(HttpMethod.PUT, "/tickets/" + id + "/assign", supervisor.token(), new JsonObject().put("agentId", "0123456789abcdef01234567")),
        404, "AGENT_NOT_FOUND", base + "/assign");
    JsonObject given = Inbox.json(fx.send(HttpMethod.PUT, "/tickets/" + id + "/assign", supervisor.token(),
        new JsonObject().put("agentId", agentB.id()).put("note", "turno tarde")), 200).getJsonObject("ticket");
    assertThat(given.getJsonObject("assignedAgent").getString("_id")).isEqualTo(agentB.id());
    JsonObject assignEntry = given.getJsonArray("history").getJsonObject(given.getJsonArray("history").size() - 1);
    assertThat(assignEntry.getString("type")).isEqualTo("assigned");
    assertThat(assignEntry.getString("from")).isEqualTo(agentA.id());
    assertThat(assignEntry.getString("reason")).isEqualTo("turno tarde");

    // notes: internal by default, response has note and ticket
    JsonObject added = Inbox.json(fx.send(HttpMethod.POST, "/tickets/" + id + "/notes", agentB.token(),
        new JsonObject().put("content", "Llamé al cliente").put("isInternal", true)), 201);
    JsonObject note = added.getJsonObject("note");
    assertThat(note.getString("_id")).matches("^[0-9a-f]{24}$");
    assertThat(note.getString("content")).isEqualTo("Llamé al cliente");
    assertThat(note.getBoolean("isInternal")).isTrue();
    assertThat(note.getJsonObject("agent").getString("_id")).isEqualTo(agentB.id());
    assertThat(note.getString("timestamp")).endsWith("Z");
    assertThat(added.getJsonObject("ticket").getJsonArray("notes")).hasSize(1);
    assertThat(added.getBoolean("notificationSent")).isFalse();
    assertFieldError(fx.send(HttpMethod.POST, "/tickets/" + id + "/notes", agentB.token(), new JsonObject().put("isInternal", true)),
        400, "VALIDATION_FAILED", base + "/notes", "content");
    assertFieldError(fx.send(HttpMethod.POST, "/tickets/" + id + "/notes", agentB.token(),
        new JsonObject().put("content", "x").put("isInternal", "yes")), 400, "VALIDATION_FAILED", base + "/notes", "isInternal");

    // escalation: priority one step up, SLA follows, to the target agent, with an escalation entry
    JsonObject esc = Inbox.json(fx.send(HttpMethod.PUT, "/tickets/" + id + "/escalate", agentB.token(),
        new JsonObject().put("reason", "Cliente molesto").put("targetAgent", supervisor.id())), 200).getJsonObject("ticket");
    assertThat(esc.getString("priority")).isEqualTo("high");
    assertThat(esc.getJsonObject("assignedAgent").getString("_id")).isEqualTo(supervisor.id());
    assertThat(Instant.parse(esc.getString("estimatedResolution"))).isEqualTo(Instant.parse(esc.getString("createdAt")).plusSeconds(24 * 3600));
    JsonObject entry = esc.getJsonArray("escalations").getJsonObject(0);
    assertThat(entry.getString("reason")).isEqualTo("Cliente molesto");
    assertThat(entry.getString("fromPriority")).isEqualTo("medium");
    assertThat(entry.getString("toPriority")).isEqualTo("high");
    assertThat(entry.getString("fromAgentId")).isEqualTo(agentB.id());
    assertThat(entry.getString("toAgentId")).isEqualTo(supervisor.id());
    assertThat(entry.getString("by")).isEqualTo(agentB.id());
    assertFieldError(fx.send(HttpMethod.PUT, "/tickets/" + id + "/escalate", supervisor.token(), new JsonObject()),
        400, "VALIDATION_FAILED", base + "/escalate", "reason");
    // twice more: urgent, and urgent stays urgent
    Inbox.json(fx.send(HttpMethod.PUT, "/tickets/" + id + "/escalate", supervisor.token(), new JsonObject().put("reason", "r2")), 200);
    JsonObject top = Inbox.json(fx.send(HttpMethod.PUT, "/tickets/" + id + "/escalate", supervisor.token(),
        new JsonObject().put("reason", "r3")), 200).getJsonObject("ticket");
    assertThat(top.getString("priority")).isEqualTo("urgent");
    assertThat(top.getJsonArray("escalations")).hasSize(3);
    fx.status(id, "closed");
    assertError(fx.send(HttpMethod.PUT, "/tickets/" + id + "/escalate", supervisor.token(), new JsonObject().put("reason", "late")),
        409, "INVALID_STATUS_TRANSITION", base + "/escalate");
    assertError(fx.send(HttpMethod.PUT, "/tickets/" + id + "/assign", supervisor.token(), new JsonObject().put("agentId", agentA.id())),
        409, "INVALID_STATUS_TRANSITION", base + "/assign");
  }

  @Test
  void resolve_accepts_both_verbs_and_both_bodies() {
    JsonObject a = fx.create(fx.customer());
    JsonObject resA = Inbox.json(fx.send(HttpMethod.PUT, "/tickets/" + a.getString("_id") + "/resolve", agentA.token(),
        new JsonObject().put("resolutionSummary", "Reemplazo enviado").put("sendNotification", false)), 200);
    JsonObject ta = resA.getJsonObject("ticket");
    assertThat(ta.getString("status")).isEqualTo("resolved");
    assertThat(ta.getJsonObject("resolution").getString("summary")).isEqualTo("Reemplazo enviado");
    assertThat(ta.getJsonObject("resolution").getString("resolvedBy")).isEqualTo(agentA.id());
    assertThat(ta.getString("resolvedAt")).isEqualTo(ta.getJsonObject("resolution").getString("resolvedAt"));
    assertThat(resA.getBoolean("notificationSent")).isFalse();
    TicketFixture.assertHistory(ta, "open", "resolved");

    JsonObject b = fx.create(fx.customer());
    JsonObject tb = Inbox.json(fx.send(HttpMethod.POST, "/tickets/" + b.getString("ticketId") + "/resolve", agentA.token(),
        new JsonObject().put("sendNotification", false).put("resolution", new JsonObject().put("summary", "Envío exprés")
            .put("steps", new JsonArray().add("Fotos verificadas").add("Reemplazo creado")).put("category", "solved"))), 200)
        .getJsonObject("ticket");
    assertThat(tb.getJsonObject("resolution").getJsonArray("steps")).containsExactly("Fotos verificadas", "Reemplazo creado");
    assertThat(tb.getJsonObject("resolution").getString("category")).isEqualTo("solved");
    String path = "/api/v2/tickets/" + b.getString("ticketId") + "/resolve";
    assertError(fx.send(HttpMethod.POST, "/tickets/" + b.getString("ticketId") + "/resolve", agentA.token(),
        new JsonObject().put("resolutionSummary", "again").put("sendNotification", false)), 409, "INVALID_STATUS_TRANSITION", path);
    JsonObject c = fx.create(fx.customer());
    String cpath = "/api/v2/tickets/" + c.getString("_id") + "/resolve";
    assertFieldError(fx.send(HttpMethod.PUT, "/tickets/" + c.getString("_id") + "/resolve", agentA.token(), new JsonObject()),
        400, "VALIDATION_FAILED", cpath, "resolutionSummary");
    assertFieldError(fx.send(HttpMethod.POST, "/tickets/" + c.getString("_id") + "/resolve", agentA.token(),
        new JsonObject().put("resolution", new JsonObject().put("steps", new JsonArray()))), 400, "VALIDATION_FAILED", cpath, "resolution.summary");
    assertFieldError(fx.send(HttpMethod.PUT, "/tickets/" + c.getString("_id") + "/resolve", agentA.token(),
        new JsonObject().put("resolutionSummary", "x").put("sendNotification", "no")), 400, "VALIDATION_FAILED", cpath, "sendNotification");
    assertThat(fx.get(c.getString("_id")).getString("status")).isEqualTo("open");
  }
}
