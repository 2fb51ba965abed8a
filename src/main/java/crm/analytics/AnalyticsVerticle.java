package crm.analytics;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.Check;
import crm.config.AnalyticsConfig;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Analytics: the dashboard and the per-agent table, answered from rollups ({@link AnalyticsStore}) that the
 * {@link Folder} keeps current from the writers' marks; the recount; and the start-up check that builds the rollups
 * when there are none yet (a first start on existing data) or when they were counted with another response window.
 * Deployed before the inbox and the tickets, so that their first writes can be marked; the check and the folding wait
 * until those answer.
 */
public final class AnalyticsVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(AnalyticsVerticle.class);
  static final int VERSION = 1;

  private Mongo mongo;
  private AnalyticsStore store;
  private Folder folder;
  private AnalyticsConfig settings;
  private boolean checked;
  private long triggerTimer = -1;

  @Override
  public Future<?> start() {
    mongo = new Mongo(vertx, config());
    store = new AnalyticsStore(mongo);
    settings = AnalyticsConfig.fromJson(config());
    Bus bus = new Bus(vertx);
    long windowMs = settings.responseWindowMinutes() * 60_000L;
    folder = new Folder(vertx, bus, store, windowMs, settings.settleSeconds() * 1000L);
    Dashboard dashboard = new Dashboard(store, bus, settings, java.time.Clock.systemUTC(), this::ready);
    // the events that follow the writes a mark announced: fold those at once rather than at the settle check
    vertx.eventBus().<JsonObject>consumer(Addresses.EVT_CONVERSATION_UPDATED, m -> nudge("c:", m.body(), "conversationId"));
    for (String address : List.of(Addresses.EVT_TICKET_CREATED, Addresses.EVT_TICKET_STATUS_CHANGED, Addresses.EVT_TICKET_ASSIGNED,
        Addresses.EVT_TICKET_RESOLVED, Addresses.EVT_TICKET_REOPENED)) {
      vertx.eventBus().<JsonObject>consumer(address, m -> {
        JsonObject ticket = m.body() == null ? null : m.body().getJsonObject("ticket");
        nudge("t:", ticket, "_id");
      });
    }
    return Future.all(List.of(
            bus.serve(Addresses.ANALYTICS_MARK, this::mark).completion(),
            bus.serve(Addresses.ANALYTICS_DASHBOARD, dashboard::dashboard).completion(),
            bus.serve(Addresses.ANALYTICS_AGENTS, dashboard::agents).completion(),
            bus.serve(Addresses.ANALYTICS_FLUSH, b -> check().compose(v -> folder.flush(
                Check.optionalInt(b, "timeoutMs", 1, 600_000) == null ? 30_000 : b.getInteger("timeoutMs")))).completion(),
            bus.serve(Addresses.ANALYTICS_RECOUNT, this::recount).completion()))
        .onSuccess(v -> vertx.setPeriodic(settings.foldIntervalMs(), id -> {
          if (checked) folder.requestPass();
          else check().onFailure(err -> log.debug("analytics start-up check not done yet: {}", err.toString()));
        }));
  }

  @Override
  public Future<?> stop() {
    if (mongo != null) mongo.close();
    return Future.succeededFuture();
  }

  private void nudge(String prefix, JsonObject body, String field) {
    if (body == null || !(body.getValue(field) instanceof String id)) return;
    folder.nudge(prefix + id);
    trigger();
  }

  /** A pass soon: several marks in a few milliseconds share one. */
  private void trigger() {
    if (!checked || triggerTimer >= 0) return;
    triggerTimer = vertx.setTimer(5, id -> {
      triggerTimer = -1;
      folder.requestPass();
    });
  }

  /** {conversations?, tickets?, gaps?} -> {marked}. */
  private Future<JsonObject> mark(JsonObject body) {
    Set<String> ids = new LinkedHashSet<>();
    Map<String, List<Long>> gaps = new HashMap<>();
    for (Object o : body.getJsonArray("conversations", new JsonArray())) if (o instanceof String s) ids.add("c:" + s);
    for (Object o : body.getJsonArray("tickets", new JsonArray())) if (o instanceof String s) ids.add("t:" + s);
    JsonObject g = body.getJsonObject("gaps", new JsonObject());
    for (Entry<String, Object> e : g) {
      List<Long> seqs = new ArrayList<>();
      if (e.getValue() instanceof JsonArray a) for (Object n : a) if (n instanceof Number num) seqs.add(num.longValue());
      gaps.put("c:" + e.getKey(), seqs);
      ids.add("c:" + e.getKey());
    }
    return store.mark(ids, gaps, System.currentTimeMillis()).map(v -> {
      trigger();
      return new JsonObject().put("marked", ids.size());
    });
  }

  /**
   * For the dashboard: the start-up check done (it is quick unless the rollups must be counted again: then, after a few
   * seconds, SERVICE_UNAVAILABLE until they are).
   */
  private Future<Void> ready() {
    if (checked) return Future.succeededFuture();
    return check().timeout(5, java.util.concurrent.TimeUnit.SECONDS).recover(err -> Future.failedFuture(
        new crm.bus.CrmException(crm.bus.ErrorCode.SERVICE_UNAVAILABLE, "Analytics are being counted; try again shortly")));
  }

  /**
   * The start-up check, once: rollups counted with this version and response window are kept; otherwise (none yet, or
   * another window) they are counted again from the raw collections before anything is folded.
   */
  private Future<Void> check() {
    if (checked) return Future.succeededFuture();
    long windowMs = settings.responseWindowMinutes() * 60_000L;
    return folder.queue(() -> {
      if (checked) return Future.succeededFuture();
      return store.meta().compose(meta -> {
        if (meta != null && "ready".equals(meta.getString("state")) && meta.getInteger("version", 0) == VERSION
            && meta.getLong("windowMs", -1L) == windowMs) {
          return Future.succeededFuture();
        }
        log.info("Counting the analytics rollups from the conversations, messages and tickets ({})",
            meta == null ? "none yet" : "kept with another response window or version");
        return rebuild(windowMs);
      }).onSuccess(v -> checked = true);
    });
  }

  /** Counts everything again and replaces the rollups (under the fold lock: nothing is folded meanwhile). */
  private Future<Void> rebuild(long windowMs) {
    long started = System.currentTimeMillis();
    JsonObject building = new JsonObject().put("version", VERSION).put("windowMs", windowMs).put("state", "building");
    return store.setMeta(building)
        .compose(v -> new Recount(new Bus(vertx), windowMs, true).run())
        .compose(r -> store.replaceAll(r.states(), r.deltas().asDocuments()).compose(v -> store.bumpVersion(null))
            .compose(v -> new Marks(new Bus(vertx)).conversations(r.waiting()))
            .compose(v -> store.setMeta(building.copy().put("state", "ready").put("builtAt", System.currentTimeMillis())))
            .onSuccess(v -> {
              folder.forget();
              log.info("Analytics rollups counted: {} conversations, {} messages, {} tickets in {} ms",
                  r.conversations(), r.messages(), r.tickets(), System.currentTimeMillis() - started);
            }));
  }

  /** {apply?} -> the recount, compared with what is kept; replaced when {@code apply}. */
  private Future<JsonObject> recount(JsonObject body) {
    boolean apply = Boolean.TRUE.equals(Check.optionalBoolean(body, "apply"));
    long windowMs = settings.responseWindowMinutes() * 60_000L;
    if (apply) {
      return folder.queue(() -> rebuild(windowMs)).map(v -> {
        checked = true;
        return new JsonObject().put("applied", true);
      });
    }
    return folder.queue(() -> new Recount(new Bus(vertx), windowMs, false).run()
        .compose(r -> Future.all(store.all(AnalyticsStore.ROLLUPS), store.all(AnalyticsStore.STATE)).map(all -> {
          Map<String, java.util.Map<String, Long>> expected = r.deltas().asDocuments();
          Map<String, java.util.Map<String, Long>> kept = new java.util.TreeMap<>();
          for (JsonObject d : all.<List<JsonObject>>resultAt(0)) {
            Map<String, Long> flat = Deltas.flatten(d);
            if (!flat.isEmpty()) kept.put(d.getString("_id"), flat);
          }
          JsonArray differences = new JsonArray();
          Set<String> docs = new java.util.TreeSet<>(expected.keySet());
          docs.addAll(kept.keySet());
          for (String doc : docs) {
            Map<String, Long> e = expected.getOrDefault(doc, Map.of());
            Map<String, Long> k = kept.getOrDefault(doc, Map.of());
            Set<String> paths = new java.util.TreeSet<>(e.keySet());
            paths.addAll(k.keySet());
            for (String path : paths) {
              long want = e.getOrDefault(path, 0L), have = k.getOrDefault(path, 0L);
              if (want != have && differences.size() < 100) {
                differences.add(new JsonObject().put("doc", doc).put("path", path).put("recounted", want).put("kept", have));
              }
            }
          }
          Map<String, JsonObject> keptStates = new HashMap<>();
          for (JsonObject d : all.<List<JsonObject>>resultAt(1)) {
            JsonObject c = d.copy();
            c.remove("lc");
            keptStates.put(c.getString("_id"), c);
          }
          JsonArray stateDifferences = new JsonArray();
          for (JsonObject s : r.states()) {
            JsonObject k = keptStates.remove(s.getString("_id"));
            if (!s.equals(k) && stateDifferences.size() < 100) {
              stateDifferences.add(new JsonObject().put("id", s.getString("_id")).put("recounted", s).put("kept", k));
            }
          }
          keptStates.forEach((id, k) -> {
            if (stateDifferences.size() < 100) stateDifferences.add(new JsonObject().put("id", id).put("recounted", (Object) null).put("kept", k));
          });
          JsonObject out = new JsonObject();
          if (Boolean.TRUE.equals(body.getBoolean("includeRollups"))) {
            JsonObject rollups = new JsonObject();
            expected.forEach((doc, paths) -> rollups.put(doc, AnalyticsStore.expand(doc, paths)));
            out.put("rollups", rollups);
          }
          return out.put("conversations", r.conversations()).put("messages", r.messages())
              .put("tickets", r.tickets()).put("differences", differences).put("stateDifferences", stateDifferences)
              .put("matches", differences.isEmpty() && stateDifferences.isEmpty());
        })));
  }
}
