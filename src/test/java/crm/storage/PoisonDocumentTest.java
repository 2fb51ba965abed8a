package crm.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.mongodb.MongoCommandException;
import io.vertx.ext.mongo.MongoClient;
import java.util.concurrent.TimeUnit;

import crm.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Issue 14, finding 1: one deep document must not close the embedded store for everyone. */
class PoisonDocumentTest {
  static TestApp app;
  static String token;

  @BeforeAll
  static void start() {
    app = TestApp.start(new JsonObject().put("CRM_DB_BACKEND", "h2"));
    token = app.adminToken();
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  static JsonObject nested(int depth) {
    JsonObject o = new JsonObject().put("leaf", 1);
    for (int i = 0; i < depth; i++) o = new JsonObject().put("k", o);
    return o;
  }

  @Test
  void deep_custom_fields_are_refused_and_the_store_stays_open() {
    HttpResponse<Buffer> res = app.post("/api/v2/customers", token, new JsonObject()
        .put("phoneNumber", "529990000101").put("firstName", "Deep").put("customFields", nested(600)));
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(400);
    // past what the JSON parser itself takes (1,000 levels): still refused naming the field, not "malformed"
    String veryDeep = "{\"phoneNumber\":\"529990000106\",\"customFields\":" + "{\"k\":".repeat(5000) + "1" + "}".repeat(5000) + "}";
    HttpResponse<Buffer> refused = app.post("/api/v2/customers", token, veryDeep);
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.bodyAsJsonObject().getJsonObject("error").getString("field")).startsWith("customFields.k.k.k");
    // the store still takes writes and logins
    HttpResponse<Buffer> ok = app.post("/api/v2/customers", token, new JsonObject()
        .put("phoneNumber", "529990000102").put("firstName", "Fine"));
    assertThat(ok.statusCode()).as(ok.bodyAsString()).isEqualTo(201);
    assertThat(app.adminToken()).isNotBlank();
  }

  /** Below the API: a command the store cannot take is refused by the guard, as MongoDB refuses it, and nothing closes. */
  @Test
  void a_deep_document_sent_straight_to_the_store_is_refused_and_the_store_stays_open() throws Exception {
    MongoClient client = MongoClient.create(app.vertx, Mongo.clientConfig(app.app.deployedConfig()));
    try {
      Throwable err = catchThrowable(() -> client.insert("scratch", nested(600)).await(10, TimeUnit.SECONDS));
      assertThat(err).isInstanceOf(MongoCommandException.class);
      assertThat(((MongoCommandException) err).getErrorCode()).isEqualTo(15);
      // within MongoDB's limit is fine, and is committed without harm
      client.insert("scratch", nested(95)).await(10, TimeUnit.SECONDS);
      new Mongo(app.vertx, app.app.deployedConfig()).sync().await(10, TimeUnit.SECONDS);
      HttpResponse<Buffer> ok = app.post("/api/v2/customers", token, new JsonObject().put("phoneNumber", "529990000103"));
      assertThat(ok.statusCode()).as(ok.bodyAsString()).isEqualTo(201);
      assertThat(app.app.embedded().guard().reopens()).isZero();
    } finally {
      client.close();
    }
  }

  /** If the store closes anyway (a disk error, a failed commit), it is reopened from its file with what was durable. */
  @Test
  void a_store_that_closed_is_reopened_with_every_durable_write() throws Exception {
    HttpResponse<Buffer> before = app.post("/api/v2/customers", token, new JsonObject().put("phoneNumber", "529990000104")
        .put("firstName", "Before"));
    assertThat(before.statusCode()).isEqualTo(201);
    String id = before.bodyAsJsonObject().getJsonObject("customer").getString("_id");
    int reopens = app.app.embedded().guard().reopens();
    // what MVStore does to itself when a write fails: closes at once, keeping what the last commit wrote
    ((BsonBackend) app.app.embedded().guard().current()).store().closeImmediately();

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    int status = 0;
    while (System.nanoTime() < deadline && (status = app.get("/ready", null).statusCode()) != 200) Thread.sleep(50);
    assertThat(status).isEqualTo(200);
    assertThat(app.app.embedded().guard().reopens()).isEqualTo(reopens + 1);
    // read from the reopened store itself, not from a cache of the API
    MongoClient client = MongoClient.create(app.vertx, Mongo.clientConfig(app.app.deployedConfig()));
    try {
      JsonObject stored = client.findOne("customers", new JsonObject().put("_id", id), null).await(10, TimeUnit.SECONDS);
      assertThat(stored).isNotNull();
      assertThat(stored.getString("firstName")).isEqualTo("Before");
    } finally {
      client.close();
    }
    HttpResponse<Buffer> after = app.post("/api/v2/customers", token, new JsonObject().put("phoneNumber", "529990000105"));
    assertThat(after.statusCode()).as(after.bodyAsString()).isEqualTo(201);
  }
}
