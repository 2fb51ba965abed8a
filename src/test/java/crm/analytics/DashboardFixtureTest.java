package crm.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import crm.support.ApiErrors;
import crm.support.Inbox;
import crm.support.TestApp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboard against a fixture built by hand: conversations, messages and tickets at known times in January 2026,
 * so every count, average and chart point is known exactly; in UTC and in a zone an hour ahead (Africa/Lagos, UTC+1
 * all year), where 23:30 UTC is already the next day.
 */
class DashboardFixtureTest {
  static TestApp app;
  static Analytics a;
  static Inbox inbox;
  static String admin;
  static Inbox.Agent agentA;
  static Inbox.Agent agentB;
  static final String RANGE = "?dateFrom=2026-01-10&dateTo=2026-01-12";

  @BeforeAll
  static void fixture() {
    app = TestApp.start();
    a = new Analytics(app);
    inbox = new Inbox(app);
    admin = app.adminToken();
    agentA = inbox.agent(admin, "agent");
    agentB = inbox.agent(admin, "agent");
    // C1, assigned to A: two customer messages answered by A after 30 min (both within the hour), one answered by the
    // assistant after 2 h (not within), a resolution notice (not a reply), one last message never answered
    String c1 = a.conversation(Analytics.at("2026-01-10T09:00:00Z"), "assigned", agentA.id());
    a.inbound(c1, "2026-01-10T09:00:00Z");
    a.inbound(c1, "2026-01-10T09:10:00Z");
    a.reply(c1, "2026-01-10T09:30:00Z", agentA.id());
    a.inbound(c1, "2026-01-10T10:00:00Z");
    a.message(c1, Analytics.at("2026-01-10T12:00:00Z"), false, null, "assistant", null);
    a.message(c1, Analytics.at("2026-01-10T12:05:00Z"), false, agentA.id(), "system", null);
    a.inbound(c1, "2026-01-10T23:30:00Z");
    // C2, resolved, B's: created at 23:30 UTC on the 11th (the 12th in UTC+1), answered by B after 45 min
    String c2 = a.conversation(Analytics.at("2026-01-11T23:30:00Z"), "resolved", agentB.id());
    a.inbound(c2, "2026-01-11T23:30:00Z");
    a.reply(c2, "2026-01-12T00:15:00Z", agentB.id());
    // C3, open: A reacts (not a reply), then answers after 20 min
    String c3 = a.conversation(Analytics.at("2026-01-12T08:00:00Z"), "open", null);
    a.inbound(c3, "2026-01-12T08:00:00Z");
    a.message(c3, Analytics.at("2026-01-12T08:05:00Z"), false, agentA.id(), null, "reaction");
    a.reply(c3, "2026-01-12T08:20:00Z", agentA.id());
    // tickets: A's resolved in 2 h, B's open, one closed without a resolution time
    String t1 = a.ticket(Analytics.at("2026-01-10T10:00:00Z"), "resolved", agentA.id(), 7_200_000L);
    String t2 = a.ticket(Analytics.at("2026-01-11T12:00:00Z"), "open", agentB.id(), null);
    String t3 = a.ticket(Analytics.at("2026-01-12T01:00:00Z"), "closed", null, null);
    a.mark(List.of(c1, c2, c3), List.of(t1, t2, t3));
    a.flush();
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void the_team_dashboard_in_utc_counts_the_fixture_exactly() {
    JsonObject d = a.dashboard(admin, RANGE + "&tz=UTC");
    assertThat(d.getJsonObject("conversations")).isEqualTo(new JsonObject().put("total", 3).put("open", 1).put("assigned", 1)
        .put("resolved", 1).put("todayCount", 0));
    // response times 30, 120, 45, 20 min; 4 of the 6 customer messages answered within the hour
    assertThat(d.getJsonObject("messages").getDouble("averageResponseTime")).isCloseTo(53.75, within(0.001));
    assertThat(d.getJsonObject("messages").getDouble("responseRate")).isCloseTo(66.67, within(0.001));
    assertThat(d.getJsonObject("messages").getLong("totalToday")).isZero();
    assertThat(d.getJsonObject("tickets")).isEqualTo(new JsonObject().put("total", 3).put("open", 1).put("resolved", 2)
        .put("averageResolutionTime", 2.0));
    assertThat(d.getJsonObject("agents").getLong("total")).isEqualTo(3);
    assertThat(Analytics.byDay(d)).containsExactly(Map.entry("2026-01-10", 1L), Map.entry("2026-01-11", 1L), Map.entry("2026-01-12", 1L));
    double[] hours = Analytics.byHour(d);
    double[] expected = new double[24];
    expected[9] = 30;
    expected[10] = 120;
    expected[23] = 45;
    expected[8] = 20;
    assertThat(hours).containsExactly(expected, within(0.001));
    assertThat(d.getString("scope")).isEqualTo("team");
    assertThat(d.getJsonObject("period")).isEqualTo(new JsonObject().put("dateFrom", "2026-01-10").put("dateTo", "2026-01-12")
        .put("timeZone", "UTC").put("responseWindowMinutes", 60));
  }

  @Test
  void an_hour_ahead_23_30_utc_is_the_next_day_and_hours_move_with_the_zone() {
    JsonObject d = a.dashboard(admin, RANGE + "&tz=Africa/Lagos");
    assertThat(Analytics.byDay(d)).containsExactly(Map.entry("2026-01-10", 1L), Map.entry("2026-01-11", 0L), Map.entry("2026-01-12", 2L));
    double[] expected = new double[24];
    expected[10] = 30;
    expected[11] = 120;
    expected[0] = 45;
    expected[9] = 20;
    assertThat(Analytics.byHour(d)).containsExactly(expected, within(0.001));
    // the same messages fall inside the local days: the same totals
    assertThat(d.getJsonObject("messages").getDouble("averageResponseTime")).isCloseTo(53.75, within(0.001));
    assertThat(d.getJsonObject("conversations").getLong("total")).isEqualTo(3);
    // one day only: the 11th in UTC+1 holds the unanswered 23:30 UTC message of the 10th (00:30 local) and C2's is gone
    JsonObject day = a.dashboard(admin, "?dateFrom=2026-01-11&dateTo=2026-01-11&tz=Africa/Lagos");
    assertThat(day.getJsonObject("conversations").getLong("total")).isZero();
    assertThat(day.getJsonObject("messages").getDouble("responseRate")).isEqualTo(0.0);
    JsonObject utcDay = a.dashboard(admin, "?dateFrom=2026-01-11&dateTo=2026-01-11&tz=UTC");
    assertThat(utcDay.getJsonObject("conversations").getLong("total")).isEqualTo(1);
    assertThat(utcDay.getJsonObject("messages").getDouble("averageResponseTime")).isCloseTo(45, within(0.001));
    assertThat(utcDay.getJsonObject("messages").getDouble("responseRate")).isEqualTo(100.0);
  }

  @Test
  void an_agent_sees_only_their_own_numbers() {
    JsonObject d = a.dashboard(agentA.token(), RANGE + "&tz=UTC");
    assertThat(d.getString("scope")).isEqualTo("agent");
    assertThat(d.getString("agentId")).isEqualTo(agentA.id());
    // C1 is A's; C3 is open and nobody's
    assertThat(d.getJsonObject("conversations")).isEqualTo(new JsonObject().put("total", 1).put("open", 0).put("assigned", 1)
        .put("resolved", 0).put("todayCount", 0));
    // A's replies answered after 30 and 20 min, all three messages they answered within the hour
    assertThat(d.getJsonObject("messages").getDouble("averageResponseTime")).isCloseTo(25, within(0.001));
    assertThat(d.getJsonObject("messages").getDouble("responseRate")).isEqualTo(100.0);
    assertThat(d.getJsonObject("tickets")).isEqualTo(new JsonObject().put("total", 1).put("open", 0).put("resolved", 1)
        .put("averageResolutionTime", 2.0));
    double[] expected = new double[24];
    expected[9] = 30;
    expected[8] = 20;
    assertThat(Analytics.byHour(d)).containsExactly(expected, within(0.001));
    // the same as an admin asking for A
    JsonObject asked = a.dashboard(admin, RANGE + "&tz=UTC&agentId=" + agentA.id());
    assertThat(asked.getJsonObject("messages")).isEqualTo(d.getJsonObject("messages"));
    // and nobody else's
    error(app.get("/api/v2/analytics/dashboard?agentId=" + agentB.id(), agentA.token()), 403,
        "AUTH_INSUFFICIENT_PERMISSIONS");
  }

  @Test
  void the_agents_table_for_supervisors() {
    JsonObject res = Inbox.json(app.get("/api/v2/analytics/agents" + RANGE + "&tz=UTC", admin), 200);
    JsonObject rowA = row(res.getJsonArray("agents"), agentA.id());
    assertThat(rowA.getLong("conversationsHandled")).isEqualTo(2);
    assertThat(rowA.getDouble("averageFirstResponseTime")).isCloseTo(25, within(0.001));
    assertThat(rowA.getDouble("averageResolutionTime")).isEqualTo(2.0);
    assertThat(rowA.containsKey("csat")).isTrue();
    assertThat(rowA.getValue("csat")).isNull();
    JsonObject rowB = row(res.getJsonArray("agents"), agentB.id());
    assertThat(rowB.getLong("conversationsHandled")).isEqualTo(1);
    assertThat(rowB.getDouble("averageFirstResponseTime")).isCloseTo(45, within(0.001));
    assertThat(rowB.getDouble("averageResolutionTime")).isEqualTo(0.0);
    error(app.get("/api/v2/analytics/agents", agentA.token()), 403, "AUTH_INSUFFICIENT_PERMISSIONS");
  }

  @Test
  void the_rollups_equal_a_recount() {
    a.assertRecountMatches();
  }

  @Test
  void bad_input_is_a_400_envelope() {
    error(app.get("/api/v2/analytics/dashboard?tz=Mars/Olympus", admin), 400, "VALIDATION_FAILED");
    error(app.get("/api/v2/analytics/dashboard?tz=%2B01:00", admin), 400, "VALIDATION_FAILED");
    error(app.get("/api/v2/analytics/dashboard?dateFrom=2026-02-30", admin), 400, "VALIDATION_FAILED");
    error(app.get("/api/v2/analytics/dashboard?dateFrom=yesterday", admin), 400, "VALIDATION_FAILED");
    error(app.get("/api/v2/analytics/dashboard?dateFrom=2026-01-12&dateTo=2026-01-10", admin), 400, "VALIDATION_FAILED");
    error(app.get("/api/v2/analytics/dashboard?dateFrom=2020-01-01&dateTo=2026-01-10", admin), 400, "VALIDATION_FAILED");
    error(app.get("/api/v2/analytics/dashboard", null), 401, "AUTH_TOKEN_INVALID");
  }

  private static void error(io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> res, int status, String code) {
    ApiErrors.assertError(res, status, code, new JsonObject(res.bodyAsString()).getString("path"));
    assertThat(new JsonObject(res.bodyAsString()).getString("path")).startsWith("/api/v2/analytics/");
  }

  private static JsonObject row(JsonArray rows, String agentId) {
    return rows.stream().map(o -> (JsonObject) o).filter(r -> agentId.equals(r.getString("agentId"))).findFirst().orElseThrow();
  }
}
