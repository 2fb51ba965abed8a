package crm.socket;

import crm.socket.io.Namespace;
import crm.socket.io.Recovery;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connection state recovery across the cluster ({@link Recovery.Remote} of namespace {@code /}). A dropped socket
 * stays on the node that had it, in its rooms, keeping what it misses ({@code crm.socket.io.Outbox}); only where it
 * is kept is shared: {@code pid -> node} in the cluster map {@value #MAP} (Hazelcast through Vert.x SharedData; a
 * local map without a cluster), put when it is detached with the recovery window as its time to live, removed when it
 * is claimed or dropped. A client that comes back to another node is looked up there, and that node asks the keeper
 * over the bus ({@code crm.socket.recovery.<node>}): the keeper checks the owner and the window, answers the socket
 * id, rooms and missed broadcasts, and forwards what still reaches the old socket for
 * {@link Recovery#HANDOVER_MS} ({@code crm.socket.recovery.<node>.forward}); the new socket writes each offset once.
 *
 * <p>A keeper that dies takes its sessions with it: those clients get new sockets (socket.io-client reports
 * {@code recovered: false}, the app reloads), and its map entries expire.
 */
final class SocketRecovery implements Recovery.Remote {
  private static final Logger log = LoggerFactory.getLogger(SocketRecovery.class);
  static final String MAP = "crm.socket.sessions";
  private static final String ADDRESS = "crm.socket.recovery.";
  /** A keeper that does not answer a claim within this is taken to have lost the session. */
  static final long CLAIM_TIMEOUT_MS = 5_000;

  private final Vertx vertx;
  private final Namespace ns;
  private final String node = UUID.randomUUID().toString();
  /** pid -> where a claimed socket forwards to, until the handover is over. */
  private final Map<String, Recovery.Handover> incoming = new ConcurrentHashMap<>();
  private AsyncMap<String, String> sessions;
  private List<MessageConsumer<JsonObject>> consumers = List.of();

  SocketRecovery(Vertx vertx, Namespace ns) {
    this.vertx = vertx;
    this.ns = ns;
  }

  /** Shares this node's sessions with the cluster (no-op when the namespace has no recovery). */
  Future<Void> start() {
    Recovery recovery = ns.recovery();
    if (recovery == null) return Future.succeededFuture();
    return vertx.sharedData().<String, String>getAsyncMap(MAP).compose(map -> {
      sessions = map;
      MessageConsumer<JsonObject> claims = vertx.eventBus().consumer(ADDRESS + node, this::onClaim);
      MessageConsumer<JsonObject> forwards = vertx.eventBus().consumer(ADDRESS + node + ".forward", this::onForward);
      consumers = List.of(claims, forwards);
      return Future.all(claims.completion(), forwards.completion());
    }).onSuccess(v -> recovery.remote(this)).mapEmpty();
  }

  Future<Void> stop() {
    Recovery recovery = ns.recovery();
    if (recovery != null) recovery.remote(null);
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList()).mapEmpty();
  }

  @Override
  public void kept(String pid, long ttlMs) {
    sessions.put(pid, node, ttlMs).onFailure(err -> log.warn("recovery: cannot share session {}: {}", abbreviated(pid), err.toString()));
  }

  @Override
  public void released(String pid) {
    sessions.removeIfPresent(pid, node).onFailure(err -> log.debug("recovery: {}", err.toString()));
  }

  @Override
  public Future<Recovery.Restored> claim(String pid, String offset, JsonObject data, Recovery.Handover handover) {
    return sessions.get(pid).compose(keeper -> {
      if (keeper == null || keeper.equals(node)) return Future.<Recovery.Restored>succeededFuture();
      incoming.put(pid, handover);
      JsonObject ask = new JsonObject().put("pid", pid).put("offset", offset).put("data", data).put("from", node);
      return vertx.eventBus().<JsonObject>request(ADDRESS + keeper, ask, new DeliveryOptions().setSendTimeout(CLAIM_TIMEOUT_MS))
          .map(reply -> Recovery.Restored.fromJson(reply.body()));
    }).transform(ar -> {
      Recovery.Restored restored = ar.succeeded() ? ar.result() : null;
      if (ar.failed()) log.debug("recovery: claim of {} failed: {}", abbreviated(pid), ar.cause().toString());
      if (restored == null) {
        incoming.remove(pid, handover);
      } else {
        vertx.setTimer(2 * Recovery.HANDOVER_MS, t -> incoming.remove(pid, handover));
      }
      return Future.succeededFuture(restored);
    });
  }

  /** Another node's client presents a pid this node keeps. */
  private void onClaim(Message<JsonObject> m) {
    JsonObject body = m.body();
    if (body == null || !(body.getValue("pid") instanceof String pid) || !(body.getValue("data") instanceof JsonObject data)
        || !(body.getValue("from") instanceof String from) || !(body.getValue("offset") == null || body.getValue("offset") instanceof String)) {
      m.reply(new JsonObject());
      return;
    }
    String to = ADDRESS + from + ".forward";
    ns.claim(pid, body.getString("offset"), data,
            entry -> vertx.eventBus().send(to, new JsonObject().put("pid", pid).put("data", entry.data())))
        .onComplete(ar -> m.reply(ar.succeeded() && ar.result() != null ? ar.result().toJson() : new JsonObject()));
  }

  /** What a socket this node's client took over still got after the claim. */
  private void onForward(Message<JsonObject> m) {
    JsonObject body = m.body();
    Recovery.Handover handover = body == null ? null : incoming.get(Objects.toString(body.getValue("pid"), ""));
    if (handover != null && body.getValue("data") instanceof JsonArray data) handover.accept(Recovery.Entry.of(data));
  }

  private static String abbreviated(String pid) {
    return pid.length() <= 6 ? pid : pid.substring(0, 6) + "...";
  }
}
