package crm.conversation;

import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.FindOptions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the messages stored before messages were numbered their number in their conversation (in timestamp order),
 * once per database: a document in {@code migrations} says it is done, and a cluster-wide lock keeps two starting
 * nodes from doing it twice. Runs before the verticle serves anything, so no new message is numbered in between.
 */
final class MessageNumbering {
  private static final Logger log = LoggerFactory.getLogger(MessageNumbering.class);
  static final String MIGRATIONS = "migrations";
  static final String ID = "messages.seq";

  private MessageNumbering() {}

  static Future<Integer> run(Vertx vertx, Mongo mongo, ConversationStore conversations) {
    JsonObject marker = new JsonObject().put("_id", ID);
    return done(mongo).compose(done -> done ? Future.succeededFuture(0)
        : vertx.sharedData().withLock("crm.migration." + ID, 600_000, () -> done(mongo).compose(again -> again
            ? Future.succeededFuture(0)
            : number(mongo, conversations).compose(n -> mongo.insertDurable(MIGRATIONS,
                marker.copy().put("numbered", n).put("at", Mongo.now())).map(n)))));
  }

  private static Future<Boolean> done(Mongo mongo) {
    return mongo.client().findOne(MIGRATIONS, new JsonObject().put("_id", ID), null).recover(Mongo::mapError).map(d -> d != null);
  }

  private static Future<Integer> number(Mongo mongo, ConversationStore conversations) {
    JsonObject unnumbered = new JsonObject().put("seqKey", new JsonObject().put("$exists", false));
    FindOptions fields = new FindOptions().setFields(new JsonObject().put("conversationId", 1).put("timestamp", 1));
    return mongo.client().findWithOptions(MessageStore.COLLECTION, unnumbered, fields).recover(Mongo::mapError).compose(found -> {
      if (found.isEmpty()) return Future.succeededFuture(0);
      log.info("numbering {} messages stored before messages were numbered", found.size());
      Map<String, List<JsonObject>> byConversation = new LinkedHashMap<>();
      for (JsonObject m : found) {
        if (m.getString("conversationId") != null) byConversation.computeIfAbsent(m.getString("conversationId"), k -> new ArrayList<>()).add(m);
      }
      Comparator<JsonObject> order = Comparator.comparing((JsonObject m) -> {
        Instant at = Mongo.instant(m.getValue("timestamp"));
        return at == null ? Instant.EPOCH : at;
      }).thenComparing(m -> m.getString("_id"));
      List<String> ids = new ArrayList<>(byConversation.keySet());
      Future<Integer> chain = Future.succeededFuture(0);
      for (int from = 0; from < ids.size(); from += 200) {
        List<String> chunk = ids.subList(from, Math.min(ids.size(), from + 200));
        chain = chain.compose(sofar -> {
          Map<String, Integer> counts = new HashMap<>();
          for (String id : chunk) counts.put(id, byConversation.get(id).size());
          return conversations.reserveSeqs(counts).compose(first -> {
            List<BulkOperation> ops = new ArrayList<>();
            for (String id : chunk) {
              if (!first.containsKey(id)) continue; // messages of a conversation that is gone: nobody pages them
              List<JsonObject> list = byConversation.get(id);
              list.sort(order);
              long seq = first.get(id);
              for (JsonObject m : list) {
                ops.add(BulkOperation.createUpdate(new JsonObject().put("_id", m.getString("_id")), new JsonObject().put("$set",
                    new JsonObject().put("seq", seq).put("seqKey", MessageStore.seqKey(id, seq)))));
                seq++;
              }
            }
            return mongo.bulk(MessageStore.COLLECTION, ops, true).map(r -> sofar + ops.size());
          });
        });
      }
      return chain;
    });
  }
}
