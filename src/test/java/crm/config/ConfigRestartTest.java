package crm.config;

import static org.assertj.core.api.Assertions.assertThat;

import crm.bus.Addresses;
import crm.support.TestApp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The business configuration is stored: a stop and a start on the same data directory (H2 backend) keep it. */
class ConfigRestartTest {
  @TempDir
  Path dataDir;

  JsonObject config() {
    return new JsonObject().put("CRM_DB_BACKEND", "h2").put("CRM_DATA_DIR", dataDir.toString());
  }

  @Test
  void preset_categories_and_assistant_changes_survive_a_restart() throws Exception {
    JsonObject before;
    TestApp first = TestApp.start(config());
    try {
      String admin = first.adminToken();
      assertThat(first.post("/api/v2/config/presets/load", admin, new JsonObject().put("presetId", "healthcare")).statusCode()).isEqualTo(200);
      JsonArray categories = first.get("/api/v2/config/ticket-categories", admin).bodyAsJsonObject().getJsonArray("categories");
      categories.add(new JsonObject().put("id", "vaccination").put("label", "Vacunación").put("labelEn", "Vaccination")
          .put("icon", "vaccines").put("color", "#00796B").put("description", "Campañas y esquemas de vacunación"));
      assertThat(first.put("/api/v2/config/ticket-categories", admin, new JsonObject().put("categories", categories)).statusCode()).isEqualTo(200);
      assertThat(first.put("/api/v2/config/assistant", admin, new JsonObject().put("assistantName", "Dra. Clara")).statusCode()).isEqualTo(200);
      before = active(first);
    } finally {
      first.close();
    }

    TestApp second = TestApp.start(config());
    try {
      JsonObject after = active(second);
      assertThat(after).isEqualTo(before);
      assertThat(after.getString("businessType")).isEqualTo("healthcare");
      assertThat(after.getString("initialTicketStatus")).isEqualTo("new");
      assertThat(after.getJsonObject("ticketIdFormat").getString("prefix")).isEqualTo("MED");
      assertThat(after.getJsonObject("assistant").getString("assistantName")).isEqualTo("Dra. Clara");
      String agentToken = second.adminToken();
      JsonArray cats = second.get("/api/v2/config/ticket-categories", agentToken).bodyAsJsonObject().getJsonArray("categories");
      assertThat(cats.stream().map(c -> ((JsonObject) c).getString("id"))).contains("vaccination", "lab_results");
      assertThat(second.get("/api/v2/config/assistant", agentToken).bodyAsJsonObject().getJsonObject("config").getString("companyName"))
          .isEqualTo("Clínica Salud Integral");
    } finally {
      second.close();
    }
  }

  static JsonObject active(TestApp app) throws Exception {
    return app.vertx.eventBus().<JsonObject>request(Addresses.CONFIG_ACTIVE, new JsonObject()).await(10, TimeUnit.SECONDS).body();
  }
}
