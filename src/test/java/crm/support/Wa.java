package crm.support;

import crm.storage.Mongo;
import crm.whatsapp.WebhookSignature;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.web.client.HttpResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** WhatsApp test helpers over a running {@link TestApp}: signed webhooks, fixtures, and reading what got stored. */
public final class Wa {
  public static final String APP_SECRET = "test-app-secret-for-webhooks";
  public static final String VERIFY_TOKEN = "verify-me-please";

  private final TestApp app;
  private final MongoClient db;

  public Wa(TestApp app) {
    this.app = app;
    this.db = new Mongo(app.vertx, app.app.deployedConfig()).client();
  }

  /** Overrides for {@link TestApp#start(JsonObject)}: known webhook secrets. */
  public static JsonObject config() {
    return new JsonObject().put("WHATSAPP_APP_SECRET", APP_SECRET).put("WHATSAPP_VERIFY_TOKEN", VERIFY_TOKEN)
        .put("WHATSAPP_SANDBOX_DELAY_MS", 50);
  }

  public static JsonObject fixture(String name) {
    try (InputStream in = Wa.class.getResourceAsStream("/whatsapp/" + name + ".json")) {
      if (in == null) throw new IllegalArgumentException("no fixture " + name);
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** POSTs the body, signed with the app secret, as Meta does. */
  public HttpResponse<Buffer> post(JsonObject body) {
    return postRaw(body.encode().getBytes(StandardCharsets.UTF_8), true);
  }

  public HttpResponse<Buffer> postRaw(byte[] bytes, boolean sign) {
    var req = app.client.post("/webhooks/whatsapp").putHeader("Content-Type", "application/json");
    if (sign) req.putHeader("X-Hub-Signature-256", WebhookSignature.sign(APP_SECRET, bytes));
    try {
      return req.sendBuffer(Buffer.buffer(bytes)).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public List<JsonObject> find(String collection, JsonObject filter) {
    try {
      return db.find(collection, filter).await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public long count(String collection, JsonObject filter) {
    try {
      return db.count(collection, filter).await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Polls until the documents matching {@code filter} satisfy {@code until} (at most 10 s); returns them. */
  public List<JsonObject> await(String collection, JsonObject filter, Predicate<List<JsonObject>> until) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    List<JsonObject> found = find(collection, filter);
    while (!until.test(found) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      found = find(collection, filter);
    }
    return found;
  }

  /** Waits until no webhook body is pending any more (processed bodies are deleted). */
  public void awaitProcessed() {
    await("webhook_events", new JsonObject(), List::isEmpty);
  }

  /** The delivery status of a stored message document. */
  public static String status(JsonObject message) {
    return message.getJsonObject("state").getString("status");
  }
}
