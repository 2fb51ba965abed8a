package crm.knowledge;

import static org.assertj.core.api.Assertions.assertThat;

import crm.bus.Addresses;
import crm.bus.ErrorCode;
import crm.storage.Mongo;
import crm.support.Inbox;
import crm.support.TestApp;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * crm.knowledge.search as the assistant calls it, against articles made through the REST API (no preset loaded:
 * the active business type is "general"). Each test searches for words only its own articles hold.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KnowledgeSearchTest {
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

  @Test
  void accents_and_case_are_folded_and_a_word_finds_its_longer_forms() {
    JsonObject returns = kb.create(Kb.article("Política de devoluciones", "Tienes 30 días para devolver tu compra. "
        + "El reembolso llega en 5 a 10 días hábiles al mismo método de pago.").put("tags", new JsonArray().add("reembolsos")));
    JsonObject shipping = kb.create(Kb.article("Envíos y entregas", "Los pedidos llegan en 3 a 5 días hábiles."));
    JsonObject hours = kb.create(Kb.article("Horarios de atención", "Atendemos de lunes a viernes de 9:00 a 18:00 h."));

    JsonObject res = kb.search(new JsonObject().put("query", "devolucion"));
    assertThat(res.getBoolean("success")).isTrue();
    assertThat(Kb.ids(res)).containsExactly(returns.getString("_id"));
    assertThat(res.getInteger("total")).isEqualTo(1);
    JsonObject hit = res.getJsonArray("articles").getJsonObject(0);
    assertThat(hit.fieldNames()).containsExactlyInAnyOrder("id", "title", "excerpt", "tags", "score");
    assertThat(hit.getString("title")).isEqualTo("Política de devoluciones");
    assertThat(hit.getString("excerpt")).contains("30 días para devolver");
    assertThat(hit.getJsonArray("tags")).containsExactly("reembolsos");
    assertThat(hit.getDouble("score")).isPositive();

    assertThat(Kb.ids(kb.search("ENVÍO"))).containsExactly(shipping.getString("_id"));
    assertThat(Kb.ids(kb.search("envios"))).containsExactly(shipping.getString("_id"));
    assertThat(Kb.ids(kb.search("¿Cuál es su horario de atencion?"))).containsExactly(hours.getString("_id"));
    assertThat(Kb.ids(kb.search("REEMBOLSÓ"))).containsExactly(returns.getString("_id"));
    // stop words alone find nothing; a three-letter word matches only itself
    assertThat(kb.search("¿de la que el?").getInteger("total")).isZero();
    assertThat(Kb.ids(kb.search("hor"))).isEmpty();
  }

  @Test
  void a_title_match_ranks_above_content_matches_and_limit_caps_the_answer() {
    String word = Inbox.token();
    JsonObject inTitle = kb.create(Kb.article("Cobertura " + word, "Texto que no menciona la palabra buscada."));
    JsonObject inTags = kb.create(Kb.article("Preguntas frecuentes", "Nada que ver.").put("tags", new JsonArray().add(word)));
    JsonObject inContent = kb.create(Kb.article("Otro tema", (word + " se repite: " + word + ", " + word + " y " + word + ". ").repeat(3)));
    JsonObject res = kb.search(word);
    assertThat(Kb.ids(res)).containsExactly(inTitle.getString("_id"), inTags.getString("_id"), inContent.getString("_id"));
    JsonArray hits = res.getJsonArray("articles");
    assertThat(hits.getJsonObject(0).getDouble("score")).isGreaterThan(hits.getJsonObject(1).getDouble("score"));
    assertThat(hits.getJsonObject(1).getDouble("score")).isGreaterThan(hits.getJsonObject(2).getDouble("score"));

    // the default limit is 3; limit 1 answers the best one, total still counts all
    JsonObject one = kb.search(new JsonObject().put("query", word).put("limit", 1));
    assertThat(Kb.ids(one)).containsExactly(inTitle.getString("_id"));
    assertThat(one.getInteger("total")).isEqualTo(3);
    for (int i = 0; i < 2; i++) kb.create(Kb.article("Más " + word + " " + i, "Contenido."));
    assertThat(kb.search(new JsonObject().put("query", word)).getJsonArray("articles")).hasSize(3);
  }

  @Test
  void the_excerpt_is_the_content_around_the_matched_words() {
    String word = Inbox.token();
    String filler = "Información general del servicio que no responde a la pregunta. ".repeat(15);
    String answer = "Para cancelar tu " + word + " escribe CANCELAR antes de las 18:00 h.";
    kb.create(Kb.article("Servicio " + word, filler + answer + " " + filler));
    String excerpt = kb.search(word + " cancelar").getJsonArray("articles").getJsonObject(0).getString("excerpt");
    assertThat(excerpt).contains(answer).startsWith("…").endsWith("…");
    assertThat(excerpt.length()).isBetween(200, 510);
  }

  @Test
  void only_active_articles_of_the_active_business_type_and_general_are_found() {
    String word = Inbox.token();
    JsonObject general = kb.create(Kb.article("General " + word, "Para todos."));
    JsonObject restaurant = kb.create(Kb.article("Restaurante " + word, "Solo restaurante.").put("businessType", "restaurant"));
    JsonObject inactive = kb.create(Kb.article("Inactivo " + word, "Apagado.").put("active", false));
    assertThat(Kb.ids(kb.search(word))).containsExactly(general.getString("_id"));
    // asked for another business type: that one and general
    assertThat(Kb.ids(kb.search(new JsonObject().put("query", word).put("businessType", "restaurant"))))
        .containsExactlyInAnyOrder(general.getString("_id"), restaurant.getString("_id"));
    // activated, then deactivated again: found, then not
    kb.update(inactive.getString("_id"), new JsonObject().put("active", true));
    assertThat(Kb.ids(kb.search(word))).containsExactlyInAnyOrder(general.getString("_id"), inactive.getString("_id"));
    kb.update(inactive.getString("_id"), new JsonObject().put("active", false));
    kb.update(general.getString("_id"), new JsonObject().put("businessType", "healthcare"));
    assertThat(Kb.ids(kb.search(word))).isEmpty();
  }

  @Test
  void operators_and_regular_expressions_in_a_query_are_only_text() {
    String word = Inbox.token();
    JsonObject article = kb.create(Kb.article("Artículo " + word, "Contenido del artículo."));
    for (String q : List.of("{\"$ne\": null}", "$ne", ".*", "^.*$", "[^x]*", "(a|b)*", "\\", "$where", "((((", "*")) {
      JsonObject res = kb.search(q);
      assertThat(res.getInteger("total")).as(q).isZero();
    }
    // around a real word, the characters are separators
    assertThat(Kb.ids(kb.search(word + ".*"))).containsExactly(article.getString("_id"));
    assertThat(Kb.ids(kb.search("^(" + word + "|x)$"))).containsExactly(article.getString("_id"));

    // an operator object where a string belongs is refused
    assertThat(kb.searchFails(new JsonObject().put("query", new JsonObject().put("$ne", null))).failureCode())
        .isEqualTo(ErrorCode.VALIDATION_FAILED.bus());
    assertThat(kb.searchFails(new JsonObject().put("query", word).put("businessType", new JsonObject().put("$ne", "x")))
        .failureCode()).isEqualTo(ErrorCode.VALIDATION_FAILED.bus());
  }

  @Test
  void bad_search_requests_are_VALIDATION_FAILED() {
    for (JsonObject bad : List.of(new JsonObject(), new JsonObject().put("query", "   "), new JsonObject().put("query", 5),
        new JsonObject().put("query", "x".repeat(2_001)), new JsonObject().put("query", "envío").put("limit", 0),
        new JsonObject().put("query", "envío").put("limit", 11), new JsonObject().put("query", "envío").put("limit", "3"),
        new JsonObject().put("query", "envío").put("limit", 2.5), new JsonObject().put("query", "envío").put("businessType", "bakery"))) {
      assertThat(kb.searchFails(bad).failureCode()).as(bad.encode()).isEqualTo(ErrorCode.VALIDATION_FAILED.bus());
    }
  }

  @Test
  void search_sees_a_write_as_soon_as_it_is_answered_and_the_change_is_published() throws Exception {
    String word = Inbox.token();
    Promise<JsonObject> event = Promise.promise();
    MessageConsumer<JsonObject> consumer = app.vertx.eventBus().consumer(Addresses.EVT_KNOWLEDGE_CHANGED, m -> event.tryComplete(m.body()));
    consumer.completion().await(5, TimeUnit.SECONDS);
    try {
      JsonObject created = kb.create(Kb.article("Recién creado " + word, "Contenido."));
      String id = created.getString("_id");
      assertThat(Kb.ids(kb.search(word))).containsExactly(id);
      JsonObject evt = event.future().await(5, TimeUnit.SECONDS);
      assertThat(evt.getJsonArray("ids")).containsExactly(id);
      assertThat(evt.getString("action")).isEqualTo("created");

      kb.update(id, new JsonObject().put("title", "Renombrado sin la palabra"));
      assertThat(Kb.ids(kb.search(word))).isEmpty();
      assertThat(Kb.ids(kb.search("renombrado"))).containsExactly(id);
      assertThat(app.send(io.vertx.core.http.HttpMethod.DELETE, Kb.PATH + "/" + id, kb.admin, null).statusCode()).isEqualTo(200);
      assertThat(Kb.ids(kb.search("renombrado"))).isEmpty();
    } finally {
      consumer.unregister();
    }
  }

  @Test
  void a_change_another_node_announces_is_read_into_this_nodes_index() throws Exception {
    // written behind this node's back, as another node's knowledge verticle would
    String word = Inbox.token();
    String id = Mongo.newId();
    Instant now = Instant.now();
    db.insert(Article.COLLECTION, new Article(id, "Escrito en otro nodo " + word, "Contenido.", List.of(), null, "general", "es",
        true, Article.SOURCE_ADMIN, null, false, "other", now, null, now).toDoc()).await(5, TimeUnit.SECONDS);
    assertThat(Kb.ids(kb.search(word))).as("not announced yet").isEmpty();
    JsonObject announce = new JsonObject().put("ids", new JsonArray().add(id)).put("action", "created").put("origin", "another-node");
    app.vertx.eventBus().publish(Addresses.EVT_KNOWLEDGE_CHANGED, announce);
    assertThat(eventually(() -> Kb.ids(kb.search(word)).contains(id))).as("found once announced").isTrue();

    db.removeDocument(Article.COLLECTION, new JsonObject().put("_id", id)).await(5, TimeUnit.SECONDS);
    app.vertx.eventBus().publish(Addresses.EVT_KNOWLEDGE_CHANGED, announce.copy().put("action", "deleted"));
    assertThat(eventually(() -> Kb.ids(kb.search(word)).isEmpty())).as("gone once announced").isTrue();
    // a malformed announcement changes nothing and breaks nothing
    app.vertx.eventBus().publish(Addresses.EVT_KNOWLEDGE_CHANGED, new JsonObject().put("ids", "all").put("origin", "x"));
    app.vertx.eventBus().publish(Addresses.EVT_KNOWLEDGE_CHANGED, new JsonObject().put("ids", new JsonArray().add(new JsonObject())));
    JsonObject after = kb.create(Kb.article("Después " + word, "Contenido."));
    assertThat(Kb.ids(kb.search(word))).containsExactly(after.getString("_id"));
  }

  static boolean eventually(java.util.function.BooleanSupplier check) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      if (check.getAsBoolean()) return true;
      Thread.sleep(50);
    }
    return false;
  }
}
