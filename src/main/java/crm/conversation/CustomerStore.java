package crm.conversation;

import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The only code that touches {@code customers}. A customer is identified by {@code phoneNumber}: the canonical
 * E.164 digits (see {@link crm.customer.Phone#canonical}), unique; {@code waId} is the form WhatsApp last used,
 * the one messages are sent to.
 */
final class CustomerStore {
  static final String COLLECTION = "customers";

  private final Mongo mongo;
  /** phoneNumber -> stored customer, for the inbound path (see {@link TtlCache}). */
  private final TtlCache<String, JsonObject> cache = new TtlCache<>(20_000, 30_000);

  /** Copies of customers read by id, when this node sees every write (see {@link ReadCache}); else null. */
  private ReadCache docs;

  CustomerStore(Mongo mongo) {
    this.mongo = mongo;
  }

  void cache(ReadCache docs) {
    this.docs = docs;
  }

  /** A form of a customer document read by {@link #byIds} (its API form), kept beside it when it is cached. */
  JsonObject derived(JsonObject doc, String form, java.util.function.Function<JsonObject, JsonObject> derive) {
    return docs == null ? derive.apply(doc) : docs.derived(doc, form, derive);
  }

  /** Customers by id (absent ones left out). The documents may be shared copies: do not change them. */
  Future<Map<String, JsonObject>> byIds(List<String> ids) {
    return ReadCache.byIds(docs, mongo, COLLECTION, ids);
  }

  /** Another writer changed this customer (an agent blocked them, renamed them...): read it again next time. */
  void evict(String customerId) {
    cache.removeIf(c -> customerId.equals(c.getString("_id")));
  }

  Future<Void> ensureIndexes() {
    return Future.all(
        mongo.createIndex(COLLECTION, new JsonObject().put("phoneNumber", 1), new IndexOptions().unique(true).name("phone_unique")),
        mongo.createIndex(COLLECTION, new JsonObject().put("lastInteraction", -1), new IndexOptions().name("last_interaction")))
        .mapEmpty();
  }

  /** One inbound contact: who wrote, under which WhatsApp id and profile name, and when they last wrote. */
  record Contact(String phoneNumber, String waId, String profileName, JsonObject lastAt) {}

  /**
   * Creates the customers not yet known and records when each last wrote; returns the stored customers by phone
   * number. Reads first, and writes only new customers and those whose stored {@code lastInboundAt} is more than
   * {@link #TOUCH_SLACK} behind (or whose WhatsApp id changed): during a conversation most messages then cost no
   * customer write at all. The 24 h window is not affected by a minute's slack.
   */
  Future<Map<String, JsonObject>> upsertInbound(Collection<Contact> contacts) {
    List<String> phones = contacts.stream().map(Contact::phoneNumber).toList();
    return cachedByPhone(phones).compose(known -> {
      List<BulkOperation> ops = new ArrayList<>();
      JsonObject now = Mongo.now();
      for (Contact c : contacts) {
        JsonObject stored = known.get(c.phoneNumber());
        if (stored != null && !stale(stored, c)) continue;
        String[] names = splitName(c.profileName());
        JsonObject onInsert = new JsonObject()
            .put("_id", Mongo.newId()).put("tags", new JsonArray()).put("isBlocked", false)
            .put("customFields", new JsonObject()).put("totalConversations", 0).put("createdAt", now);
        if (names[0] != null) onInsert.put("firstName", names[0]);
        if (names[1] != null) onInsert.put("lastName", names[1]);
        if (c.profileName() != null) onInsert.put("profileName", c.profileName());
        JsonObject update = new JsonObject()
            .put("$setOnInsert", onInsert)
            .put("$set", new JsonObject().put("waId", c.waId()).put("updatedAt", now))
            .put("$max", new JsonObject().put("lastInteraction", c.lastAt()).put("lastInboundAt", c.lastAt()));
        ops.add(BulkOperation.createUpdate(new JsonObject().put("phoneNumber", c.phoneNumber()), update, true, false));
      }
      if (ops.isEmpty()) return Future.succeededFuture(known);
      return mongo.bulk(COLLECTION, ops, false)
          .recover(err -> Mongo.isDuplicateKey(err) ? mongo.bulk(COLLECTION, ops, false) : Future.failedFuture(err))
          .compose(r -> byPhone(phones))
          .map(fresh -> {
            fresh.forEach(cache::put);
            return fresh;
          });
    });
  }

  /** Customers by phone number, from the cache where it has them. */
  private Future<Map<String, JsonObject>> cachedByPhone(List<String> phones) {
    Map<String, JsonObject> out = new HashMap<>();
    List<String> missing = new ArrayList<>();
    for (String p : phones) {
      JsonObject c = cache.get(p);
      if (c != null) out.put(p, c);
      else missing.add(p);
    }
    if (missing.isEmpty()) return Future.succeededFuture(out);
    return byPhone(missing).map(found -> {
      found.forEach(cache::put);
      out.putAll(found);
      return out;
    });
  }

  static final java.time.Duration TOUCH_SLACK = java.time.Duration.ofSeconds(60);

  private static boolean stale(JsonObject stored, Contact c) {
    java.time.Instant last = Mongo.instant(stored.getValue("lastInboundAt"));
    java.time.Instant now = Mongo.instant(c.lastAt());
    return last == null || now == null || now.isAfter(last.plus(TOUCH_SLACK)) || !c.waId().equals(stored.getString("waId"));
  }

  Future<Map<String, JsonObject>> byPhone(List<String> phones) {
    JsonObject filter = new JsonObject().put("phoneNumber", new JsonObject().put("$in", new JsonArray(phones)));
    return mongo.client().findWithOptions(COLLECTION, filter, new FindOptions()).recover(Mongo::mapError).map(docs -> {
      Map<String, JsonObject> out = new HashMap<>();
      for (JsonObject d : docs) out.put(d.getString("phoneNumber"), d);
      return out;
    });
  }

  Future<JsonObject> byId(String id) {
    if (!Mongo.isObjectId(id)) return Future.succeededFuture(null);
    return mongo.client().findOne(COLLECTION, new JsonObject().put("_id", id), null).recover(Mongo::mapError);
  }

  /** Counts a new conversation for each customer id given (once per occurrence). */
  Future<Void> countConversations(List<String> customerIds) {
    Map<String, Integer> n = new HashMap<>();
    customerIds.forEach(id -> n.merge(id, 1, Integer::sum));
    List<BulkOperation> ops = new ArrayList<>();
    n.forEach((id, count) -> ops.add(BulkOperation.createUpdate(new JsonObject().put("_id", id),
        new JsonObject().put("$inc", new JsonObject().put("totalConversations", count)))));
    return mongo.bulk(COLLECTION, ops, false).mapEmpty();
  }

  Future<Void> touchOutbound(String id) {
    JsonObject now = Mongo.now();
    return mongo.client().updateCollection(COLLECTION, new JsonObject().put("_id", id),
            new JsonObject().put("$set", new JsonObject().put("updatedAt", now)).put("$max", new JsonObject().put("lastInteraction", now)))
        .recover(Mongo::mapError).mapEmpty();
  }

  /** First name = first word of the WhatsApp profile name, last name = the rest. */
  static String[] splitName(String profileName) {
    if (profileName == null || profileName.isBlank()) return new String[] {null, null};
    String name = profileName.strip();
    int space = name.indexOf(' ');
    return space < 0 ? new String[] {name, null} : new String[] {name.substring(0, space), name.substring(space + 1).strip()};
  }

  /** The customer summary events and conversations carry. */
  static JsonObject summary(JsonObject doc) {
    JsonObject out = new JsonObject().put("_id", doc.getString("_id")).put("id", doc.getString("_id"))
        .put("phoneNumber", doc.getString("phoneNumber"));
    for (String f : List.of("firstName", "lastName", "avatar")) {
      if (doc.getString(f) != null) out.put(f, doc.getString(f));
    }
    return out;
  }
}
