package crm.conversation;

import static crm.support.ApiErrors.assertError;
import static crm.support.ApiErrors.assertFieldError;
import static crm.support.Inbox.enc;
import static crm.support.Inbox.ids;
import static crm.support.Inbox.json;
import static org.assertj.core.api.Assertions.assertThat;

import crm.bus.Addresses;
import crm.support.Inbox;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /api/v2/customers: list (page, search, tags, sort), get by id or phone, create, update, and blocking. */
class CustomerApiTest {
  static final String BASE = "/api/v2/customers";
  static TestApp app;
  static Inbox inbox;
  static String admin;
  static String agent;
  static final List<JsonObject> newMessageEvents = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    app = TestApp.start(Wa.config());
    inbox = new Inbox(app);
    admin = app.adminToken();
    agent = inbox.agent(admin, "agent").token();
    app.vertx.eventBus().<JsonObject>consumer(Addresses.EVT_CONVERSATION_NEW_MESSAGE, m -> newMessageEvents.add(m.body()));
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  static JsonObject list(String query) {
    return json(app.get(BASE + "?" + query, agent), 200);
  }

  static JsonObject create(JsonObject body) {
    JsonObject res = json(app.post(BASE, agent, body), 201);
    return res.getJsonObject("customer");
  }

  static JsonObject update(String id, JsonObject changes) {
    return json(app.put(BASE + "/" + id, agent, changes), 200).getJsonObject("customer");
  }

  static JsonObject get(String idOrPhone) {
    return json(app.get(BASE + "/" + idOrPhone, agent), 200).getJsonObject("customer");
  }

  /** A customer made by a WhatsApp message at {@code epochSeconds}, tagged through the API; returns the customer id. */
  static String fromWhatsapp(String name, long epochSeconds, String... tags) {
    String id = inbox.inbound(Inbox.phone(), name, "hola", epochSeconds).getString("customerId");
    if (tags.length > 0) update(id, new JsonObject().put("tags", new JsonArray(List.of(tags))));
    return id;
  }

  static void assertIsoZ(String value, String what) {
    assertThat(value).as(what).isNotNull().endsWith("Z");
    assertThat(Instant.parse(value)).as(what).isNotNull();
  }

  // ---- list

  @Test
  void list_answers_customers_in_the_spec_shape_with_a_pagination_object() {
    String tok = Inbox.token();
    String phone = Inbox.phone();
    long at = Instant.now().getEpochSecond() - 120;
    JsonObject msg = inbox.inbound(phone, "José " + tok + " Ñandú 😀", "buenas", at);

    JsonObject res = list("search=" + tok);
    assertThat(res.getBoolean("success")).isTrue();
    assertThat(res.getJsonObject("pagination")).isEqualTo(new JsonObject().put("currentPage", 1).put("totalPages", 1)
        .put("totalCount", 1).put("pageSize", 20).put("hasNext", false).put("hasPrev", false));
    JsonArray customers = res.getJsonArray("customers");
    assertThat(customers).hasSize(1);
    JsonObject c = customers.getJsonObject(0);
    assertThat(c.getString("_id")).matches("[0-9a-f]{24}").isEqualTo(msg.getString("customerId"));
    assertThat(c.getString("phoneNumber")).isEqualTo(phone);
    assertThat(c.getString("firstName")).isEqualTo("José");
    assertThat(c.getString("lastName")).isEqualTo(tok + " Ñandú 😀");
    assertThat(c.getJsonArray("tags")).isEmpty();
    assertThat(c.getBoolean("isBlocked")).isFalse();
    assertThat(c.getJsonObject("customFields")).isEmpty();
    assertThat(c.getInteger("totalConversations")).isEqualTo(1);
    assertThat(c.getString("lastInteraction")).isEqualTo(Instant.ofEpochSecond(at).toString());
    assertIsoZ(c.getString("createdAt"), "createdAt");
    assertIsoZ(c.getString("updatedAt"), "updatedAt");
    // the same object from GET /customers/:id
    assertThat(get(c.getString("_id"))).isEqualTo(c);
  }

  @Test
  void pages_split_the_list_without_overlap_and_report_next_and_prev() {
    String tag = Inbox.token();
    long base = Instant.now().getEpochSecond() - 3600;
    List<String> made = new ArrayList<>();
    for (int i = 0; i < 5; i++) made.add(fromWhatsapp("Page " + i, base + i, tag));

    JsonObject p1 = list("tags=" + tag + "&limit=2");
    JsonObject p2 = list("tags=" + tag + "&limit=2&page=2");
    JsonObject p3 = list("tags=" + tag + "&limit=2&page=3");
    JsonObject p4 = list("tags=" + tag + "&limit=2&page=4");
    // default order: last interaction, newest first
    assertThat(ids(p1.getJsonArray("customers"))).containsExactly(made.get(4), made.get(3));
    assertThat(ids(p2.getJsonArray("customers"))).containsExactly(made.get(2), made.get(1));
    assertThat(ids(p3.getJsonArray("customers"))).containsExactly(made.get(0));
    assertThat(p4.getJsonArray("customers")).isEmpty();
    assertThat(p1.getJsonObject("pagination")).isEqualTo(new JsonObject().put("currentPage", 1).put("totalPages", 3)
        .put("totalCount", 5).put("pageSize", 2).put("hasNext", true).put("hasPrev", false));
    assertThat(p2.getJsonObject("pagination")).isEqualTo(new JsonObject().put("currentPage", 2).put("totalPages", 3)
        .put("totalCount", 5).put("pageSize", 2).put("hasNext", true).put("hasPrev", true));
    assertThat(p3.getJsonObject("pagination")).isEqualTo(new JsonObject().put("currentPage", 3).put("totalPages", 3)
        .put("totalCount", 5).put("pageSize", 2).put("hasNext", false).put("hasPrev", true));
    assertThat(p4.getJsonObject("pagination").getLong("totalCount")).isEqualTo(5);
    assertThat(p4.getJsonObject("pagination").getBoolean("hasNext")).isFalse();
  }

  @Test
  void search_matches_name_phone_and_email_case_insensitively_and_literally() {
    String tag = Inbox.token();
    long now = Instant.now().getEpochSecond();
    String alba = fromWhatsapp("Alba Prieto", now, tag);
    update(alba, new JsonObject().put("email", "alba." + tag + "@example.com"));
    String literal = fromWhatsapp("Xa.*y Literal", now, tag);
    String bob = fromWhatsapp("Bob (Roberto)", now, tag);
    String bobPhone = get(bob).getString("phoneNumber");

    assertThat(ids(list("tags=" + tag).getJsonArray("customers"))).containsExactlyInAnyOrder(alba, literal, bob);
    assertThat(ids(list("tags=" + tag + "&search=ALBA").getJsonArray("customers"))).containsExactly(alba);
    assertThat(ids(list("tags=" + tag + "&search=pRiEtO").getJsonArray("customers"))).containsExactly(alba);
    assertThat(ids(list("tags=" + tag + "&search=" + enc("ALBA." + tag.toUpperCase() + "@EXAMPLE")).getJsonArray("customers")))
        .containsExactly(alba);
    // regex characters are literal: "a.*" is not "anything"
    assertThat(ids(list("tags=" + tag + "&search=" + enc("a.*")).getJsonArray("customers"))).containsExactly(literal);
    assertThat(ids(list("tags=" + tag + "&search=" + enc("(Roberto)")).getJsonArray("customers"))).containsExactly(bob);
    assertThat(ids(list("tags=" + tag + "&search=" + enc("(")).getJsonArray("customers"))).containsExactly(bob);
    assertThat(list("tags=" + tag + "&search=" + enc("[")).getJsonArray("customers")).isEmpty();
    // phone: a plain fragment, and the number as people write it
    assertThat(ids(list("tags=" + tag + "&search=" + bobPhone.substring(4)).getJsonArray("customers"))).containsExactly(bob);
    String spaced = "+" + bobPhone.substring(0, 2) + " " + bobPhone.substring(2, 4) + " " + bobPhone.substring(4, 8)
        + " " + bobPhone.substring(8);
    assertThat(ids(list("tags=" + tag + "&search=" + enc(spaced)).getJsonArray("customers"))).containsExactly(bob);
    // the search alone (no tag) finds only that customer too, with its count
    JsonObject byEmail = list("search=" + enc("alba." + tag));
    assertThat(ids(byEmail.getJsonArray("customers"))).containsExactly(alba);
    assertThat(byEmail.getJsonObject("pagination").getLong("totalCount")).isEqualTo(1);
  }

  @Test
  void tags_filter_needs_every_tag_given_repeated_or_as_a_comma_list() {
    String t1 = Inbox.token();
    String t2 = Inbox.token();
    String t3 = Inbox.token();
    long base = Instant.now().getEpochSecond() - 600;
    String both = fromWhatsapp("Both Tags", base + 3, t1, t2);
    String one = fromWhatsapp("One Tag", base + 2, t1);
    String other = fromWhatsapp("Other Tags", base + 1, t2, t3);

    assertThat(ids(list("tags=" + t1 + "&tags=" + t2).getJsonArray("customers"))).containsExactly(both);
    assertThat(ids(list("tags=" + t1 + "," + t2).getJsonArray("customers"))).containsExactly(both);
    assertThat(ids(list("tags=" + t1 + "%2C%20" + t2).getJsonArray("customers"))).containsExactly(both);
    assertThat(ids(list("tags[]=" + t1 + "&tags[]=" + t2).getJsonArray("customers"))).containsExactly(both);
    assertThat(ids(list("tags=" + t1).getJsonArray("customers"))).containsExactly(both, one);
    assertThat(ids(list("tags=" + t2).getJsonArray("customers"))).containsExactly(both, other);
    assertThat(ids(list("tags=" + t3 + "," + t2).getJsonArray("customers"))).containsExactly(other);
    assertThat(list("tags=" + t1 + "&tags=" + t3).getJsonArray("customers")).isEmpty();
    assertThat(list("tags=" + t1 + "&tags=" + t3).getJsonObject("pagination").getLong("totalCount")).isZero();
  }

  @Test
  void sort_by_name_last_interaction_and_creation_in_both_orders() throws Exception {
    String tag = Inbox.token();
    long base = Instant.now().getEpochSecond() - 7200;
    // created in this order, 20 ms apart; names and last interactions in other orders
    String carla = fromWhatsapp("Carla Ruiz", base + 20, tag);
    Thread.sleep(20);
    String zapata = fromWhatsapp("Alberto Zapata", base + 10, tag);
    Thread.sleep(20);
    String luna = fromWhatsapp("Beatriz Luna", base + 30, tag);
    Thread.sleep(20);
    String abad = fromWhatsapp("Alberto Abad", base + 5, tag);
    String q = "tags=" + tag;

    assertThat(ids(list(q + "&sortBy=name").getJsonArray("customers"))).containsExactly(abad, zapata, luna, carla);
    assertThat(ids(list(q + "&sortBy=name&sortOrder=asc").getJsonArray("customers"))).containsExactly(abad, zapata, luna, carla);
    assertThat(ids(list(q + "&sortBy=name&sortOrder=desc").getJsonArray("customers"))).containsExactly(carla, luna, zapata, abad);
    assertThat(ids(list(q + "&sortBy=lastInteraction").getJsonArray("customers"))).containsExactly(luna, carla, zapata, abad);
    assertThat(ids(list(q + "&sortBy=lastInteraction&sortOrder=desc").getJsonArray("customers")))
        .containsExactly(luna, carla, zapata, abad);
    assertThat(ids(list(q + "&sortBy=lastInteraction&sortOrder=asc").getJsonArray("customers")))
        .containsExactly(abad, zapata, carla, luna);
    assertThat(ids(list(q + "&sortBy=createdAt").getJsonArray("customers"))).containsExactly(abad, luna, zapata, carla);
    assertThat(ids(list(q + "&sortBy=createdAt&sortOrder=asc").getJsonArray("customers"))).containsExactly(carla, zapata, luna, abad);
    assertThat(ids(list(q).getJsonArray("customers"))).as("default: last interaction, newest first")
        .containsExactly(luna, carla, zapata, abad);
    assertThat(ids(list(q + "&sortOrder=asc").getJsonArray("customers"))).containsExactly(abad, zapata, carla, luna);
    // paging keeps the sort
    assertThat(ids(list(q + "&sortBy=name&limit=3&page=2").getJsonArray("customers"))).containsExactly(carla);
  }

  @Test
  void bad_list_parameters_are_400_with_the_field() {
    for (String[] c : new String[][] {
        {"sortBy=age", "sortBy"}, {"sortBy=NAME", "sortBy"}, {"sortOrder=up", "sortOrder"},
        {"sortBy=name&sortOrder=sideways", "sortOrder"}, {"page=0", "page"}, {"page=-1", "page"}, {"page=x", "page"},
        {"page=1.5", "page"}, {"limit=0", "limit"}, {"limit=101", "limit"}, {"limit=ten", "limit"}}) {
      assertFieldError(app.get(BASE + "?" + c[0], agent), 400, "VALIDATION_FAILED", BASE, c[1]);
    }
    assertThat(list("limit=100").getJsonObject("pagination").getInteger("pageSize")).isEqualTo(100);
    assertThat(list("sortOrder=DESC&sortBy=createdAt").getBoolean("success")).isTrue();
  }

  // ---- get

  @Test
  void get_finds_a_customer_by_id_or_by_its_phone_in_any_usual_form() {
    JsonObject made = create(new JsonObject().put("phoneNumber", "529991234567").put("firstName", "Forms"));
    String id = made.getString("_id");
    for (String form : List.of(id, "529991234567", "+52 999 123 4567", "+52 (999) 123-4567", "52.999.123.4567",
        "0052 999 123 4567", "5219991234567", "+521 999 123 4567")) {
      JsonObject c = get(enc(form));
      assertThat(c.getString("_id")).as(form).isEqualTo(id);
      assertThat(c.getString("phoneNumber")).as(form).isEqualTo("529991234567");
    }
    // a literal + in the path (not %2B) is a plus too
    assertThat(get("+529991234567").getString("_id")).isEqualTo(id);
  }

  @Test
  void get_unknown_is_404_and_junk_phone_is_400() {
    assertError(app.get(BASE + "/0123456789abcdef01234567", agent), 404, "CUSTOMER_NOT_FOUND", BASE + "/0123456789abcdef01234567");
    String unknown = Inbox.phone();
    assertError(app.get(BASE + "/" + unknown, agent), 404, "CUSTOMER_NOT_FOUND", BASE + "/" + unknown);
    for (String junk : List.of("abc", "12345", "52-999-abc-4567", "0999123456", "1234567890123456")) {
      assertFieldError(app.get(BASE + "/" + enc(junk), agent), 400, "PHONE_NUMBER_INVALID", BASE + "/" + enc(junk), "phoneNumber");
    }
    assertError(app.get(BASE + "/" + unknown, null), 401, "AUTH_TOKEN_INVALID", BASE + "/" + unknown);
  }

  // ---- create

  @Test
  void create_normalises_the_phone_keeps_utf8_and_answers_201() {
    String ten = Inbox.phone().substring(2);
    String typed = "+52 (" + ten.substring(0, 3) + ") " + ten.substring(3, 6) + "-" + ten.substring(6);
    JsonObject body = new JsonObject().put("phoneNumber", typed).put("firstName", "María").put("lastName", "García 🌮")
        .put("email", "Maria.Garcia@Example.COM").put("tags", new JsonArray().add("vip").add("mayoreo"))
        .put("notes", "Prefiere español ✓").put("customFields", new JsonObject().put("plan", "oro").put("nivel", 3));
    var res = app.post(BASE, agent, body);
    JsonObject json = json(res, 201);
    JsonObject c = json.getJsonObject("customer");
    assertThat(c.getString("_id")).matches("[0-9a-f]{24}");
    assertThat(c.getString("phoneNumber")).isEqualTo("52" + ten);
    assertThat(c.getString("firstName")).isEqualTo("María");
    assertThat(c.getString("lastName")).isEqualTo("García 🌮");
    assertThat(c.getString("email")).isEqualTo("maria.garcia@example.com");
    assertThat(c.getJsonArray("tags")).isEqualTo(new JsonArray().add("vip").add("mayoreo"));
    assertThat(c.getString("notes")).isEqualTo("Prefiere español ✓");
    assertThat(c.getJsonObject("customFields")).isEqualTo(new JsonObject().put("plan", "oro").put("nivel", 3));
    assertThat(c.getBoolean("isBlocked")).isFalse();
    assertThat(c.getInteger("totalConversations")).isZero();
    assertIsoZ(c.getString("createdAt"), "createdAt");
    assertIsoZ(c.getString("updatedAt"), "updatedAt");

    JsonObject again = get(c.getString("_id"));
    assertThat(again.getString("firstName")).isEqualTo("María");
    assertThat(again.getString("lastName")).isEqualTo("García 🌮");
    assertThat(again.getString("notes")).isEqualTo("Prefiere español ✓");
    assertThat(ids(list("search=" + enc("García 🌮")).getJsonArray("customers"))).contains(c.getString("_id"));
  }

  @Test
  void create_refuses_duplicates_in_any_form_invalid_phones_and_bad_emails() {
    String ten = "33" + Inbox.phone().substring(4);
    create(new JsonObject().put("phoneNumber", "52" + ten));
    for (String dup : List.of("52" + ten, "+52 " + ten, "521" + ten, "+52 1 " + ten.substring(0, 2) + " " + ten.substring(2))) {
      JsonObject err = assertError(app.post(BASE, agent, new JsonObject().put("phoneNumber", dup)), 409, "DUPLICATE_RESOURCE", BASE);
      assertThat(err.getString("field")).as(dup).isEqualTo("phoneNumber");
    }
    assertThat(inbox.wa.count("customers", new JsonObject().put("phoneNumber", "52" + ten))).isEqualTo(1);

    for (String bad : List.of("hello", "12345", "+52 999 abc 4567", "0 999 123 4567", "+1234567890123456")) {
      assertFieldError(app.post(BASE, agent, new JsonObject().put("phoneNumber", bad)), 400, "PHONE_NUMBER_INVALID", BASE,
          "phoneNumber");
    }
    assertFieldError(app.post(BASE, agent, new JsonObject().put("firstName", "No Phone")), 400, "VALIDATION_FAILED", BASE, "phoneNumber");
    assertFieldError(app.post(BASE, agent, new JsonObject().put("phoneNumber", 529991112222L)), 400, "VALIDATION_FAILED", BASE,
        "phoneNumber");

    String fresh = Inbox.phone();
    for (String email : List.of("not-an-email", "a@b", "two@@example.com", "spa ce@example.com")) {
      assertFieldError(app.post(BASE, agent, new JsonObject().put("phoneNumber", fresh).put("email", email)), 400, "EMAIL_INVALID",
          BASE, "email");
    }
    assertFieldError(app.post(BASE, agent, new JsonObject().put("phoneNumber", fresh).put("customFields", new JsonObject().put("$set", 1))),
        400, "VALIDATION_FAILED", BASE, "customFields");
    assertFieldError(app.post(BASE, agent, new JsonObject().put("phoneNumber", fresh)
            .put("customFields", new JsonObject().put("since", new JsonObject().put("$date", "yesterday")))),
        400, "VALIDATION_FAILED", BASE, "customFields");
    assertThat(inbox.wa.count("customers", new JsonObject().put("phoneNumber", fresh))).as("nothing stored").isZero();
  }

  @Test
  void a_customer_created_through_the_api_is_the_one_who_then_writes_on_whatsapp() {
    String ten = Inbox.phone().substring(2);
    JsonObject made = create(new JsonObject().put("phoneNumber", "+52 1 " + ten).put("firstName", "Dada").put("lastName", "Por Agente"));
    assertThat(made.getString("phoneNumber")).isEqualTo("52" + ten);
    long at = Instant.now().getEpochSecond() - 5;
    // WhatsApp reports Mexican mobiles with the old 1
    JsonObject msg = inbox.inbound("521" + ten, "Perfil WhatsApp", "hola", at);
    assertThat(msg.getString("customerId")).isEqualTo(made.getString("_id"));
    assertThat(inbox.wa.count("customers", new JsonObject().put("phoneNumber", "52" + ten))).isEqualTo(1);
    assertThat(inbox.wa.count("customers", new JsonObject().put("phoneNumber", "521" + ten))).isZero();
    inbox.awaitMessageCount(msg.getString("conversationId"), 1);
    JsonObject c = get(made.getString("_id"));
    assertThat(c.getString("firstName")).as("the agent's names are kept").isEqualTo("Dada");
    assertThat(c.getString("lastName")).isEqualTo("Por Agente");
    assertThat(c.getString("lastInteraction")).isEqualTo(Instant.ofEpochSecond(at).toString());
    assertThat(c.getInteger("totalConversations")).isEqualTo(1);
  }

  // ---- update

  @Test
  void update_changes_the_allowed_fields_and_answers_the_customer() throws Exception {
    String id = create(new JsonObject().put("phoneNumber", Inbox.phone()).put("firstName", "Old")).getString("_id");
    JsonObject before = get(id);
    Thread.sleep(5);
    JsonObject changes = new JsonObject().put("firstName", "  Ana María ").put("lastName", "Núñez 👋")
        .put("email", "ANA@Example.com").put("tags", new JsonArray().add("vip").add(" vip ").add("norte"))
        .put("notes", "llamar después de las 5").put("isBlocked", false)
        .put("customFields", new JsonObject().put("rfc", "NUAA800101").put("visitas", 4).put("extra", new JsonObject().put("a", 1)));
    JsonObject res = json(app.put(BASE + "/" + id, agent, changes), 200);
    JsonObject c = res.getJsonObject("customer");
    assertThat(c.getString("_id")).isEqualTo(id);
    assertThat(c.getString("firstName")).isEqualTo("Ana María");
    assertThat(c.getString("lastName")).isEqualTo("Núñez 👋");
    assertThat(c.getString("email")).isEqualTo("ana@example.com");
    assertThat(c.getJsonArray("tags")).isEqualTo(new JsonArray().add("vip").add("norte"));
    assertThat(c.getString("notes")).isEqualTo("llamar después de las 5");
    assertThat(c.getBoolean("isBlocked")).isFalse();
    assertThat(c.getJsonObject("customFields")).isEqualTo(changes.getJsonObject("customFields"));
    assertThat(c.getString("phoneNumber")).isEqualTo(before.getString("phoneNumber"));
    assertThat(c.getString("createdAt")).isEqualTo(before.getString("createdAt"));
    assertThat(Instant.parse(c.getString("updatedAt"))).isAfter(Instant.parse(before.getString("updatedAt")));
    assertThat(get(id)).isEqualTo(c);

    // by phone number too
    JsonObject byPhone = update("+" + c.getString("phoneNumber"), new JsonObject().put("notes", "otra nota"));
    assertThat(byPhone.getString("_id")).isEqualTo(id);
    assertThat(get(id).getString("notes")).isEqualTo("otra nota");
    // only what is given changes
    assertThat(byPhone.getString("firstName")).isEqualTo("Ana María");
    assertThat(byPhone.getJsonArray("tags")).isEqualTo(new JsonArray().add("vip").add("norte"));
  }

  @Test
  void update_refuses_bad_values_with_the_field_and_changes_nothing() {
    String id = create(new JsonObject().put("phoneNumber", Inbox.phone()).put("firstName", "Keep")
        .put("customFields", new JsonObject().put("k", "v"))).getString("_id");
    JsonObject before = get(id);
    String path = BASE + "/" + id;

    assertFieldError(app.put(path, agent, new JsonObject().put("email", "nope")), 400, "EMAIL_INVALID", path, "email");
    assertFieldError(app.put(path, agent, new JsonObject().put("firstName", "Ok").put("email", "x@")), 400, "EMAIL_INVALID", path, "email");
    for (JsonObject bad : List.of(
        new JsonObject().put("customFields", new JsonObject().put("$where", "1")),
        new JsonObject().put("customFields", new JsonObject().put("a.b", 1)),
        new JsonObject().put("customFields", new JsonObject().put("ok", 1).put("$inc", 1)),
        // at any depth: the driver would read these as typed values ({"$date": "bad"} was a 500) or refuse them
        new JsonObject().put("customFields", new JsonObject().put("d", new JsonObject().put("$date", "not a date"))),
        new JsonObject().put("customFields", new JsonObject().put("d", new JsonObject().put("$date", "2020-01-01T00:00:00Z"))),
        new JsonObject().put("customFields", new JsonObject().put("o", new JsonObject().put("$oid", "zz"))),
        new JsonObject().put("customFields", new JsonObject().put("n", new JsonObject().put("a.b", 1))),
        new JsonObject().put("customFields", new JsonObject().put("l", new JsonArray().add(new JsonObject().put("$gt", 1)))),
        new JsonObject().put("customFields", "text"),
        new JsonObject().put("customFields", new JsonArray().add(1)))) {
      assertFieldError(app.put(path, agent, bad), 400, "VALIDATION_FAILED", path, "customFields");
    }
    for (String[] wrong : new String[][] {{"firstName", "42"}, {"lastName", "true"}, {"notes", "{}"}, {"tags", "\"vip\""},
        {"tags", "[1]"}, {"isBlocked", "\"yes\""}, {"isBlocked", "1"}, {"email", "[]"}}) {
      String body = "{\"" + wrong[0] + "\":" + wrong[1] + "}";
      assertFieldError(app.put(path, agent, body), 400, "VALIDATION_FAILED", path, wrong[0]);
    }
    assertError(app.put(path, agent, new JsonObject()), 400, "VALIDATION_FAILED", path);
    assertError(app.put(path, agent, "{not json"), 400, "VALIDATION_FAILED", path);
    assertThat(get(id)).as("nothing changed").isEqualTo(before);

    assertError(app.put(BASE + "/0123456789abcdef01234567", agent, new JsonObject().put("notes", "x")), 404, "CUSTOMER_NOT_FOUND",
        BASE + "/0123456789abcdef01234567");
    assertFieldError(app.put(BASE + "/junk", agent, new JsonObject().put("notes", "x")), 400, "PHONE_NUMBER_INVALID", BASE + "/junk",
        "phoneNumber");
  }

  // ---- blocking reaches the inbound path

  @Test
  void a_customer_blocked_through_the_api_raises_no_new_message_event_until_unblocked() throws Exception {
    String phone = Inbox.phone();
    JsonObject first = inbox.inbound(phone, "Spammy", "uno");
    awaitEvent(first.getString("whatsappMessageId")); // the inbound path now has this customer cached
    String id = first.getString("customerId");

    assertThat(update(id, new JsonObject().put("isBlocked", true)).getBoolean("isBlocked")).isTrue();
    JsonObject second = inbox.inbound(phone, "Spammy", "dos");
    assertThat(second.getString("conversationId")).as("still stored, in the same conversation")
        .isEqualTo(first.getString("conversationId"));
    inbox.wa.awaitProcessed();
    Thread.sleep(300);
    assertThat(eventFor(second.getString("whatsappMessageId"))).as("no event for a blocked customer").isNull();

    assertThat(update(phone, new JsonObject().put("isBlocked", false)).getBoolean("isBlocked")).isFalse();
    JsonObject third = inbox.inbound(phone, "Spammy", "tres");
    assertThat(awaitEvent(third.getString("whatsappMessageId")).getJsonObject("message").getString("content")).isEqualTo("tres");
    assertThat(eventFor(second.getString("whatsappMessageId"))).isNull();
  }

  static JsonObject eventFor(String wamid) {
    return newMessageEvents.stream().filter(e -> wamid.equals(e.getJsonObject("message").getString("whatsappMessageId")))
        .findFirst().orElse(null);
  }

  static JsonObject awaitEvent(String wamid) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      JsonObject e = eventFor(wamid);
      if (e != null) return e;
      Thread.sleep(20);
    }
    throw new AssertionError("no new_message event for " + wamid);
  }
}
