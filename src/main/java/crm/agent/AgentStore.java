package crm.agent;

import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.UpdateOptions;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/** The only code that touches the {@code agents} collection. Documents never leave it with their password hash. */
final class AgentStore {
  static final String COLLECTION = "agents";

  private final Mongo mongo;

  AgentStore(Mongo mongo) {
    this.mongo = mongo;
  }

  Future<Void> ensureIndexes() {
    return Future.all(List.of(
        mongo.createIndex(COLLECTION, new JsonObject().put("email", 1), new IndexOptions().unique(true).name("email_unique")),
        mongo.createIndex(COLLECTION, new JsonObject().put("role", 1).put("isActive", 1), new IndexOptions().name("role_active"))))
        .mapEmpty();
  }

  Future<Long> count() {
    return mongo.client().count(COLLECTION, new JsonObject()).recover(Mongo::mapError);
  }

  Future<String> insert(JsonObject doc) {
    return mongo.insertDurable(COLLECTION, doc);
  }

  /** The stored document, hash included (for login); null when absent. */
  Future<JsonObject> findByEmail(String email) {
    return mongo.client().findOne(COLLECTION, new JsonObject().put("email", email), null).recover(Mongo::mapError);
  }

  Future<JsonObject> findById(String id) {
    if (!Mongo.isObjectId(id)) return Future.succeededFuture(null);
    return mongo.client().findOne(COLLECTION, new JsonObject().put("_id", id), null).recover(Mongo::mapError);
  }

  /** Agents by id, one round trip (an {@code _id $in} query uses the index on every backend). */
  Future<List<JsonObject>> byIds(List<String> ids) {
    if (ids.isEmpty()) return Future.succeededFuture(List.of());
    return mongo.client().find(COLLECTION, new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(ids))))
        .recover(Mongo::mapError);
  }

  /** Every agent, few fields: the roster analytics counts presence and lists per-agent rows from. */
  Future<List<JsonObject>> roster() {
    return mongo.client().findWithOptions(COLLECTION, new JsonObject(), new FindOptions().setFields(new JsonObject()
            .put("firstName", 1).put("lastName", 1).put("role", 1).put("status", 1).put("isActive", 1))
            .setSort(new JsonObject().put("_id", 1)))
        .recover(Mongo::mapError);
  }

  Future<Void> holdConversation(String agentId, String conversationId) {
    if (!Mongo.isObjectId(agentId) || conversationId == null) return Future.succeededFuture();
    return mongo.client().updateCollection(COLLECTION, new JsonObject().put("_id", agentId),
            new JsonObject().put("$addToSet", new JsonObject().put("assignedConversations", conversationId)))
        .recover(Mongo::mapError).mapEmpty();
  }

  /** Removes the conversation from whoever holds it, except {@code keep} (its new holder, or null). */
  Future<Void> releaseConversation(String conversationId, String keep) {
    if (conversationId == null) return Future.succeededFuture();
    JsonObject filter = new JsonObject().put("assignedConversations", conversationId);
    if (keep != null) filter.put("_id", new JsonObject().put("$ne", keep));
    return mongo.client().updateCollectionWithOptions(COLLECTION, filter,
            new JsonObject().put("$pull", new JsonObject().put("assignedConversations", conversationId)),
            new UpdateOptions().setMulti(true))
        .recover(Mongo::mapError).mapEmpty();
  }

  /** Ids of active agents and supervisors whose status is online. */
  Future<List<String>> onlineIds() {
    JsonObject filter = new JsonObject().put("status", "online").put("isActive", true)
        .put("role", new JsonObject().put("$in", new JsonArray().add("agent").add("supervisor")));
    return mongo.client().findWithOptions(COLLECTION, filter, new FindOptions().setFields(new JsonObject().put("_id", 1)))
        .map(docs -> docs.stream().map(d -> d.getString("_id")).toList()).recover(Mongo::mapError);
  }

  /** Ids of agents (any role) whose status is not offline: the presence sweep checks they still have a socket. */
  Future<List<String>> presentIds() {
    JsonObject filter = new JsonObject().put("status", new JsonObject().put("$in", new JsonArray().add("online").add("busy").add("away")));
    return mongo.client().findWithOptions(COLLECTION, filter, new FindOptions().setFields(new JsonObject().put("_id", 1)))
        .map(docs -> docs.stream().map(d -> d.getString("_id")).toList()).recover(Mongo::mapError);
  }

  Future<JsonObject> get(String id) {
    return findById(id).map(doc -> {
      if (doc == null) throw CrmException.notFound(ErrorCode.AGENT_NOT_FOUND, "Agent");
      return doc;
    });
  }

  /** A page of agents, newest first, and the total that matched. */
  Future<JsonObject> list(JsonObject filter, int skip, int limit) {
    FindOptions options = new FindOptions().setSkip(skip).setLimit(limit)
        .setSort(new JsonObject().put("createdAt", -1).put("_id", -1));
    return Future.all(mongo.client().findWithOptions(COLLECTION, filter, options), mongo.client().count(COLLECTION, filter))
        .map(all -> new JsonObject()
            .put("agents", new JsonArray(all.<List<JsonObject>>resultAt(0).stream().map(AgentStore::toApi).toList()))
            .put("total", all.<Long>resultAt(1)))
        .recover(Mongo::mapError);
  }

  /** Applies a {@code $set} (durably) and returns the updated document. */
  Future<JsonObject> update(String id, JsonObject set) {
    if (!Mongo.isObjectId(id)) return Future.failedFuture(CrmException.notFound(ErrorCode.AGENT_NOT_FOUND, "Agent"));
    JsonObject update = new JsonObject().put("$set", set.copy().put("updatedAt", Mongo.now()));
    return mongo.client().updateCollectionWithOptions(COLLECTION, new JsonObject().put("_id", id), update,
            new UpdateOptions().setWriteOption(mongo.durableWrite()))
        .recover(Mongo::mapError)
        .compose(res -> {
          if (res.getDocMatched() == 0) throw CrmException.notFound(ErrorCode.AGENT_NOT_FOUND, "Agent");
          return mongo.sync();
        })
        .compose(v -> get(id));
  }

  /**
   * Sets the status (and lastSeen and updatedAt to {@code at}) if the current one is in {@code from} (any, when null);
   * returns the document as it was before, or null when the agent does not exist or was not in {@code from}. Atomic on
   * the document, so of two nodes setting the same status at once only one sees it change.
   */
  Future<JsonObject> setStatus(String id, String status, List<String> from, java.time.Instant at) {
    if (!Mongo.isObjectId(id)) return Future.succeededFuture(null);
    JsonObject filter = new JsonObject().put("_id", id);
    if (from != null) filter.put("status", new JsonObject().put("$in", new io.vertx.core.json.JsonArray(from)));
    JsonObject when = Mongo.date(at);
    return mongo.client().findOneAndUpdateWithOptions(COLLECTION, filter,
            new JsonObject().put("$set", new JsonObject().put("status", status).put("lastSeen", when).put("updatedAt", when)),
            new io.vertx.ext.mongo.FindOptions(), new UpdateOptions().setReturningNewDocument(false))
        .recover(Mongo::mapError);
  }

  Future<Void> touchLogin(String id) {
    JsonObject now = Mongo.now();
    return mongo.client().updateCollection(COLLECTION, new JsonObject().put("_id", id),
        new JsonObject().put("$set", new JsonObject().put("lastLogin", now))).recover(Mongo::mapError).mapEmpty();
  }

  Future<Long> countActiveAdmins() {
    return mongo.client().count(COLLECTION, new JsonObject().put("role", "admin").put("isActive", true))
        .recover(Mongo::mapError);
  }

  /** Records that access tokens issued before {@code epochSecond} are no longer accepted (durable). */
  Future<Void> setTokensValidAfter(String id, long epochSecond) {
    return mongo.client().updateCollectionWithOptions(COLLECTION, new JsonObject().put("_id", id),
            new JsonObject().put("$set", new JsonObject().put("tokensValidAfter", epochSecond)),
            new UpdateOptions().setWriteOption(mongo.durableWrite()))
        .recover(Mongo::mapError).compose(r -> mongo.sync());
  }

  /** {agentId: tokensValidAfter} for agents whose access tokens were revoked since {@code since}. */
  Future<JsonObject> tokensRevokedSince(Instant since) {
    JsonObject filter = new JsonObject().put("tokensValidAfter", new JsonObject().put("$gte", since.getEpochSecond()));
    return mongo.client().findWithOptions(COLLECTION, filter,
            new FindOptions().setFields(new JsonObject().put("_id", 1).put("tokensValidAfter", 1)))
        .map(docs -> {
          JsonObject out = new JsonObject();
          for (JsonObject d : docs) out.put(d.getString("_id"), d.getLong("tokensValidAfter", 0L));
          return out;
        })
        .recover(Mongo::mapError);
  }

  /** Search filter over names and email; the text is matched literally (regex metacharacters quoted). */
  static JsonObject searchFilter(String search) {
    String rx = Pattern.quote(search);
    JsonArray or = new JsonArray();
    for (String f : List.of("firstName", "lastName", "email")) {
      or.add(new JsonObject().put(f, new JsonObject().put("$regex", rx).put("$options", "i")));
    }
    return new JsonObject().put("$or", or);
  }

  /** The API form of an agent: {@code _id} and {@code id}, ISO dates, never the password hash. */
  static JsonObject toApi(JsonObject doc) {
    JsonObject out = Mongo.toApi(doc);
    out.remove("passwordHash");
    out.remove("tokensValidAfter");
    if (!out.containsKey("assignedConversations")) out.put("assignedConversations", new JsonArray());
    return out;
  }
}
