package crm.knowledge;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/**
 * The knowledge base: the business's own help articles (admin-managed, plus the ones each industry preset ships),
 * searched by the assistant on {@code crm.knowledge.search}. One instance per node keeps that node's
 * {@link KnowledgeIndex}: loaded at start, then kept current by this node's writes and by
 * {@code crm.events.knowledge.changed} for the other nodes'.
 */
public final class KnowledgeVerticle extends VerticleBase {
  private Mongo mongo;

  @Override
  public Future<?> start() {
    mongo = new Mongo(vertx, config());
    Bus bus = new Bus(vertx);
    KnowledgeStore store = new KnowledgeStore(mongo);
    ActiveBusiness active = new ActiveBusiness(bus);
    vertx.eventBus().<JsonObject>consumer(Addresses.EVT_CONFIG_CHANGED, m -> active.changed(m.body()));
    return Future.all(PresetArticles.load(vertx), store.ensureIndexes()).compose(all -> {
      KnowledgeApi api = new KnowledgeApi(vertx, bus, store, new KnowledgeIndex(), active, all.resultAt(0),
          UUID.randomUUID().toString());
      // registered before the load, whose read is queued first: a change made meanwhile is read after it
      return vertx.eventBus().<JsonObject>consumer(Addresses.EVT_KNOWLEDGE_CHANGED, m -> api.changed(m.body())).completion()
          .compose(v -> api.load())
          .compose(v -> api.serve());
    });
  }

  @Override
  public Future<?> stop() {
    if (mongo != null) mongo.close();
    return Future.succeededFuture();
  }
}
