package crm.support;

import crm.bus.Bus;
import crm.storage.EmbeddedMongo;
import crm.storage.GroupCommit;
import crm.storage.Mongo;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Child process for {@code DurableWriteKillTest}: the H2-backed embedded database with the group commit, as
 * {@code App} sets them up, then {@code count} {@link Mongo#insertDurable} calls, {@code inFlight} at a time.
 * Prints {@code ACK <i>} (flushed) as each one is acknowledged, then {@code DONE}, and waits to be killed.
 *
 * <p>Arguments: dataDir count inFlight dbSync(true|false) commitIntervalMs
 */
public final class DurableWriterMain {
  private DurableWriterMain() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int count = Integer.parseInt(args[1]);
    int inFlight = Integer.parseInt(args[2]);
    boolean sync = Boolean.parseBoolean(args[3]);
    long intervalMs = Long.parseLong(args[4]);

    Vertx vertx = Vertx.vertx();
    Bus.registerCodecs(vertx);
    EmbeddedMongo embedded = EmbeddedMongo.h2(dir);
    vertx.deployVerticle(new GroupCommit(embedded, intervalMs, true)).await(30, TimeUnit.SECONDS);
    Mongo mongo = new Mongo(vertx, new JsonObject()
        .put("MONGO_URI", embedded.connectionString()).put("MONGO_DB", "crm").put("DB_SYNC", sync));
    mongo.ping().await(30, TimeUnit.SECONDS);
    System.out.println("READY");
    System.out.flush();

    AtomicInteger next = new AtomicInteger();
    AtomicInteger acked = new AtomicInteger();
    Runnable[] writeOne = new Runnable[1];
    writeOne[0] = () -> {
      int i = next.getAndIncrement();
      if (i >= count) return;
      JsonObject doc = new JsonObject().put("_id", "probe-" + i).put("i", i).put("payload", "x".repeat(200));
      mongo.insertDurable("probe", doc).onComplete(ar -> {
        if (ar.succeeded()) {
          synchronized (System.out) {
            System.out.println("ACK " + i);
            System.out.flush();
          }
        } else {
          System.out.println("FAIL " + i + " " + ar.cause());
          System.out.flush();
        }
        if (acked.incrementAndGet() == count) {
          System.out.println("DONE");
          System.out.flush();
        }
        writeOne[0].run();
      });
    };
    vertx.runOnContext(v -> {
      for (int k = 0; k < inFlight; k++) writeOne[0].run();
    });
    Thread.sleep(Long.MAX_VALUE); // until killed
  }
}
