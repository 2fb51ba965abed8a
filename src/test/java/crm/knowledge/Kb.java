package crm.knowledge;

import static org.assertj.core.api.Assertions.assertThat;

import crm.bus.Addresses;
import crm.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Knowledge-base helpers over a running {@link TestApp}: articles through the REST API, searches through the bus. */
final class Kb {
  static final String PATH = "/api/v2/knowledge-articles";

  final TestApp app;
  final String admin;

  Kb(TestApp app) {
    this.app = app;
    this.admin = app.adminToken();
  }

  static JsonObject article(String title, String content) {
    return new JsonObject().put("title", title).put("content", content);
  }

  /** Creates through POST as admin (asserting 201) and returns the article. */
  JsonObject create(JsonObject body) {
    HttpResponse<Buffer> res = app.post(PATH, admin, body);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(201);
    assertThat(res.bodyAsJsonObject().getBoolean("success")).isTrue();
    return res.bodyAsJsonObject().getJsonObject("article");
  }

  JsonObject update(String id, JsonObject changes) {
    HttpResponse<Buffer> res = app.put(PATH + "/" + id, admin, changes);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    return res.bodyAsJsonObject().getJsonObject("article");
  }

  /** GET /knowledge-articles{query} as admin (asserting 200): the whole body. */
  JsonObject list(String query) {
    HttpResponse<Buffer> res = app.get(PATH + query, admin);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    return res.bodyAsJsonObject();
  }

  /** The reply of crm.knowledge.search. */
  JsonObject search(JsonObject request) {
    try {
      return app.vertx.eventBus().<JsonObject>request(Addresses.KNOWLEDGE_SEARCH, request).await(10, TimeUnit.SECONDS).body();
    } catch (Exception e) {
      throw new IllegalStateException("search " + request + " failed: " + e, e);
    }
  }

  JsonObject search(String query) {
    return search(new JsonObject().put("query", query).put("limit", 10));
  }

  /** The failure code a search request is refused with (the test fails when it is answered). */
  ReplyException searchFails(JsonObject request) {
    try {
      JsonObject body = app.vertx.eventBus().<JsonObject>request(Addresses.KNOWLEDGE_SEARCH, request).await(10, TimeUnit.SECONDS).body();
      throw new AssertionError("search " + request + " was answered: " + body);
    } catch (ReplyException e) {
      return e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static List<String> ids(JsonObject reply) {
    return reply.getJsonArray("articles", new JsonArray()).stream().map(a -> ((JsonObject) a).getString("id")).toList();
  }

  static List<String> titles(JsonObject reply) {
    return reply.getJsonArray("articles", new JsonArray()).stream().map(a -> ((JsonObject) a).getString("title")).toList();
  }

  /** Loads a preset through the API as admin (asserting 200); returns the response. */
  JsonObject loadPreset(String presetId) {
    HttpResponse<Buffer> res = app.post("/api/v2/config/presets/load", admin, new JsonObject().put("presetId", presetId));
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    return res.bodyAsJsonObject();
  }
}
