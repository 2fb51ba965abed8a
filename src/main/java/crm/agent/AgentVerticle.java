package crm.agent;

import crm.auth.Jwt;
import crm.auth.PasswordHasher;
import crm.auth.Roles;
import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.Check;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Agents and their sessions: login, refresh-token rotation, logout, and the admin's agent management. */
public final class AgentVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(AgentVerticle.class);
  private static final Set<String> STATUSES = Set.of("online", "offline", "busy", "away");
  private static final String ADMIN_LOCK = "crm.agents.last-admin";
  static final int MIN_PASSWORD = 8;
  static final int MAX_PASSWORD = 256;

  private Mongo mongo;
  private AgentStore agents;
  private RefreshTokenStore tokens;
  private PasswordHasher hasher;
  private Jwt jwt;
  private Bus bus;
  private WorkerExecutor hashPool;
  /** Per agent, the last of this node's status writes (the lane's tail): see {@link #inStatusLane}. */
  private final Map<String, Future<?>> statusLanes = new HashMap<>();
  /** Per agent, when this node last published a status of theirs (epoch ms, kept a minute): {@link #announcedOver}. */
  private final Map<String, Long> lastPublished = new HashMap<>();

  @Override
  public Future<?> start() {
    JsonObject cfg = config();
    mongo = new Mongo(vertx, cfg);
    agents = new AgentStore(mongo);
    tokens = new RefreshTokenStore(mongo, Duration.ofDays(cfg.getInteger("REFRESH_TOKEN_TTL_DAYS", 30)));
    jwt = Jwt.fromConfig(vertx, cfg);
    bus = new Bus(vertx);
    int memory = cfg.getInteger("PASSWORD_HASH_MEMORY_KB", 19_456);
    int iterations = cfg.getInteger("PASSWORD_HASH_ITERATIONS", 2);
    // hashing gets its own pool, one thread per core: a login flood then queues here instead of taking every worker
    // thread (group commits and file IO run there) or allocating memory cost x 20 threads at once
    hashPool = vertx.createSharedWorkerExecutor("crm-password-hash", Math.max(1, Runtime.getRuntime().availableProcessors()));
    return hashPool.executeBlocking(() -> new PasswordHasher(memory, iterations))
        .compose(h -> {
          hasher = h;
          return Future.all(agents.ensureIndexes(), tokens.ensureIndexes());
        })
        .compose(v -> seedAdmin(cfg))
        .compose(v -> Future.all(List.of(
            bus.serve(Addresses.AUTH_LOGIN, this::login).completion(),
            bus.serve(Addresses.AUTH_REFRESH, this::refresh).completion(),
            bus.serve(Addresses.AUTH_LOGOUT, this::logout).completion(),
            bus.serve(Addresses.AUTH_REVOCATIONS, this::revocations).completion(),
            bus.serve(Addresses.AGENT_LIST, this::list).completion(),
            bus.serve(Addresses.AGENT_GET, b -> agents.get(b.getString("id")).map(a -> agentReply(a))).completion(),
            bus.serve(Addresses.AGENT_CREATE, this::create).completion(),
            bus.serve(Addresses.AGENT_UPDATE, this::update).completion(),
            bus.serve(Addresses.AGENT_SET_ACTIVE, this::setActive).completion(),
            bus.serve(Addresses.AGENT_SUMMARIES, this::summaries).completion(),
            bus.serve(Addresses.AGENT_SET_STATUS, this::setStatus).completion(),
            bus.serve(Addresses.AGENT_ROSTER, b -> agents.roster().map(list -> new JsonObject().put("agents", new JsonArray(list))))
                .completion(),
            bus.serve(Addresses.AGENT_PRESENT, b -> agents.presentIds().map(ids -> new JsonObject().put("ids", new JsonArray(ids))))
                .completion(),
            bus.serve(Addresses.AGENT_ONLINE, b -> agents.onlineIds().compose(ids -> summaries(new JsonObject().put("ids", new JsonArray(ids))))
                .map(r -> new JsonObject().put("agents", new JsonArray(r.getJsonObject("agents").stream().map(e -> e.getValue()).toList()))))
                .completion())))
        .onSuccess(v -> followAssignments())
        .onSuccess(v -> vertx.setPeriodic(3_600_000, id -> tokens.purgeExpired()
            .onSuccess(n -> { if (n > 0) log.info("Purged {} expired refresh tokens", n); })))
        // an announcement is stored within the bus timeout: older publish times can no longer overtake one
        .onSuccess(v -> vertx.setPeriodic(60_000, id -> {
          long stale = System.currentTimeMillis() - 60_000;
          lastPublished.values().removeIf(t -> t < stale);
        }));
  }

  @Override
  public Future<?> stop() {
    if (mongo != null) mongo.close();
    return hashPool == null ? Future.succeededFuture() : hashPool.close();
  }

  /**
   * Keeps each agent's {@code assignedConversations} (the spec's Agent field) in step with the inbox: added on
   * assignment, removed from the previous holder, removed when the conversation is resolved, closed or reopened
   * unassigned. Every node applies the same idempotent update, so a cluster needs no coordination.
   */
  private void followAssignments() {
    vertx.eventBus().<JsonObject>consumer(Addresses.EVT_CONVERSATION_ASSIGNED, m -> {
      JsonObject e = m.body();
      String conversationId = e.getString("conversationId");
      String agentId = e.getJsonObject("assignedAgent", new JsonObject()).getString("id");
      inOrder(() -> agents.releaseConversation(conversationId, agentId)
          .compose(v -> agents.holdConversation(agentId, conversationId)), conversationId);
    });
    vertx.eventBus().<JsonObject>consumer(Addresses.EVT_CONVERSATION_UPDATED, m -> {
      JsonObject e = m.body();
      if (e.getString("assignedAgentId") == null || List.of("resolved", "closed").contains(e.getString("status"))) {
        inOrder(() -> agents.releaseConversation(e.getString("conversationId"), null), e.getString("conversationId"));
      }
    });
  }

  /** Applies assignment bookkeeping one event after the other, as the events arrived. */
  private void inOrder(java.util.function.Supplier<Future<Void>> step, String conversationId) {
    assignments = assignments.transform(ar -> step.get())
        .onFailure(err -> log.warn("assignedConversations not updated for {}: {}", conversationId, err.toString()));
  }

  private Future<Void> assignments = Future.succeededFuture();

  // ---- first start

  private Future<Void> seedAdmin(JsonObject cfg) {
    return agents.count().compose(n -> {
      if (n > 0) return Future.succeededFuture();
      String email = cfg.getString("CRM_ADMIN_EMAIL", "admin@crm.local");
      String given = cfg.getString("CRM_ADMIN_PASSWORD", "");
      String password = given.isEmpty() ? generatePassword() : given;
      return hash(password).compose(h -> agents.insert(newAgentDoc(email, h, "Admin", "User", Roles.ADMIN, null, null)))
          .onSuccess(id -> {
            if (given.isEmpty()) {
              log.warn("First start: created admin {} with generated password {}  (shown once; change it)", email, password);
            } else {
              log.info("First start: created admin {} (password from CRM_ADMIN_PASSWORD)", email);
            }
          })
          .recover(err -> Mongo.isDuplicateKey(err) || err instanceof CrmException ce && ce.code() == ErrorCode.DUPLICATE_RESOURCE
              ? Future.succeededFuture() : Future.failedFuture(err)) // another node seeded it first
          .mapEmpty();
    });
  }

  private static String generatePassword() {
    String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    SecureRandom r = new SecureRandom();
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 16; i++) sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
    return sb.toString();
  }

  // ---- sessions

  private Future<JsonObject> login(JsonObject body) {
    String email = Check.requiredString(body, "email", 320).trim().toLowerCase(java.util.Locale.ROOT);
    String password = Check.requiredString(body, "password", MAX_PASSWORD);
    return agents.findByEmail(email).compose(doc -> {
      if (doc == null) {
        return hashPool.executeBlocking(() -> { hasher.verifyDummy(password); return null; }, false)
            .compose(v -> Future.failedFuture(badCredentials()));
      }
      return hashPool.executeBlocking(() -> hasher.verify(password, doc.getString("passwordHash")), false)
          .compose(ok -> {
            if (!ok) return Future.failedFuture(badCredentials());
            if (!doc.getBoolean("isActive", false)) {
              return Future.failedFuture(new CrmException(ErrorCode.AUTH_INSUFFICIENT_PERMISSIONS, "Account is deactivated"));
            }
            String family = Mongo.newId();
            return tokens.issue(doc.getString("_id"), family)
                .compose(refresh -> agents.touchLogin(doc.getString("_id")).map(v -> refresh))
                .map(refresh -> new JsonObject().put("success", true)
                    .put("token", accessToken(doc, family))
                    .put("refreshToken", refresh)
                    .put("expiresIn", jwt.expiresInSeconds())
                    .put("agent", AgentStore.toApi(doc.copy().put("lastLogin", Mongo.now()))));
          });
    });
  }

  private static CrmException badCredentials() {
    return new CrmException(ErrorCode.AUTH_CREDENTIALS_INVALID, "Invalid email or password");
  }

  private Future<JsonObject> refresh(JsonObject body) {
    String token = Check.requiredString(body, "refreshToken", 512);
    return tokens.spend(token).compose(spent -> agents.findById(spent.getString("agentId")).compose(doc -> {
      if (doc == null || !doc.getBoolean("isActive", false)) {
        return tokens.revokeFamily(spent.getString("family")).compose(n -> Future.failedFuture(
            new CrmException(ErrorCode.AUTH_TOKEN_INVALID, "Account is deactivated")));
      }
      String family = spent.getString("family");
      return tokens.issue(doc.getString("_id"), family).map(next -> new JsonObject().put("success", true)
          .put("token", accessToken(doc, family)).put("refreshToken", next).put("expiresIn", jwt.expiresInSeconds()));
    })).recover(err -> {
      if (err instanceof RefreshTokenStore.ReusedToken reused) {
        log.warn("Refresh token reuse: session {} revoked", reused.family);
        publishRevoked(new JsonObject().put("sessionId", reused.family));
      }
      return Future.failedFuture(err);
    });
  }

  private Future<JsonObject> logout(JsonObject body) {
    String sessionId = Check.requiredString(body, "sessionId", 64);
    String refresh = Check.optionalString(body, "refreshToken", 512);
    Future<String> other = refresh == null ? Future.succeededFuture(null) : tokens.familyOf(refresh);
    return other.compose(fam -> {
      List<Future<Long>> revokes = new ArrayList<>();
      revokes.add(tokens.revokeFamily(sessionId));
      if (fam != null && !fam.equals(sessionId)) revokes.add(tokens.revokeFamily(fam));
      return Future.all(revokes).map(v -> fam);
    }).map(fam -> {
      publishRevoked(new JsonObject().put("sessionId", sessionId));
      if (fam != null && !fam.equals(sessionId)) publishRevoked(new JsonObject().put("sessionId", fam));
      return new JsonObject().put("success", true).put("message", "Logged out");
    });
  }

  private void publishRevoked(JsonObject event) {
    bus.publish(Addresses.EVT_AUTH_REVOKED, event.put("until", Instant.now().plusSeconds(jwt.expiresInSeconds()).toString()));
  }

  /** What the HTTP and socket verticles need at start to refuse still-unexpired tokens of revoked sessions. */
  private Future<JsonObject> revocations(JsonObject body) {
    Instant since = Instant.now().minusSeconds(jwt.expiresInSeconds());
    return Future.all(agents.tokensRevokedSince(since), tokens.familiesRevokedSince(since))
        .map(all -> new JsonObject()
            .put("agents", all.<JsonObject>resultAt(0))
            .put("revokedSessions", new JsonArray(all.<List<String>>resultAt(1)))
            .put("until", Instant.now().plusSeconds(jwt.expiresInSeconds()).toString()));
  }

  private String accessToken(JsonObject doc, String family) {
    return jwt.issue(doc.getString("_id"), doc.getString("email"), doc.getString("role"),
        permissionsOf(doc), family);
  }

  private static List<String> permissionsOf(JsonObject doc) {
    JsonArray stored = doc.getJsonArray("permissions");
    if (stored == null) return Roles.permissionsOf(doc.getString("role"));
    List<String> out = new ArrayList<>();
    for (Object p : stored) if (p instanceof String s) out.add(s);
    return out;
  }

  // ---- agent management

  /** Short agent records by id, for lists that show who holds what. Unknown ids are left out. */
  private Future<JsonObject> summaries(JsonObject body) {
    JsonArray ids = Check.optionalStrings(body, "ids", 1000, 64);
    List<String> wanted = ids == null ? List.of() : ids.stream().map(Object::toString).filter(Mongo::isObjectId).distinct().toList();
    return agents.byIds(wanted).map(found -> {
      JsonObject out = new JsonObject();
      for (JsonObject a : found) {
        JsonObject summary = new JsonObject().put("_id", a.getString("_id")).put("id", a.getString("_id"))
            .put("firstName", a.getString("firstName")).put("lastName", a.getString("lastName"))
            .put("status", a.getString("status")).put("isActive", a.getBoolean("isActive", false)).put("role", a.getString("role"));
        if (a.getString("avatar") != null) summary.put("avatar", a.getString("avatar"));
        out.put(a.getString("_id"), summary);
      }
      return new JsonObject().put("agents", out);
    });
  }

  private Future<JsonObject> list(JsonObject body) {
    JsonObject filter = new JsonObject();
    String role = Check.oneOf(Check.optionalString(body, "role", 32), "role", Roles.ALL);
    if (role != null) filter.put("role", role);
    String status = Check.oneOf(Check.optionalString(body, "status", 32), "status", STATUSES);
    if (status != null) filter.put("status", status);
    Boolean active = Check.optionalBoolean(body, "isActive");
    if (active != null) filter.put("isActive", active);
    String search = Check.optionalString(body, "search", 200);
    if (search != null && !search.isBlank()) filter.mergeIn(AgentStore.searchFilter(search.trim()));
    int skip = Check.optionalInt(body, "skip", 0, Integer.MAX_VALUE) == null ? 0 : body.getInteger("skip");
    int limit = Check.optionalInt(body, "limit", 1, 100) == null ? 20 : body.getInteger("limit");
    return agents.list(filter, skip, limit);
  }

  private Future<JsonObject> create(JsonObject body) {
    String email = Check.email(Check.requiredString(body, "email", 320), "email");
    String password = Check.requiredString(body, "password", MAX_PASSWORD);
    checkPassword(password);
    String firstName = Check.requiredString(body, "firstName", 100).trim();
    String lastName = Check.requiredString(body, "lastName", 100).trim();
    String role = Check.oneOf(Check.optionalString(body, "role", 32), "role", Roles.ALL);
    JsonArray permissions = Check.optionalStrings(body, "permissions", 64, 64);
    String avatar = Check.optionalString(body, "avatar", 2048);
    return hash(password)
        .compose(h -> agents.insert(newAgentDoc(email, h, firstName, lastName, role == null ? Roles.AGENT : role,
            permissions, avatar)))
        .recover(err -> Mongo.isDuplicateKey(err) || err instanceof CrmException ce && ce.code() == ErrorCode.DUPLICATE_RESOURCE
            ? Future.failedFuture(new CrmException(ErrorCode.DUPLICATE_RESOURCE, "An agent with this email already exists", "email", null))
            : Future.failedFuture(err))
        .compose(agents::get)
        .map(doc -> {
          bus.publish(Addresses.EVT_AGENT_CREATED, new JsonObject().put("agentId", doc.getString("_id")));
          return agentReply(doc);
        });
  }

  private static void checkPassword(String password) {
    if (password.length() < MIN_PASSWORD) {
      throw CrmException.validation("password", "password must be at least " + MIN_PASSWORD + " characters");
    }
  }

  private static JsonObject newAgentDoc(String email, String hash, String firstName, String lastName, String role,
                                        JsonArray permissions, String avatar) {
    JsonObject now = Mongo.now();
    JsonObject doc = new JsonObject()
        .put("_id", Mongo.newId())
        .put("email", email).put("passwordHash", hash)
        .put("firstName", firstName).put("lastName", lastName)
        .put("role", role)
        .put("permissions", permissions != null ? permissions : new JsonArray(Roles.permissionsOf(role)))
        .put("status", "offline").put("isActive", true)
        .put("assignedConversations", new JsonArray())
        .put("createdAt", now).put("updatedAt", now);
    if (avatar != null) doc.put("avatar", avatar);
    return doc;
  }

  private Future<JsonObject> update(JsonObject body) {
    String id = Check.requiredString(body, "id", 64);
    JsonObject changes = body.getJsonObject("changes", new JsonObject());
    JsonObject set = new JsonObject();
    String firstName = Check.optionalString(changes, "firstName", 100);
    if (firstName != null) set.put("firstName", nonBlank(firstName, "firstName"));
    String lastName = Check.optionalString(changes, "lastName", 100);
    if (lastName != null) set.put("lastName", nonBlank(lastName, "lastName"));
    String email = Check.optionalString(changes, "email", 320);
    if (email != null) set.put("email", Check.email(email, "email"));
    String avatar = Check.optionalString(changes, "avatar", 2048);
    if (avatar != null) set.put("avatar", avatar);
    String status = Check.oneOf(Check.optionalString(changes, "status", 32), "status", STATUSES);
    if (status != null) set.put("status", status);
    String role = Check.oneOf(Check.optionalString(changes, "role", 32), "role", Roles.ALL);
    JsonArray permissions = Check.optionalStrings(changes, "permissions", 64, 64);
    if (role != null) {
      set.put("role", role);
      set.put("permissions", permissions != null ? permissions : new JsonArray(Roles.permissionsOf(role)));
    } else if (permissions != null) {
      set.put("permissions", permissions);
    }
    Boolean active = Check.optionalBoolean(changes, "isActive");
    String password = Check.optionalString(changes, "password", MAX_PASSWORD);
    if (password != null) checkPassword(password);
    if (set.isEmpty() && password == null && active == null) {
      return Future.failedFuture(CrmException.validation(null, "Nothing to update"));
    }
    boolean mayRemoveAdmin = (role != null && !role.equals(Roles.ADMIN)) || Boolean.FALSE.equals(active);
    Supplier<Future<JsonObject>> write = () -> (password == null ? Future.succeededFuture(set) : hash(password).map(h -> set.put("passwordHash", h)))
        .compose(s -> s.isEmpty() ? agents.get(id) : agents.update(id, s))
        .recover(err -> Mongo.isDuplicateKey(err) || err instanceof CrmException ce && ce.code() == ErrorCode.DUPLICATE_RESOURCE
            ? Future.failedFuture(new CrmException(ErrorCode.DUPLICATE_RESOURCE, "An agent with this email already exists", "email", null))
            : Future.failedFuture(err))
        .compose(doc -> active != null ? applyActive(id, active) : Future.succeededFuture(doc));
    boolean statusChange = status != null || Boolean.FALSE.equals(active);
    Supplier<Future<JsonObject>> whole = () -> {
      Future<JsonObject> result = mayRemoveAdmin ? keepingAnAdmin(id, write) : write.get();
      if (active == null && (password != null || role != null || permissions != null)) {
        // credentials or rights changed: end the agent's sessions so new tokens carry the new rights
        result = result.compose(doc -> revokeAgentTokens(id).map(doc));
      }
      return result.map(doc -> {
        bus.publish(Addresses.EVT_AGENT_UPDATED, new JsonObject().put("agentId", id));
        if (statusChange) publishStatus(id, doc.getString("status"), Instant.now().toString());
        return agentReply(doc);
      });
    };
    return statusChange ? inStatusLane(id, whole) : whole.get();
  }

  /** {agentId, status, from?, lastSeen?, announced?}: see {@link Addresses#AGENT_SET_STATUS}. */
  private Future<JsonObject> setStatus(JsonObject body) {
    String id = Check.requiredString(body, "agentId", 64);
    String status = Check.oneOf(Check.requiredString(body, "status", 32), "status", STATUSES);
    JsonArray from = Check.optionalStrings(body, "from", 4, 32);
    boolean announced = Boolean.TRUE.equals(Check.optionalBoolean(body, "announced"));
    if (announced && from != null) throw CrmException.validation("from", "an announced status change is unconditional");
    Instant at = lastSeen(body);
    List<String> only = from == null ? null : from.stream().map(String::valueOf).toList();
    return inStatusLane(id, () -> {
      Future<JsonObject> stored = agents.setStatus(id, status, only, at);
      if (announced) stored = stored.recover(err -> announceStored(id).transform(v -> Future.failedFuture(err)));
      return stored.map(before -> {
        JsonObject reply = new JsonObject().put("agentId", id).put("status", status);
        if (before == null) return reply.put("changed", false);
        boolean changed = !status.equals(before.getString("status"));
        if (changed && !announced) publishStatus(id, status, at.toString());
        if (announced && announcedOver(id, at)) publishStatus(id, status, at.toString());
        return reply.put("changed", changed).put("lastSeen", at.toString());
      });
    });
  }

  /**
   * Runs {@code op} after the agent's earlier status writes of this node have finished, so that they reach the database
   * in the order they were asked for, and each announcement after a write comes before the next write starts.
   */
  private <T> Future<T> inStatusLane(String agentId, Supplier<Future<T>> op) {
    Future<?> before = statusLanes.get(agentId);
    Future<T> mine = before == null ? op.get() : before.transform(ar -> op.get());
    statusLanes.put(agentId, mine);
    mine.onComplete(ar -> statusLanes.remove(agentId, mine));
    return mine;
  }

  /**
   * Whether this node published another status of this agent after (or in the same millisecond as) a change announced
   * at {@code at}: then the sockets may have heard that one after it, and the announced one, stored last, is published
   * again. A repeat is harmless; a socket left showing a status the database does not hold is not. The announcing
   * bridge asks its own node ({@link Bus#requestLocal}), so {@code at} is this node's clock.
   */
  private boolean announcedOver(String agentId, Instant at) {
    Long published = lastPublished.get(agentId);
    return published != null && published >= at.toEpochMilli();
  }

  /** The optional {@code lastSeen} (ISO-8601) a caller announced, to the millisecond; now when absent. */
  private static Instant lastSeen(JsonObject body) {
    String text = Check.optionalString(body, "lastSeen", 40);
    if (text == null) return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    try {
      return Instant.parse(text).truncatedTo(ChronoUnit.MILLIS);
    } catch (DateTimeParseException e) {
      throw CrmException.validation("lastSeen", "lastSeen must be an ISO-8601 instant");
    }
  }

  /**
   * An announced change could not be stored: the status the agent really has is announced again, so that nobody keeps
   * showing one the database never took (when the database cannot even be read, the next change corrects it).
   */
  private Future<Void> announceStored(String id) {
    return agents.get(id).onSuccess(doc -> publishStatus(id, doc.getString("status", "offline"),
            Optional.ofNullable(Mongo.instant(doc.getValue("lastSeen"))).orElseGet(Instant::now).toString()))
        .onFailure(err -> log.warn("agent {}: announced a status that was not stored, and cannot read the stored one: {}",
            id, err.toString()))
        .<Void>mapEmpty().otherwiseEmpty();
  }

  private void publishStatus(String agentId, String status, String lastSeen) {
    lastPublished.put(agentId, System.currentTimeMillis());
    bus.publish(Addresses.EVT_AGENT_STATUS_CHANGED, new JsonObject().put("agentId", agentId).put("status", status)
        .put("lastSeen", lastSeen));
  }

  private Future<JsonObject> setActive(JsonObject body) {
    String id = Check.requiredString(body, "id", 64);
    Boolean active = Check.optionalBoolean(body, "active");
    if (active == null) throw CrmException.validation("active", "active is required");
    if (active) return applyActive(id, true).map(doc -> {
      bus.publish(Addresses.EVT_AGENT_UPDATED, new JsonObject().put("agentId", id));
      return agentReply(doc);
    });
    return inStatusLane(id, () -> keepingAnAdmin(id, () -> applyActive(id, false)).map(doc -> {
      bus.publish(Addresses.EVT_AGENT_UPDATED, new JsonObject().put("agentId", id));
      publishStatus(id, "offline", Instant.now().toString());
      return agentReply(doc);
    }));
  }

  private Future<JsonObject> applyActive(String id, boolean active) {
    JsonObject set = new JsonObject().put("isActive", active);
    if (!active) set.put("status", "offline");
    return agents.update(id, set).compose(doc -> active ? Future.succeededFuture(doc) : revokeAgentTokens(id).map(doc));
  }

  /**
   * Ends every session of an agent: refresh tokens revoked, and access tokens issued before now refused by
   * every node (the event, and {@code tokensValidAfter} for nodes that start later).
   */
  private Future<Void> revokeAgentTokens(String id) {
    long now = Instant.now().getEpochSecond();
    Instant since = Instant.now().minusSeconds(jwt.expiresInSeconds());
    return agents.setTokensValidAfter(id, now)
        .compose(v -> tokens.revokeAgent(id))
        .compose(n -> tokens.familiesRevokedSince(id, since))
        .map(sessions -> {
          // "valid after" has the one-second resolution of iat: a token issued earlier in this same second would pass
          // it, so the revoked sessions are named too (and a login later in this second still works)
          for (String sid : sessions) publishRevoked(new JsonObject().put("sessionId", sid));
          publishRevoked(new JsonObject().put("agentId", id).put("validAfter", now));
          return null;
        });
  }

  /**
   * Runs a write that may demote or deactivate an admin, refusing it when that admin is the last active one.
   * Check and write hold one cluster-wide lock, so two admins removing each other at once cannot both succeed.
   */
  private Future<JsonObject> keepingAnAdmin(String id, Supplier<Future<JsonObject>> write) {
    return vertx.sharedData().withLock(ADMIN_LOCK, 10_000, () -> agents.get(id).compose(doc -> {
      if (!Roles.ADMIN.equals(doc.getString("role")) || !doc.getBoolean("isActive", false)) {
        return write.get();
      }
      return agents.countActiveAdmins().compose(n -> n > 1 ? write.get()
          : Future.failedFuture(new CrmException(ErrorCode.BUSINESS_RULE_VIOLATION,
              "The last active admin cannot be deactivated or demoted")));
    }));
  }

  private static String nonBlank(String s, String field) {
    if (s.isBlank()) throw CrmException.validation(field, field + " must not be empty");
    return s.trim();
  }

  private Future<String> hash(String password) {
    return hashPool.executeBlocking(() -> hasher.hash(password), false);
  }

  private static JsonObject agentReply(JsonObject doc) {
    return new JsonObject().put("success", true).put("agent", AgentStore.toApi(doc));
  }
}
