package crm.knowledge;

import static org.assertj.core.api.Assertions.assertThat;

import crm.storage.Mongo;
import crm.support.Inbox;
import crm.support.TestApp;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The articles each preset ships: installed by POST /config/presets/load (once, however often it is loaded), searched
 * within the active business type, an admin's changes kept. Each test loads the preset it needs itself.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KnowledgePresetTest {
  TestApp app;
  Kb kb;
  MongoClient db;

  @BeforeAll
  void start() {
    app = TestApp.start();
    kb = new Kb(app);
    db = new Mongo(app.vertx, app.app.deployedConfig()).client();
  }

  @AfterAll
  void stop() {
    if (app != null) app.close();
  }

  long count(JsonObject query) throws Exception {
    return db.count(Article.COLLECTION, query).await(5, TimeUnit.SECONDS);
  }

  @Test
  void loading_a_preset_installs_its_articles_once() throws Exception {
    // healthcare is loaded by this test only
    JsonObject first = kb.loadPreset("healthcare").getJsonObject("knowledgeArticles");
    assertThat(first).isEqualTo(new JsonObject().put("presetId", "healthcare").put("installed", 5).put("updated", 0)
        .put("kept", 0).put("unchanged", 0));
    JsonObject second = kb.loadPreset("healthcare").getJsonObject("knowledgeArticles");
    assertThat(second.getInteger("installed")).isZero();
    assertThat(second.getInteger("unchanged")).isEqualTo(5);
    assertThat(count(new JsonObject().put("businessType", "healthcare"))).as("no duplicates").isEqualTo(5);

    JsonObject list = kb.list("?businessType=healthcare&limit=100");
    assertThat(list.getJsonObject("pagination").getLong("totalCount")).isEqualTo(5);
    for (Object o : list.getJsonArray("articles")) {
      JsonObject a = (JsonObject) o;
      assertThat(a.getString("source")).isEqualTo("preset");
      assertThat(a.getString("presetArticleId")).startsWith("healthcare/");
      assertThat(a.getString("language")).isEqualTo("es");
      assertThat(a.getBoolean("active")).isTrue();
      assertThat(a.getBoolean("customized")).isFalse();
      assertThat(a.getString("createdBy")).as("the admin who loaded it").matches("^[0-9a-f]{24}$");
    }
    // the active business type is now healthcare: its articles answer
    JsonObject res = kb.search("¿Qué hago en una emergencia?");
    assertThat(Kb.titles(res)).first().isEqualTo("Urgencias: qué hacer en una emergencia");
    assertThat(res.getJsonArray("articles").getJsonObject(0).getString("excerpt")).contains("911");
  }

  @Test
  void an_admins_change_survives_a_reload_an_untouched_article_is_refreshed_a_deleted_one_returns() throws Exception {
    kb.loadPreset("luxfree");
    List<JsonObject> articles = kb.list("?businessType=luxfree&limit=100").getJsonArray("articles").stream()
        .map(o -> (JsonObject) o).toList();
    assertThat(articles).hasSize(4);
    JsonObject edited = articles.get(0);
    JsonObject stale = articles.get(1);
    JsonObject deleted = articles.get(2);

    JsonObject changed = kb.update(edited.getString("_id"), new JsonObject().put("content", "Texto propio del negocio."));
    assertThat(changed.getBoolean("customized")).isTrue();
    assertThat(changed.getString("source")).isEqualTo("preset");
    // an older shipped text, as an upgrade would find it
    db.updateCollection(Article.COLLECTION, new JsonObject().put("_id", stale.getString("_id")),
        new JsonObject().put("$set", new JsonObject().put("content", "Texto de una versión anterior."))).await(5, TimeUnit.SECONDS);
    assertThat(app.send(HttpMethod.DELETE, Kb.PATH + "/" + deleted.getString("_id"), kb.admin, null).statusCode()).isEqualTo(200);

    JsonObject again = kb.loadPreset("luxfree").getJsonObject("knowledgeArticles");
    assertThat(again).isEqualTo(new JsonObject().put("presetId", "luxfree").put("installed", 1).put("updated", 1)
        .put("kept", 1).put("unchanged", 1));
    JsonObject one = app.get(Kb.PATH + "/" + edited.getString("_id"), kb.admin).bodyAsJsonObject().getJsonObject("article");
    assertThat(one.getString("content")).isEqualTo("Texto propio del negocio.");
    JsonObject refreshed = app.get(Kb.PATH + "/" + stale.getString("_id"), kb.admin).bodyAsJsonObject().getJsonObject("article");
    assertThat(refreshed.getString("content")).isEqualTo(stale.getString("content"));
    assertThat(count(new JsonObject().put("presetArticleId", deleted.getString("presetArticleId")))).isEqualTo(1);
    assertThat(count(new JsonObject().put("businessType", "luxfree"))).isEqualTo(4);
    // and the search has the reloaded text
    assertThat(Kb.titles(kb.search(new JsonObject().put("query", "corte de luz: ¿qué hago?")))).first()
        .isEqualTo("Qué hacer si te quedas sin luz (corte de luz)");
  }

  @Test
  void the_ecommerce_articles_answer_with_accents_folded() {
    kb.loadPreset("ecommerce");
    assertThat(Kb.titles(kb.search("devolucion"))).first().isEqualTo("Política de devoluciones y reembolsos");
    assertThat(Kb.titles(kb.search("ENVÍO"))).first().isEqualTo("Envíos: tiempos de entrega y costos");
    assertThat(Kb.titles(kb.search("¿Aceptan pagos en OXXO o meses sin intereses?"))).first().isEqualTo("Métodos de pago aceptados");
    assertThat(Kb.titles(kb.search("¿Dónde está mi pedido? quiero rastrearlo"))).first().isEqualTo("Cómo rastrear tu pedido");
    // another preset's articles are not answered while ecommerce is active
    assertThat(Kb.titles(kb.search("reservación alérgenos"))).isEmpty();
  }

  @Test
  void the_active_business_type_decides_which_articles_answer() {
    String word = Inbox.token();
    JsonObject general = kb.create(Kb.article("General " + word, "Para todos los negocios.").put("businessType", "general"));
    JsonObject food = kb.create(Kb.article("Restaurante " + word, "Solo restaurante.").put("businessType", "restaurant"));
    JsonObject shop = kb.create(Kb.article("Tienda " + word, "Solo tienda.").put("businessType", "ecommerce"));

    kb.loadPreset("restaurant");
    assertThat(Kb.ids(kb.search(word))).containsExactlyInAnyOrder(general.getString("_id"), food.getString("_id"));
    assertThat(Kb.titles(kb.search("horario"))).first().isEqualTo("Horarios de atención");
    // an admin's new article without a business type belongs to the active one
    JsonObject made = kb.create(Kb.article("Nuevo " + word, "Creado con el restaurante activo."));
    assertThat(made.getString("businessType")).isEqualTo("restaurant");

    kb.loadPreset("ecommerce");
    assertThat(Kb.ids(kb.search(word))).containsExactlyInAnyOrder(general.getString("_id"), shop.getString("_id"));
    // the list defaults to the active type and general too
    assertThat(Kb.ids(kb.list("?search=" + word))).containsExactlyInAnyOrder(general.getString("_id"), shop.getString("_id"));
    assertThat(new JsonArray(Kb.ids(kb.list("?businessType=all&search=" + word)))).hasSize(4);
  }

  @Test
  void an_unknown_preset_installs_nothing_and_changes_nothing() throws Exception {
    long before = count(new JsonObject());
    var res = app.post("/api/v2/config/presets/load", kb.admin, new JsonObject().put("presetId", "bakery"));
    assertThat(res.statusCode()).isEqualTo(400);
    assertThat(count(new JsonObject())).isEqualTo(before);
  }
}
