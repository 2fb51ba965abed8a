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

  /**
   * A JUnit extension: one embedded database for the class, a fresh database (and client) for each test.
   * {@code @RegisterExtension static final MemoryMongo.PerTest db = new MemoryMongo.PerTest("work");} then
   * {@code db.mongo()} in the test (or in a {@code @BeforeEach} declared after the extension runs).
   */
  public static final class PerTest implements org.junit.jupiter.api.extension.BeforeAllCallback,
      org.junit.jupiter.api.extension.AfterAllCallback, org.junit.jupiter.api.extension.BeforeEachCallback,
      org.junit.jupiter.api.extension.AfterEachCallback {
    private final String prefix;
    private MemoryMongo server;
    private Mongo current;

    public PerTest(String prefix) {
      this.prefix = prefix;
    }

    public Vertx vertx() {
      return server.vertx;
    }

    /** This test's client of its own database. */
    public Mongo mongo() {
      return current;
    }

    @Override
    public void beforeAll(org.junit.jupiter.api.extension.ExtensionContext context) {
      server = start();
    }

    @Override
    public void beforeEach(org.junit.jupiter.api.extension.ExtensionContext context) {
      current = server.database(prefix);
    }

    @Override
    public void afterEach(org.junit.jupiter.api.extension.ExtensionContext context) {
      current.close();
    }

    @Override
    public void afterAll(org.junit.jupiter.api.extension.ExtensionContext context) throws Exception {
      server.close();
    }
  }

  @Override
  public void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    db.close();
  }
}
