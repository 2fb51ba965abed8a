package crm.ticket;

import static crm.support.ApiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import crm.bus.Addresses;
import crm.support.Inbox;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Escalation without a target: to the online supervisor holding the fewest active tickets; with none online the
 * assignment stays and the escalation is still recorded. Deactivated targets are AGENT_UNAVAILABLE; agents may not
 * escalate someone else's ticket.
 */
class TicketEscalationTest {
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

  void online(Inbox.Agent agent) throws Exception {
    app.vertx.eventBus().request(Addresses.AGENT_SET_STATUS, new JsonObject().put("agentId", agent.id()).put("status", "online"))
        .await(10, TimeUnit.SECONDS);
  }

  JsonObject escalate(String token, JsonObject ticket, JsonObject body) {
    return Inbox.json(fx.send(HttpMethod.PUT, "/tickets/" + ticket.getString("_id") + "/escalate", token, body), 200).getJsonObject("ticket");
  }

  @Test
  void goes_to_the_least_loaded_online_supervisor_or_stays_when_none_is_online() throws Exception {
    Inbox.Agent agent = fx.inbox.agent(fx.admin, "agent");
    Inbox.Agent busy = fx.inbox.agent(fx.admin, "supervisor");
    Inbox.Agent free = fx.inbox.agent(fx.admin, "supervisor");
    Inbox.Agent offline = fx.inbox.agent(fx.admin, "supervisor");
    TicketFixture.Customer c = fx.customer();
    JsonObject t = fx.create(agent.token(), TicketFixture.newTicket(c).put("assignedAgent", agent.id()));

    // nobody online: priority up, escalation recorded, assignment unchanged
    JsonObject stayed = escalate(agent.token(), t, new JsonObject().put("reason", "Sin respuesta del proveedor"));
    assertThat(stayed.getString("priority")).isEqualTo("high");
    assertThat(stayed.getJsonObject("assignedAgent").getString("_id")).isEqualTo(agent.id());
    assertThat(stayed.getJsonArray("escalations").getJsonObject(0).getString("toAgentId")).isEqualTo(agent.id());

    online(busy);
    online(free);
    // "busy" holds two active tickets, "free" one resolved (not counted) and none active
    fx.create(fx.admin, TicketFixture.newTicket(c).put("assignedAgent", busy.id()));
    fx.create(fx.admin, TicketFixture.newTicket(c).put("assignedAgent", busy.id()));
    JsonObject done = fx.create(fx.admin, TicketFixture.newTicket(c).put("assignedAgent", free.id()));
    fx.status(done.getString("_id"), "resolved");
    JsonObject moved = escalate(agent.token(), t, new JsonObject().put("reason", "Urgente"));
    assertThat(moved.getString("priority")).isEqualTo("urgent");
    assertThat(moved.getJsonObject("assignedAgent").getString("_id")).isEqualTo(free.id());
    assertThat(moved.getJsonArray("escalations")).hasSize(2);
    assertThat(moved.getJsonArray("escalations").getJsonObject(1).getString("fromAgentId")).isEqualTo(agent.id());
    assertThat(moved.getJsonArray("escalations").getJsonObject(1).getString("toAgentId")).isEqualTo(free.id());
    assertThat(offline.id()).isNotEqualTo(free.id());

    // now the ticket is the supervisor's: the agent may not escalate it again, nor send it to a deactivated agent
    String path = "/api/v2/tickets/" + t.getString("_id") + "/escalate";
    assertError(fx.send(HttpMethod.PUT, "/tickets/" + t.getString("_id") + "/escalate", agent.token(),
        new JsonObject().put("reason", "otra vez")), 403, "AUTH_INSUFFICIENT_PERMISSIONS", path);
    Inbox.json(app.post("/api/v2/agents/" + offline.id() + "/deactivate", fx.admin, new JsonObject()), 200);
    assertError(fx.send(HttpMethod.PUT, "/tickets/" + t.getString("_id") + "/escalate", free.token(),
        new JsonObject().put("reason", "x").put("targetAgent", offline.id())), 422, "AGENT_UNAVAILABLE", path);
    assertError(fx.send(HttpMethod.PUT, "/tickets/" + t.getString("_id") + "/assign", free.token(),
        new JsonObject().put("agentId", offline.id())), 422, "AGENT_UNAVAILABLE", "/api/v2/tickets/" + t.getString("_id") + "/assign");
    assertError(fx.send(HttpMethod.PUT, "/tickets/" + t.getString("_id") + "/escalate", free.token(),
        new JsonObject().put("reason", "x").put("targetAgent", "nope")), 404, "AGENT_NOT_FOUND", path);
  }
}
