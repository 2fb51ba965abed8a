package crm.storage;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoException;
import com.mongodb.MongoWriteException;
import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClientBulkWriteResult;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.WriteOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/**
 * What every store shares: the client, durable writes, index creation, error mapping, and the
 * conversion between stored documents ({@code $date} values) and API JSON (ISO-8601 strings, {@code _id} + {@code id}).
 */
public final class Mongo {
  public static final String POOL = "crm";
  private static final int DUPLICATE_KEY = 11000;

  private final Vertx vertx;
  private final MongoClient client;
  private final boolean sync;
  private final String syncAddress;
  private final Bus bus;

  public Mongo(Vertx vertx, JsonObject config) {
    this.vertx = vertx;
    this.client = MongoClient.createShared(vertx, clientConfig(config), POOL);
    this.sync = config.getBoolean("DB_SYNC", false);
    // MONGO_URI is another node's embedded server (scripts/cluster): that node commits, asked over the cluster
    this.syncAddress = config.getBoolean("MONGO_URI_EMBEDDED", false) && !config.getBoolean("EMBEDDED_DB", false)
        ? Addresses.STORAGE_SYNC_SHARED : Addresses.STORAGE_SYNC;
    this.bus = new Bus(vertx);
  }

  public static JsonObject clientConfig(JsonObject config) {
    return new JsonObject()
        .put("connection_string", config.getString("MONGO_URI"))
        .put("db_name", config.getString("MONGO_DB", "crm"))
        .put("serverSelectionTimeoutMS", 5000)
        .put("connectTimeoutMS", 5000);
  }

  public MongoClient client() { return client; }

  /**
   * Write concern for writes the outside world is told are stored: majority on a real MongoDB; the
   * embedded server acknowledges in memory and is made durable by {@link #sync()}.
   */
  public WriteOption durableWrite() {
    return sync ? WriteOption.ACKNOWLEDGED : WriteOption.MAJORITY;
  }

  /** Completes once every write acknowledged before this call is on disk (group commit on the embedded DB). */
  public Future<Void> sync() {
    if (!sync) return Future.succeededFuture();
    return bus.request(syncAddress, new JsonObject()).mapEmpty();
  }

  /** Inserts and waits until the document is durable; returns its id. */
  public Future<String> insertDurable(String collection, JsonObject doc) {
    return client.insertWithOptions(collection, doc, durableWrite())
        .compose(id -> sync().map(v -> id != null ? id : doc.getString("_id")))
        .recover(Mongo::mapError);
  }

  /**
   * Inserts many documents in one round trip, unordered, durably. Documents whose unique key already exists are
   * skipped (that is how redelivered data is absorbed); returns the positions of the documents actually inserted.
   */
  public Future<java.util.BitSet> insertManyDurable(String collection, List<JsonObject> docs) {
    return insertMany(collection, docs).compose(bits -> sync().map(bits));
  }

  /**
   * As {@link #insertManyDurable} without waiting for the disk: for writes whose loss in a crash is recovered from
   * something durable that is only removed after them. The embedded store commits only between whole commands (see
   * {@code StoreFile}), so a commit that holds the later removal holds these too; MongoDB's journal keeps that order.
   */
  public Future<java.util.BitSet> insertMany(String collection, List<JsonObject> docs) {
    java.util.BitSet inserted = new java.util.BitSet(docs.size());
    if (docs.isEmpty()) return Future.succeededFuture(inserted);
    inserted.set(0, docs.size());
    List<BulkOperation> ops = docs.stream().map(BulkOperation::createInsert).toList();
    return client.bulkWriteWithOptions(collection, ops, new BulkWriteOptions(false).setWriteOption(durableWrite()))
        .map(res -> inserted)
        .recover(err -> {
          MongoBulkWriteException bulk = findCause(err, MongoBulkWriteException.class);
          if (bulk == null || bulk.getWriteErrors().stream().anyMatch(e -> e.getCode() != DUPLICATE_KEY)) {
            return mapError(err);
          }
          bulk.getWriteErrors().forEach(e -> inserted.clear(e.getIndex()));
          return Future.succeededFuture(inserted);
        });
  }

  /** Several writes in one round trip (unordered), durable when {@code durable}. */
  public Future<MongoClientBulkWriteResult> bulk(String collection, List<BulkOperation> ops, boolean durable) {
    if (ops.isEmpty()) return Future.succeededFuture(new MongoClientBulkWriteResult());
    Future<MongoClientBulkWriteResult> res;
    if (ops.stream().allMatch(Mongo::plainUpdate)) {
      res = updateCommand(collection, ops, durable && !sync);
    } else {
      BulkWriteOptions options = new BulkWriteOptions(false);
      if (durable) options.setWriteOption(durableWrite());
      res = client.bulkWriteWithOptions(collection, ops, options);
    }
    res = res.recover(Mongo::mapError);
    return durable ? res.compose(r -> sync().map(r)) : res;
  }

  private static boolean plainUpdate(BulkOperation op) {
    return (op.getType() == io.vertx.ext.mongo.BulkOperationType.UPDATE || op.getType() == io.vertx.ext.mongo.BulkOperationType.REPLACE)
        && op.getCollation() == null && op.getHint() == null && op.getHintString() == null;
  }

  /**
   * Updates and replacements as one {@code update} command: what the driver sends for a bulk write, but built from
   * the JSON by the client's codec. vert.x's bulk write turns each filter and update into a JSON string and parses
   * it back (BsonDocument.parse), which was a twentieth of the inbound path's CPU. Write errors fail the whole result
   * as a bulk write does (the others are applied: unordered), with the first error's code.
   */
  private Future<MongoClientBulkWriteResult> updateCommand(String collection, List<BulkOperation> ops, boolean majority) {
    JsonArray updates = new JsonArray();
    for (BulkOperation op : ops) {
      updates.add(new JsonObject().put("q", op.getFilter()).put("u", op.getDocument())
          .put("upsert", op.isUpsert()).put("multi", op.getType() == io.vertx.ext.mongo.BulkOperationType.UPDATE && op.isMulti()));
    }
    JsonObject command = new JsonObject().put("update", collection).put("updates", updates).put("ordered", false);
    if (majority) command.put("writeConcern", new JsonObject().put("w", "majority"));
    return client.runCommand("update", command).compose(reply -> {
      JsonArray errors = reply.getJsonArray("writeErrors");
      if (errors != null && !errors.isEmpty()) {
        JsonObject first = errors.getJsonObject(0);
        return Future.failedFuture(new MongoException(first.getInteger("code", -1), first.getString("errmsg", "write error")));
      }
      if (reply.getJsonObject("writeConcernError") != null) {
        return Future.failedFuture(new MongoException(reply.getJsonObject("writeConcernError").getInteger("code", -1),
            reply.getJsonObject("writeConcernError").getString("errmsg", "write concern error")));
      }
      JsonArray upserted = reply.getJsonArray("upserted", new JsonArray());
      List<JsonObject> upserts = new java.util.ArrayList<>();
      for (Object u : upserted) upserts.add((JsonObject) u);
      long n = reply.getLong("n", 0L);
      return Future.succeededFuture(new MongoClientBulkWriteResult(0, n - upserts.size(), 0, reply.getLong("nModified", 0L),
          upserts, List.of()));
    });
  }

  /**
   * The next number (1, 2, 3...) of the counter {@code scope} in the caller's counter collection, atomically: one
   * {@code $inc} on the counter document, created by the first call. Two first calls racing on a real MongoDB may see
   * a duplicate key on the upsert: the loser tries once more.
   */
  public Future<Long> nextSeq(String counters, String scope) {
    return increment(counters, scope).recover(err -> isDuplicateKey(err) ? increment(counters, scope) : Future.failedFuture(err))
        .recover(Mongo::mapError)
        .map(doc -> ((Number) doc.getValue("seq")).longValue());
  }

  private Future<JsonObject> increment(String counters, String scope) {
    return client.findOneAndUpdateWithOptions(counters, new JsonObject().put("_id", scope),
        new JsonObject().put("$inc", new JsonObject().put("seq", 1L)), new io.vertx.ext.mongo.FindOptions(),
        new io.vertx.ext.mongo.UpdateOptions().setUpsert(true).setReturningNewDocument(true).setWriteOption(durableWrite()));
  }

  private static <T extends Throwable> T findCause(Throwable err, Class<T> type) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (type.isInstance(t)) return type.cast(t);
    }
    return null;
  }

  public Future<Void> ping() {
    return client.runCommand("ping", new JsonObject().put("ping", 1)).mapEmpty();
  }

  public Future<Void> createIndex(String collection, JsonObject keys, IndexOptions options) {
    return client.createIndexWithOptions(collection, keys, options).recover(Mongo::mapError);
  }

  public void close() {
    client.close();
  }

  // ---- errors

  public static boolean isDuplicateKey(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (t instanceof MongoWriteException we && we.getError().getCode() == DUPLICATE_KEY) return true;
      if (t instanceof MongoBulkWriteException be
          && be.getWriteErrors().stream().anyMatch(e -> e.getCode() == DUPLICATE_KEY)) return true;
      if (t instanceof MongoException me && me.getCode() == DUPLICATE_KEY) return true;
      if (t instanceof CrmException ce && ce.code() == ErrorCode.DUPLICATE_RESOURCE) return true; // already mapped
    }
    return false;
  }

  /** Maps a driver failure to the API error it means: duplicate key -> 409, anything else from the driver -> 503. */
  public static <T> Future<T> mapError(Throwable err) {
    if (err instanceof CrmException) return Future.failedFuture(err);
    if (isDuplicateKey(err)) {
      return Future.failedFuture(new CrmException(ErrorCode.DUPLICATE_RESOURCE, "Resource already exists"));
    }
    if (err instanceof MongoException) {
      return Future.failedFuture(new CrmException(ErrorCode.DATABASE_ERROR, "Database operation failed"));
    }
    // the driver refuses to encode a document (over 16 MiB, a value with no codec) before sending it: that write alone
    if (findCause(err, org.bson.BSONException.class) != null
        || findCause(err, org.bson.codecs.configuration.CodecConfigurationException.class) != null) {
      return Future.failedFuture(new CrmException(ErrorCode.VALIDATION_FAILED, "The document cannot be stored: too large or not encodable"));
    }
    return Future.failedFuture(err);
  }

  // ---- ids and dates

  public static boolean isObjectId(String s) {
    if (s == null || s.length() != 24) return false;
    for (int i = 0; i < 24; i++) {
      char c = s.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) return false;
    }
    return true;
  }

  public static String newId() {
    return new org.bson.types.ObjectId().toHexString();
  }

  public static JsonObject date(Instant instant) {
    return new JsonObject().put("$date", instant.truncatedTo(ChronoUnit.MILLIS).toString());
  }

  public static JsonObject now() {
    return date(Instant.now());
  }

  /** A stored date value as an Instant (null when absent or unreadable). */
  public static Instant instant(Object value) {
    try {
      if (value instanceof JsonObject o && o.containsKey("$date")) {
        Object d = o.getValue("$date");
        if (d instanceof Number n) return Instant.ofEpochMilli(n.longValue());
        return parseInstant(d.toString());
      }
      if (value instanceof String s) return parseInstant(s);
      if (value instanceof Instant i) return i;
    } catch (DateTimeParseException e) {
      return null;
    }
    return null;
  }

  /**
   * A stored document as API JSON: {@code {$date}} values become ISO-8601 strings (UTC, {@code Z}),
   * {@code {$oid}} values hex strings, and a top-level {@code id} mirrors {@code _id}.
   */
  public static JsonObject toApi(JsonObject doc) {
    if (doc == null) return null;
    JsonObject out = (JsonObject) plain(doc);
    if (out.containsKey("_id")) out.put("id", out.getValue("_id"));
    return out;
  }

  /**
   * Whether a date string is already what {@code Instant.toString()} writes for a millisecond instant
   * ({@code 2026-01-31T10:00:00.123Z}): the driver writes most dates so, and parsing and writing each one again was a
   * quarter of the time of reading a page of messages.
   */
  private static final int[] INSTANT_DIGITS = {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22};

  static boolean isCanonicalInstant(String d) {
    if (d.length() != 24 || d.charAt(23) != 'Z' || d.charAt(19) != '.' || d.charAt(10) != 'T' || d.charAt(4) != '-'
        || d.charAt(7) != '-' || d.charAt(13) != ':' || d.charAt(16) != ':') return false;
    for (int i : INSTANT_DIGITS) {
      if (d.charAt(i) < '0' || d.charAt(i) > '9') return false;
    }
    return true;
  }

  /**
   * {@link Instant#parse}, with a fast path for what {@code Instant.toString()} writes at second or millisecond
   * precision ({@code 2026-01-31T10:00:00Z}, {@code 2026-01-31T10:00:00.123Z}): every stored date and every timestamp
   * on the bus has that form, and the general parser cost a tenth of the inbound path's event-loop time.
   */
  static Instant parseInstant(String s) {
    int n = s.length();
    if ((n == 20 || n == 24) && s.charAt(n - 1) == 'Z' && s.charAt(4) == '-' && s.charAt(7) == '-' && s.charAt(10) == 'T'
        && s.charAt(13) == ':' && s.charAt(16) == ':' && (n == 20 || s.charAt(19) == '.')) {
      int year = digits(s, 0, 4), month = digits(s, 5, 2), day = digits(s, 8, 2);
      int hour = digits(s, 11, 2), minute = digits(s, 14, 2), second = digits(s, 17, 2);
      int millis = n == 24 ? digits(s, 20, 3) : 0;
      if (year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= lengthOfMonth(year, month) && hour >= 0 && hour < 24
          && minute >= 0 && minute < 60 && second >= 0 && second < 60 && millis >= 0) {
        long days = java.time.LocalDate.of(year, month, day).toEpochDay();
        return Instant.ofEpochSecond(days * 86_400 + hour * 3_600L + minute * 60L + second, millis * 1_000_000L);
      }
    }
    return Instant.parse(s);
  }

  /** The decimal number in {@code s[from, from + count)}, or -1 when one of them is not a digit. */
  private static int digits(String s, int from, int count) {
    int v = 0;
    for (int i = from; i < from + count; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') return -1;
      v = v * 10 + (c - '0');
    }
    return v;
  }

  private static int lengthOfMonth(int year, int month) {
    return switch (month) {
      case 2 -> java.time.Year.isLeap(year) ? 29 : 28;
      case 4, 6, 9, 11 -> 30;
      default -> 31;
    };
  }

  private static Object plain(Object value) {
    if (value instanceof JsonObject o) {
      if (o.size() == 1 && o.containsKey("$date")) {
        if (o.getValue("$date") instanceof String d && isCanonicalInstant(d)) return d; // as Instant.toString() writes it
        Instant i = instant(o);
        return i == null ? o.getValue("$date") : i.toString();
      }
      if (o.size() == 1 && o.containsKey("$oid")) return o.getString("$oid");
      JsonObject out = new JsonObject();
      for (Map.Entry<String, Object> e : o) out.put(e.getKey(), plain(e.getValue()));
      return out;
    }
    if (value instanceof JsonArray a) {
      JsonArray out = new JsonArray();
      for (Object v : a) out.add(plain(v));
      return out;
    }
    return value;
  }

  /**
   * Whether a verticle keeps its in-memory list index ({@code INBOX_LIST_INDEX}, {@code TICKET_LIST_INDEX}):
   * {@code memory} always, {@code database} never, {@code auto} when this node runs the embedded database and is not
   * clustered, so that it is the only writer of the collection (the embedded server keeps no secondary indexes).
   */
  public static boolean useMemoryIndex(String mode, io.vertx.core.json.JsonObject config, io.vertx.core.Vertx vertx) {
    return switch (mode == null ? "auto" : mode) {
      case "memory" -> true;
      case "database" -> false;
      default -> soleWriter(config, vertx);
    };
  }

  /** Whether this node is its database's only writer (the embedded server, not clustered): it may keep what it wrote in memory. */
  public static boolean soleWriter(io.vertx.core.json.JsonObject config, io.vertx.core.Vertx vertx) {
    return config.getBoolean("EMBEDDED_DB", false) && !vertx.isClustered();
  }
}
