package crm.auth;

import crm.bus.Addresses;
import crm.bus.Bus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Access tokens are stateless for one hour; this node-local list makes logout, refresh-token reuse,
 * deactivation and role changes take effect at once: revoked sessions and per-agent "valid after" times,
 * loaded at start and kept current by {@link Addresses#EVT_AUTH_REVOKED} from every node. One instance per JVM,
 * shared by all verticle instances that check tokens.
 */
public final class Revocations implements Shareable {
  private final Map<String, Long> sessions = new ConcurrentHashMap<>(); // sid -> keep until (epoch s)
  private final Map<String, Long> agents = new ConcurrentHashMap<>();   // agentId -> tokens valid after (epoch s)

  /** The JVM's instance, created, loaded and subscribed on first use. */
  public static Future<Revocations> of(Vertx vertx) {
    var map = vertx.sharedData().<String, Revocations>getLocalMap("crm.auth.revocations");
    Revocations existing = map.get("instance");
    if (existing != null) return Future.succeededFuture(existing);
    Revocations fresh = new Revocations();
    Revocations winner = map.putIfAbsent("instance", fresh);
    if (winner != null) return Future.succeededFuture(winner);
    vertx.eventBus().<JsonObject>consumer(Addresses.EVT_AUTH_REVOKED, msg -> fresh.apply(msg.body()));
    vertx.setPeriodic(60_000, id -> fresh.expire());
    return new Bus(vertx).request(Addresses.AUTH_REVOCATIONS, new JsonObject())
        .map(snapshot -> {
          fresh.load(snapshot);
          return fresh;
        })
        .recover(err -> Future.succeededFuture(fresh)); // no agent service yet: events still arrive
  }

  void load(JsonObject snapshot) {
    long until = untilOf(snapshot);
    for (Object sid : snapshot.getJsonArray("revokedSessions", new io.vertx.core.json.JsonArray())) {
      if (sid instanceof String s) sessions.put(s, until);
    }
    JsonObject a = snapshot.getJsonObject("agents", new JsonObject());
    for (String id : a.fieldNames()) agents.merge(id, a.getLong(id), Math::max);
  }

  void apply(JsonObject event) {
    if (event == null) return;
    long until = untilOf(event);
    String sid = event.getString("sessionId");
    if (sid != null) sessions.put(sid, until);
    String agentId = event.getString("agentId");
    Long after = event.getLong("validAfter");
    if (agentId != null && after != null) agents.merge(agentId, after, Math::max);
  }

  /** True when the token's session was revoked or its agent's tokens were revoked after it was issued. */
  public boolean isRevoked(Principal p) {
    if (sessions.containsKey(p.sessionId())) return true;
    Long after = agents.get(p.agentId());
    return after != null && p.issuedAt() < after;
  }

  private void expire() {
    long now = Instant.now().getEpochSecond();
    sessions.values().removeIf(until -> until < now);
  }

  private static long untilOf(JsonObject json) {
    String until = json.getString("until");
    try {
      return until == null ? Instant.now().plusSeconds(86_400).getEpochSecond() : Instant.parse(until).getEpochSecond();
    } catch (RuntimeException e) {
      return Instant.now().plusSeconds(86_400).getEpochSecond();
    }
  }
}
