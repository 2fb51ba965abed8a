package crm.ticket;

import static org.assertj.core.api.Assertions.assertThat;

import crm.support.Inbox;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Auto-reopen on a node that keeps in memory which customers have a watched ticket (the embedded store, one node):
 * watches written before a restart are known after it, and a customer dropped from the set once nothing of theirs was
 * watched is watched again by their next resolution.
 */
class TicketReopenRestartTest {
  @TempDir
  Path dataDir;

  private JsonObject config() {
    return Wa.config().put("CRM_DB_BACKEND", "h2").put("CRM_DATA_DIR", dataDir.toString());
  }

  private static JsonObject resolve(TicketFixture fx, String id) {
    return Inbox.json(fx.send(HttpMethod.PUT, "/tickets/" + id + "/resolve", fx.admin,
        new JsonObject().put("resolutionSummary", "Listo").put("sendNotification", false)), 200);
  }

  private static JsonObject awaitReopened(TicketFixture fx, String id, int count) {
    return fx.inbox.wa.await("tickets", new JsonObject().put("_id", id),
        l -> "open".equals(l.get(0).getString("status")) && l.get(0).getInteger("reopenCount", 0) == count).get(0);
  }

  @Test
  void a_watch_from_before_a_restart_reopens_and_a_later_resolution_is_watched_again() {
    TicketFixture.Customer c;
    String ticket;
    TestApp first = TestApp.start(config());
    try {
      TicketFixture fx = new TicketFixture(first);
      c = fx.customer("Ana Torres");
      ticket = fx.create(c).getString("_id");
      resolve(fx, ticket);
    } finally {
      first.close();
    }

    TestApp second = TestApp.start(config());
    try {
      TicketFixture fx = new TicketFixture(second);
      fx.inbox.inbound(c.phone(), "Ana Torres", "Sigue igual");
      assertThat(awaitReopened(fx, ticket, 1).getString("status")).isEqualTo("open");

      // nothing of hers is watched now: this message finds that out (and changes nothing)
      fx.inbox.inbound(c.phone(), "Ana Torres", "¿Hola?");
      fx.inbox.wa.await("ticket_reopen", new JsonObject().put("_id", c.customerId()),
          l -> l.isEmpty() || l.get(0).getJsonObject("tickets", new JsonObject()).isEmpty());
      resolve(fx, ticket);
      fx.inbox.inbound(c.phone(), "Ana Torres", "Otra vez sin servicio");
      assertThat(awaitReopened(fx, ticket, 2).getInteger("reopenCount")).isEqualTo(2);
    } finally {
      second.close();
    }
  }
}
