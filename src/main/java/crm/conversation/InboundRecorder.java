package crm.conversation;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.customer.Phone;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a batch of parsed inbound WhatsApp messages (see {@code crm.whatsapp.InboundParser}) into customers,
 * conversations and messages with a fixed number of round trips per batch, whatever its size: customers upserted
 * together, active conversations found or opened together, messages inserted together (a WhatsApp id already stored
 * is skipped, so redelivery changes nothing), counters moved only by what was really inserted.
 */
final class InboundRecorder {
  private final CustomerStore customers;
  private final ConversationStore conversations;
  private final MessageStore messages;
  private final Bus bus;
  private final boolean aiEnabledByDefault;
  private final crm.analytics.Marks marks;

  InboundRecorder(CustomerStore customers, ConversationStore conversations, MessageStore messages, Bus bus,
                  boolean aiEnabledByDefault) {
    this.marks = new crm.analytics.Marks(bus);
    this.customers = customers;
    this.conversations = conversations;
    this.messages = messages;
    this.bus = bus;
    this.aiEnabledByDefault = aiEnabledByDefault;
  }

  /** {messages:[parsed...]} -> {results:[{waMessageId, messageId, conversationId, inserted, attachments:[pending...]}]} */
  Future<JsonObject> record(JsonObject body) {
    List<JsonObject> all = new ArrayList<>();
    for (Object o : body.getJsonArray("messages", new JsonArray())) if (o instanceof JsonObject m) all.add(m);
    List<JsonObject> reactions = all.stream().filter(m -> m.getJsonObject("reaction") != null).toList();
    List<JsonObject> parsed = all.stream().filter(m -> m.getJsonObject("reaction") == null && m.getString("from") != null).toList();

    Map<String, CustomerStore.Contact> contacts = new LinkedHashMap<>();
    for (JsonObject m : parsed) {
      String phone = phoneOf(m);
      JsonObject at = Mongo.date(instantOf(m));
      contacts.merge(phone, new CustomerStore.Contact(phone, m.getString("from"), m.getString("profileName"), at),
          (a, b) -> Mongo.instant(b.lastAt()).isAfter(Mongo.instant(a.lastAt())) ? b : a);
    }
    Future<JsonArray> results = contacts.isEmpty() ? Future.succeededFuture(new JsonArray())
        : customers.upsertInbound(contacts.values()).compose(byPhone -> {
          List<String> ids = byPhone.values().stream().map(c -> c.getString("_id")).distinct().toList();
          return conversations.activeFor(ids, aiEnabledByDefault).compose(opened ->
              customers.countConversations(opened.created().stream().map(c -> c.getString("customerId")).toList())
                  .map(opened))
              .compose(opened -> storeMessages(parsed, byPhone, opened));
        });
    return results.compose(res -> applyReactions(reactions).map(v -> new JsonObject().put("results", res)));
  }

  /**
   * Numbers the messages and counts them into their conversations with one write per conversation, then inserts them
   * with one write; messages already stored (a redelivery) are skipped by the insert and taken back out of the
   * counts. So the common case costs one write per conversation plus one, and a redelivery one more.
   */
  private Future<JsonArray> storeMessages(List<JsonObject> parsed, Map<String, JsonObject> byPhone,
                                          ConversationStore.Opened opened) {
    List<String> contextIds = parsed.stream().map(m -> m.getJsonObject("context"))
        .filter(c -> c != null && c.getString("messageId") != null).map(c -> c.getString("messageId")).distinct().toList();
    return messages.byWamids(contextIds).compose(quoted -> {
      Map<String, JsonObject> conversationsById = new HashMap<>();
      opened.byCustomer().values().forEach(c -> conversationsById.put(c.getString("_id"), c));
      List<JsonObject> docs = new ArrayList<>();
      List<JsonObject> customerOf = new ArrayList<>();
      for (JsonObject m : parsed) {
        JsonObject customer = byPhone.get(phoneOf(m));
        JsonObject conversation = opened.byCustomer().get(customer.getString("_id"));
        docs.add(messageDoc(m, customer, conversation, quoted));
        customerOf.add(customer);
      }
      Map<String, ConversationStore.Activity> activity = activity(docs);
      JsonObject now = Mongo.now();
      return conversations.reserveWithActivity(activity.values(), now)
          .compose(first -> {
            MessageStore.number(docs, first);
            // analytics counts these conversations' messages from their numbers on, once they are stored (the body is
            // replayed if either write is lost, so the mark need not come first)
            Future<Void> marked = marks.conversations(activity.keySet());
            // counted but not stored: uncounted before the failure is passed on (the batch is tried again later), and
            // the numbers reserved for them will hold nothing
            Future<BitSet> stored = messages.insertAll(docs).recover(err -> Future.all(
                    conversations.uncount(countsOf(activity.values())), marks.gaps(gaps(docs, null)))
                .transform(v -> Future.failedFuture(err)));
            return Future.all(marked, stored).map(v -> stored.result());
          })
          .compose(inserted -> {
            Map<String, Integer> notInserted = new HashMap<>();
            Set<String> changed = new HashSet<>();
            for (int i = 0; i < docs.size(); i++) {
              if (inserted.get(i)) changed.add(docs.get(i).getString("conversationId"));
              else notInserted.merge(docs.get(i).getString("conversationId"), 1, Integer::sum);
            }
            conversations.indexActivity(activity.values().stream().filter(a -> changed.contains(a.conversationId())).toList(), now);
            return (notInserted.isEmpty() ? Future.<Void>succeededFuture()
                    : Future.all(conversations.uncount(notInserted), marks.gaps(gaps(docs, inserted))).<Void>mapEmpty())
                .map(v -> announce(docs, customerOf, inserted, opened, conversationsById));
          })
          .compose(results -> withStoredMedia(results));
    });
  }

  /** What the messages do to their conversations: how many, and the latest one. */
  private static Map<String, ConversationStore.Activity> activity(List<JsonObject> docs) {
    Map<String, ConversationStore.Activity> activity = new LinkedHashMap<>();
    for (JsonObject doc : docs) {
      JsonObject last = new JsonObject().put("content", doc.getString("content"))
          .put("timestamp", Mongo.instant(doc.getValue("timestamp")).toString()).put("from", "customer")
          .put("type", doc.getString("type"));
      activity.merge(doc.getString("conversationId"),
          new ConversationStore.Activity(doc.getString("conversationId"), 1, 0, last, doc.getJsonObject("timestamp")),
          (a, b) -> new ConversationStore.Activity(a.conversationId(), a.inbound() + 1, 0,
              Mongo.instant(b.lastAt()).isBefore(Mongo.instant(a.lastAt())) ? a.lastMessage() : b.lastMessage(),
              Mongo.instant(b.lastAt()).isBefore(Mongo.instant(a.lastAt())) ? a.lastAt() : b.lastAt()));
    }
    return activity;
  }

  /** The numbers of the messages not inserted (all when {@code inserted} is null), by conversation. */
  private static Map<String, List<Long>> gaps(List<JsonObject> docs, BitSet inserted) {
    Map<String, List<Long>> out = new HashMap<>();
    for (int i = 0; i < docs.size(); i++) {
      if (inserted != null && inserted.get(i)) continue;
      out.computeIfAbsent(docs.get(i).getString("conversationId"), k -> new ArrayList<>()).add(docs.get(i).getLong("seq"));
    }
    return out;
  }

  private static Map<String, Integer> countsOf(Collection<ConversationStore.Activity> activities) {
    Map<String, Integer> out = new HashMap<>();
    for (ConversationStore.Activity a : activities) out.put(a.conversationId(), a.inbound());
    return out;
  }

  /** The results; a {@code conversation:new_message} for each message really inserted; then conversation:created. */
  private JsonArray announce(List<JsonObject> docs, List<JsonObject> customerOf, BitSet inserted, ConversationStore.Opened opened,
                             Map<String, JsonObject> conversationsById) {
    JsonArray results = new JsonArray();
    for (int i = 0; i < docs.size(); i++) {
      JsonObject doc = docs.get(i);
      boolean isNew = inserted.get(i);
      JsonObject result = new JsonObject().put("waMessageId", doc.getString("whatsappMessageId"))
          .put("messageId", doc.getString("_id")).put("conversationId", doc.getString("conversationId")).put("inserted", isNew);
      if (isNew) result.put("attachments", pendingAttachments(doc));
      results.add(result);
    }
    for (int i = inserted.nextSetBit(0); i >= 0; i = inserted.nextSetBit(i + 1)) {
      JsonObject customer = customerOf.get(i);
      if (customer.getBoolean("isBlocked", false)) continue; // stored, but nobody is interrupted by it
      String conversationId = docs.get(i).getString("conversationId");
      JsonObject conversation = conversationsById.getOrDefault(conversationId, new JsonObject().put("_id", conversationId));
      bus.publish(Addresses.EVT_CONVERSATION_NEW_MESSAGE, newMessageEvent(messages, docs.get(i), customer, conversation));
    }
    for (JsonObject created : opened.created()) {
      bus.publish(Addresses.EVT_CONVERSATION_CREATED, new JsonObject().put("conversationId", created.getString("_id"))
          .put("customerId", created.getString("customerId")));
    }
    return results;
  }

  /**
   * For messages that were already stored (a replay after a crash), reports the attachments still pending on the
   * stored copy, so their download is scheduled even if the crash came before it was.
   */
  private Future<JsonArray> withStoredMedia(JsonArray results) {
    List<String> dup = new ArrayList<>();
    for (Object o : results) {
      JsonObject r = (JsonObject) o;
      if (!r.getBoolean("inserted")) dup.add(r.getString("waMessageId"));
    }
    if (dup.isEmpty()) return Future.succeededFuture(results);
    return messages.byWamids(dup).map(stored -> {
      for (Object o : results) {
        JsonObject r = (JsonObject) o;
        JsonObject doc = stored.get(r.getString("waMessageId"));
        if (r.getBoolean("inserted") || doc == null) continue;
        r.put("messageId", doc.getString("_id")).put("conversationId", doc.getString("conversationId"))
            .put("attachments", pendingAttachments(doc));
      }
      return results;
    });
  }

  static JsonArray pendingAttachments(JsonObject doc) {
    JsonArray pending = new JsonArray();
    JsonArray atts = doc.getJsonArray("attachments", new JsonArray());
    for (int a = 0; a < atts.size(); a++) {
      JsonObject att = atts.getJsonObject(a);
      if ("pending".equals(att.getString("status"))) pending.add(att.copy().put("index", a));
    }
    return pending;
  }

  /** The spec's {@code conversation:new_message} payload, plus routing hints for the socket bridge. */
  static JsonObject newMessageEvent(MessageStore messages, JsonObject messageDoc, JsonObject customer, JsonObject conversation) {
    JsonObject m = messages.api(messageDoc);
    JsonObject message = new JsonObject().put("id", m.getString("_id")).put("_id", m.getString("_id"))
        .put("content", m.getString("content")).put("type", m.getString("type"))
        .put("direction", m.getString("direction")).put("timestamp", m.getString("timestamp"))
        .put("status", m.getString("status"));
    for (String f : List.of("attachments", "location", "whatsappMessageId", "metadata", "replyTo", "agent")) {
      if (m.getValue(f) != null) message.put(f, m.getValue(f));
    }
    JsonObject event = new JsonObject().put("conversationId", messageDoc.getString("conversationId"))
        .put("message", message).put("customer", CustomerStore.summary(customer));
    if (conversation.getString("assignedAgentId") != null) event.put("assignedAgentId", conversation.getString("assignedAgentId"));
    if (conversation.containsKey("isAIEnabled")) event.put("isAIEnabled", conversation.getBoolean("isAIEnabled"));
    // for the assistant (crm.assistant): which message of the conversation this is; not part of the socket event
    if (messageDoc.getValue("seq") != null) event.put("seq", messageDoc.getLong("seq"));
    return event;
  }

  private Future<Void> applyReactions(List<JsonObject> reactions) {
    List<Future<JsonObject>> updates = new ArrayList<>();
    for (JsonObject r : reactions) {
      JsonObject reaction = r.getJsonObject("reaction");
      if (reaction.getString("messageId") == null) continue;
      updates.add(messages.react(reaction.getString("messageId"), reaction.getString("emoji", ""), Mongo.date(instantOf(r)))
          .onSuccess(doc -> {
            if (doc != null) {
              bus.publish(Addresses.EVT_MESSAGE_UPDATED, new JsonObject()
                  .put("conversationId", doc.getString("conversationId")).put("message", messages.api(doc)));
            }
          }));
    }
    return Future.all(updates).mapEmpty();
  }

  private static JsonObject messageDoc(JsonObject m, JsonObject customer, JsonObject conversation, Map<String, JsonObject> quoted) {
    JsonObject now = Mongo.now();
    JsonObject metadata = m.getJsonObject("metadata", new JsonObject()).copy();
    if (m.getString("waType") != null) metadata.put("waType", m.getString("waType"));
    if (m.getString("phoneNumberId") != null) metadata.put("phoneNumberId", m.getString("phoneNumberId"));
    JsonObject doc = new JsonObject()
        .put("_id", Mongo.newId())
        .put("conversationId", conversation.getString("_id"))
        .put("customerId", customer.getString("_id"))
        .put("whatsappMessageId", m.getString("waMessageId"))
        .put("direction", "inbound")
        .put("type", m.getString("type", "text"))
        .put("content", m.getString("content", ""))
        .put("state", MessageStore.state("delivered"))
        .put("timestamp", Mongo.date(instantOf(m)))
        .put("createdAt", now).put("updatedAt", now);
    JsonArray attachments = new JsonArray();
    for (Object o : m.getJsonArray("attachments", new JsonArray())) {
      if (!(o instanceof JsonObject a)) continue;
      JsonObject att = a.copy().put("status", "pending").put("url", (String) null).put("size", 0);
      if (att.getString("filename") == null) att.put("filename", a.getString("mediaId", "media"));
      attachments.add(att);
    }
    if (!attachments.isEmpty()) doc.put("attachments", attachments);
    if (m.getJsonObject("location") != null) doc.put("location", m.getJsonObject("location"));
    JsonObject context = m.getJsonObject("context");
    if (context != null) {
      metadata.put("context", context);
      // a context without a usable id quotes nothing (the quoted-message map may not take null keys)
      Object quotedId = context.getValue("messageId");
      JsonObject target = quotedId instanceof String id ? quoted.get(id) : null;
      if (target != null) doc.put("replyTo", target.getString("_id"));
    }
    doc.put("metadata", metadata);
    return doc;
  }

  static String phoneOf(JsonObject parsed) {
    String from = parsed.getString("from");
    String normalized = Phone.normalize(from);
    return normalized == null ? from : Phone.canonical(normalized);
  }

  private static Instant instantOf(JsonObject parsed) {
    Instant at = Mongo.instant(parsed.getString("timestamp"));
    return at == null ? Instant.now() : at;
  }
}
