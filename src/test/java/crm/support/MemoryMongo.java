package crm.support;

import crm.storage.EmbeddedMongo;
import crm.storage.Mongo;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * An in-memory embedded database and a Vert.x for store tests that need no whole application: started once per test
 * class, with a fresh database (a new name) for each test.
 */
public final class MemoryMongo implements AutoCloseable {
  public final Vertx vertx;
  private final EmbeddedMongo db;

  private MemoryMongo(Vertx vertx, EmbeddedMongo db) {
    this.vertx = vertx;
    this.db = db;
  }

  public static MemoryMongo start() {
    return new MemoryMongo(Vertx.vertx(), EmbeddedMongo.memory());
  }

  /** A client of a database no other test uses ({@code prefix-<uuid>}); the caller closes it. */
  public Mongo database(String prefix) {
    return new Mongo(vertx, new JsonObject().put("MONGO_URI", db.connectionString()).put("MONGO_DB", prefix + "-" + UUID.randomUUID()));
  }

  @Override
  public void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    db.close();
  }
}
