package crm.ticket;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.Check;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.config.TicketConfig;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ticket requests on the bus. Changes to one ticket run under a cluster-wide lock on its id and write by
 * {@code _id} alone, so concurrent changes are decided one after the other against the current state (and the
 * embedded database finds the ticket through its unique index). Every change keeps a history entry and publishes its
 * event with the ticket as the REST API returns it.
 */
final class TicketApi {
  private static final Logger log = LoggerFactory.getLogger(TicketApi.class);
  private static final long SEND_TIMEOUT_MS = 20_000;

  private final Vertx vertx;
  private final Bus bus;
  private final TicketStore store;
  private final TicketView view;
  private final ActiveConfig config;
  private final TicketConfig settings;
  private final Sla sla;
  private final crm.analytics.Marks marks;

  TicketApi(Vertx vertx, Bus bus, TicketStore store, ActiveConfig config, TicketConfig settings) {
    this.vertx = vertx;
    this.bus = bus;
    this.store = store;
    this.view = new TicketView(bus);
    this.config = config;
    this.settings = settings;
    this.sla = new Sla(settings);
    this.marks = new crm.analytics.Marks(bus);
  }

  /** Registers every ticket address; completes once they are registered (cluster-wide when clustered). */
  Future<Void> serve() {
    List<Future<Void>> all = new ArrayList<>();
    all.add(bus.serve(Addresses.TICKET_LIST, this::list).completion());
    all.add(bus.serve(Addresses.TICKET_LIST_FOR_CUSTOMER, this::listForCustomer).completion());
    all.add(bus.serve(Addresses.TICKET_LIST_FOR_CONVERSATION, this::listForConversation).completion());
    all.add(bus.serve(Addresses.TICKET_GET, b -> {
      Caller.of(b);
      return existing(b).compose(view::one).map(t -> new JsonObject().put("ticket", t));
    }).completion());
    all.add(bus.serve(Addresses.TICKET_CREATE, this::create).completion());
    all.add(bus.serve(Addresses.TICKET_SET_STATUS, this::setStatus).completion());
    all.add(bus.serve(Addresses.TICKET_RESOLVE, this::resolve).completion());
    all.add(bus.serve(Addresses.TICKET_ASSIGN, this::assign).completion());
    all.add(bus.serve(Addresses.TICKET_ADD_NOTE, this::addNote).completion());
    all.add(bus.serve(Addresses.TICKET_ESCALATE, this::escalate).completion());
    all.add(bus.serve(Addresses.TICKET_ANALYTICS_FACTS, b -> {
      io.vertx.core.json.JsonArray ids = b.getJsonArray("ids");
      List<String> wanted = ids == null ? null : ids.stream().filter(o -> o instanceof String s && Mongo.isObjectId(s))
          .map(String::valueOf).toList();
      return store.analyticsFacts(wanted).map(list -> new JsonObject().put("tickets", new JsonArray(list)));
    }).completion());
    all.add(bus.serve(Addresses.TICKET_STATISTICS, b -> new TicketStats(store, bus).statistics(Caller.of(b), b, config)).completion());
    return Future.all(all).mapEmpty();
  }

  // ---- reading

  /** The ticket named by {@code id} (ObjectId or human id), or TICKET_NOT_FOUND. */
  private Future<JsonObject> existing(JsonObject body) {
    String id = Check.requiredString(body, "id", 64);
    return store.find(id).map(doc -> {
      if (doc == null) throw CrmException.notFound(ErrorCode.TICKET_NOT_FOUND, "Ticket");
      return doc;
    });
  }

  private Future<JsonObject> list(JsonObject body) {
    Caller caller = Caller.of(body);
    int skip = Math.max(0, body.getInteger("skip", 0));
    int limit = Math.max(1, Math.min(100, body.getInteger("limit", 20)));
    return config.active().compose(cfg -> page(TicketFilter.parse(caller, body, cfg), skip, limit));
  }

  private Future<JsonObject> page(TicketFilter.Query query, int skip, int limit) {
    return store.list(query, skip, limit).compose(p -> view.many(p.docs())
        .map(list -> new JsonObject().put("tickets", new JsonArray(list)).put("total", p.total())));
  }

  /** {caller, customer (id or phone), status?, limit?, businessType?}: the customer must exist (CUSTOMER_NOT_FOUND). */
  private Future<JsonObject> listForCustomer(JsonObject body) {
    Caller caller = Caller.of(body);
    String customer = Check.requiredString(body, "customer", 64);
    Integer limit = Check.optionalInt(body, "limit", 1, 100);
    JsonObject query = filterFields(body, "status", "businessType");
    return bus.request(Addresses.CUSTOMER_GET, new JsonObject().put("id", customer))
        .compose(res -> config.active().compose(cfg -> {
          query.put("customerId", res.getJsonObject("customer").getString("_id"));
          return page(TicketFilter.parse(caller, query, cfg), 0, limit == null ? 20 : limit);
        }));
  }

  /** {caller, conversationId, businessType?}: a conversation the caller may see (CONVERSATION_NOT_FOUND otherwise). */
  private Future<JsonObject> listForConversation(JsonObject body) {
    Caller caller = Caller.of(body);
    String conversationId = Check.requiredString(body, "conversationId", 64);
    JsonObject query = filterFields(body, "businessType");
    return bus.request(Addresses.CONVERSATION_VISIBLE, new JsonObject().put("caller", caller.toJson()).put("conversationId", conversationId))
        .compose(v -> {
          if (!v.getBoolean("visible", false)) throw CrmException.notFound(ErrorCode.CONVERSATION_NOT_FOUND, "Conversation");
          return config.active();
        })
        .compose(cfg -> page(TicketFilter.parse(caller, query, cfg).withConversation(conversationId), 0, 100));
  }

  private static JsonObject filterFields(JsonObject body, String... names) {
    JsonObject out = new JsonObject();
    for (String n : names) if (body.getValue(n) != null) out.put(n, body.getValue(n));
    return out;
  }

  // ---- create

  private Future<JsonObject> create(JsonObject body) {
    Caller caller = Caller.of(body);
    TicketInput.NewTicket in = TicketInput.create(body);
    if (in.assignedAgent() != null && !in.assignedAgent().equals(caller.agentId()) && !caller.manages()) {
      throw new CrmException(ErrorCode.AUTH_INSUFFICIENT_PERMISSIONS, "Only supervisors and admins assign tickets to others");
    }
    Future<JsonObject> customer = bus.request(Addresses.CUSTOMER_GET, new JsonObject().put("id", in.customerId()))
        .map(r -> r.getJsonObject("customer"));
    Future<JsonObject> conversation = in.conversationId() == null ? Future.succeededFuture(null)
        : bus.request(Addresses.CONVERSATION_GET, new JsonObject().put("caller", caller.toJson()).put("conversationId", in.conversationId()))
            .map(r -> r.getJsonObject("conversation"));
    Future<JsonObject> agent = in.assignedAgent() == null ? Future.succeededFuture(null) : workingAgent(in.assignedAgent(), "assignedAgent");
    Future<JsonObject> cfg = config.active();
    return Future.all(customer, conversation, agent, cfg).compose(all -> {
      JsonObject c = customer.result();
      if (conversation.result() != null && !c.getString("_id").equals(conversation.result().getString("customerId"))) {
        throw CrmException.validation("conversationId", "The conversation belongs to another customer");
      }
      List<String> categories = ActiveConfig.categoryIds(cfg.result());
      if (!categories.contains(in.category())) {
        throw new CrmException(ErrorCode.VALIDATION_FAILED, "category must be one of the active categories", "category",
            new JsonObject().put("allowed", new JsonArray(categories)));
      }
      return insertNew(caller, in, cfg.result(), 0);
    }).compose(doc -> view.one(doc).map(ticket -> {
      bus.publish(Addresses.EVT_TICKET_CREATED, new JsonObject().put("ticket", ticket).put("customerId", doc.getString("customerId")));
      if (doc.getString("assignedAgentId") != null) publishAssigned(ticket);
      return new JsonObject().put("ticket", ticket);
    }));
  }

  /** Allocates the next human id (after every check, so refusals leave no gap) and inserts the ticket. */
  private Future<JsonObject> insertNew(Caller caller, TicketInput.NewTicket in, JsonObject cfg, int attempt) {
    Instant now = Instant.now();
    TicketIds.Format format = TicketIds.Format.of(cfg.getJsonObject("ticketIdFormat"));
    return store.nextSeq(format.scope(now)).compose(seq -> {
      String status = "new".equals(cfg.getString("initialTicketStatus")) ? TicketStatus.NEW : TicketStatus.OPEN;
      JsonObject at = Mongo.date(now);
      JsonObject doc = new JsonObject()
          .put("_id", Mongo.newId())
          .put("ticketId", format.format(now, seq))
          .put("businessType", cfg.getString("businessType", ActiveConfig.GENERAL))
          .put("customerId", in.customerId())
          .put("subject", in.subject()).put("description", in.description())
          .put("category", in.category()).put("priority", in.priority()).put("status", status)
          .put("attachments", in.attachments())
          .put("notes", new JsonArray()).put("escalations", new JsonArray())
          .put("history", new JsonArray().add(history("status", null, status, caller.agentId(), at, "created")))
          .put("reopenCount", 0)
          .put("responseDueAt", Mongo.date(sla.responseDue(now, in.priority())))
          .put("estimatedResolution", Mongo.date(sla.resolutionDue(now, in.priority())))
          .put("createdBy", caller.agentId())
          .put("createdAt", at).put("updatedAt", at);
      if (in.conversationId() != null) doc.put("conversationId", in.conversationId());
      if (in.location() != null) doc.put("location", in.location());
      if (in.assignedAgent() != null) doc.put("assignedAgentId", in.assignedAgent()).put("assignedAt", at);
      // analytics counts tickets: marked before the ticket is written
      return marks.ticket(doc.getString("_id")).compose(v -> store.insert(doc)).map(v -> doc).recover(err -> {
        // an id taken by a ticket written outside this counter (a restored backup): take the next number
        if (err instanceof CrmException ce && ce.code() == ErrorCode.DUPLICATE_RESOURCE && attempt < 5) {
          return insertNew(caller, in, cfg, attempt + 1);
        }
        return Future.failedFuture(err);
      });
    });
  }

  static JsonObject history(String type, Object from, Object to, String by, JsonObject at, String reason) {
    JsonObject h = new JsonObject().put("type", type).put("from", from).put("to", to).put("by", by).put("at", at);
    if (reason != null) h.put("reason", reason);
    return h;
  }

  /** An agent that exists and is active: AGENT_NOT_FOUND / AGENT_UNAVAILABLE (field {@code field}) otherwise. */
  private Future<JsonObject> workingAgent(String agentId, String field) {
    return bus.request(Addresses.AGENT_SUMMARIES, new JsonObject().put("ids", new JsonArray().add(agentId))).map(res -> {
      JsonObject a = res.getJsonObject("agents", new JsonObject()).getJsonObject(agentId);
      if (a == null) throw new CrmException(ErrorCode.AGENT_NOT_FOUND, "Agent not found", field, null);
      if (!a.getBoolean("isActive", false)) {
        throw new CrmException(ErrorCode.AGENT_UNAVAILABLE, "The agent is deactivated", field, null);
      }
      return a;
    });
  }

  // ---- changes

  /**
   * Runs {@code change} on the current state of the ticket named in {@code body}, under its lock; {@code change}
   * answers the update to apply (or fails). Returns the updated document.
   */
  private Future<Changed> change(JsonObject body, Function<JsonObject, JsonObject> change) {
    return existing(body).compose(found -> vertx.sharedData().withLock("crm.ticket." + found.getString("_id"), 10_000,
        () -> store.byId(found.getString("_id")).compose(current -> {
          if (current == null) throw CrmException.notFound(ErrorCode.TICKET_NOT_FOUND, "Ticket");
          JsonObject update = change.apply(current);
          return marks.ticket(current.getString("_id")).compose(v -> store.update(current.getString("_id"), update))
              .map(doc -> new Changed(current, doc));
        })));
  }

  private record Changed(JsonObject before, JsonObject after) {}

  private static void mayChange(Caller caller, JsonObject ticket) {
    if (!caller.mayChange(ticket)) {
      throw new CrmException(ErrorCode.AUTH_INSUFFICIENT_PERMISSIONS,
          "The ticket is assigned to another agent: only they, supervisors and admins change it");
    }
  }

  static CrmException illegal(String from, String to) {
    return new CrmException(ErrorCode.INVALID_STATUS_TRANSITION, "A ticket cannot go from " + from + " to " + to, "status",
        new JsonObject().put("from", from).put("to", to).put("allowed", new JsonArray(TicketStatus.ALL.stream()
            .filter(s -> TicketStatus.allowed(from, s)).toList())));
  }

  /** {caller, id, status, reason?, resolutionSummary?}; resolved goes through {@link #resolve}. */
  private Future<JsonObject> setStatus(JsonObject body) {
    Caller caller = Caller.of(body);
    String to = TicketInput.status(body);
    String reason = Check.optionalString(body, "reason", TicketInput.TEXT_MAX);
    if (to.equals(TicketStatus.RESOLVED)) {
      if (reason != null && !reason.isBlank() && body.getValue("resolutionSummary") == null
          && body.getValue("resolution") == null) {
        // the spec's second form, PATCH {status: "resolved", reason}: the reason is the summary (NOTES: every form)
        body.put("resolutionSummary", reason);
      }
      TicketInput.resolution(body); // a summary is required: refused before anything else
      return resolve(body);
    }
    JsonObject now = Mongo.now();
    return change(body, t -> {
      mayChange(caller, t);
      String from = t.getString("status");
      if (!TicketStatus.allowed(from, to)) throw illegal(from, to);
      JsonObject set = new JsonObject().put("status", to).put("updatedAt", now).put("statusChangedAt", now);
      JsonObject unset = new JsonObject();
      JsonObject inc = new JsonObject();
      if (to.equals(TicketStatus.CLOSED)) set.put("closedAt", now);
      if (from.equals(TicketStatus.RESOLVED) && to.equals(TicketStatus.OPEN)) {
        inc.put("reopenCount", 1);
        set.put("reopenedAt", now);
        unset.put("resolvedAt", "").put("resolutionMs", "");
      }
      if (t.getValue("firstResponseAt") == null) set.put("firstResponseAt", now);
      JsonObject update = new JsonObject().put("$set", set)
          .put("$push", new JsonObject().put("history", history("status", from, to, caller.agentId(), now, reason)));
      if (!unset.isEmpty()) update.put("$unset", unset);
      if (!inc.isEmpty()) update.put("$inc", inc);
      return update;
    }).compose(ch -> {
      String from = ch.before().getString("status");
      Future<Void> watch = from.equals(TicketStatus.RESOLVED)
          ? store.unwatch(ch.after().getString("customerId"), ch.after().getString("_id")).recover(e -> Future.succeededFuture())
          : Future.succeededFuture();
      return watch.compose(v -> view.one(ch.after())).map(ticket -> {
        bus.publish(Addresses.EVT_TICKET_STATUS_CHANGED, new JsonObject().put("ticket", ticket).put("previousStatus", from));
        if (from.equals(TicketStatus.RESOLVED) && to.equals(TicketStatus.OPEN)) publishReopened(ticket, from);
        return new JsonObject().put("ticket", ticket);
      });
    });
  }

  /** {caller, id, resolutionSummary | resolution{summary, steps, category}, sendNotification?(true)}. */
  private Future<JsonObject> resolve(JsonObject body) {
    Caller caller = Caller.of(body);
    TicketInput.Resolution r = TicketInput.resolution(body);
    Boolean notify = Check.optionalBoolean(body, "sendNotification");
    String reason = Check.optionalString(body, "reason", TicketInput.TEXT_MAX);
    Instant at = Instant.now();
    JsonObject now = Mongo.date(at);
    return change(body, t -> {
      mayChange(caller, t);
      String from = t.getString("status");
      if (!TicketStatus.allowed(from, TicketStatus.RESOLVED)) throw illegal(from, TicketStatus.RESOLVED);
      Instant created = Mongo.instant(t.getValue("createdAt"));
      JsonObject resolution = new JsonObject().put("summary", r.summary()).put("steps", r.steps())
          .put("resolvedBy", caller.agentId()).put("resolvedAt", now);
      if (r.category() != null) resolution.put("category", r.category());
      JsonObject set = new JsonObject().put("status", TicketStatus.RESOLVED).put("resolution", resolution)
          .put("resolvedAt", now).put("updatedAt", now).put("statusChangedAt", now)
          .put("resolutionMs", created == null ? 0L : Math.max(0L, Duration.between(created, at).toMillis()));
      if (t.getValue("firstResponseAt") == null) set.put("firstResponseAt", now);
      return new JsonObject().put("$set", set).put("$push", new JsonObject().put("history",
          history("status", from, TicketStatus.RESOLVED, caller.agentId(), now, reason != null ? reason : r.summary())));
    }).compose(ch -> {
      JsonObject doc = ch.after();
      Future<Void> watched = store.watch(doc.getString("customerId"), doc.getString("_id"), at.toEpochMilli())
          .recover(e -> {
            log.warn("Ticket {} resolved but not watched for auto-reopen: {}", doc.getString("ticketId"), e.toString());
            return Future.succeededFuture();
          });
      Future<JsonObject> notice = Boolean.FALSE.equals(notify)
          ? Future.succeededFuture(new JsonObject().put("sent", false).put("reason", "not requested"))
          : watched.compose(v -> notifyResolved(caller, doc, r.summary()));
      return Future.all(watched, notice).compose(v -> store.update(doc.getString("_id"), new JsonObject()
              .put("$set", new JsonObject().put("resolution.notification", notice.result()))))
          .compose(updated -> view.one(updated != null ? updated : doc))
          .map(ticket -> {
            bus.publish(Addresses.EVT_TICKET_STATUS_CHANGED, new JsonObject().put("ticket", ticket)
                .put("previousStatus", ch.before().getString("status")));
            bus.publish(Addresses.EVT_TICKET_RESOLVED, new JsonObject().put("ticket", ticket));
            return new JsonObject().put("ticket", ticket).put("notificationSent", notice.result().getBoolean("sent"))
                .put("notification", notice.result());
          });
    });
  }

  /** {caller, id, agentId, note?}: agents take tickets for themselves; supervisors and admins give them to anyone. */
  private Future<JsonObject> assign(JsonObject body) {
    Caller caller = Caller.of(body);
    String agentId = Check.requiredString(body, "agentId", 64);
    String note = Check.optionalString(body, "note", TicketInput.TEXT_MAX);
    if (!Mongo.isObjectId(agentId)) throw new CrmException(ErrorCode.AGENT_NOT_FOUND, "Agent not found", "agentId", null);
    if (!agentId.equals(caller.agentId()) && !caller.manages()) {
      throw new CrmException(ErrorCode.AUTH_INSUFFICIENT_PERMISSIONS, "Only supervisors and admins assign tickets to others");
    }
    return workingAgent(agentId, "agentId").compose(agent -> change(body, t -> {
      mayChange(caller, t);
      String status = t.getString("status");
      if (!TicketStatus.active(status)) {
        throw new CrmException(ErrorCode.INVALID_STATUS_TRANSITION, "A " + status + " ticket cannot be assigned", "status",
            new JsonObject().put("status", status));
      }
      JsonObject now = Mongo.now();
      return new JsonObject()
          .put("$set", new JsonObject().put("assignedAgentId", agentId).put("assignedAt", now).put("updatedAt", now))
          .put("$push", new JsonObject().put("history", history("assigned", t.getString("assignedAgentId"), agentId,
              caller.agentId(), now, note)));
    })).compose(ch -> view.one(ch.after())).map(ticket -> {
      publishAssigned(ticket);
      return new JsonObject().put("ticket", ticket);
    });
  }

  /**
   * {caller, id, content, isInternal (default true)}. A public note is also sent to the customer on WhatsApp (in the
   * preset's words), inside the 24 h window only; whether it went is in {@code notificationSent}.
   */
  private Future<JsonObject> addNote(JsonObject body) {
    Caller caller = Caller.of(body);
    String content = Check.requiredString(body, "content", TicketInput.NOTE_MAX).strip();
    Boolean internal = Check.optionalBoolean(body, "isInternal");
    boolean isInternal = internal == null || internal;
    return existing(body).compose(t -> {
      Future<JsonObject> agent = bus.request(Addresses.AGENT_SUMMARIES, new JsonObject().put("ids", new JsonArray().add(caller.agentId())))
          .map(res -> res.getJsonObject("agents", new JsonObject()).getJsonObject(caller.agentId()))
          .recover(err -> Future.succeededFuture(null));
      Future<JsonObject> notice = isInternal ? Future.succeededFuture(null) : notifyNote(caller, t, content);
      return Future.all(agent, notice).compose(v -> {
        JsonObject a = agent.result();
        JsonObject now = Mongo.now();
        JsonObject note = new JsonObject().put("_id", Mongo.newId())
            .put("agent", new JsonObject().put("_id", caller.agentId())
                .put("firstName", a == null ? null : a.getString("firstName")).put("lastName", a == null ? null : a.getString("lastName")))
            .put("content", content).put("timestamp", now).put("isInternal", isInternal);
        if (notice.result() != null) note.put("notification", notice.result());
        return change(body, current -> {
          JsonObject set = new JsonObject().put("updatedAt", now);
          if (!isInternal && current.getValue("firstResponseAt") == null) set.put("firstResponseAt", now);
          return new JsonObject().put("$set", set).put("$push", new JsonObject().put("notes", note));
        }).compose(ch -> view.one(ch.after())).map(ticket -> {
          JsonObject apiNote = Mongo.toApi(note);
          apiNote.remove("id");
          bus.publish(Addresses.EVT_TICKET_NOTE_ADDED, new JsonObject().put("ticket", ticket).put("note", apiNote));
          return new JsonObject().put("note", apiNote).put("ticket", ticket)
              .put("notificationSent", notice.result() != null && notice.result().getBoolean("sent", false));
        });
      });
    });
  }

  /**
   * {caller, id, reason, targetAgent?}: priority one step up (urgent stays urgent), the SLA due dates follow, the
   * ticket goes to {@code targetAgent} or the least-loaded online supervisor (kept as it is when none is online), and
   * an escalation entry records who, when, why, from and to.
   */
  private Future<JsonObject> escalate(JsonObject body) {
    Caller caller = Caller.of(body);
    String reason = Check.requiredString(body, "reason", TicketInput.TEXT_MAX).strip();
    String target = Check.optionalString(body, "targetAgent", 64);
    if (target != null && !Mongo.isObjectId(target)) throw new CrmException(ErrorCode.AGENT_NOT_FOUND, "Agent not found", "targetAgent", null);
    Future<String> to = target != null ? workingAgent(target, "targetAgent").map(a -> target) : leastLoadedSupervisor();
    return to.compose(agentId -> change(body, t -> {
      mayChange(caller, t);
      String status = t.getString("status");
      if (!TicketStatus.active(status)) {
        throw new CrmException(ErrorCode.INVALID_STATUS_TRANSITION, "A " + status + " ticket cannot be escalated", "status",
            new JsonObject().put("status", status));
      }
      String fromPriority = t.getString("priority", "medium");
      int rank = TicketInput.PRIORITIES.indexOf(fromPriority);
      String toPriority = TicketInput.PRIORITIES.get(Math.min(TicketInput.PRIORITIES.size() - 1, Math.max(0, rank + 1)));
      Instant created = Mongo.instant(t.getValue("createdAt"));
      JsonObject now = Mongo.now();
      String previous = t.getString("assignedAgentId");
      JsonObject entry = new JsonObject().put("reason", reason).put("by", caller.agentId()).put("at", now)
          .put("fromPriority", fromPriority).put("toPriority", toPriority).put("fromAgentId", previous)
          .put("toAgentId", agentId != null ? agentId : previous);
      JsonObject set = new JsonObject().put("priority", toPriority).put("escalated", true).put("escalatedAt", now)
          .put("updatedAt", now);
      if (created != null) {
        set.put("estimatedResolution", Mongo.date(sla.resolutionDue(created, toPriority)))
            .put("responseDueAt", Mongo.date(sla.responseDue(created, toPriority)));
      }
      JsonArray historyEntries = new JsonArray().add(history("escalated", fromPriority, toPriority, caller.agentId(), now, reason));
      if (agentId != null && !agentId.equals(previous)) {
        set.put("assignedAgentId", agentId).put("assignedAt", now);
        historyEntries.add(history("assigned", previous, agentId, caller.agentId(), now, "escalated: " + reason));
      }
      return new JsonObject().put("$set", set).put("$inc", new JsonObject().put("escalationLevel", 1))
          .put("$push", new JsonObject().put("escalations", entry)
              .put("history", new JsonObject().put("$each", historyEntries)));
    })).compose(ch -> view.one(ch.after()).map(ticket -> {
      String before = ch.before().getString("assignedAgentId");
      String after = ch.after().getString("assignedAgentId");
      if (after != null && !after.equals(before)) publishAssigned(ticket);
      return new JsonObject().put("ticket", ticket);
    }));
  }

  /** The online supervisor holding the fewest active tickets (ties: the lowest id), or null when none is online. */
  private Future<String> leastLoadedSupervisor() {
    return bus.request(Addresses.AGENT_ONLINE, new JsonObject()).compose(res -> {
      List<String> supervisors = res.getJsonArray("agents", new JsonArray()).stream().map(o -> (JsonObject) o)
          .filter(a -> "supervisor".equals(a.getString("role"))).map(a -> a.getString("_id")).sorted().toList();
      if (supervisors.isEmpty()) return Future.succeededFuture(null);
      JsonArray pipeline = new JsonArray()
          .add(new JsonObject().put("$match", new JsonObject()
              .put("assignedAgentId", new JsonObject().put("$in", new JsonArray(supervisors)))
              .put("status", new JsonObject().put("$in", new JsonArray(TicketStatus.ACTIVE)))))
          .add(new JsonObject().put("$group", new JsonObject().put("_id", "$assignedAgentId").put("n", new JsonObject().put("$sum", 1))));
      return store.aggregate(pipeline).map(rows -> {
        JsonObject load = new JsonObject();
        rows.forEach(r -> load.put(r.getString("_id"), r.getValue("n")));
        return supervisors.stream().min(Comparator.comparingLong((String s) -> ((Number) load.getValue(s, 0)).longValue())
            .thenComparing(s -> s)).orElse(null);
      });
    });
  }

  // ---- auto-reopen

  /**
   * A customer's inbound message: each of their tickets resolved less than {@code TICKET_REOPEN_WINDOW_HOURS} before
   * it is reopened (status open, reopenCount + 1, a history entry, ticket_reopened). Called on the node that recorded
   * the message; the lock and the re-read make a second delivery change nothing.
   */
  Future<Void> customerWrote(JsonObject event) {
    JsonObject message = event.getJsonObject("message", new JsonObject());
    if (!"inbound".equals(message.getString("direction"))) return Future.succeededFuture();
    String customerId = event.getJsonObject("customer", new JsonObject()).getString("_id");
    Instant at = Mongo.instant(message.getString("timestamp"));
    if (customerId == null || at == null) return Future.succeededFuture();
    long window = Duration.ofHours(settings.reopenWindowHours()).toMillis();
    return store.watched(customerId).compose(watched -> {
      List<Future<Void>> all = new ArrayList<>();
      for (String ticketId : watched.fieldNames()) {
        if (!(watched.getValue(ticketId) instanceof Number resolvedAt)) continue;
        long resolved = resolvedAt.longValue();
        if (System.currentTimeMillis() > resolved + window && at.toEpochMilli() > resolved + window) {
          all.add(store.unwatch(customerId, ticketId)); // the window closed: nothing to watch any more
        } else if (at.toEpochMilli() >= resolved - resolved % 1000 && at.toEpochMilli() <= resolved + window) {
          all.add(reopen(ticketId, at, window));
        }
      }
      return Future.all(all).<Void>mapEmpty();
    });
  }

  private Future<Void> reopen(String ticketObjectId, Instant messageAt, long window) {
    JsonObject now = Mongo.now();
    return vertx.sharedData().withLock("crm.ticket." + ticketObjectId, 10_000, () -> store.byId(ticketObjectId).compose(t -> {
      if (t == null) return Future.succeededFuture((Changed) null);
      Instant resolvedAt = Mongo.instant(t.getValue("resolvedAt"));
      if (!TicketStatus.RESOLVED.equals(t.getString("status")) || resolvedAt == null
          || messageAt.toEpochMilli() > resolvedAt.toEpochMilli() + window
          || messageAt.toEpochMilli() < resolvedAt.toEpochMilli() - resolvedAt.toEpochMilli() % 1000) {
        return Future.succeededFuture((Changed) null);
      }
      long hours = window / 3_600_000;
      JsonObject update = new JsonObject()
          .put("$set", new JsonObject().put("status", TicketStatus.OPEN).put("reopenedAt", now).put("updatedAt", now)
              .put("statusChangedAt", now))
          .put("$unset", new JsonObject().put("resolvedAt", "").put("resolutionMs", ""))
          .put("$inc", new JsonObject().put("reopenCount", 1))
          .put("$push", new JsonObject().put("history", history("status", TicketStatus.RESOLVED, TicketStatus.OPEN, "customer", now,
              "The customer wrote within " + hours + " h of the resolution")));
      return marks.ticket(ticketObjectId).compose(v -> store.update(ticketObjectId, update)).map(doc -> new Changed(t, doc));
    })).compose(ch -> {
      if (ch == null) return Future.succeededFuture();
      return store.unwatch(ch.after().getString("customerId"), ticketObjectId).recover(e -> Future.succeededFuture())
          .compose(v -> view.one(ch.after()))
          .map(ticket -> {
            bus.publish(Addresses.EVT_TICKET_STATUS_CHANGED, new JsonObject().put("ticket", ticket).put("previousStatus", TicketStatus.RESOLVED));
            publishReopened(ticket, TicketStatus.RESOLVED);
            log.info("Ticket {} reopened by its customer's message", ticket.getString("ticketId"));
            return null;
          });
    });
  }

  // ---- events

  private void publishAssigned(JsonObject ticket) {
    JsonObject agent = ticket.getJsonObject("assignedAgent");
    String agentId = agent != null ? agent.getString("_id") : ticket.getString("assignedAgentId");
    bus.publish(Addresses.EVT_TICKET_ASSIGNED, new JsonObject().put("ticketId", ticket.getString("ticketId"))
        .put("agentId", agentId).put("ticket", ticket));
  }

  private void publishReopened(JsonObject ticket, String previousStatus) {
    bus.publish(Addresses.EVT_TICKET_REOPENED, new JsonObject().put("ticket", ticket).put("previousStatus", previousStatus)
        .put("reopenCount", ticket.getInteger("reopenCount", 0)));
  }

  // ---- WhatsApp notifications

  /** The resolution notice: text inside the 24 h window, the configured template outside it. Never fails. */
  private Future<JsonObject> notifyResolved(Caller caller, JsonObject ticket, String summary) {
    return Future.all(customerOf(ticket), config.active()).compose(all -> {
      JsonObject customer = all.resultAt(0);
      JsonObject cfg = all.resultAt(1);
      String name = customerName(customer);
      String text = fill(cfg.getJsonObject("notifications", new JsonObject()).getString("ticketResolved", ActiveConfig.RESOLVED_TEXT),
          name, cfg, ticket.getString("ticketId"), summary, null);
      String key = "ticket:" + ticket.getString("_id") + ":resolved:" + Mongo.instant(ticket.getValue("resolvedAt")).toEpochMilli();
      // an automated notice, not the agent's reply: analytics leaves it out of response times (sentBy system)
      JsonObject send = new JsonObject().put("type", "text").put("to", customer.getString("phoneNumber")).put("content", text)
          .put("agentId", caller.agentId()).put("idempotencyKey", key).put("sentBy", "system");
      return bus.request(Addresses.WHATSAPP_SEND, send, SEND_TIMEOUT_MS)
          .map(res -> sent("text", res))
          .recover(err -> {
            CrmException ce = Bus.fromReply(err);
            if (ce.code() != ErrorCode.WHATSAPP_WINDOW_CLOSED) return Future.succeededFuture(notSent("text", ce));
            if (settings.resolvedTemplate().isEmpty()) {
              return Future.succeededFuture(notSent("text", ce).put("reason", "24 h window closed and no TICKET_RESOLVED_TEMPLATE"));
            }
            JsonObject template = new JsonObject().put("type", "template").put("to", customer.getString("phoneNumber"))
                .put("templateName", settings.resolvedTemplate()).put("language", templateLanguage(cfg))
                .put("templateParams", new JsonArray().add(name.isEmpty() ? "-" : name).add(ticket.getString("ticketId")).add(clip(summary, 1000)))
                .put("content", text).put("agentId", caller.agentId()).put("idempotencyKey", key + ":template")
                .put("sentBy", "system");
            return bus.request(Addresses.WHATSAPP_SEND, template, SEND_TIMEOUT_MS).map(res -> sent("template", res))
                .recover(e2 -> Future.succeededFuture(notSent("template", Bus.fromReply(e2))));
          });
    }).recover(err -> Future.succeededFuture(notSent("text", Bus.fromReply(err))));
  }

  /** A public note to the customer, inside the 24 h window only (no template for notes). Never fails. */
  private Future<JsonObject> notifyNote(Caller caller, JsonObject ticket, String content) {
    return Future.all(customerOf(ticket), config.active()).compose(all -> {
      JsonObject customer = all.resultAt(0);
      JsonObject cfg = all.resultAt(1);
      String text = fill(cfg.getJsonObject("notifications", new JsonObject()).getString("ticketNote", ActiveConfig.NOTE_TEXT),
          customerName(customer), cfg, ticket.getString("ticketId"), null, content);
      JsonObject send = new JsonObject().put("type", "text").put("to", customer.getString("phoneNumber")).put("content", text)
          .put("agentId", caller.agentId());
      return bus.request(Addresses.WHATSAPP_SEND, send, SEND_TIMEOUT_MS).map(res -> sent("text", res))
          .recover(err -> Future.succeededFuture(notSent("text", Bus.fromReply(err))));
    }).recover(err -> Future.succeededFuture(notSent("text", Bus.fromReply(err))));
  }

  private Future<JsonObject> customerOf(JsonObject ticket) {
    return bus.request(Addresses.CUSTOMER_GET, new JsonObject().put("id", ticket.getString("customerId"))).map(r -> r.getJsonObject("customer"));
  }

  private static JsonObject sent(String type, JsonObject res) {
    JsonObject m = res.getJsonObject("message", new JsonObject());
    return new JsonObject().put("sent", true).put("type", type).put("messageId", m.getString("_id"))
        .put("whatsappMessageId", m.getString("whatsappMessageId")).put("at", Instant.now().toString());
  }

  private static JsonObject notSent(String type, CrmException e) {
    return new JsonObject().put("sent", false).put("type", type)
        .put("error", new JsonObject().put("code", e.code().name()).put("message", e.getMessage()));
  }

  static String customerName(JsonObject customer) {
    String first = customer.getString("firstName", "");
    String last = customer.getString("lastName", "");
    return (first + " " + last).strip();
  }

  /** The preset's words: {customerName} {ticketNoun} {ticketId} {summary} {content}. */
  static String fill(String template, String name, JsonObject cfg, String ticketId, String summary, String content) {
    String noun = cfg.getJsonObject("terminology", new JsonObject()).getString("ticketNoun", "ticket");
    String out = template.replace("{customerName}", name).replace("{ticketNoun}", noun).replace("{ticketId}", ticketId)
        .replace("{summary}", summary == null ? "" : summary).replace("{content}", content == null ? "" : content);
    if (name.isEmpty()) out = out.replaceAll(" +([,.!?])", "$1"); // "Hola , ..." without a name reads "Hola, ..."
    return clip(out, 4096);
  }

  private static String clip(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }

  /** TICKET_RESOLVED_TEMPLATE_LANGUAGE, or the preset's language as WhatsApp writes it (es-MX -> es_MX). */
  private String templateLanguage(JsonObject cfg) {
    if (!settings.resolvedTemplateLanguage().isEmpty()) return settings.resolvedTemplateLanguage();
    String lang = cfg.getJsonObject("assistant", new JsonObject()).getString("language", "es");
    return Pattern.compile("-").matcher(lang).replaceAll("_");
  }
}
