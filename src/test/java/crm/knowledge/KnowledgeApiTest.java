package crm.knowledge;

import static crm.support.ApiErrors.assertError;
import static crm.support.ApiErrors.assertFieldError;
import static org.assertj.core.api.Assertions.assertThat;

import crm.support.Inbox;
import crm.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** /api/v2/knowledge-articles through the whole app: each happy path, each validation error, 404s and roles. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KnowledgeApiTest {
  static final String PATH = Kb.PATH;
  static final String MISSING = "0123456789abcdef01234567";

  TestApp app;
  Kb kb;
  String agent;
  String supervisor;
  String agentId;

  @BeforeAll
  void start() {
    app = TestApp.start();
    kb = new Kb(app);
    Inbox inbox = new Inbox(app);
    Inbox.Agent a = inbox.agent(kb.admin, "agent");
    agent = a.token();
    agentId = a.id();
    supervisor = inbox.agent(kb.admin, "supervisor").token();
  }

  @AfterAll
  void stop() {
    if (app != null) app.close();
  }

  @Test
  void create_get_update_and_delete_an_article() {
    Instant before = Instant.now().minusSeconds(1);
    JsonObject created = kb.create(Kb.article("  Política de devoluciones  ", "Puedes devolver tu compra en 30 días.")
        .put("tags", new JsonArray().add("devoluciones").add(" Reembolsos ").add("reembolsos"))
        .put("category", "return_refund")
        // server-owned fields a body cannot set
        .put("source", "preset").put("presetArticleId", "ecommerce/x").put("createdBy", "someone").put("_id", MISSING));
    String id = created.getString("_id");
    assertThat(id).matches("^[0-9a-f]{24}$").isNotEqualTo(MISSING);
    assertThat(created.getString("id")).isEqualTo(id);
    assertThat(created.getString("title")).isEqualTo("Política de devoluciones");
    assertThat(created.getJsonArray("tags")).isEqualTo(new JsonArray().add("devoluciones").add("Reembolsos"));
    assertThat(created.getString("category")).isEqualTo("return_refund");
    assertThat(created.getString("businessType")).as("the active one on a fresh install").isEqualTo("general");
    assertThat(created.getString("language")).isEqualTo("es");
    assertThat(created.getBoolean("active")).isTrue();
    assertThat(created.getString("source")).isEqualTo("admin");
    assertThat(created.containsKey("presetArticleId")).isFalse();
    assertThat(created.getString("createdBy")).isNotEqualTo("someone").matches("^[0-9a-f]{24}$");
    assertThat(Instant.parse(created.getString("createdAt"))).isAfter(before);
    assertThat(created.getString("updatedAt")).isEqualTo(created.getString("createdAt"));

    HttpResponse<Buffer> got = app.get(PATH + "/" + id, supervisor);
    assertThat(got.statusCode()).as(got.bodyAsString()).isEqualTo(200);
    assertThat(got.bodyAsJsonObject().getBoolean("success")).isTrue();
    assertThat(got.bodyAsJsonObject().getJsonObject("article")).isEqualTo(created);
    // any case of the id
    assertThat(app.get(PATH + "/" + id.toUpperCase(), kb.admin).statusCode()).isEqualTo(200);

    // partial: only what is given changes; category null removes it
    JsonObject updated = kb.update(id, new JsonObject().put("content", "Ahora son 45 días.").put("category", (Object) null)
        .put("businessType", "ecommerce").put("active", false));
    assertThat(updated.getString("title")).isEqualTo("Política de devoluciones");
    assertThat(updated.getString("content")).isEqualTo("Ahora son 45 días.");
    assertThat(updated.getValue("category")).isNull();
    assertThat(updated.getString("businessType")).isEqualTo("ecommerce");
    assertThat(updated.getBoolean("active")).isFalse();
    assertThat(updated.getJsonArray("tags")).isEqualTo(created.getJsonArray("tags"));
    assertThat(Instant.parse(updated.getString("updatedAt"))).isAfterOrEqualTo(Instant.parse(created.getString("updatedAt")));
    assertThat(updated.getString("createdAt")).isEqualTo(created.getString("createdAt"));
    assertThat(app.get(PATH + "/" + id, kb.admin).bodyAsJsonObject().getJsonObject("article")).isEqualTo(updated);

    HttpResponse<Buffer> del = app.send(HttpMethod.DELETE, PATH + "/" + id, kb.admin, null);
    assertThat(del.statusCode()).as(del.bodyAsString()).isEqualTo(200);
    assertThat(del.bodyAsJsonObject().getString("id")).isEqualTo(id);
    assertError(app.get(PATH + "/" + id, kb.admin), 404, "RESOURCE_NOT_FOUND", PATH + "/" + id);
    assertError(app.send(HttpMethod.DELETE, PATH + "/" + id, kb.admin, null), 404, "RESOURCE_NOT_FOUND", PATH + "/" + id);
  }

  @Test
  void unknown_ids_are_RESOURCE_NOT_FOUND() {
    for (String id : List.of(MISSING, "not-an-id", "%24ne", "0123456789abcdef0123456g")) {
      String path = PATH + "/" + id;
      assertError(app.get(path, kb.admin), 404, "RESOURCE_NOT_FOUND", path);
      assertError(app.put(path, kb.admin, new JsonObject().put("title", "Un título")), 404, "RESOURCE_NOT_FOUND", path);
      assertError(app.send(HttpMethod.DELETE, path, kb.admin, null), 404, "RESOURCE_NOT_FOUND", path);
    }
  }

  @Test
  void bad_input_is_VALIDATION_FAILED_with_its_field_and_nothing_is_stored() {
    String word = Inbox.token();
    record Bad(JsonObject body, String field) {}
    String content = "Contenido " + word;
    List<Bad> cases = List.of(
        new Bad(new JsonObject().put("content", content), "title"),
        new Bad(Kb.article("ab", content), "title"),
        new Bad(Kb.article("  ab  ", content), "title"),
        new Bad(Kb.article("x".repeat(201), content), "title"),
        new Bad(Kb.article("Título", content).put("title", 42), "title"),
        new Bad(Kb.article("Título", content).put("title", new JsonObject().put("$ne", null)), "title"),
        new Bad(new JsonObject().put("title", "Título " + word), "content"),
        new Bad(Kb.article("Título " + word, "   "), "content"),
        new Bad(Kb.article("Título " + word, "x".repeat(20_001)), "content"),
        new Bad(Kb.article("Título " + word, content).put("tags", "envíos"), "tags"),
        new Bad(Kb.article("Título " + word, content).put("tags", new JsonArray().add("ok").add(3)), "tags"),
        new Bad(Kb.article("Título " + word, content).put("tags", new JsonArray().add("ok").add("  ")), "tags[1]"),
        new Bad(Kb.article("Título " + word, content).put("tags", new JsonArray().add(new JsonObject().put("$gt", "")) ), "tags"),
        new Bad(Kb.article("Título " + word, content).put("tags", new JsonArray(java.util.Collections.nCopies(21, "t"))), "tags"),
        new Bad(Kb.article("Título " + word, content).put("category", 7), "category"),
        new Bad(Kb.article("Título " + word, content).put("businessType", "bakery"), "businessType"),
        new Bad(Kb.article("Título " + word, content).put("businessType", new JsonObject().put("$ne", "x")), "businessType"),
        new Bad(Kb.article("Título " + word, content).put("language", "spanish"), "language"),
        new Bad(Kb.article("Título " + word, content).put("active", "yes"), "active"));
    for (Bad bad : cases) {
      assertFieldError(app.post(PATH, kb.admin, bad.body()), 400, "VALIDATION_FAILED", PATH, bad.field());
    }
    assertError(app.post(PATH, kb.admin, "{not json"), 400, "VALIDATION_FAILED", PATH);
    assertError(app.post(PATH, kb.admin, "[1,2]"), 400, "VALIDATION_FAILED", PATH);
    assertThat(kb.list("?businessType=all&search=" + word).getJsonObject("pagination").getLong("totalCount"))
        .as("nothing stored").isZero();

    // a change is validated the same way, and must change something
    String id = kb.create(Kb.article("Título válido " + word, content)).getString("_id");
    String one = PATH + "/" + id;
    assertFieldError(app.put(one, kb.admin, new JsonObject().put("title", "no")), 400, "VALIDATION_FAILED", one, "title");
    assertFieldError(app.put(one, kb.admin, new JsonObject().put("title", (Object) null)), 400, "VALIDATION_FAILED", one, "title");
    assertFieldError(app.put(one, kb.admin, new JsonObject().put("content", "")), 400, "VALIDATION_FAILED", one, "content");
    assertFieldError(app.put(one, kb.admin, new JsonObject().put("active", (Object) null)), 400, "VALIDATION_FAILED", one, "active");
    assertFieldError(app.put(one, kb.admin, new JsonObject().put("tags", new JsonArray().add(1))), 400, "VALIDATION_FAILED", one, "tags");
    assertError(app.put(one, kb.admin, new JsonObject()), 400, "VALIDATION_FAILED", one);
    assertError(app.put(one, kb.admin, new JsonObject().put("source", "preset")), 400, "VALIDATION_FAILED", one);
    JsonObject stored = app.get(one, kb.admin).bodyAsJsonObject().getJsonObject("article");
    assertThat(stored.getString("title")).isEqualTo("Título válido " + word);
    assertThat(stored.getString("source")).isEqualTo("admin");
  }

  @Test
  void agents_may_neither_read_nor_write_supervisors_may_only_read() {
    String id = kb.create(Kb.article("Artículo de permisos", "Contenido.")).getString("_id");
    String one = PATH + "/" + id;
    JsonObject err = assertError(app.post(PATH, agent, Kb.article("Creado por agente", "x")), 403, "AUTH_INSUFFICIENT_PERMISSIONS", PATH);
    assertThat(err.getJsonObject("details").getString("required")).isEqualTo("write:config");
    assertError(app.get(PATH, agent), 403, "AUTH_INSUFFICIENT_PERMISSIONS", PATH);
    assertError(app.get(one, agent), 403, "AUTH_INSUFFICIENT_PERMISSIONS", one);
    assertError(app.put(one, agent, new JsonObject().put("title", "Cambiado")), 403, "AUTH_INSUFFICIENT_PERMISSIONS", one);
    assertError(app.send(HttpMethod.DELETE, one, agent, null), 403, "AUTH_INSUFFICIENT_PERMISSIONS", one);

    assertThat(app.get(PATH, supervisor).statusCode()).isEqualTo(200);
    assertThat(app.get(one, supervisor).statusCode()).isEqualTo(200);
    assertError(app.post(PATH, supervisor, Kb.article("Creado por supervisor", "x")), 403, "AUTH_INSUFFICIENT_PERMISSIONS", PATH);
    assertError(app.put(one, supervisor, new JsonObject().put("title", "Cambiado")), 403, "AUTH_INSUFFICIENT_PERMISSIONS", one);
    assertError(app.send(HttpMethod.DELETE, one, supervisor, null), 403, "AUTH_INSUFFICIENT_PERMISSIONS", one);
    assertError(app.get(PATH, null), 401, "AUTH_TOKEN_INVALID", PATH);

    JsonObject still = app.get(one, kb.admin).bodyAsJsonObject().getJsonObject("article");
    assertThat(still.getString("title")).isEqualTo("Artículo de permisos");
    assertThat(kb.list("?businessType=all&search=" + Inbox.enc("creado agente supervisor")).getJsonArray("articles")).isEmpty();
    assertThat(agentId).isNotBlank();
  }

  @Test
  void list_pages_searches_and_filters_by_business_type() {
    String word = Inbox.token();
    JsonObject a = kb.create(Kb.article("Horarios de atención " + word, "Abrimos de 9 a 18 h."));
    JsonObject b = kb.create(Kb.article("Pagos " + word, "Aceptamos tarjetas. Horario bancario.").put("businessType", "ecommerce"));
    JsonObject c = kb.create(Kb.article("Reservaciones " + word, "Reserva tu mesa.").put("businessType", "restaurant").put("active", false));

    // default: the active business type (general on a fresh install) and general; newest change first
    JsonObject res = kb.list("?search=" + word);
    assertThat(Kb.ids(res)).containsExactly(a.getString("_id"));
    JsonObject all = kb.list("?businessType=all&search=" + word);
    assertThat(Kb.ids(all)).containsExactlyInAnyOrder(a.getString("_id"), b.getString("_id"), c.getString("_id"));
    assertThat(Kb.ids(kb.list("?businessType=restaurant&search=" + word))).as("inactive ones listed too")
        .containsExactly(c.getString("_id"));
    assertThat(Kb.ids(kb.list("?businessType=ecommerce&search=" + word))).containsExactly(b.getString("_id"));

    // search: words with accents folded, title first
    assertThat(Kb.ids(kb.list("?businessType=all&search=" + Inbox.enc("HORARIO " + word)))).first().isEqualTo(a.getString("_id"));
    assertThat(Kb.ids(kb.list("?businessType=all&search=" + Inbox.enc("atencion") + "%20" + word + "&limit=1")))
        .containsExactly(a.getString("_id"));

    // pagination
    JsonObject page1 = kb.list("?businessType=all&limit=2&page=1&search=" + word);
    JsonObject info = page1.getJsonObject("pagination");
    assertThat(page1.getBoolean("success")).isTrue();
    assertThat(page1.getJsonArray("articles")).hasSize(2);
    assertThat(info.getLong("totalCount")).isEqualTo(3);
    assertThat(info.getInteger("totalPages")).isEqualTo(2);
    assertThat(info.getBoolean("hasNext")).isTrue();
    JsonObject page2 = kb.list("?businessType=all&limit=2&page=2&search=" + word);
    assertThat(page2.getJsonArray("articles")).hasSize(1);
    assertThat(Kb.ids(page2)).doesNotContainAnyElementsOf(Kb.ids(page1));
    // without a search: everything in scope, newest first
    List<String> newest = Kb.ids(kb.list("?businessType=all&limit=3"));
    assertThat(newest).containsExactly(c.getString("_id"), b.getString("_id"), a.getString("_id"));

    // bad parameters
    assertFieldError(app.get(PATH + "?businessType=bakery", kb.admin), 400, "VALIDATION_FAILED", PATH, "businessType");
    assertFieldError(app.get(PATH + "?limit=101", kb.admin), 400, "VALIDATION_FAILED", PATH, "limit");
    assertFieldError(app.get(PATH + "?page=0", kb.admin), 400, "VALIDATION_FAILED", PATH, "page");
    assertFieldError(app.get(PATH + "?search=a&search=b", kb.admin), 400, "VALIDATION_FAILED", PATH, "search");
    assertFieldError(app.get(PATH + "?search=" + "x".repeat(201), kb.admin), 400, "VALIDATION_FAILED", PATH, "search");
    // operators and regular expressions are words or nothing, never a query
    for (String s : List.of("%24ne", ".*", "%5E.*%24", "%7B%22%24gt%22%3A%22%22%7D", "(((")) {
      assertThat(kb.list("?businessType=all&search=" + s).getJsonArray("articles")).as(s).isEmpty();
    }
  }
}
