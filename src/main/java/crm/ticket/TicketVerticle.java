package crm.ticket;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.config.TicketConfig;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tickets: create, list, get, status machine, resolution with the WhatsApp notice, assignment, notes, escalation,
 * statistics, human ids and auto-reopen (see {@link TicketApi}). Reacts to the inbox's inbound messages (auto-reopen,
 * on the node that recorded the message) and to configuration changes (every node).
 */
public final class TicketVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(TicketVerticle.class);

  private Mongo mongo;

  @Override
  public Future<?> start() {
    mongo = new Mongo(vertx, config());
    Bus bus = new Bus(vertx);
    TicketConfig settings = TicketConfig.fromJson(config());
    TicketIndex index = Mongo.useMemoryIndex(settings.listIndex(), config(), vertx) ? new TicketIndex() : null;
    TicketStore store = new TicketStore(mongo, index, Mongo.soleWriter(config(), vertx));
    ActiveConfig active = new ActiveConfig(bus);
    TicketApi api = new TicketApi(vertx, bus, store, active, settings);
    if (index != null) {
      bus.serveLocal(Addresses.TICKET_REINDEX, b -> {
        io.vertx.core.json.JsonArray ids = b.getJsonArray("ids");
        return (ids == null ? index.load(mongo) : index.refresh(mongo, ids.stream().map(String::valueOf).toList()))
            .map(v -> new JsonObject().put("indexed", index.size()));
      });
    }
    vertx.eventBus().<JsonObject>consumer(Addresses.EVT_CONFIG_CHANGED, m -> active.changed(m.body()));
    // local: a message published on this node was recorded here; every node reacting would only repeat the work
    vertx.eventBus().<JsonObject>localConsumer(Addresses.EVT_CONVERSATION_NEW_MESSAGE, m -> {
      if (m.body() == null) return;
      api.customerWrote(m.body()).onFailure(err -> log.warn("Auto-reopen check failed: {}", err.toString()));
    });
    return store.ensureIndexes().compose(v -> api.serve())
        // loaded in the background: until it is, lists and statistics ask the database
        .onSuccess(v -> {
          if (index != null) index.load(mongo);
          store.loadWatches().onFailure(err -> log.warn("Auto-reopen watches not loaded (every message asks the database): {}", err.toString()));
        });
  }

  @Override
  public Future<?> stop() {
    if (mongo != null) mongo.close();
    return Future.succeededFuture();
  }
}
