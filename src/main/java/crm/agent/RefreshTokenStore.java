package crm.agent;

import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.UpdateOptions;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Refresh tokens: 256 random bits, stored only as their SHA-256, single use. Each login starts a family
 * (the session id carried in access tokens as {@code sid}); each refresh spends one token and issues the next
 * in the same family. Presenting a spent token means it was stolen or replayed: the whole family is revoked.
 */
final class RefreshTokenStore {
  static final String COLLECTION = "refresh_tokens";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Mongo mongo;
  private final Duration ttl;

  RefreshTokenStore(Mongo mongo, Duration ttl) {
    this.mongo = mongo;
    this.ttl = ttl;
  }

  Future<Void> ensureIndexes() {
    return Future.all(List.of(
        mongo.createIndex(COLLECTION, new JsonObject().put("family", 1), new IndexOptions().name("family")),
        mongo.createIndex(COLLECTION, new JsonObject().put("agentId", 1), new IndexOptions().name("agent")),
        mongo.createIndex(COLLECTION, new JsonObject().put("expiresAt", 1), new IndexOptions().name("expires")),
        mongo.createIndex(COLLECTION, new JsonObject().put("revokedAt", 1), new IndexOptions().name("revoked"))))
        .mapEmpty();
  }

  /** Issues a new token in {@code family}; durable before it is handed out. */
  Future<String> issue(String agentId, String family) {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    Instant now = Instant.now();
    JsonObject doc = new JsonObject()
        .put("_id", hash(token)).put("family", family).put("agentId", agentId)
        .put("createdAt", Mongo.date(now)).put("expiresAt", Mongo.date(now.plus(ttl)))
        .put("usedAt", null).put("revoked", false);
    return mongo.insertDurable(COLLECTION, doc).map(id -> token);
  }

  /**
   * Spends a token: returns its document (agentId, family). Unknown -> AUTH_TOKEN_INVALID; expired ->
   * AUTH_TOKEN_EXPIRED; already spent or revoked -> the family is revoked and AUTH_TOKEN_INVALID.
   */
  Future<JsonObject> spend(String token) {
    String id = hash(token);
    JsonObject unspent = new JsonObject().put("_id", id).put("usedAt", null).put("revoked", false);
    JsonObject mark = new JsonObject().put("$set", new JsonObject().put("usedAt", Mongo.now()));
    return mongo.client().findOneAndUpdate(COLLECTION, unspent, mark).recover(Mongo::mapError).compose(doc -> {
      if (doc != null) {
        Instant expires = Mongo.instant(doc.getValue("expiresAt"));
        if (expires == null || expires.isBefore(Instant.now())) {
          return Future.failedFuture(new CrmException(ErrorCode.AUTH_TOKEN_EXPIRED, "Refresh token expired"));
        }
        return mongo.sync().map(v -> doc);
      }
      return mongo.client().findOne(COLLECTION, new JsonObject().put("_id", id), null).recover(Mongo::mapError)
          .compose(known -> {
            if (known == null) {
              return Future.failedFuture(new CrmException(ErrorCode.AUTH_TOKEN_INVALID, "Invalid refresh token"));
            }
            String family = known.getString("family");
            return revokeFamily(family).compose(n -> Future.failedFuture(new ReusedToken(family)));
          });
    });
  }

  /** The family a token belongs to, without spending it (null when unknown). */
  Future<String> familyOf(String token) {
    return mongo.client().findOne(COLLECTION, new JsonObject().put("_id", hash(token)), null)
        .map(doc -> doc == null ? null : doc.getString("family")).recover(Mongo::mapError);
  }

  Future<Long> revokeFamily(String family) {
    return revoke(new JsonObject().put("family", family));
  }

  Future<Long> revokeAgent(String agentId) {
    return revoke(new JsonObject().put("agentId", agentId));
  }

  private Future<Long> revoke(JsonObject filter) {
    JsonObject update = new JsonObject().put("$set", new JsonObject().put("revoked", true).put("revokedAt", Mongo.now()));
    return mongo.client().updateCollectionWithOptions(COLLECTION, filter.put("revoked", false), update,
            new UpdateOptions().setMulti(true).setWriteOption(mongo.durableWrite()))
        .recover(Mongo::mapError)
        .compose(res -> mongo.sync().map(v -> res.getDocModified()));
  }

  /** Families revoked since {@code since}: access tokens of those sessions may still be unexpired. */
  Future<List<String>> familiesRevokedSince(Instant since) {
    return familiesRevoked(new JsonObject(), since);
  }

  /** The sessions of one agent revoked since {@code since}. */
  Future<List<String>> familiesRevokedSince(String agentId, Instant since) {
    return familiesRevoked(new JsonObject().put("agentId", agentId), since);
  }

  private Future<List<String>> familiesRevoked(JsonObject filter, Instant since) {
    filter.put("revokedAt", new JsonObject().put("$gte", Mongo.date(since)));
    return mongo.client().findWithOptions(COLLECTION, filter, new FindOptions().setFields(new JsonObject().put("family", 1)))
        .map(docs -> docs.stream().map(d -> d.getString("family")).distinct().toList())
        .recover(Mongo::mapError);
  }

  /** Deletes expired tokens (TTL indexes are not honoured by the embedded server, so this runs periodically). */
  Future<Long> purgeExpired() {
    JsonObject filter = new JsonObject().put("expiresAt", new JsonObject().put("$lt", Mongo.now()));
    return mongo.client().removeDocuments(COLLECTION, filter).map(res -> res.getRemovedCount()).recover(Mongo::mapError);
  }

  /** A spent or revoked token was presented again; its family has been revoked. */
  static final class ReusedToken extends CrmException {
    final String family;

    ReusedToken(String family) {
      super(ErrorCode.AUTH_TOKEN_INVALID, "Refresh token was already used; the session has been revoked");
      this.family = family;
    }
  }

  static String hash(String token) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
