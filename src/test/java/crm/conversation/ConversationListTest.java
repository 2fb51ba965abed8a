package crm.conversation;

import static crm.support.ApiErrors.assertFieldError;
import static crm.support.Inbox.enc;
import static crm.support.Inbox.ids;
import static crm.support.Inbox.json;
import static org.assertj.core.api.Assertions.assertThat;

import crm.support.Inbox;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GET /api/v2/conversations: every filter (status, assignedAgent id|me|unassigned, priority, tags, search, dateFrom and
 * dateTo), newest activity first, pages, and the spec's Conversation shape with customer and agent populated.
 * Conversations are opened by signed WhatsApp webhooks; each test narrows the list with its own search token. Runs
 * on the in-memory list index; {@link ConversationListDatabaseTest} runs the same tests on database queries.
 */
class ConversationListTest {
  static final String BASE = "/api/v2/conversations";
  static TestApp app;
  static Inbox inbox;
  static String admin;
  static Inbox.Agent supervisor;
  static Inbox.Agent agentA;
  static Inbox.Agent agentB;

  @BeforeAll
  static void start() {
    startWith(Wa.config().put("ASSIGN_ALLOW_OFFLINE", true).put("INBOX_LIST_INDEX", "memory"));
    awaitIndex();
  }

  /** The in-memory index loads in the background after start; these tests are about it, so they wait for it. */
  static void awaitIndex() {
    long until = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < until) {
      try {
        app.vertx.eventBus().request(crm.bus.Addresses.CONVERSATION_REINDEX, new JsonObject()).await(10, java.util.concurrent.TimeUnit.SECONDS);
        return;
      } catch (Exception e) {
        try { Thread.sleep(50); } catch (InterruptedException ie) { throw new IllegalStateException(ie); }
      }
    }
    throw new IllegalStateException("the conversation list index never answered");
  }

  static void startWith(JsonObject config) {
    app = TestApp.start(config);
    inbox = new Inbox(app);
    admin = app.adminToken();
    supervisor = inbox.agent(admin, "supervisor");
    agentA = inbox.agent(admin, "agent");
    agentB = inbox.agent(admin, "agent");
    json(app.put("/api/v2/agents/" + agentA.id(), admin, new JsonObject().put("firstName", "Rosa").put("lastName", "Peña")), 200);
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  /** A new customer writes {@code text}; returns the stored message (conversationId, customerId). */
  static JsonObject open(String name, String text) {
    JsonObject msg = inbox.inbound(Inbox.phone(), name, text);
    inbox.awaitMessageCount(msg.getString("conversationId"), 1); // its activity (updatedAt, lastMessage) is recorded
    return msg;
  }

  static String conv(String name) {
    return open(name, "hola").getString("conversationId");
  }

  static JsonObject list(String token, String query) {
    return json(app.get(BASE + "?" + query, token), 200);
  }

  static List<String> listed(String token, String query) {
    return ids(list(token, query).getJsonArray("conversations"));
  }

  static void assign(String conversationId, String agentId) throws InterruptedException {
    json(app.post(BASE + "/" + conversationId + "/assign", supervisor.token(), new JsonObject().put("agentId", agentId)), 200);
    Thread.sleep(5); // distinct updatedAt for the next change
  }

  static void setStatus(String conversationId, String status) throws InterruptedException {
    json(app.put(BASE + "/" + conversationId + "/status", supervisor.token(), new JsonObject().put("status", status)), 200);
    Thread.sleep(5);
  }

  // ---- shape

  @Test
  void a_conversation_in_the_spec_shape_with_customer_and_agent_populated_and_no_internal_fields() throws Exception {
    String tok = Inbox.token();
    long at = Instant.now().getEpochSecond() - 30;
    String phone = Inbox.phone();
    JsonObject msg = inbox.inbound(phone, "Lucía " + tok, "Necesito factura 🧾", at);
    String id = msg.getString("conversationId");
    inbox.awaitMessageCount(id, 1);
    assign(id, agentA.id());

    JsonObject res = list(supervisor.token(), "search=" + tok);
    assertThat(res.getBoolean("success")).isTrue();
    assertThat(res.getJsonObject("pagination")).isEqualTo(new JsonObject().put("currentPage", 1).put("totalPages", 1)
        .put("totalCount", 1).put("pageSize", 20).put("hasNext", false).put("hasPrev", false));
    assertThat(res.getJsonArray("conversations")).hasSize(1);
    JsonObject c = res.getJsonArray("conversations").getJsonObject(0);
    assertThat(c.getString("_id")).matches("[0-9a-f]{24}").isEqualTo(id);

    JsonObject customer = c.getJsonObject("customer");
    assertThat(customer.getString("_id")).isEqualTo(msg.getString("customerId"));
    assertThat(customer.getString("phoneNumber")).isEqualTo(phone);
    assertThat(customer.getString("firstName")).isEqualTo("Lucía");
    assertThat(customer.getString("lastName")).isEqualTo(tok);

    JsonObject agent = c.getJsonObject("assignedAgent");
    assertThat(agent.getString("_id")).isEqualTo(agentA.id());
    assertThat(agent.getString("firstName")).isEqualTo("Rosa");
    assertThat(agent.getString("lastName")).isEqualTo("Peña");
    assertThat(agent.containsKey("passwordHash")).isFalse();
    assertThat(agent.containsKey("email")).isFalse();

    assertThat(c.getString("status")).isEqualTo("assigned");
    assertThat(c.getString("priority")).isEqualTo("medium");
    assertThat(c.getJsonArray("tags")).isEmpty();
    assertThat(c.getJsonObject("lastMessage")).isEqualTo(new JsonObject().put("content", "Necesito factura 🧾")
        .put("timestamp", Instant.ofEpochSecond(at).toString()).put("from", "customer").put("type", "text"));
    assertThat(c.getInteger("messageCount")).isEqualTo(1);
    assertThat(c.getInteger("unreadCount")).isEqualTo(1);
    assertThat(c.getBoolean("isAIEnabled")).isFalse(); // no model configured: conversations go to people
    assertThat(c.getJsonObject("metadata")).isNotNull();
    for (String f : List.of("createdAt", "updatedAt")) {
      assertThat(c.getString(f)).as(f).endsWith("Z");
      assertThat(Instant.parse(c.getString(f))).as(f).isAfter(Instant.now().minusSeconds(60));
    }
    assertThat(c.containsKey("activeKey")).as("internal activeKey").isFalse();

    // GET /conversations/:id answers the same object
    JsonObject one = json(app.get(BASE + "/" + id, supervisor.token()), 200).getJsonObject("conversation");
    assertThat(one).isEqualTo(c);
    // an unassigned one has no assignedAgent
    String open = conv("Abierta " + tok);
    JsonObject unassigned = json(app.get(BASE + "/" + open, supervisor.token()), 200).getJsonObject("conversation");
    assertThat(unassigned.containsKey("assignedAgent")).isFalse();
    assertThat(unassigned.getString("status")).isEqualTo("open");
  }

  // ---- filters

  @Test
  void status_priority_and_tags_filters() throws Exception {
    String tok = Inbox.token();
    String x = Inbox.token();
    String y = Inbox.token();
    String c1 = conv("Uno " + tok);
    Thread.sleep(5);
    String c2 = conv("Dos " + tok);
    Thread.sleep(5);
    String c3 = conv("Tres " + tok);
    Thread.sleep(5);
    assign(c2, agentA.id());
    setStatus(c3, "resolved");
    inbox.set("conversations", c1, new JsonObject().put("priority", "high").put("tags", new JsonArray().add(x).add(y)));
    inbox.set("conversations", c2, new JsonObject().put("priority", "urgent").put("tags", new JsonArray().add(x)));
    inbox.set("conversations", c3, new JsonObject().put("priority", "high").put("tags", new JsonArray().add(y)));
    String q = "search=" + tok;
    String sup = supervisor.token();

    assertThat(listed(sup, q)).containsExactly(c3, c2, c1);
    assertThat(listed(sup, q + "&status=open")).containsExactly(c1);
    assertThat(listed(sup, q + "&status=assigned")).containsExactly(c2);
    assertThat(listed(sup, q + "&status=resolved")).containsExactly(c3);
    assertThat(listed(sup, q + "&status=closed")).isEmpty();
    assertThat(listed(sup, q + "&priority=high")).containsExactly(c3, c1);
    assertThat(listed(sup, q + "&priority=urgent")).containsExactly(c2);
    assertThat(listed(sup, q + "&priority=low")).isEmpty();
    assertThat(listed(sup, q + "&tags=" + x)).containsExactly(c2, c1);
    assertThat(listed(sup, q + "&tags=" + y)).containsExactly(c3, c1);
    assertThat(listed(sup, q + "&tags=" + x + "&tags=" + y)).containsExactly(c1);
    assertThat(listed(sup, q + "&tags=" + x + "," + y)).containsExactly(c1);
    assertThat(listed(sup, q + "&status=resolved&tags=" + x)).isEmpty();
    assertThat(listed(sup, q + "&status=open&priority=high&tags=" + y)).containsExactly(c1);
    // tags alone, without the search
    assertThat(listed(sup, "tags=" + y)).containsExactly(c3, c1);
    JsonObject counted = list(sup, "tags=" + x + "&limit=1");
    assertThat(counted.getJsonObject("pagination").getLong("totalCount")).isEqualTo(2);
    assertThat(ids(counted.getJsonArray("conversations"))).containsExactly(c2);
  }

  @Test
  void assigned_agent_filter_takes_an_id_me_or_unassigned() throws Exception {
    String tok = Inbox.token();
    String c1 = conv("Libre " + tok);
    Thread.sleep(5);
    String c2 = conv("DeA " + tok);
    Thread.sleep(5);
    String c3 = conv("DeB " + tok);
    Thread.sleep(5);
    String c4 = conv("Cerrada " + tok);
    Thread.sleep(5);
    assign(c2, agentA.id());
    assign(c3, agentB.id());
    setStatus(c4, "resolved");
    String q = "search=" + tok;
    String sup = supervisor.token();

    assertThat(listed(sup, q)).containsExactly(c4, c3, c2, c1);
    assertThat(listed(sup, q + "&assignedAgent=" + agentA.id())).containsExactly(c2);
    assertThat(listed(sup, q + "&assignedAgent=" + agentB.id())).containsExactly(c3);
    assertThat(listed(sup, q + "&assignedAgent=unassigned")).containsExactly(c4, c1);
    assertThat(listed(sup, q + "&assignedAgent=me")).isEmpty();
    assertThat(listed(sup, q + "&assignedAgent=0123456789abcdef01234567")).isEmpty();
    assertThat(listed(admin, q + "&assignedAgent=" + agentB.id())).containsExactly(c3);

    String a = agentA.token();
    assertThat(listed(a, q)).containsExactly(c2, c1);
    assertThat(listed(a, q + "&assignedAgent=me")).containsExactly(c2);
    assertThat(listed(a, q + "&assignedAgent=" + agentA.id())).containsExactly(c2);
    assertThat(listed(a, q + "&assignedAgent=unassigned")).as("an agent sees only open unassigned ones").containsExactly(c1);
    assertThat(listed(a, q + "&assignedAgent=" + agentB.id())).as("another agent's are not visible").isEmpty();
    assertThat(listed(agentB.token(), q + "&assignedAgent=me")).containsExactly(c3);
    // "me" for the list without search: every one of A's conversations is A's
    JsonArray mine = list(a, "assignedAgent=me&limit=100").getJsonArray("conversations");
    assertThat(mine).isNotEmpty();
    mine.forEach(o -> assertThat(((JsonObject) o).getJsonObject("assignedAgent").getString("_id")).isEqualTo(agentA.id()));
  }

  @Test
  void search_covers_customer_name_and_phone_and_the_last_message_literally() throws Exception {
    String byName = open("Sofía " + Inbox.token() + "Nombre", "hola").getString("conversationId");
    String name = json(app.get(BASE + "/" + byName, supervisor.token()), 200).getJsonObject("conversation")
        .getJsonObject("customer").getString("lastName");
    String tok2 = Inbox.token();
    String byMessage = open("Pedro", "mi pedido " + tok2 + " no llega").getString("conversationId");
    String tok3 = Inbox.token();
    String phone3 = Inbox.phone();
    String older = inbox.inbound(phone3, "Marta", "factura " + tok3).getString("conversationId");
    inbox.inbound(phone3, "Marta", "gracias " + Inbox.token());
    inbox.awaitMessageCount(older, 2);
    String byPhone = open("Numero", "hola").getString("conversationId");
    String literal = open("Literal", "precio [a.*] " + Inbox.token()).getString("conversationId");
    String sup = supervisor.token();

    assertThat(listed(sup, "search=" + name.toUpperCase())).containsExactly(byName);
    assertThat(listed(sup, "search=" + name.substring(2, 8))).containsExactly(byName);
    assertThat(listed(sup, "search=" + tok2)).containsExactly(byMessage);
    assertThat(listed(sup, "search=" + enc("PEDIDO " + tok2.toUpperCase()))).containsExactly(byMessage);
    assertThat(listed(sup, "search=" + tok3)).as("only the last message's content is searched").isEmpty();
    String phone4 = json(app.get(BASE + "/" + byPhone, sup), 200).getJsonObject("conversation").getJsonObject("customer")
        .getString("phoneNumber");
    assertThat(listed(sup, "search=" + phone4)).containsExactly(byPhone);
    assertThat(listed(sup, "search=" + phone4.substring(4))).containsExactly(byPhone);
    String spaced = "+" + phone4.substring(0, 2) + " " + phone4.substring(2, 4) + " " + phone4.substring(4, 8) + " "
        + phone4.substring(8);
    assertThat(listed(sup, "search=" + enc(spaced))).containsExactly(byPhone);
    // regex characters are literal
    assertThat(listed(sup, "search=" + enc("a.*"))).containsExactly(literal);
    assertThat(listed(sup, "search=" + enc("[a."))).containsExactly(literal);
    assertThat(listed(sup, "search=" + enc("["))).containsExactly(literal);
    assertThat(listed(sup, "search=" + enc(".*"))).containsExactly(literal);
    assertThat(list(sup, "search=" + enc("(")).getJsonArray("conversations")).isEmpty();
  }

  @Test
  void date_range_applies_to_updated_at_and_a_date_alone_covers_that_whole_day() {
    String tok = Inbox.token();
    String c1 = conv("Marzo10 " + tok);
    String c2 = conv("Marzo11 " + tok);
    String c3 = conv("Marzo12 " + tok);
    inbox.set("conversations", c1, new JsonObject().put("updatedAt", new JsonObject().put("$date", "2025-03-10T12:00:00Z")));
    inbox.set("conversations", c2, new JsonObject().put("updatedAt", new JsonObject().put("$date", "2025-03-11T08:00:00Z")));
    inbox.set("conversations", c3, new JsonObject().put("updatedAt", new JsonObject().put("$date", "2025-03-12T00:00:00Z")));
    String q = "search=" + tok;
    String sup = supervisor.token();

    assertThat(listed(sup, q)).containsExactly(c3, c2, c1);
    assertThat(listed(sup, q + "&dateFrom=2025-03-11")).containsExactly(c3, c2);
    assertThat(listed(sup, q + "&dateFrom=2025-03-11T08:00:00Z")).containsExactly(c3, c2);
    assertThat(listed(sup, q + "&dateFrom=2025-03-11T08:00:00.001Z")).containsExactly(c3);
    assertThat(listed(sup, q + "&dateFrom=2025-03-11T09:00:00%2B01:00")).as("an offset").containsExactly(c3, c2);
    assertThat(listed(sup, q + "&dateTo=2025-03-11T08:00:00Z")).containsExactly(c2, c1);
    assertThat(listed(sup, q + "&dateTo=2025-03-11T07:59:59Z")).containsExactly(c1);
    assertThat(listed(sup, q + "&dateFrom=2025-03-10T12:00:00Z&dateTo=2025-03-11T08:00:00Z")).containsExactly(c2, c1);
    // a date alone: dateFrom from its start, dateTo through its end
    assertThat(listed(sup, q + "&dateTo=2025-03-11")).containsExactly(c2, c1);
    assertThat(listed(sup, q + "&dateFrom=2025-03-11&dateTo=2025-03-11")).containsExactly(c2);
    assertThat(listed(sup, q + "&dateFrom=2025-03-12&dateTo=2025-03-12")).containsExactly(c3);
    assertThat(listed(sup, q + "&dateTo=2025-03-09")).isEmpty();
    assertThat(listed(sup, q + "&dateFrom=2025-03-13")).isEmpty();
    JsonObject counted = list(sup, q + "&dateFrom=2025-03-10&dateTo=2025-03-11&limit=1");
    assertThat(counted.getJsonObject("pagination").getLong("totalCount")).isEqualTo(2);
  }

  @Test
  void bad_parameters_are_400_with_the_field() {
    for (String[] c : new String[][] {
        {"dateFrom=yesterday", "dateFrom"}, {"dateFrom=2025-13-01", "dateFrom"}, {"dateFrom=2025-03-1", "dateFrom"},
        {"dateTo=soon", "dateTo"}, {"dateTo=2025-02-30T00:00:00Z", "dateTo"},
        {"dateFrom=2025-03-12&dateTo=2025-03-11", "dateFrom"},
        {"dateFrom=2025-03-11T10:00:00Z&dateTo=2025-03-11T09:00:00Z", "dateFrom"},
        {"status=pending", "status"}, {"priority=critical", "priority"}, {"assignedAgent=bob", "assignedAgent"},
        {"page=0", "page"}, {"page=abc", "page"}, {"limit=101", "limit"}, {"limit=0", "limit"}}) {
      assertFieldError(app.get(BASE + "?" + c[0], supervisor.token()), 400, "VALIDATION_FAILED", BASE, c[1]);
    }
  }

  // ---- order and pages

  @Test
  void newest_activity_first_across_pages() throws Exception {
    String tok = Inbox.token();
    String p1 = Inbox.phone();
    String c1 = inbox.inbound(p1, "Primero " + tok, "uno").getString("conversationId");
    inbox.awaitMessageCount(c1, 1);
    Thread.sleep(20);
    String c2 = conv("Segundo " + tok);
    Thread.sleep(20);
    String c3 = conv("Tercero " + tok);
    Thread.sleep(20);
    assertThat(listed(agentA.token(), "search=" + tok)).containsExactly(c3, c2, c1);

    // the first customer writes again: their conversation moves to the top
    assertThat(inbox.inbound(p1, "Primero " + tok, "otra vez").getString("conversationId")).isEqualTo(c1);
    inbox.awaitMessageCount(c1, 2);
    JsonObject page1 = list(agentA.token(), "search=" + tok + "&limit=2");
    JsonObject page2 = list(agentA.token(), "search=" + tok + "&limit=2&page=2");
    JsonObject page3 = list(agentA.token(), "search=" + tok + "&limit=2&page=3");
    assertThat(ids(page1.getJsonArray("conversations"))).containsExactly(c1, c3);
    assertThat(ids(page2.getJsonArray("conversations"))).containsExactly(c2);
    assertThat(page3.getJsonArray("conversations")).isEmpty();
    assertThat(page1.getJsonObject("pagination")).isEqualTo(new JsonObject().put("currentPage", 1).put("totalPages", 2)
        .put("totalCount", 3).put("pageSize", 2).put("hasNext", true).put("hasPrev", false));
    assertThat(page2.getJsonObject("pagination")).isEqualTo(new JsonObject().put("currentPage", 2).put("totalPages", 2)
        .put("totalCount", 3).put("pageSize", 2).put("hasNext", false).put("hasPrev", true));
    JsonObject top = page1.getJsonArray("conversations").getJsonObject(0);
    assertThat(top.getJsonObject("lastMessage").getString("content")).isEqualTo("otra vez");
    assertThat(top.getInteger("messageCount")).isEqualTo(2);
    assertThat(top.getInteger("unreadCount")).isEqualTo(2);
  }

  /**
   * The in-memory index follows every write of the inbox (new conversations, messages, assignment, status, the
   * assistant switch): what it answers equals what it answers after reloading everything from the database.
   */
  @Test
  void the_list_after_writes_equals_the_list_after_a_reload_from_the_database() throws Exception {
    String tok = "idx" + Inbox.phone();
    String c1 = conv("Ana " + tok);
    String c2 = conv("Beto " + tok);
    String c3 = conv("Ciro " + tok);
    String phone1 = inbox.doc("customers", inbox.doc("conversations", c1).getString("customerId")).getString("phoneNumber");
    inbox.inbound(phone1, "Ana " + tok, "otra vez");
    inbox.awaitMessageCount(c1, 2);
    assign(c2, agentA.id());
    setStatus(c3, "resolved");
    json(app.put(BASE + "/" + c1 + "/ai", supervisor.token(), new JsonObject().put("enabled", false)), 200);
    String sup = supervisor.token();
    List<String> queries = List.of("search=" + tok, "search=" + tok + "&status=assigned", "search=" + tok + "&status=open",
        "search=" + tok + "&assignedAgent=unassigned", "search=otra%20vez", "search=" + tok + "&limit=1&page=2");
    List<List<String>> before = queries.stream().map(q -> listed(sup, q)).toList();
    List<String> asAgent = listed(agentA.token(), "search=" + tok);
    // newest change first: c1's assistant switch, c3's resolution, c2's assignment
    assertThat(before.get(0)).containsExactly(c1, c3, c2);
    assertThat(before.get(1)).containsExactly(c2);
    assertThat(before.get(4)).containsExactly(c1);
    app.vertx.eventBus().request(crm.bus.Addresses.CONVERSATION_REINDEX, new JsonObject())
        .otherwise(err -> null).await(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(queries.stream().map(q -> listed(sup, q)).toList()).isEqualTo(before);
    assertThat(listed(agentA.token(), "search=" + tok)).isEqualTo(asAgent).contains(c2).doesNotContain(c3);
  }
}
