package crm.socket;

import crm.bus.Addresses;
import crm.bus.Bus;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is connected, cluster-wide. An agent is online while any socket of theirs is open on any node; after their last
 * socket closes they go offline once the grace period ({@code PRESENCE_GRACE_MS}) has passed without a new one.
 *
 * <p>Each node counts its own sockets per agent (told on {@link #CONNECTED} / {@link #DISCONNECTED}, node-local) and,
 * while it has any, keeps a key {@code agentId|nodeId} in a cluster-wide map with a time to live, refreshed at a third
 * of it. A node that dies stops refreshing, so its keys expire. Going offline is decided by the agent store's
 * conditional update (offline only from online/busy/away), so however many nodes decide it at once, it is announced
 * once. Connecting sets online only from offline: an agent who chose busy stays busy across a reconnect.
 *
 * <p>A sweep (every grace period) also sets offline the agents that are not offline but have no key anywhere, twice in
 * a row: those whose node died, or whose status was set without a socket.
 */
public final class PresenceVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(PresenceVerticle.class);
  /** Node-local: {agentId} a socket of this agent opened on this node. */
  public static final String CONNECTED = "crm.socket.presence.connected";
  /** Node-local: {agentId} a socket of this agent closed on this node. */
  public static final String DISCONNECTED = "crm.socket.presence.disconnected";
  /** Node-local: {agentId} -> {online: bool}: whether the agent has a socket on any node. */
  public static final String QUERY = "crm.socket.presence.query";
  static final String MAP = "crm.presence";

  private final String nodeId = UUID.randomUUID().toString();
  private final Map<String, Integer> local = new HashMap<>();
  private Set<String> suspects = new HashSet<>();
  private AsyncMap<String, Long> keys;
  private Bus bus;
  private long graceMs;
  private long ttlMs;

  @Override
  public Future<?> start() {
    bus = new Bus(vertx);
    graceMs = config().getLong("PRESENCE_GRACE_MS", 30_000L);
    ttlMs = Math.max(3_000, Math.min(30_000, graceMs));
    vertx.eventBus().<JsonObject>localConsumer(CONNECTED, m -> connected(m.body().getString("agentId")));
    vertx.eventBus().<JsonObject>localConsumer(DISCONNECTED, m -> disconnected(m.body().getString("agentId")));
    vertx.eventBus().<JsonObject>localConsumer(QUERY, m -> onlineAnywhere(m.body().getString("agentId"))
        .onComplete(ar -> m.reply(new JsonObject().put("online", ar.succeeded() && ar.result()))));
    return vertx.sharedData().<String, Long>getAsyncMap(MAP).onSuccess(map -> {
      keys = map;
      vertx.setPeriodic(ttlMs / 3, id -> refresh());
      vertx.setPeriodic(Math.max(1_000, graceMs), id -> sweep());
    });
  }

  private String key(String agentId) {
    return agentId + "|" + nodeId;
  }

  private void connected(String agentId) {
    if (agentId == null) return;
    int n = local.merge(agentId, 1, Integer::sum);
    if (n > 1) return;
    keys.put(key(agentId), System.currentTimeMillis(), ttlMs)
        .compose(v -> bus.requestLocal(Addresses.AGENT_SET_STATUS, new JsonObject().put("agentId", agentId).put("status", "online")
            .put("from", new JsonArray().add("offline"))))
        .onFailure(err -> log.warn("presence of {}: {}", agentId, err.toString()));
  }

  private void disconnected(String agentId) {
    if (agentId == null || !local.containsKey(agentId)) return;
    int n = local.merge(agentId, -1, Integer::sum);
    if (n > 0) return;
    local.remove(agentId);
    keys.remove(key(agentId)).onComplete(ar -> vertx.setTimer(Math.max(1, graceMs), t -> goOfflineIfGone(agentId)));
  }

  /** After the grace period: offline, unless a socket of theirs is open here or anywhere. */
  private Future<Boolean> goOfflineIfGone(String agentId) {
    if (local.containsKey(agentId)) return Future.succeededFuture(false);
    return onlineAnywhere(agentId).compose(online -> online ? Future.succeededFuture(false)
        : bus.requestLocal(Addresses.AGENT_SET_STATUS, new JsonObject().put("agentId", agentId).put("status", "offline")
            .put("from", new JsonArray().add("online").add("busy").add("away"))).map(r -> r.getBoolean("changed", false)))
        .onFailure(err -> log.warn("presence of {}: {}", agentId, err.toString()));
  }

  private Future<Boolean> onlineAnywhere(String agentId) {
    if (agentId == null) return Future.succeededFuture(false);
    if (local.containsKey(agentId)) return Future.succeededFuture(true);
    String prefix = agentId + "|";
    return keys.keys().map(all -> all.stream().anyMatch(k -> k.startsWith(prefix)));
  }

  private void refresh() {
    long now = System.currentTimeMillis();
    for (String agentId : List.copyOf(local.keySet())) keys.put(key(agentId), now, ttlMs);
  }

  private void sweep() {
    bus.request(Addresses.AGENT_PRESENT, new JsonObject()).compose(res -> keys.keys().map(all -> {
      Set<String> connected = new HashSet<>();
      for (String k : all) connected.add(k.substring(0, k.indexOf('|') < 0 ? k.length() : k.indexOf('|')));
      Set<String> gone = new HashSet<>();
      for (Object o : res.getJsonArray("ids", new JsonArray())) {
        String id = String.valueOf(o);
        if (!connected.contains(id) && !local.containsKey(id)) gone.add(id);
      }
      Set<String> twice = new HashSet<>(gone);
      twice.retainAll(suspects);
      suspects = gone;
      twice.forEach(this::goOfflineIfGone);
      return null;
    })).onFailure(err -> log.debug("presence sweep: {}", err.toString()));
  }

  @Override
  public Future<?> stop() {
    // this node's sockets are gone with it: take its keys away now rather than when they expire
    List<Future<?>> removed = local.keySet().stream().<Future<?>>map(a -> keys.remove(key(a))).toList();
    return Future.join(removed).otherwiseEmpty();
  }
}
