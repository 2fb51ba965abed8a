package crm.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import crm.storage.Mongo;
import crm.support.Inbox;
import crm.support.TestApp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** An empty database answers zeros everywhere; a fold interrupted after its chunk was written is applied once. */
class DashboardEmptyTest {

  @Test
  void an_empty_database_is_all_zeros_with_30_days_and_24_hours() {
    try (TestApp app = TestApp.start(new JsonObject().put("BUSINESS_TIME_ZONE", "America/Mexico_City"))) {
      Analytics a = new Analytics(app);
      String admin = app.adminToken();
      LocalDate before = LocalDate.now(ZoneId.of("America/Mexico_City"));
      JsonObject d = a.dashboard(admin, "");
      LocalDate after = LocalDate.now(ZoneId.of("America/Mexico_City"));
      assertThat(d.getJsonObject("conversations")).isEqualTo(new JsonObject().put("total", 0).put("open", 0).put("assigned", 0)
          .put("resolved", 0).put("todayCount", 0));
      assertThat(d.getJsonObject("messages")).isEqualTo(new JsonObject().put("totalToday", 0).put("averageResponseTime", 0.0)
          .put("responseRate", 0.0));
      assertThat(d.getJsonObject("tickets")).isEqualTo(new JsonObject().put("total", 0).put("open", 0).put("resolved", 0)
          .put("averageResolutionTime", 0.0));
      assertThat(d.getJsonObject("agents")).isEqualTo(new JsonObject().put("online", 0).put("busy", 0).put("total", 1));
      JsonArray days = d.getJsonObject("charts").getJsonArray("conversationsOverTime");
      assertThat(days).hasSize(30);
      // today as the server saw it (the request may straddle midnight)
      LocalDate today = LocalDate.parse(d.getJsonObject("period").getString("dateTo"));
      assertThat(today).isIn(before, after);
      assertThat(days.getJsonObject(29).getString("date")).isEqualTo(today.toString());
      assertThat(days.getJsonObject(0).getString("date")).isEqualTo(today.minusDays(29).toString());
      assertThat(days.stream().map(o -> ((JsonObject) o).getLong("count")).distinct().toList()).containsExactly(0L);
      assertThat(Analytics.byHour(d)).containsOnly(0.0);
      assertThat(d.getJsonObject("period").getString("timeZone")).isEqualTo("America/Mexico_City");
      JsonObject agents = Inbox.json(app.get("/api/v2/analytics/agents", admin), 200);
      assertThat(agents.getJsonArray("agents")).hasSize(1);
      assertThat(agents.getJsonArray("agents").getJsonObject(0).getLong("conversationsHandled")).isZero();
    }
  }

  @Test
  void a_chunk_left_by_a_crash_is_applied_once() throws Exception {
    try (TestApp app = TestApp.start()) {
      Analytics a = new Analytics(app);
      AnalyticsStore store = new AnalyticsStore(new Mongo(app.vertx, app.app.deployedConfig()));
      a.flush();
      // a fold that wrote and applied its chunk, then crashed before deleting it
      Deltas deltas = new Deltas();
      long slot = Slots.slotOf(java.time.Instant.parse("2026-01-10T09:00:00Z").toEpochMilli());
      deltas.add(Deltas.TEAM, slot, Deltas.CONV_OPEN, 1);
      String c = Mongo.newId();
      JsonObject state = new JsonObject().put("_id", "c:" + c).put("cs", slot).put("st", "open").put("ag", (Object) null)
          .put("seq", 0L).put("p", new JsonArray()).put("r", new JsonArray());
      JsonObject chunk = AnalyticsStore.chunk(Mongo.newId(), List.of(state), deltas);
      store.writeChunk(chunk).await(10, TimeUnit.SECONDS);
      store.applyChunk(chunk).await(10, TimeUnit.SECONDS);
      // the next pass finds the chunk, applies it where it was not (nowhere), and drops it
      a.flush();
      store.applyChunk(chunk).await(10, TimeUnit.SECONDS); // and any number of times more changes nothing
      JsonObject d = a.dashboard(app.adminToken(), "?dateFrom=2026-01-10&dateTo=2026-01-10&tz=UTC");
      assertThat(d.getJsonObject("conversations").getLong("open")).isEqualTo(1);
      assertThat(d.getJsonObject("conversations").getLong("total")).isEqualTo(1);
      assertThat(a.db.count(AnalyticsStore.CHUNKS, new JsonObject()).await(10, TimeUnit.SECONDS)).isZero();
      JsonObject totals = a.db.findOne(AnalyticsStore.ROLLUPS, new JsonObject().put("_id", "t:all"), null).await(10, TimeUnit.SECONDS);
      assertThat(totals.getJsonObject("n").getLong("co")).isEqualTo(1);
    }
  }
}
