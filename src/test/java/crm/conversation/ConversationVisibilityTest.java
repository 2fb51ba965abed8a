package crm.conversation;

import static crm.support.ApiErrors.assertError;
import static crm.support.Inbox.ids;
import static crm.support.Inbox.json;
import static org.assertj.core.api.Assertions.assertThat;

import crm.auth.Roles;
import crm.bus.Addresses;
import crm.bus.Bus;
import crm.support.Inbox;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Who sees which conversation: an agent sees those assigned to them and the unassigned open ones; supervisors and
 * admins see all. Anything else answers 404 CONVERSATION_NOT_FOUND on every route, exactly as an id that does not
 * exist, and the bus check {@code crm.conversation.visible} answers with the same rule.
 */
class ConversationVisibilityTest {
  static final String BASE = "/api/v2/conversations";
  static final String MISSING = "0123456789abcdef01234567";
  static TestApp app;
  static Inbox inbox;
  static String admin;
  static Inbox.Agent supervisor;
  static Inbox.Agent agentA;
  static Inbox.Agent agentB;

  @BeforeAll
  static void start() {
    app = TestApp.start(Wa.config().put("ASSIGN_ALLOW_OFFLINE", true));
    inbox = new Inbox(app);
    admin = app.adminToken();
    supervisor = inbox.agent(admin, "supervisor");
    agentA = inbox.agent(admin, "agent");
    agentB = inbox.agent(admin, "agent");
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  /**
   * Six conversations of customers named with one token, changed in this order (so newest activity first is c6..c1):
   * c1 open unassigned, c2 assigned to A, c3 assigned to B, c4 resolved unassigned, c5 A's then closed, c6 B's then
   * resolved.
   */
  record Scene(String tok, String c1, String c2, String c3, String c4, String c5, String c6) {
    List<String> all() {
      return List.of(c1, c2, c3, c4, c5, c6);
    }
  }

  static Scene scene() throws Exception {
    String tok = Inbox.token();
    String[] c = new String[7];
    for (int i = 1; i <= 6; i++) {
      JsonObject msg = inbox.inbound(Inbox.phone(), "Vis" + i + " " + tok, "mensaje " + i);
      c[i] = msg.getString("conversationId");
      inbox.awaitMessageCount(c[i], 1);
    }
    assign(c[2], agentA.id());
    assign(c[3], agentB.id());
    status(c[4], "resolved");
    assign(c[5], agentA.id());
    status(c[5], "closed");
    assign(c[6], agentB.id());
    status(c[6], "resolved");
    return new Scene(tok, c[1], c[2], c[3], c[4], c[5], c[6]);
  }

  static void assign(String id, String agentId) throws InterruptedException {
    json(app.post(BASE + "/" + id + "/assign", supervisor.token(), new JsonObject().put("agentId", agentId).put("force", true)), 200);
    Thread.sleep(5);
  }

  static void status(String id, String status) throws InterruptedException {
    json(app.put(BASE + "/" + id + "/status", supervisor.token(), new JsonObject().put("status", status)), 200);
    Thread.sleep(5);
  }

  static List<String> listed(String token, String query) {
    return ids(json(app.get(BASE + "?" + query, token), 200).getJsonArray("conversations"));
  }

  static JsonObject conversation(String id) {
    return json(app.get(BASE + "/" + id, supervisor.token()), 200).getJsonObject("conversation");
  }

  // ---- lists

  @Test
  void an_agent_lists_only_their_own_and_the_unassigned_open_ones_supervisors_and_admins_all() throws Exception {
    Scene s = scene();
    String q = "search=" + s.tok();
    assertThat(listed(agentA.token(), q)).containsExactly(s.c5(), s.c2(), s.c1());
    assertThat(listed(agentB.token(), q)).containsExactly(s.c6(), s.c3(), s.c1());
    List<String> everything = List.of(s.c6(), s.c5(), s.c4(), s.c3(), s.c2(), s.c1());
    assertThat(listed(supervisor.token(), q)).containsExactlyElementsOf(everything);
    assertThat(listed(admin, q)).containsExactlyElementsOf(everything);

    JsonObject counted = json(app.get(BASE + "?" + q + "&limit=1", agentA.token()), 200);
    assertThat(counted.getJsonObject("pagination").getLong("totalCount")).as("the count follows the rule too").isEqualTo(3);
    assertThat(counted.getJsonObject("pagination").getInteger("totalPages")).isEqualTo(3);
    // filters cannot widen the view
    assertThat(listed(agentA.token(), q + "&status=resolved")).isEmpty();
    assertThat(listed(agentA.token(), q + "&status=closed")).containsExactly(s.c5());
    assertThat(listed(agentA.token(), q + "&status=assigned")).containsExactly(s.c2());
    assertThat(listed(agentA.token(), q + "&assignedAgent=" + agentB.id())).isEmpty();
    assertThat(listed(agentA.token(), q + "&assignedAgent=unassigned")).containsExactly(s.c1());
  }

  // ---- every route

  /** Every conversation route, as the given caller, on one id. */
  static Map<String, HttpResponse<Buffer>> everyRoute(String token, String id, String selfId) {
    String p = BASE + "/" + id;
    Map<String, HttpResponse<Buffer>> out = new LinkedHashMap<>();
    out.put("GET " + p, app.get(p, token));
    out.put("GET " + p + "/messages", app.get(p + "/messages", token));
    out.put("POST " + p + "/messages", app.post(p + "/messages", token, new JsonObject().put("content", "hola")));
    out.put("POST " + p + "/read", app.post(p + "/read", token, null));
    out.put("POST " + p + "/assign", app.post(p + "/assign", token, new JsonObject().put("agentId", selfId)));
    out.put("PUT " + p + "/status", app.put(p + "/status", token, new JsonObject().put("status", "closed")));
    out.put("PUT " + p + "/ai", app.put(p + "/ai", token, new JsonObject().put("enabled", false)));
    return out;
  }

  @Test
  void out_of_scope_conversations_answer_404_on_every_route_exactly_like_missing_ones() throws Exception {
    Scene s = scene();
    Map<String, JsonObject> before = new LinkedHashMap<>();
    for (String id : List.of(s.c3(), s.c4(), s.c6())) before.put(id, conversation(id));

    Map<String, HttpResponse<Buffer>> missing = everyRoute(agentA.token(), MISSING, agentA.id());
    List<JsonObject> missingErrors = missing.entrySet().stream()
        .map(e -> assertError(e.getValue(), 404, "CONVERSATION_NOT_FOUND", e.getKey().substring(e.getKey().indexOf(' ') + 1)))
        .toList();
    for (String id : List.of(s.c3(), s.c4(), s.c6(), "nope")) {
      Map<String, HttpResponse<Buffer>> hidden = everyRoute(agentA.token(), id, agentA.id());
      int i = 0;
      for (Map.Entry<String, HttpResponse<Buffer>> e : hidden.entrySet()) {
        String path = e.getKey().substring(e.getKey().indexOf(' ') + 1);
        JsonObject error = assertError(e.getValue(), 404, "CONVERSATION_NOT_FOUND", path);
        assertThat(error).as("%s answers as a missing id does", e.getKey()).isEqualTo(missingErrors.get(i++));
      }
    }
    // nothing happened to them
    for (Map.Entry<String, JsonObject> e : before.entrySet()) {
      JsonObject now = conversation(e.getKey());
      assertThat(now.getString("status")).isEqualTo(e.getValue().getString("status"));
      assertThat(now.getString("assignedAgentId")).isEqualTo(e.getValue().getString("assignedAgentId"));
      assertThat(now.getInteger("unreadCount")).isEqualTo(1);
      assertThat(now.getBoolean("isAIEnabled")).isEqualTo(e.getValue().getBoolean("isAIEnabled"));
      assertThat(now.getString("updatedAt")).isEqualTo(e.getValue().getString("updatedAt"));
      assertThat(inbox.wa.count("messages", new JsonObject().put("conversationId", e.getKey()))).as("no message sent").isEqualTo(1);
    }

    // the same caller reaches the ones in scope
    for (String id : List.of(s.c1(), s.c2(), s.c5())) {
      assertThat(json(app.get(BASE + "/" + id, agentA.token()), 200).getJsonObject("conversation").getString("_id")).isEqualTo(id);
      assertThat(json(app.get(BASE + "/" + id + "/messages", agentA.token()), 200).getJsonArray("messages")).hasSize(1);
    }
    assertThat(json(app.post(BASE + "/" + s.c2() + "/read", agentA.token(), null), 200).getJsonObject("conversation")
        .getInteger("unreadCount")).isZero();
  }

  @Test
  void supervisors_and_admins_reach_every_conversation() throws Exception {
    Scene s = scene();
    for (String token : List.of(supervisor.token(), admin)) {
      for (String id : s.all()) {
        assertThat(json(app.get(BASE + "/" + id, token), 200).getJsonObject("conversation").getString("_id")).isEqualTo(id);
        JsonArray messages = json(app.get(BASE + "/" + id + "/messages", token), 200).getJsonArray("messages");
        assertThat(messages).hasSize(1);
      }
      assertError(app.get(BASE + "/" + MISSING, token), 404, "CONVERSATION_NOT_FOUND", BASE + "/" + MISSING);
    }
    JsonObject read = json(app.post(BASE + "/" + s.c3() + "/read", supervisor.token(), null), 200).getJsonObject("conversation");
    assertThat(read.getInteger("unreadCount")).isZero();
    JsonObject ai = json(app.put(BASE + "/" + s.c6() + "/ai", admin, new JsonObject().put("enabled", false)), 200)
        .getJsonObject("conversation");
    assertThat(ai.getBoolean("isAIEnabled")).isFalse();
  }

  @Test
  void visibility_follows_assignment_changes() throws Exception {
    Scene s = scene();
    String a = agentA.token();
    String path = BASE + "/" + s.c1();
    assertThat(app.get(path, a).statusCode()).isEqualTo(200);

    assign(s.c1(), agentB.id());
    assertError(app.get(path, a), 404, "CONVERSATION_NOT_FOUND", path);
    assertThat(listed(a, "search=" + s.tok())).doesNotContain(s.c1());
    assertThat(app.get(path, agentB.token()).statusCode()).isEqualTo(200);

    assign(s.c1(), agentA.id());
    assertThat(app.get(path, a).statusCode()).isEqualTo(200);
    assertError(app.get(path, agentB.token()), 404, "CONVERSATION_NOT_FOUND", path);

    status(s.c1(), "open"); // back to the queue: unassigned and open, everyone's again
    assertThat(conversation(s.c1()).containsKey("assignedAgent")).isFalse();
    assertThat(app.get(path, a).statusCode()).isEqualTo(200);
    assertThat(app.get(path, agentB.token()).statusCode()).isEqualTo(200);
    assertThat(listed(agentB.token(), "search=" + s.tok())).contains(s.c1());
  }

  // ---- the bus check

  static boolean visibleOnBus(Inbox.Agent who, String role, String conversationId) throws Exception {
    JsonObject caller = new JsonObject().put("agentId", who.id()).put("role", role)
        .put("permissions", new JsonArray(Roles.permissionsOf(role)));
    JsonObject res = new Bus(app.vertx).request(Addresses.CONVERSATION_VISIBLE,
        new JsonObject().put("caller", caller).put("conversationId", conversationId)).await(10, TimeUnit.SECONDS);
    assertThat(res.fieldNames()).containsExactly("visible");
    return res.getBoolean("visible");
  }

  @Test
  void the_bus_check_answers_with_the_same_rule() throws Exception {
    Scene s = scene();
    Map<String, List<Boolean>> expected = new LinkedHashMap<>();
    //                       c1    c2     c3     c4     c5     c6     missing  junk
    expected.put("A", List.of(true, true, false, false, true, false, false, false));
    expected.put("B", List.of(true, false, true, false, false, true, false, false));
    expected.put("S", List.of(true, true, true, true, true, true, false, false));
    expected.put("Z", List.of(true, true, true, true, true, true, false, false));
    List<String> ids = List.of(s.c1(), s.c2(), s.c3(), s.c4(), s.c5(), s.c6(), MISSING, "nope");
    for (int i = 0; i < ids.size(); i++) {
      assertThat(visibleOnBus(agentA, Roles.AGENT, ids.get(i))).as("A on #%d", i + 1).isEqualTo(expected.get("A").get(i));
      assertThat(visibleOnBus(agentB, Roles.AGENT, ids.get(i))).as("B on #%d", i + 1).isEqualTo(expected.get("B").get(i));
      assertThat(visibleOnBus(supervisor, Roles.SUPERVISOR, ids.get(i))).as("supervisor on #%d", i + 1)
          .isEqualTo(expected.get("S").get(i));
      assertThat(visibleOnBus(agentA, Roles.ADMIN, ids.get(i))).as("admin role on #%d", i + 1).isEqualTo(expected.get("Z").get(i));
    }
  }
}
