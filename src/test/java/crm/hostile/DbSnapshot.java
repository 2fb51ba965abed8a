package crm.hostile;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Every document of every collection, read through a MongoClient of our own connected to the app's database
 * ({@code MONGO_URI}/{@code MONGO_DB} of its deployed configuration), for before/after comparisons of a class.
 */
final class DbSnapshot {
  /**
   * Written by every login and refresh (the sentinel's, the throwaway sessions' the auth routes need, and the base
   * bodies of /auth/login and /auth/refresh): not evidence of anything.
   */
  static final Set<String> VOLATILE_COLLECTIONS = Set.of("refresh_tokens");
  /** Fields a login moves on the agent who logs in. */
  static final Set<String> VOLATILE_AGENT_FIELDS = Set.of("lastLogin");

  /** collection -> _id -> the document, encoded. */
  final Map<String, Map<String, String>> docs;

  private DbSnapshot(Map<String, Map<String, String>> docs) {
    this.docs = docs;
  }

  static MongoClient client(Vertx vertx, JsonObject deployedConfig) {
    return MongoClient.create(vertx, new JsonObject()
        .put("connection_string", deployedConfig.getString("MONGO_URI"))
        .put("db_name", deployedConfig.getString("MONGO_DB", "crm"))
        .put("serverSelectionTimeoutMS", 3000).put("connectTimeoutMS", 3000).put("socketTimeoutMS", 10_000));
  }

  static DbSnapshot take(MongoClient db) {
    try {
      Map<String, Map<String, String>> out = new TreeMap<>();
      for (String coll : db.getCollections().await(10, TimeUnit.SECONDS)) {
        if (VOLATILE_COLLECTIONS.contains(coll)) continue;
        Map<String, String> byId = new TreeMap<>();
        for (JsonObject d : db.find(coll, new JsonObject()).await(15, TimeUnit.SECONDS)) {
          if (coll.equals("agents")) VOLATILE_AGENT_FIELDS.forEach(d::remove);
          byId.put(String.valueOf(d.getValue("_id")), d.encode());
        }
        out.put(coll, byId);
      }
      return new DbSnapshot(out);
    } catch (Exception e) {
      throw new IllegalStateException("database could not be read: " + e, e);
    }
  }

  /** One document that differs. */
  record Change(String collection, String id, String kind, String before, String after) {
    String describe() {
      return collection + "/" + id + " " + kind + (before == null ? "" : "\n        before " + Wire.shorten(before, 400))
          + (after == null ? "" : "\n        after  " + Wire.shorten(after, 400));
    }
  }

  List<Change> diff(DbSnapshot after) {
    List<Change> out = new ArrayList<>();
    Set<String> colls = new java.util.TreeSet<>(docs.keySet());
    colls.addAll(after.docs.keySet());
    for (String c : colls) {
      Map<String, String> a = docs.getOrDefault(c, Map.of());
      Map<String, String> b = after.docs.getOrDefault(c, Map.of());
      for (Map.Entry<String, String> e : a.entrySet()) {
        String now = b.get(e.getKey());
        if (now == null) out.add(new Change(c, e.getKey(), "REMOVED", e.getValue(), null));
        else if (!now.equals(e.getValue())) out.add(new Change(c, e.getKey(), "CHANGED", e.getValue(), now));
      }
      for (Map.Entry<String, String> e : b.entrySet()) {
        if (!a.containsKey(e.getKey())) out.add(new Change(c, e.getKey(), "ADDED", null, e.getValue()));
      }
    }
    return out;
  }

  boolean sameAs(DbSnapshot other) {
    return docs.equals(other.docs);
  }

  /**
   * Problems in one stored document: a name that starts with {@code $} (other than the driver's typed values such as
   * {@code $date}) or holds a dot, at any depth: an operator or a path that was stored instead of refused.
   */
  static List<String> badNames(String encoded) {
    List<String> out = new ArrayList<>();
    walk(new JsonObject(encoded), "", out);
    return out;
  }

  private static final Set<String> TYPED = Set.of("$date", "$oid", "$binary", "$numberLong", "$numberDecimal", "$numberInt",
      "$numberDouble", "$timestamp", "$regularExpression", "$uuid");

  private static void walk(Object v, String path, List<String> out) {
    if (v instanceof JsonObject o) {
      for (Map.Entry<String, Object> e : o) {
        String k = e.getKey();
        String p = path.isEmpty() ? k : path + "." + k;
        if ((k.startsWith("$") && !(TYPED.contains(k) && o.size() <= 2)) || k.contains(".")) out.add("name '" + k + "' at " + path);
        walk(e.getValue(), p, out);
      }
    } else if (v instanceof JsonArray a) {
      for (int i = 0; i < a.size(); i++) walk(a.getValue(i), path + "[" + i + "]", out);
    }
  }
}
