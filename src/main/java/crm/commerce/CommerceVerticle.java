package crm.commerce;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.config.CommerceConfig;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Products and orders for the e-commerce preset: the assistant's functions (search, place an order, look orders up),
 * the admins' catalog import, lists and order statuses (see {@link CommerceApi}). Sweeps abandoned reservations at
 * start and every {@link #SWEEP_INTERVAL_MS}; adds the demo catalog when the ecommerce preset is loaded (on the node
 * that loaded it) or is found active at start.
 */
public final class CommerceVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(CommerceVerticle.class);
  static final long SWEEP_INTERVAL_MS = 30_000;

  private Mongo mongo;
  private long sweepTimer = -1;

  @Override
  public Future<?> start() {
    mongo = new Mongo(vertx, config());
    Bus bus = new Bus(vertx);
    CommerceConfig settings = CommerceConfig.fromJson(config());
    Money money = new Money(settings);
    Views views = new Views(money);
    CommerceStore store = new CommerceStore(mongo);
    Catalog catalog = new Catalog(vertx, store, money, views);
    OrderPlacement placement = new OrderPlacement(vertx, store, settings, money, views);
    ActivePreset preset = new ActivePreset(bus);
    CommerceApi api = new CommerceApi(bus, store, catalog, placement, preset, views);

    vertx.eventBus().<JsonObject>consumer(Addresses.EVT_CONFIG_CHANGED, m -> preset.adopt(m.body()));
    // local: the node whose config verticle made the change seeds; every node doing it would only repeat the work
    vertx.eventBus().<JsonObject>localConsumer(Addresses.EVT_CONFIG_CHANGED, m -> {
      if (m.body() != null && ActivePreset.ECOMMERCE.equals(m.body().getValue("presetId"))) seed(catalog);
    });
    return store.ensureIndexes().compose(v -> api.serve()).onSuccess(v -> {
      preset.refresh().onSuccess(active -> { if (active) seed(catalog); });
      sweep(placement);
      sweepTimer = vertx.setPeriodic(SWEEP_INTERVAL_MS, id -> sweep(placement));
    });
  }

  private static void seed(Catalog catalog) {
    catalog.seedDemo().onFailure(err -> log.error("Demo catalog not imported: {}", err.toString()));
  }

  private static void sweep(OrderPlacement placement) {
    placement.sweep()
        .onSuccess(res -> {
          if (res.getInteger("rolledBack", 0) + res.getInteger("released", 0) + res.getInteger("restocked", 0) > 0) {
            log.info("Commerce sweep: {}", res.encode());
          }
        })
        .onFailure(err -> log.warn("Commerce sweep failed (next run retries): {}", err.toString()));
  }

  @Override
  public Future<?> stop() {
    if (sweepTimer >= 0) vertx.cancelTimer(sweepTimer);
    if (mongo != null) mongo.close();
    return Future.succeededFuture();
  }
}
