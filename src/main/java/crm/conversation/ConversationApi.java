package crm.conversation;

import crm.auth.Permission;
import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.Check;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.UpdateOptions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Conversations as agents see them, on the bus. Every request carries the caller: {@code caller: {agentId, role,
 * permissions}}. Visibility: an agent sees the conversations assigned to them and the unassigned open ones;
 * supervisors and admins see all; anything else answers CONVERSATION_NOT_FOUND, as if it did not exist.
 * Changes to one conversation (assign, status) run under a cluster-wide lock on its id, so concurrent changes are
 * decided one after the other against the current state.
 */
final class ConversationApi {
  static final List<String> STATUSES = List.of("open", "assigned", "resolved", "closed");
  static final List<String> PRIORITIES = List.of("low", "medium", "high", "urgent");

  private final Vertx vertx;
  private final Mongo mongo;
  private final ConversationStore conversations;
  private final MessageStore messageStore;
  /** The in-memory list index, or null when the database answers lists itself (a real MongoDB, a cluster). */
  private final ConversationIndex index;
  private final Bus bus;
  private final boolean assignOffline;
  private final crm.analytics.Marks marks;

  private final CustomerStore customers;

  ConversationApi(Vertx vertx, Mongo mongo, CustomerStore customers, ConversationStore conversations,
                  MessageStore messageStore, ConversationIndex index, Bus bus, boolean assignOffline) {
    this.vertx = vertx;
    this.customers = customers;
    this.index = index;
    this.mongo = mongo;
    this.conversations = conversations;
    this.messageStore = messageStore;
    this.bus = bus;
    this.assignOffline = assignOffline;
    this.marks = new crm.analytics.Marks(bus);
  }

  void serve() {
    bus.serve(Addresses.CONVERSATION_LIST, this::list);
    bus.serve(Addresses.CONVERSATION_GET, b -> visible(b).compose(c -> populate(List.of(c))).map(l -> reply(l.get(0))));
    bus.serve(Addresses.CONVERSATION_MESSAGES, this::messages);
    bus.serve(Addresses.CONVERSATION_ASSIGN, this::assign);
    bus.serve(Addresses.CONVERSATION_SET_STATUS, this::setStatus);
    bus.serve(Addresses.CONVERSATION_MARK_READ, this::markRead);
    bus.serve(Addresses.CONVERSATION_SET_AI, this::setAi);
    bus.serve(Addresses.CONVERSATION_AGENT_TYPING, this::agentTyping);
    bus.serve(Addresses.CONVERSATION_CUSTOMER_TYPING, this::customerTyping);
    bus.serve(Addresses.CONVERSATION_ASSISTANT_CONTEXT, this::assistantContext);
    bus.serve(Addresses.CONVERSATION_HANDOFF, this::handoff);
    bus.serve(Addresses.CONVERSATION_AWAITING_ASSISTANT, this::awaitingAssistant);
    bus.serve(Addresses.CONVERSATION_VISIBLE, b -> visible(b).map(c -> new JsonObject().put("visible", true))
        .recover(err -> err instanceof CrmException ce && ce.code() == ErrorCode.CONVERSATION_NOT_FOUND
            ? Future.succeededFuture(new JsonObject().put("visible", false)) : Future.failedFuture(err)));
  }

  // ---- the caller and what they may see

  record Caller(String agentId, String role, Set<String> permissions) {
    boolean seesAll() {
      return "admin".equals(role) || "supervisor".equals(role);
    }

    boolean can(String permission) {
      return permissions.contains(permission);
    }
  }

  static Caller caller(JsonObject body) {
    JsonObject c = body.getJsonObject("caller");
    if (c == null || c.getString("agentId") == null) throw CrmException.validation("caller", "caller is required");
    Set<String> perms = new LinkedHashSet<>();
    for (Object p : c.getJsonArray("permissions", new JsonArray())) perms.add(String.valueOf(p));
    return new Caller(c.getString("agentId"), c.getString("role", "agent"), perms);
  }

  static boolean canSee(Caller caller, JsonObject conversation) {
    if (caller.seesAll()) return true;
    String assignee = conversation.getString("assignedAgentId");
    return caller.agentId().equals(assignee) || (assignee == null && "open".equals(conversation.getString("status")));
  }

  /** The conversation named by {@code conversationId}, if the caller may see it. */
  private Future<JsonObject> visible(JsonObject body) {
    Caller caller = caller(body);
    String id = Check.requiredString(body, "conversationId", 64);
    return conversations.byId(id).map(c -> {
      if (c == null || !canSee(caller, c)) throw CrmException.notFound(ErrorCode.CONVERSATION_NOT_FOUND, "Conversation");
      return c;
    });
  }

  // ---- list

  /** The list's filters, checked; {@code assigned} is an agent id or "unassigned" ("me" resolved to the caller). */
  private record ListQuery(Caller caller, String status, String priority, String assigned, List<String> tags,
                           Instant from, Instant to, String search) {}

  /**
   * {caller, skip, limit, status, assignedAgent (id|me|unassigned), priority, tags[], search, dateFrom, dateTo}. Asks
   * the in-memory {@link ConversationIndex} when it is in use and loaded, the database otherwise; both give the same
   * answer (the list tests run against both).
   */
  private Future<JsonObject> list(JsonObject body) {
    Caller caller = caller(body);
    String status = Check.oneOf(Check.optionalString(body, "status", 16), "status", STATUSES);
    String priority = Check.oneOf(Check.optionalString(body, "priority", 16), "priority", PRIORITIES);
    String assigned = Check.optionalString(body, "assignedAgent", 64);
    if (assigned != null) {
      if (assigned.equals("me")) assigned = caller.agentId();
      else if (!assigned.equals("unassigned") && !Mongo.isObjectId(assigned)) {
        throw CrmException.validation("assignedAgent", "assignedAgent must be an agent id, me or unassigned");
      }
    }
    JsonArray tags = Check.optionalStrings(body, "tags", 50, 50);
    Instant from = date(body, "dateFrom");
    Instant to = date(body, "dateTo");
    if (from != null && to != null && from.isAfter(to)) throw CrmException.validation("dateFrom", "dateFrom is after dateTo");
    String search = Check.optionalString(body, "search", 200);
    ListQuery q = new ListQuery(caller, status, priority, assigned,
        tags == null ? List.of() : tags.stream().map(String::valueOf).toList(), from, to,
        search == null || search.isBlank() ? null : search.trim());
    int skip = body.getInteger("skip", 0);
    int limit = body.getInteger("limit", 20);
    // customer name/phone first (their ids), then conversations of those customers or whose last message matches
    Future<Set<String>> customers = q.search() == null ? Future.succeededFuture(null)
        : mongo.client().findWithOptions(CustomerStore.COLLECTION,
                new JsonObject().put("$or", CustomerApi.searchAny(q.search(), "firstName", "lastName", "phoneNumber")),
                new FindOptions().setFields(new JsonObject().put("_id", 1)).setLimit(1000))
            .recover(Mongo::mapError)
            .map(found -> found.stream().map(c -> c.getString("_id")).collect(java.util.stream.Collectors.toSet()));
    return customers.compose(customerIds -> index != null && index.ready()
        ? listFromIndex(q, customerIds, skip, limit) : listFromDatabase(q, customerIds, skip, limit));
  }

  private Future<JsonObject> listFromIndex(ListQuery q, Set<String> customerIds, int skip, int limit) {
    java.util.regex.Pattern text = q.search() == null ? null : java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(q.search()),
        java.util.regex.Pattern.CASE_INSENSITIVE | java.util.regex.Pattern.UNICODE_CASE);
    ConversationIndex.Page page = index.query(new ConversationIndex.Query(
        q.caller().seesAll() ? null : q.caller().agentId(), q.status(), q.priority(), q.assigned(), q.tags(),
        q.from() == null ? null : q.from().toEpochMilli(), q.to() == null ? null : q.to().toEpochMilli(),
        customerIds, text), skip, limit);
    if (page.ids().isEmpty()) {
      return Future.succeededFuture(new JsonObject().put("conversations", new JsonArray()).put("total", page.total()));
    }
    return conversations.byIds(page.ids()).compose(found -> {
      List<JsonObject> ordered = page.ids().stream().map(found::get).filter(d -> d != null).toList();
      return populate(ordered).map(list -> new JsonObject().put("conversations", new JsonArray(list)).put("total", page.total()));
    });
  }

  private Future<JsonObject> listFromDatabase(ListQuery q, Set<String> customerIds, int skip, int limit) {
    List<JsonObject> and = new ArrayList<>();
    if (!q.caller().seesAll()) {
      and.add(new JsonObject().put("$or", new JsonArray()
          .add(new JsonObject().put("assignedAgentId", q.caller().agentId()))
          .add(new JsonObject().put("assignedAgentId", (Object) null).put("status", "open"))));
    }
    if (q.status() != null) and.add(new JsonObject().put("status", q.status()));
    if (q.priority() != null) and.add(new JsonObject().put("priority", q.priority()));
    if (q.assigned() != null) {
      and.add(new JsonObject().put("assignedAgentId", q.assigned().equals("unassigned") ? null : q.assigned()));
    }
    if (!q.tags().isEmpty()) and.add(new JsonObject().put("tags", new JsonObject().put("$all", new JsonArray(q.tags()))));
    JsonObject range = new JsonObject();
    if (q.from() != null) range.put("$gte", Mongo.date(q.from()));
    if (q.to() != null) range.put("$lte", Mongo.date(q.to()));
    if (!range.isEmpty()) and.add(new JsonObject().put("updatedAt", range));
    if (q.search() != null) {
      JsonArray or = CustomerApi.searchAny(q.search(), "lastMessage.content");
      or.add(new JsonObject().put("customerId", new JsonObject().put("$in", new JsonArray(List.copyOf(customerIds)))));
      and.add(new JsonObject().put("$or", or));
    }
    JsonObject filter = and.isEmpty() ? new JsonObject() : new JsonObject().put("$and", new JsonArray(and));
    FindOptions options = new FindOptions().setSort(new JsonObject().put("updatedAt", -1).put("_id", -1))
        .setSkip(skip).setLimit(limit);
    return Future.all(mongo.client().findWithOptions(ConversationStore.COLLECTION, filter, options),
            mongo.client().count(ConversationStore.COLLECTION, filter)).recover(Mongo::mapError)
        .compose(all -> populate(all.<List<JsonObject>>resultAt(0)).map(list -> new JsonObject()
            .put("conversations", new JsonArray(list)).put("total", all.<Long>resultAt(1))));
  }

  /** An ISO instant, or a date alone: dateFrom from the start of that day (UTC), dateTo through its end (inclusive). */
  private static Instant date(JsonObject body, String field) {
    String s = Check.optionalString(body, field, 40);
    if (s == null || s.isBlank()) return null;
    String endOfDay = field.equals("dateTo") ? "T23:59:59.999Z" : "T00:00:00Z"; // stored dates have millisecond precision
    Instant i = Mongo.instant(s.length() == 10 ? s + endOfDay : s);
    if (i == null) throw CrmException.validation(field, field + " must be an ISO date (2026-01-31 or 2026-01-31T10:00:00Z)");
    return i;
  }

  /** The spec's Conversation: customer and assigned agent populated, internal fields left out. */
  private Future<List<JsonObject>> populate(List<JsonObject> docs) {
    if (docs.isEmpty()) return Future.succeededFuture(List.of());
    JsonArray customerIds = new JsonArray(docs.stream().map(d -> d.getString("customerId")).distinct().toList());
    JsonArray agentIds = new JsonArray(docs.stream().map(d -> d.getString("assignedAgentId")).filter(a -> a != null).distinct().toList());
    Future<java.util.Collection<JsonObject>> custs = customers.byIds(customerIds.stream().map(String::valueOf).toList())
        .map(java.util.Map::values);
    Future<JsonObject> agents = agentIds.isEmpty() ? Future.succeededFuture(new JsonObject().put("agents", new JsonObject()))
        : bus.request(Addresses.AGENT_SUMMARIES, new JsonObject().put("ids", agentIds));
    return Future.all(custs, agents).map(all -> {
      JsonObject byId = new JsonObject();
      for (JsonObject c : all.<java.util.Collection<JsonObject>>resultAt(0)) {
        byId.put(c.getString("_id"), customers.derived(c, "api", CustomerApi::toApi));
      }
      JsonObject agentsById = all.<JsonObject>resultAt(1).getJsonObject("agents", new JsonObject());
      List<JsonObject> out = new ArrayList<>();
      for (JsonObject d : docs) {
        // the conversation's own API fields (kept with a cached document), then a fresh top level for the rest
        JsonObject base = conversations.derived(d, "api", ConversationApi::apiFields);
        out.add(withRelated(new JsonObject(new java.util.LinkedHashMap<>(base.getMap())), d,
            byId.getJsonObject(d.getString("customerId")), agentsById.getJsonObject(d.getString("assignedAgentId", ""))));
      }
      return out;
    });
  }

  static JsonObject toApi(JsonObject doc, JsonObject customer, JsonObject agent) {
    return withRelated(apiFields(doc), doc, customer, agent);
  }

  /** The API fields of the conversation itself (no customer, no agent). */
  private static JsonObject apiFields(JsonObject doc) {
    JsonObject out = Mongo.toApi(doc);
    out.remove("activeKey");
    out.remove(SeqCapture.TOKEN);
    JsonObject last = out.getJsonObject("lastMessage");
    if (last != null) {
      last.remove("at");
      last.remove("seq");
    }
    if (!out.containsKey("metadata")) out.put("metadata", new JsonObject());
    if (!out.containsKey("tags")) out.put("tags", new JsonArray());
    return out;
  }

  private static JsonObject withRelated(JsonObject out, JsonObject doc, JsonObject customer, JsonObject agent) {
    out.put("customer", customer != null ? customer
        : new JsonObject().put("_id", doc.getString("customerId")).put("id", doc.getString("customerId")));
    if (agent != null) out.put("assignedAgent", agent);
    return out;
  }

  private static JsonObject reply(JsonObject conversation) {
    return new JsonObject().put("success", true).put("conversation", conversation);
  }

  // ---- messages

  /**
   * {caller, conversationId, skip, limit, before, after} -> {messages (oldest first), total, hasMore}. Messages are in
   * the order the CRM recorded them: each has its conversation's next sequence number, and a page is read through
   * the unique key of those numbers, so it costs the same at any size (see {@link #walk}).
   */
  private Future<JsonObject> messages(JsonObject body) {
    int limit = body.getInteger("limit", 50);
    int skip = body.getInteger("skip", 0);
    String before = Check.optionalString(body, "before", 64);
    String after = Check.optionalString(body, "after", 64);
    if (before != null && after != null) throw CrmException.validation("before", "give before or after, not both");
    return visible(body).compose(conv -> {
      String id = conv.getString("_id");
      long top = conv.getLong("messageSeq", 0L);
      long total = conv.getLong("messageCount", 0L);
      Future<JsonObject> cursor = Future.succeededFuture(null);
      String cursorId = before != null ? before : after;
      if (cursorId != null) {
        if (!Mongo.isObjectId(cursorId)) throw CrmException.validation(before != null ? "before" : "after", "not a message id");
        cursor = messageStore.byId(cursorId).map(m -> {
          if (m == null || !id.equals(m.getString("conversationId")) || m.getLong("seq") == null) {
            throw CrmException.notFound(ErrorCode.RESOURCE_NOT_FOUND, "Message " + cursorId);
          }
          return m;
        });
      }
      return cursor.compose(c -> {
        Future<List<JsonObject>> rows;
        if (after != null) {
          rows = walk(id, c.getLong("seq") + 1, top, 1, limit + 1);
        } else if (before != null) {
          rows = walk(id, c.getLong("seq") - 1, 1, -1, limit + 1);
        } else if (skip == 0 || top == total) { // no gaps: the skip-th newest has number top - skip
          rows = walk(id, top - skip, 1, -1, limit + 1);
        } else {
          rows = messageStore.scan(new JsonObject().put("conversationId", id), -1, skip, limit + 1);
        }
        return rows.map(found -> {
          List<JsonObject> page = new ArrayList<>(found);
          boolean hasMore = page.size() > limit;
          if (hasMore) page = page.subList(0, limit);
          if (after == null) Collections.reverse(page);
          return new JsonObject()
              .put("messages", new JsonArray(page.stream().map(messageStore::api).toList()))
              .put("total", total).put("hasMore", hasMore);
        });
      });
    });
  }

  /**
   * Up to {@code want} messages of a conversation, numbered from {@code start} towards {@code bound} ({@code dir} -1:
   * downwards), nearest first. Asks for the keys of a window of numbers, twice as wide each round while numbers turn
   * out unused (a duplicate's reserved number); after a few rounds it finishes with a scan, so any gap is answered.
   */
  private Future<List<JsonObject>> walk(String id, long start, long bound, int dir, int want) {
    return walk(id, start, bound, dir, want, want, new ArrayList<>(), 0).map(acc -> {
      acc.sort(java.util.Comparator.comparingLong((JsonObject m) -> m.getLong("seq")).thenComparing(m -> m.getString("_id")));
      if (dir < 0) Collections.reverse(acc);
      return acc.size() > want ? new ArrayList<>(acc.subList(0, want)) : acc;
    });
  }

  private Future<List<JsonObject>> walk(String id, long start, long bound, int dir, int want, long window,
                                        List<JsonObject> acc, int round) {
    if (acc.size() >= want || (dir < 0 ? start < bound : start > bound)) return Future.succeededFuture(acc);
    if (round == 6) {
      JsonObject filter = new JsonObject().put("conversationId", id)
          .put("seq", new JsonObject().put(dir < 0 ? "$lte" : "$gte", start).put(dir < 0 ? "$gte" : "$lte", bound));
      return messageStore.scan(filter, dir, 0, want - acc.size()).map(rest -> { acc.addAll(rest); return acc; });
    }
    long from = dir < 0 ? Math.max(bound, start - window + 1) : start;
    long to = dir < 0 ? start : Math.min(bound, start + window - 1);
    return messageStore.bySeqRange(id, from, to).compose(found -> {
      acc.addAll(found);
      return walk(id, dir < 0 ? from - 1 : to + 1, bound, dir, want, window * 2, acc, round + 1);
    });
  }

  // ---- the assistant's view (crm.assistant): no caller, the assistant acts for the conversation's own customer

  /**
   * {conversationId, limit} -> {conversation:{_id, customerId, status, isAIEnabled, assignedAgentId, messageSeq},
   * customer:{_id, name, phoneNumber, email, waId}, messages:[{seq, direction, type, content, timestamp, sentBy}]}:
   * what one turn of the assistant needs, the last {@code limit} messages oldest first.
   */
  private Future<JsonObject> assistantContext(JsonObject body) {
    String id = Check.requiredString(body, "conversationId", 64);
    int limit = Math.max(1, Math.min(100, body.getInteger("limit", 20)));
    return conversations.byId(id).compose(conv -> {
      if (conv == null) throw CrmException.notFound(ErrorCode.CONVERSATION_NOT_FOUND, "Conversation");
      Future<JsonObject> customer = customers.byId(conv.getString("customerId"));
      Future<List<JsonObject>> recent = walk(id, conv.getLong("messageSeq", 0L), 1, -1, limit);
      return Future.all(customer, recent).map(v -> {
        JsonObject c = customer.result() == null ? new JsonObject() : customer.result();
        List<JsonObject> list = new ArrayList<>(recent.result());
        Collections.reverse(list);
        JsonArray messages = new JsonArray();
        for (JsonObject m : list) {
          JsonObject metadata = m.getJsonObject("metadata", new JsonObject());
          messages.add(new JsonObject().put("seq", m.getLong("seq")).put("direction", m.getString("direction"))
              .put("type", m.getString("type")).put("content", m.getString("content", ""))
              .put("timestamp", String.valueOf(Mongo.instant(m.getValue("timestamp"))))
              .put("sentBy", metadata.getString("sentBy", "inbound".equals(m.getString("direction")) ? "customer" : "agent")));
        }
        String name = String.join(" ", java.util.stream.Stream.of(c.getString("firstName"), c.getString("lastName"))
            .filter(x -> x != null && !x.isBlank()).toList());
        if (name.isBlank()) name = c.getString("profileName", "");
        return new JsonObject()
            .put("conversation", new JsonObject().put("_id", id).put("customerId", conv.getString("customerId"))
                .put("status", conv.getString("status")).put("isAIEnabled", conv.getBoolean("isAIEnabled", false))
                .put("assignedAgentId", conv.getString("assignedAgentId")).put("messageSeq", conv.getLong("messageSeq", 0L)))
            .put("customer", new JsonObject().put("_id", c.getString("_id")).put("name", name)
                .put("phoneNumber", c.getString("phoneNumber")).put("email", c.getString("email")).put("waId", c.getString("waId")))
            .put("messages", messages);
      });
    });
  }

  /**
   * {conversationId, reason, caller?} -> {conversation, assignedAgentId}: the conversation goes to people: AI off with
   * {@code handoff: {at, reason, by?}}, then auto-assigned when {@code AUTO_ASSIGN} is on (or left as it is for whoever
   * takes it), with the usual events. Asked by the assistant (no caller) or by a person (REST: the caller must see the
   * conversation; {@code by} is them). Handing off a conversation already without the assistant changes nothing.
   */
  private Future<JsonObject> handoff(JsonObject body) {
    Caller caller = body.containsKey("caller") ? caller(body) : null;
    String id = Check.requiredString(body, "conversationId", 64);
    String reason = Check.optionalString(body, "reason", 500);
    return locked(id, () -> (caller != null ? visible(body) : conversations.byId(id)).compose(conv -> {
      if (conv == null) throw CrmException.notFound(ErrorCode.CONVERSATION_NOT_FOUND, "Conversation");
      if (!conv.getBoolean("isAIEnabled", false)) return Future.succeededFuture(conv);
      JsonObject now = Mongo.now();
      JsonObject handoff = new JsonObject().put("at", now).put("reason", reason == null ? "" : reason);
      if (caller != null) handoff.put("by", caller.agentId());
      return change(conv, new JsonObject().put("$set", new JsonObject().put("isAIEnabled", false).put("updatedAt", now)
          .put("handoff", handoff)));
    })).compose(doc -> (autoAssignCap > 0 ? autoAssign(id, autoAssignCap) : Future.<Void>succeededFuture())
        .compose(v -> conversations.byId(id)))
        .compose(doc -> populate(List.of(doc)))
        .map(l -> reply(l.get(0)).put("assignedAgentId", l.get(0).getString("assignedAgentId")));
  }

  /** See {@link Addresses#CONVERSATION_AWAITING_ASSISTANT}. */
  private Future<JsonObject> awaitingAssistant(JsonObject body) {
    int limit = Math.max(1, Math.min(10_000, body.getInteger("limit", 1_000)));
    JsonObject query = new JsonObject().put("isAIEnabled", true)
        .put("status", new JsonObject().put("$in", new JsonArray().add("open").add("assigned")))
        .put("lastMessage.from", "customer");
    return mongo.client().findWithOptions(ConversationStore.COLLECTION, query, new FindOptions().setLimit(limit)
            .setFields(new JsonObject().put("_id", 1).put("messageSeq", 1)))
        .recover(Mongo::mapError)
        .map(docs -> new JsonObject().put("conversations", new JsonArray(docs.stream().map(d -> new JsonObject()
            .put("conversationId", d.getString("_id")).put("seq", d.getLong("messageSeq", 0L))).toList())));
  }

  private int autoAssignCap;

  /** Auto-assignment after a hand-off: on ({@code AUTO_ASSIGN}) with this cap, or off with 0. */
  void autoAssignAfterHandoff(int cap) {
    this.autoAssignCap = cap;
  }

  // ---- changes

  private Future<JsonObject> locked(String conversationId, java.util.function.Supplier<Future<JsonObject>> work) {
    return vertx.sharedData().withLock("crm.conversation." + conversationId, 10_000, work);
  }

  /** {caller, conversationId, agentId, note, force} */
  private Future<JsonObject> assign(JsonObject body) {
    Caller caller = caller(body);
    String target = Check.requiredString(body, "agentId", 64);
    String note = Check.optionalString(body, "note", 2000);
    Boolean force = Check.optionalBoolean(body, "force");
    if (!Mongo.isObjectId(target)) throw CrmException.notFound(ErrorCode.AGENT_NOT_FOUND, "Agent");
    if (!target.equals(caller.agentId()) && !caller.can(Permission.ASSIGN_CONVERSATIONS)) {
      throw new CrmException(ErrorCode.AUTH_INSUFFICIENT_PERMISSIONS, "Only supervisors and admins assign conversations to others");
    }
    return bus.request(Addresses.AGENT_SUMMARIES, new JsonObject().put("ids", new JsonArray().add(target))).compose(res -> {
      JsonObject agent = res.getJsonObject("agents", new JsonObject()).getJsonObject(target);
      if (agent == null) throw CrmException.notFound(ErrorCode.AGENT_NOT_FOUND, "Agent");
      if (!agent.getBoolean("isActive", false) || (!assignOffline && "offline".equals(agent.getString("status")))) {
        throw new CrmException(ErrorCode.AGENT_UNAVAILABLE, "The agent is " + (agent.getBoolean("isActive", false)
            ? agent.getString("status") : "deactivated"), "agentId", new JsonObject().put("status", agent.getString("status")));
      }
      String id = Check.requiredString(body, "conversationId", 64);
      return locked(id, () -> visible(body).compose(conv -> {
        String current = conv.getString("assignedAgentId");
        if (List.of("resolved", "closed").contains(conv.getString("status"))) {
          throw new CrmException(ErrorCode.INVALID_STATUS_TRANSITION, "A " + conv.getString("status")
              + " conversation cannot be assigned");
        }
        if (current != null && !current.equals(target)
            && !(Boolean.TRUE.equals(force) && caller.can(Permission.ASSIGN_CONVERSATIONS))) {
          throw new CrmException(ErrorCode.CONVERSATION_ALREADY_ASSIGNED, "The conversation is already assigned to another agent",
              null, new JsonObject().put("assignedAgentId", current).put("hint", "supervisors may reassign with force: true"));
        }
        JsonObject entry = new JsonObject().put("type", "assigned").put("agentId", target).put("by", caller.agentId())
            .put("previousAgentId", current).put("at", Mongo.now());
        if (note != null) entry.put("note", note);
        JsonObject update = new JsonObject()
            .put("$set", new JsonObject().put("assignedAgentId", target).put("status", "assigned")
                .put("assignedAt", Mongo.now()).put("updatedAt", Mongo.now()))
            .put("$push", new JsonObject().put("history", entry));
        return change(conv, update).map(updated -> {
          bus.publish(Addresses.EVT_CONVERSATION_ASSIGNED, new JsonObject().put("conversationId", id)
              .put("assignedAgent", new JsonObject().put("id", target).put("_id", target)
                  .put("firstName", agent.getString("firstName")).put("lastName", agent.getString("lastName")))
              .put("assignedBy", caller.agentId()).put("previousAgentId", current));
          return updated;
        });
      }));
    }).compose(doc -> populate(List.of(doc))).map(l -> reply(l.get(0)));
  }

  /**
   * Auto-assignment of a new conversation without the assistant: to the online agent with the fewest assigned
   * conversations, under {@code cap}; ties go to the one whose last assignment is oldest. Best effort: when nobody
   * qualifies, or someone assigned it first, it stays as it is.
   */
  Future<Void> autoAssign(String conversationId, int cap) {
    return conversations.byId(conversationId).compose(conv -> {
      if (conv == null || conv.getBoolean("isAIEnabled", false) || conv.getString("assignedAgentId") != null) {
        return Future.succeededFuture();
      }
      return bus.request(Addresses.AGENT_ONLINE, new JsonObject()).compose(res -> {
        List<JsonObject> online = res.getJsonArray("agents", new JsonArray()).stream().map(o -> (JsonObject) o).toList();
        if (online.isEmpty()) return Future.succeededFuture();
        JsonArray ids = new JsonArray(online.stream().map(a -> a.getString("_id")).toList());
        JsonArray pipeline = new JsonArray()
            .add(new JsonObject().put("$match", new JsonObject().put("status", "assigned")
                .put("assignedAgentId", new JsonObject().put("$in", ids))))
            .add(new JsonObject().put("$group", new JsonObject().put("_id", "$assignedAgentId")
                .put("n", new JsonObject().put("$sum", 1)).put("last", new JsonObject().put("$max", "$assignedAt"))));
        List<JsonObject> load = new ArrayList<>();
        io.vertx.core.Promise<List<JsonObject>> done = io.vertx.core.Promise.promise();
        mongo.client().aggregate(ConversationStore.COLLECTION, pipeline).handler(load::add)
            .exceptionHandler(done::tryFail).endHandler(v -> done.tryComplete(load));
        return done.future().compose(rows -> {
          JsonObject byAgent = new JsonObject();
          rows.forEach(r -> byAgent.put(r.getString("_id"), r));
          JsonObject pick = null;
          for (JsonObject a : online) {
            JsonObject l = byAgent.getJsonObject(a.getString("_id"), new JsonObject());
            int n = l.getInteger("n", 0);
            if (n >= cap) continue;
            if (pick == null || n < pick.getInteger("n") || (n == pick.getInteger("n") && idleSince(l).isBefore(idleSince(pick)))) {
              pick = a.copy().put("n", n).put("last", l.getValue("last"));
            }
          }
          if (pick == null) return Future.succeededFuture();
          JsonObject system = new JsonObject().put("agentId", "system").put("role", "admin")
              .put("permissions", new JsonArray().add(Permission.ASSIGN_CONVERSATIONS));
          return assign(new JsonObject().put("caller", system).put("conversationId", conversationId)
              .put("agentId", pick.getString("_id")).put("note", "auto-assigned")).mapEmpty();
        });
      });
    }).<Void>mapEmpty().recover(err -> Future.<Void>succeededFuture()); // best effort: it stays unassigned, visible to all
  }

  private static Instant idleSince(JsonObject load) {
    Instant last = Mongo.instant(load.getValue("last"));
    return last == null ? Instant.EPOCH : last;
  }

  /** {caller, conversationId, status, note} */
  private Future<JsonObject> setStatus(JsonObject body) {
    Caller caller = caller(body);
    String status = Check.oneOf(Check.requiredString(body, "status", 16), "status", STATUSES);
    String note = Check.optionalString(body, "note", 2000);
    String id = Check.requiredString(body, "conversationId", 64);
    return locked(id, () -> visible(body).compose(conv -> {
      String from = conv.getString("status");
      JsonObject set = new JsonObject().put("status", status).put("updatedAt", Mongo.now());
      JsonObject unset = new JsonObject();
      switch (status) {
        case "assigned" -> {
          if (conv.getString("assignedAgentId") == null) {
            throw new CrmException(ErrorCode.INVALID_STATUS_TRANSITION, "Assign an agent to make a conversation assigned");
          }
        }
        case "open" -> {
          if (!caller.can(Permission.ASSIGN_CONVERSATIONS) && conv.getString("assignedAgentId") != null
              && !caller.agentId().equals(conv.getString("assignedAgentId"))) {
            throw new CrmException(ErrorCode.AUTH_INSUFFICIENT_PERMISSIONS, "Only the assignee or a supervisor reopens it");
          }
          unset.put("assignedAgentId", "");
        }
        case "resolved" -> set.put("resolvedAt", Mongo.now());
        case "closed" -> set.put("closedAt", Mongo.now());
        default -> throw new IllegalStateException(status);
      }
      boolean active = status.equals("open") || status.equals("assigned");
      if (active) set.put("activeKey", conv.getString("customerId"));
      else unset.put("activeKey", "");
      JsonObject entry = new JsonObject().put("type", "status").put("from", from).put("to", status)
          .put("by", caller.agentId()).put("at", Mongo.now());
      if (note != null) entry.put("note", note);
      JsonObject update = new JsonObject().put("$set", set).put("$push", new JsonObject().put("history", entry));
      if (!unset.isEmpty()) update.put("$unset", unset);
      return change(conv, update).recover(err -> Future.failedFuture(err instanceof CrmException ce
          && ce.code() == ErrorCode.DUPLICATE_RESOURCE
          ? new CrmException(ErrorCode.INVALID_STATUS_TRANSITION, "The customer already has another active conversation")
          : err));
    })).compose(doc -> populate(List.of(doc))).map(l -> reply(l.get(0)));
  }

  /** Applies an update to one conversation durably, evicts it everywhere, returns the new document. */
  private Future<JsonObject> change(JsonObject conv, JsonObject update) {
    // analytics counts conversations by status and assignee: marked before the change is written
    return marks.conversations(List.of(conv.getString("_id"))).compose(marked -> mongo.client().findOneAndUpdateWithOptions(
            ConversationStore.COLLECTION, new JsonObject().put("_id", conv.getString("_id")),
            update, new FindOptions(), new UpdateOptions().setReturningNewDocument(true).setWriteOption(mongo.durableWrite())))
        .recover(Mongo::mapError)
        .compose(doc -> mongo.sync().map(doc))
        .map(doc -> {
          conversations.evict(doc.getString("_id"), doc.getString("customerId"));
          if (index != null) index.put(doc);
          bus.publish(Addresses.EVT_CONVERSATION_UPDATED, updatedEvent(conv, doc));
          return doc;
        });
  }

  /** See {@link Addresses#EVT_CONVERSATION_UPDATED}: the conversation after a change, and what routing needs of before. */
  static JsonObject updatedEvent(JsonObject before, JsonObject after) {
    JsonObject event = new JsonObject().put("conversationId", after.getString("_id"))
        .put("customerId", after.getString("customerId")).put("status", after.getString("status"))
        .put("assignedAgentId", after.getString("assignedAgentId"))
        .put("isAIEnabled", after.getBoolean("isAIEnabled", false));
    if (after.getValue("handoff") instanceof JsonObject handoff) event.put("handoff", Mongo.toApi(handoff));
    Instant updatedAt = Mongo.instant(after.getValue("updatedAt"));
    return event.put("updatedAt", (updatedAt == null ? Instant.now() : updatedAt).toString())
        .put("previousAgentId", before.getString("assignedAgentId"))
        .put("previousStatus", before.getString("status"))
        .put("wasOpenToAll", before.getString("assignedAgentId") == null && "open".equals(before.getString("status")));
  }

  /** {caller, conversationId}: unread to 0, and a read receipt for the newest inbound message (best effort). */
  private Future<JsonObject> markRead(JsonObject body) {
    return visible(body).compose(conv -> mongo.client().findOneAndUpdateWithOptions(ConversationStore.COLLECTION,
            new JsonObject().put("_id", conv.getString("_id")),
            new JsonObject().put("$set", new JsonObject().put("unreadCount", 0).put("lastReadAt", Mongo.now())),
            new FindOptions(), new UpdateOptions().setReturningNewDocument(true)).recover(Mongo::mapError))
        .compose(doc -> {
          // the newest inbound message: marking it read marks the earlier ones read too
          return walk(doc.getString("_id"), doc.getLong("messageSeq", 0L), 1, -1, 20)
              .compose(list -> {
                JsonObject last = list.stream().filter(m -> "inbound".equals(m.getString("direction"))
                    && m.getString("whatsappMessageId") != null).findFirst().orElse(null);
                if (last == null) return Future.succeededFuture(false);
                return bus.request(Addresses.WHATSAPP_SEND, new JsonObject().put("type", "read")
                        .put("conversationId", doc.getString("_id")).put("targetMessageId", last.getString("_id")))
                    .map(r -> true).recover(err -> Future.succeededFuture(false));
              })
              .compose(sent -> populate(List.of(doc)).map(l -> reply(l.get(0)).put("readReceiptSent", sent)));
        });
  }

  /**
   * {caller, conversationId, isTyping}: the typing indicator on the customer's WhatsApp, shown with a read receipt
   * of their newest message (the Cloud API shows it only that way, for up to 25 s or until the reply); isTyping false
   * sends nothing. A refusal by WhatsApp is answered {sent: false}, never an error.
   */
  private Future<JsonObject> agentTyping(JsonObject body) {
    Boolean typing = Check.optionalBoolean(body, "isTyping");
    String id = body.getValue("conversationId") instanceof String s ? s : null;
    if (!Boolean.TRUE.equals(typing) || (id != null && typingShown.get(id) != null)) {
      // nothing to show, or the customer already sees the indicator (it lasts 25 s or until the reply): no call
      return visible(body).map(conv -> new JsonObject().put("sent", false));
    }
    return visible(body).compose(conv ->
      walk(conv.getString("_id"), conv.getLong("messageSeq", 0L), 1, -1, 20).compose(list -> {
        JsonObject last = list.stream().filter(m -> "inbound".equals(m.getString("direction"))
            && m.getString("whatsappMessageId") != null).findFirst().orElse(null);
        if (last == null) return Future.succeededFuture(new JsonObject().put("sent", false));
        return bus.request(Addresses.WHATSAPP_SEND, new JsonObject().put("type", "read").put("typing", true)
            .put("conversationId", conv.getString("_id")).put("targetMessageId", last.getString("_id")))
            .map(r -> {
              typingShown.put(conv.getString("_id"), Boolean.TRUE);
              return new JsonObject().put("sent", true);
            })
            .recover(err -> Future.succeededFuture(new JsonObject().put("sent", false)));
      }));
  }

  /** See {@link Addresses#CONVERSATION_CUSTOMER_TYPING}. */
  private Future<JsonObject> customerTyping(JsonObject body) {
    Boolean typing = Check.optionalBoolean(body, "isTyping");
    if (typing == null) throw CrmException.validation("isTyping", "isTyping (true or false) is required");
    return visible(body).compose(conv -> customers.byId(conv.getString("customerId")).map(customer -> {
      String phone = customer == null ? null : customer.getString("phoneNumber");
      JsonObject event = new JsonObject().put("conversationId", conv.getString("_id")).put("customerPhone", phone)
          .put("isTyping", typing);
      bus.publish(Addresses.EVT_CUSTOMER_TYPING, event.copy().put("assignedAgentId", conv.getString("assignedAgentId")));
      return event;
    }));
  }

  /**
   * Conversations whose customer was shown the typing indicator in the last 10 s: agents' apps send agent:typing on
   * every burst of keys, and one Graph API call per burst would spend the number's request budget on nothing.
   */
  private final TtlCache<String, Boolean> typingShown = new TtlCache<>(10_000, 10_000);

  /** {caller, conversationId, enabled}: supervisors, admins and the assignee; turning it on clears a hand-off. */
  private Future<JsonObject> setAi(JsonObject body) {
    Caller caller = caller(body);
    Boolean enabled = Check.optionalBoolean(body, "enabled");
    if (enabled == null) throw CrmException.validation("enabled", "enabled (true or false) is required");
    return visible(body).compose(conv -> {
      if (!caller.seesAll() && !caller.agentId().equals(conv.getString("assignedAgentId"))) {
        throw new CrmException(ErrorCode.AUTH_INSUFFICIENT_PERMISSIONS, "Only the assignee or a supervisor changes the assistant");
      }
      JsonObject update = new JsonObject().put("$set", new JsonObject().put("isAIEnabled", enabled).put("updatedAt", Mongo.now()));
      // the assistant back on ends a hand-off: nobody is waiting for a person any more
      if (enabled && conv.containsKey("handoff")) update.put("$unset", new JsonObject().put("handoff", ""));
      return change(conv, update);
    }).compose(doc -> populate(List.of(doc))).map(l -> reply(l.get(0)));
  }
}
