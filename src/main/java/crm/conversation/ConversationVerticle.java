package crm.conversation;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.Check;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.customer.Phone;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/** The inbox domain: customers, conversations and messages, as the WhatsApp verticle and (later) the REST API use them. */
public final class ConversationVerticle extends VerticleBase {
  static final Duration SERVICE_WINDOW = Duration.ofHours(24);
  private static final Set<String> OUTBOUND_TYPES = Set.of("text", "template", "image", "document", "audio", "video", "reaction", "read");

  private Mongo mongo;
  private CustomerStore customers;
  private ConversationStore conversations;
  private MessageStore messages;
  private InboundRecorder inbound;
  private Bus bus;
  private final crm.storage.StoreChanges storeChanges;
  private SeqCapture seqs;
  private final List<ReadCache> caches = new ArrayList<>();
  private MessageCounts counts;
  private crm.analytics.Marks marks;

  /** {@code storeChanges}: the embedded store's change feed (null with MONGO_URI), which the read caches need. */
  public ConversationVerticle(crm.storage.StoreChanges storeChanges) {
    this.storeChanges = storeChanges;
  }

  public ConversationVerticle() {
    this(null);
  }

  @Override
  public Future<?> start() {
    mongo = new Mongo(vertx, config());
    customers = new CustomerStore(mongo);
    bus = new Bus(vertx);
    marks = new crm.analytics.Marks(bus);
    conversations = new ConversationStore(mongo, marks);
    messages = new MessageStore(mongo, crm.files.FileLinks.create(vertx, config()));
    // with no assistant configured, new conversations go to people (AI off), whatever CONVERSATION_AI_DEFAULT says
    boolean aiDefault = config().getBoolean("CONVERSATION_AI_DEFAULT", true) && crm.assistant.LlmConfig.fromJson(config()).configured();
    inbound = new InboundRecorder(customers, conversations, messages, bus, aiDefault);
    CustomerApi customerApi = new CustomerApi(mongo, customers, bus);
    customerApi.serve();
    ConversationIndex index = Mongo.useMemoryIndex(config().getString("INBOX_LIST_INDEX"), config(), vertx)
        ? new ConversationIndex(mongo) : null;
    if (index != null) {
      conversations.keep(index);
      bus.serveLocal(Addresses.CONVERSATION_REINDEX, b -> {
        JsonArray ids = b.getJsonArray("ids");
        return (ids == null ? index.load() : index.refresh(ids.stream().map(String::valueOf).toList()))
            .map(v -> new JsonObject().put("indexed", index.size()));
      });
    }
    if (index != null && storeChanges != null) {
      // this node is the embedded store's only user (as for the index): reads may keep exact copies
      String db = config().getString("MONGO_DB", "crm") + ".";
      // bounded by count (documents and their API forms; a page is up to 51 messages): under 200 MB when all full,
      // estimated from the demo data (about 2 kB a conversation, 1 kB a customer, 1.2 kB a message, per form)
      ReadCache conversationCache = new ReadCache(db + ConversationStore.COLLECTION, d -> d.get("_id"), 10_000, 2);
      ReadCache customerCache = new ReadCache(db + CustomerStore.COLLECTION, d -> d.get("_id"), 10_000, 2);
      ReadCache pageCache = new ReadCache(db + MessageStore.COLLECTION, d -> d.get("conversationId"), 500, 4);
      conversations.cache(conversationCache);
      customers.cache(customerCache);
      messages.cache(pageCache);
      caches.addAll(List.of(conversationCache, customerCache, pageCache));
      caches.forEach(storeChanges::add);
      seqs = new SeqCapture(db + ConversationStore.COLLECTION);
      storeChanges.add(seqs);
      conversations.numberFrom(seqs);
      counts = new MessageCounts(db + MessageStore.COLLECTION);
    }
    ConversationApi conversationApi = new ConversationApi(vertx, mongo, customers, conversations, messages, index, bus,
        config().getBoolean("ASSIGN_ALLOW_OFFLINE", false));
    conversationApi.serve();
    if (config().getBoolean("AUTO_ASSIGN", false)) {
      int cap = config().getInteger("AUTO_ASSIGN_MAX_PER_AGENT", 10);
      conversationApi.autoAssignAfterHandoff(cap);
      // local: the node that opened the conversation assigns it, once
      vertx.eventBus().<JsonObject>localConsumer(Addresses.EVT_CONVERSATION_CREATED,
          m -> conversationApi.autoAssign(m.body().getString("conversationId"), cap));
    }
    // whoever changes a customer or a conversation says so; every node forgets its cached copy
    vertx.eventBus().<JsonObject>consumer(Addresses.EVT_CUSTOMER_UPDATED, m -> {
      if (m.body() != null && m.body().getString("customerId") != null) customers.evict(m.body().getString("customerId"));
    });
    vertx.eventBus().<JsonObject>consumer(Addresses.EVT_CONVERSATION_UPDATED, m -> {
      if (m.body() != null) conversations.evict(m.body().getString("conversationId"), m.body().getString("customerId"));
    });
    return Future.all(customers.ensureIndexes(), conversations.ensureIndexes(), messages.ensureIndexes())
        .compose(v -> MessageNumbering.run(vertx, mongo, conversations))
        .compose(v -> Future.all(List.of(
            bus.serve(Addresses.CONVERSATION_RECORD_INBOUND, inbound::record).completion(),
            bus.serve(Addresses.CONVERSATION_RECORD_STATUSES, this::recordStatuses).completion(),
            bus.serve(Addresses.CONVERSATION_ATTACHMENT_READY, this::attachmentReady).completion(),
            bus.serve(Addresses.CONVERSATION_PREPARE_OUTBOUND, this::prepareOutbound).completion(),
            bus.serve(Addresses.CONVERSATION_OUTBOUND_RESULT, this::outboundResult).completion(),
            bus.serve(Addresses.CONVERSATION_STATS, this::stats).completion(),
            bus.serve(Addresses.CONVERSATION_ANALYTICS_FACTS, this::analyticsFacts).completion(),
            bus.serve(Addresses.CONVERSATION_ANALYTICS_IDS, b -> conversations.allIds()
                .map(ids -> new JsonObject().put("ids", new JsonArray(ids)))).completion())))
        // statuses for messages that never appear (sent from another tool on the same number) are not kept forever
        .onSuccess(v -> vertx.setPeriodic(3_600_000, id -> messages.purgePending(Duration.ofDays(1))))
        // loaded in the background: until it is, lists ask the database
        .onSuccess(v -> { if (index != null) index.load(); })
        // counted once on a worker (a few seconds per million messages), then kept by the feed
        .onSuccess(v -> {
          if (counts == null) return;
          vertx.executeBlocking(() -> { counts.start(storeChanges); return null; }, false)
              .onFailure(err -> org.slf4j.LoggerFactory.getLogger(ConversationVerticle.class)
                  .warn("message counts not kept, /whatsapp/stats counts by query: {}", err.toString()));
        });
  }

  @Override
  public Future<?> stop() {
    if (storeChanges != null) caches.forEach(storeChanges::remove);
    if (storeChanges != null && counts != null) storeChanges.remove(counts);
    if (storeChanges != null && seqs != null) storeChanges.remove(seqs);
    if (mongo != null) mongo.close();
    return Future.succeededFuture();
  }

  // ---- statuses

  /** {statuses:[parsed...]}: each applied if it moves its message forward; unknown ids kept until the message appears. */
  private Future<JsonObject> recordStatuses(JsonObject body) {
    List<JsonObject> statuses = new ArrayList<>();
    for (Object o : body.getJsonArray("statuses", new JsonArray())) {
      if (o instanceof JsonObject s && s.getString("waMessageId") != null && s.getString("status") != null) statuses.add(s);
    }
    statuses.sort(Comparator.comparingInt(s -> MessageStore.RANK.getOrDefault(s.getString("status"), 0)));
    return applyStatuses(statuses).compose(early -> {
      if (early.isEmpty()) return Future.succeededFuture(0);
      // kept; then looked at once more, in case the send result stored the wamid in between
      List<String> earlyIds = early.stream().map(s -> s.getString("waMessageId")).distinct().toList();
      return messages.keepPending(early)
          .compose(v -> messages.byWamids(earlyIds))
          .compose(now -> applyKept(List.copyOf(now.keySet())))
          .map(v -> early.size());
    }).map(kept -> new JsonObject().put("received", statuses.size()).put("kept", kept));
  }

  /** Applies statuses; returns those whose message is not known (yet). */
  private Future<List<JsonObject>> applyStatuses(List<JsonObject> statuses) {
    List<JsonObject> unmatched = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (JsonObject s : statuses) { // in rank order, so several statuses of one message end on the furthest
      chain = chain.compose(v -> {
        Instant at = Mongo.instant(s.getString("timestamp"));
        JsonObject error = s.getJsonObject("error"); // described by the WhatsApp verticle
        return messages.applyStatus(s.getString("waMessageId"), s.getString("status"),
                Mongo.date(at == null ? Instant.now() : at), error)
            .map(applied -> {
              if (applied == null) unmatched.add(s);
              else if (applied.advanced()) publishStatus(applied.message(), s.getString("status"), at, error);
              return null;
            });
      });
    }
    return chain.map(v -> unmatched);
  }

  /** Applies the statuses kept for these wamids (they came before the send's result); whether there were any. */
  private Future<Boolean> applyKept(List<String> wamids) {
    return messages.takePending(wamids).compose(kept -> {
      List<JsonObject> sorted = new ArrayList<>(kept);
      sorted.sort(Comparator.comparingInt(s -> MessageStore.RANK.getOrDefault(s.getString("status"), 0)));
      return applyStatuses(sorted).map(!sorted.isEmpty());
    });
  }

  private void publishStatus(JsonObject doc, String status, Instant at, JsonObject error) {
    JsonObject event = new JsonObject().put("messageId", doc.getString("_id"))
        .put("whatsappMessageId", doc.getString("whatsappMessageId"))
        .put("conversationId", doc.getString("conversationId"))
        .put("status", status).put("timestamp", (at == null ? Instant.now() : at).toString());
    if (error != null) event.put("error", error);
    bus.publish(Addresses.EVT_MESSAGE_STATUS_UPDATED, event);
  }

  // ---- media

  private Future<JsonObject> attachmentReady(JsonObject body) {
    String messageId = Check.requiredString(body, "messageId", 64);
    Integer index = Check.optionalInt(body, "index", 0, 100);
    JsonObject attachment = body.getJsonObject("attachment");
    if (index == null || attachment == null) throw CrmException.validation("attachment", "index and attachment are required");
    return messages.setAttachment(messageId, index, attachment).map(doc -> {
      if (doc == null) throw CrmException.notFound(ErrorCode.RESOURCE_NOT_FOUND, "Message");
      JsonObject api = messages.api(doc);
      bus.publish(Addresses.EVT_MESSAGE_UPDATED, new JsonObject().put("conversationId", doc.getString("conversationId"))
          .put("message", api));
      return new JsonObject().put("message", api);
    });
  }

  // ---- outbound

  /**
   * Resolves who a send goes to, checks the 24 h customer service window, and stores the message as pending under
   * its idempotency key. A key already used returns the message stored the first time ({@code duplicate: true}).
   */
  private Future<JsonObject> prepareOutbound(JsonObject body) {
    String type = Check.oneOf(Check.optionalString(body, "type", 16), "type", OUTBOUND_TYPES);
    if (type == null) type = "text";
    String conversationId = Check.optionalString(body, "conversationId", 64);
    String to = Check.optionalString(body, "to", 32);
    String key = Check.optionalString(body, "idempotencyKey", 200);
    String kind = type;
    Future<JsonObject> existing = key == null ? Future.succeededFuture(null) : messages.byIdempotencyKey(key);
    return existing.compose(found -> {
      if (found != null) return Future.succeededFuture(duplicateReply(found));
      return target(conversationId, to).compose(t -> prepareFor(kind, body, key, t.customer(), t.conversation()));
    });
  }

  private record Target(JsonObject customer, JsonObject conversation) {}

  private Future<Target> target(String conversationId, String to) {
    if (conversationId != null) {
      return conversations.byId(conversationId).compose(conv -> {
        if (conv == null) throw CrmException.notFound(ErrorCode.CONVERSATION_NOT_FOUND, "Conversation");
        return customers.byId(conv.getString("customerId")).map(c -> {
          if (c == null) throw CrmException.notFound(ErrorCode.CUSTOMER_NOT_FOUND, "Customer");
          return new Target(c, conv);
        });
      });
    }
    if (to == null) throw CrmException.validation("conversationId", "conversationId or to is required");
    String phone = Phone.normalize(to);
    if (phone == null) throw new CrmException(ErrorCode.PHONE_NUMBER_INVALID, "Invalid phone number", "to", null);
    String canonical = Phone.canonical(phone);
    return customers.byPhone(List.of(canonical)).compose(found -> {
      JsonObject customer = found.get(canonical);
      if (customer == null) throw CrmException.notFound(ErrorCode.CUSTOMER_NOT_FOUND, "Customer");
      return conversations.activeFor(List.of(customer.getString("_id")), true)
          .map(opened -> new Target(customer, opened.byCustomer().get(customer.getString("_id"))));
    });
  }

  private Future<JsonObject> prepareFor(String type, JsonObject body, String key, JsonObject customer, JsonObject conversation) {
    if (customer.getBoolean("isBlocked", false) && !type.equals("read")) {
      throw new CrmException(ErrorCode.BUSINESS_RULE_VIOLATION, "The customer is blocked");
    }
    if (!type.equals("template") && !type.equals("read")) checkWindow(customer);
    String waTo = customer.getString("waId", customer.getString("phoneNumber"));
    String targetId = Check.optionalString(body, "targetMessageId", 128);
    String replyTo = Check.optionalString(body, "replyTo", 128);
    Future<JsonObject> target = lookupMessage(targetId);
    Future<JsonObject> quoted = lookupMessage(replyTo);
    return Future.all(target, quoted).compose(v -> {
      JsonObject reply = new JsonObject().put("to", waTo).put("conversationId", conversation.getString("_id"))
          .put("customerId", customer.getString("_id"));
      if (target.result() != null) reply.put("targetWamid", target.result().getString("whatsappMessageId"));
      else if (targetId != null) throw CrmException.notFound(ErrorCode.RESOURCE_NOT_FOUND, "Message " + targetId);
      if (quoted.result() != null) reply.put("contextWamid", quoted.result().getString("whatsappMessageId"));
      else if (replyTo != null) throw new CrmException(ErrorCode.RESOURCE_NOT_FOUND, "Quoted message " + replyTo + " not found", "replyTo", null);
      if (type.equals("read")) return Future.succeededFuture(reply.put("duplicate", false));
      JsonObject doc = outboundDoc(type, body, key, customer, conversation, quoted.result());
      return sender(body.getString("agentId")).compose(agent -> {
        // who sent it, as the spec's Message.agent shows it: the name at the time of sending, like an email's From
        if (agent != null) doc.put("agent", agent);
        return conversations.reserveSeqs(java.util.Map.of(conversation.getString("_id"), 1));
      }).compose(first -> {
        MessageStore.number(List.of(doc), first);
        // analytics counts the conversation's messages from their numbers on: marked before the message is stored
        return marks.conversations(List.of(conversation.getString("_id")))
            .compose(marked -> messages.insertOne(doc)
                .recover(err -> marks.gaps(numberOf(doc)).transform(x -> Future.failedFuture(err))));
      }).compose(isNew -> {
        if (!isNew) { // the same key raced in from another request; the number reserved for this copy stays empty
          return marks.gaps(numberOf(doc)).compose(marked -> messages.byIdempotencyKey(key)).map(this::duplicateReply);
        }
        boolean byAssistant = "assistant".equals(body.getString("sentBy"));
        JsonObject last = new JsonObject().put("content", doc.getString("content"))
            .put("timestamp", Mongo.instant(doc.getValue("timestamp")).toString())
            .put("from", byAssistant || "system".equals(body.getString("sentBy")) ? "system" : "agent")
            .put("type", doc.getString("type"));
        return conversations.recordActivity(List.of(new ConversationStore.Activity(conversation.getString("_id"), 0, 1,
                last, doc.getJsonObject("timestamp"))))
            .compose(x -> customers.touchOutbound(customer.getString("_id")))
            .map(x -> {
              // every reply reaches the screens of whoever watches the conversation as any new message does; the
              // sockets of the session that sent it are left out (that app has it in the answer to this request, and
              // an app that appended both would show it twice); the agent's other sessions (a phone) get it
              JsonObject event = InboundRecorder.newMessageEvent(messages, doc, customer, conversation);
              if (!byAssistant && body.getString("sessionId") != null) {
                event.put("senderAgentId", body.getString("agentId")).put("senderSessionId", body.getString("sessionId"));
              }
              bus.publish(Addresses.EVT_CONVERSATION_NEW_MESSAGE, event);
              return reply.put("duplicate", false).put("messageId", doc.getString("_id")).put("message", messages.api(doc));
            });
      });
    });
  }

  private static java.util.Map<String, List<Long>> numberOf(JsonObject doc) {
    return java.util.Map.of(doc.getString("conversationId"), List.of(doc.getLong("seq")));
  }

  /** {_id, firstName, lastName} of the sending agent, or null (the assistant, the system, an unknown id). */
  private Future<JsonObject> sender(String agentId) {
    if (agentId == null || !Mongo.isObjectId(agentId)) return Future.succeededFuture(null);
    return bus.request(Addresses.AGENT_SUMMARIES, new JsonObject().put("ids", new JsonArray().add(agentId))).map(res -> {
      JsonObject a = res.getJsonObject("agents", new JsonObject()).getJsonObject(agentId);
      return a == null ? null : new JsonObject().put("_id", agentId).put("firstName", a.getString("firstName"))
          .put("lastName", a.getString("lastName"));
    });
  }

  private JsonObject duplicateReply(JsonObject found) {
    return new JsonObject().put("duplicate", true).put("messageId", found.getString("_id"))
        .put("conversationId", found.getString("conversationId")).put("message", messages.api(found));
  }

  private static void checkWindow(JsonObject customer) {
    Instant last = Mongo.instant(customer.getValue("lastInboundAt"));
    if (last == null || last.isBefore(Instant.now().minus(SERVICE_WINDOW))) {
      throw new CrmException(ErrorCode.WHATSAPP_WINDOW_CLOSED,
          "The customer has not written in the last 24 hours: only a template message can be sent", null,
          new JsonObject().put("lastInboundAt", last == null ? null : last.toString()));
    }
  }

  private Future<JsonObject> lookupMessage(String idOrWamid) {
    if (idOrWamid == null) return Future.succeededFuture(null);
    if (Mongo.isObjectId(idOrWamid)) return messages.byId(idOrWamid);
    return messages.byWamids(List.of(idOrWamid)).map(m -> m.get(idOrWamid));
  }

  private static JsonObject outboundDoc(String type, JsonObject body, String key, JsonObject customer, JsonObject conversation,
                                        JsonObject quoted) {
    JsonObject now = Mongo.now();
    String specType = switch (type) {
      case "template" -> "template";
      case "image" -> "image";
      case "document", "audio", "video" -> "document";
      default -> "text";
    };
    JsonObject metadata = new JsonObject().put("waType", type);
    String sentBy = body.getString("sentBy");
    if ("assistant".equals(sentBy) || "system".equals(sentBy)) metadata.put("sentBy", sentBy);
    for (String f : List.of("templateName", "language", "templateParams", "templateComponents", "emoji", "mediaUrl", "caption", "publicId")) {
      if (body.getValue(f) != null) metadata.put(f, body.getValue(f));
    }
    JsonObject doc = new JsonObject()
        .put("_id", Mongo.newId())
        .put("conversationId", conversation.getString("_id"))
        .put("customerId", customer.getString("_id"))
        .put("direction", "outbound").put("type", specType)
        .put("content", body.getString("content", ""))
        .put("state", MessageStore.state("pending"))
        .put("metadata", metadata)
        .put("timestamp", now).put("createdAt", now).put("updatedAt", now);
    if (key != null) doc.put("idempotencyKey", key);
    if (body.getString("agentId") != null) doc.put("agentId", body.getString("agentId"));
    if (quoted != null) doc.put("replyTo", quoted.getString("_id"));
    if (body.getString("mediaUrl") != null) {
      JsonObject attachment = new JsonObject().put("type", type).put("url", body.getString("mediaUrl"))
          .put("filename", body.getString("filename", "")).put("size", body.getLong("mediaSize", 0L));
      if (body.getString("publicId") != null) attachment.put("publicId", body.getString("publicId"));
      if (body.getString("mediaType") != null) attachment.put("mimeType", body.getString("mediaType"));
      doc.put("attachments", new JsonArray().add(attachment));
    }
    return doc;
  }

  /** {messageId, wamid | error, response}: the message becomes sent (and kept statuses apply) or failed. */
  private Future<JsonObject> outboundResult(JsonObject body) {
    String messageId = Check.requiredString(body, "messageId", 64);
    String wamid = Check.optionalString(body, "wamid", 256);
    JsonObject error = body.getJsonObject("error");
    return messages.recordSendResult(messageId, wamid, error, body.getJsonObject("response")).compose(doc -> {
      if (doc == null) return messages.byId(messageId).map(d -> new JsonObject().put("message", d == null ? null : messages.api(d)));
      publishStatus(doc, MessageStore.statusOf(doc), Instant.now(), error);
      Future<Boolean> kept = wamid == null ? Future.succeededFuture(false) : applyKept(List.of(wamid));
      // read again only when kept statuses changed it
      return kept.compose(changed -> changed ? messages.byId(messageId) : Future.succeededFuture(doc))
          .map(d -> new JsonObject().put("message", messages.api(d)));
    });
  }

  // ---- analytics

  /** See {@link Addresses#CONVERSATION_ANALYTICS_FACTS}. */
  private Future<JsonObject> analyticsFacts(JsonObject body) {
    java.util.Map<String, long[]> wanted = new java.util.LinkedHashMap<>();
    for (Object o : body.getJsonArray("items", new JsonArray())) {
      if (!(o instanceof JsonObject item) || !Mongo.isObjectId(item.getString("id"))) continue;
      wanted.put(item.getString("id"), new long[] {Math.max(0, item.getLong("after", 0L)), Math.max(1, item.getLong("limit", 500L))});
    }
    return conversations.byIds(List.copyOf(wanted.keySet())).compose(found -> {
      List<String> keys = new ArrayList<>();
      java.util.Map<String, JsonObject> out = new java.util.LinkedHashMap<>();
      for (java.util.Map.Entry<String, long[]> e : wanted.entrySet()) {
        JsonObject c = found.get(e.getKey());
        if (c == null) continue;
        long top = c.getLong("messageSeq", 0L);
        long after = e.getValue()[0];
        long upTo = Math.min(top, after + e.getValue()[1]);
        for (long seq = after + 1; seq <= upTo; seq++) keys.add(MessageStore.seqKey(e.getKey(), seq));
        Instant created = Mongo.instant(c.getValue("createdAt"));
        out.put(e.getKey(), new JsonObject().put("_id", e.getKey()).put("status", c.getString("status"))
            .put("assignedAgentId", c.getString("assignedAgentId"))
            .put("createdAt", created == null ? null : created.toEpochMilli())
            .put("messageSeq", top).put("upTo", upTo).put("messages", new JsonArray()));
      }
      return messages.analyticsFacts(keys).map(read -> {
        List<JsonObject> docs = new ArrayList<>(read);
        docs.sort(Comparator.comparingLong(d -> d.getLong("seq", 0L)));
        for (JsonObject m : docs) {
          JsonObject c = out.get(m.getString("conversationId"));
          Instant at = Mongo.instant(m.getValue("timestamp"));
          if (c == null || at == null) continue;
          JsonObject fact = new JsonObject().put("s", m.getLong("seq")).put("d", "inbound".equals(m.getString("direction")) ? "i" : "o")
              .put("t", at.toEpochMilli());
          if (m.getString("agentId") != null) fact.put("a", m.getString("agentId"));
          JsonObject metadata = m.getJsonObject("metadata");
          if (metadata != null && metadata.getString("sentBy") != null) fact.put("b", metadata.getString("sentBy"));
          if (metadata != null && metadata.getString("waType") != null) fact.put("w", metadata.getString("waType"));
          c.getJsonArray("messages").add(fact);
        }
        return new JsonObject().put("conversations", new JsonArray(new ArrayList<>(out.values())));
      });
    });
  }

  // ---- stats

  private Future<JsonObject> stats(JsonObject body) {
    if (counts != null && counts.ready()) {
      return Future.succeededFuture(new JsonObject().put("inboundMessages", counts.inbound())
          .put("outboundMessages", counts.outbound()));
    }
    return Future.all(messages.count(new JsonObject().put("direction", "inbound")),
            messages.count(new JsonObject().put("direction", "outbound")))
        .map(all -> new JsonObject().put("inboundMessages", all.<Long>resultAt(0)).put("outboundMessages", all.<Long>resultAt(1)));
  }
}
