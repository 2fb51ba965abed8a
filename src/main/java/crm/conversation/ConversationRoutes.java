package crm.conversation;

import crm.auth.Permission;
import crm.auth.Principal;
import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.Check;
import crm.bus.CrmException;
import crm.http.ApiRouter;
import crm.http.Http;
import crm.http.Pagination;
import crm.http.RateLimiter.Bucket;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** /conversations: the agents' inbox (spec: Conversation endpoints), served by {@link ConversationApi} on the bus. */
public final class ConversationRoutes {
  private ConversationRoutes() {}

  public static void mount(ApiRouter api, Bus bus) {
    api.get("/conversations", Permission.READ_CONVERSATIONS, ctx -> {
      Pagination page = Pagination.of(ctx);
      JsonObject req = Http.withCaller(ctx).put("skip", page.skip()).put("limit", page.limit());
      copy(ctx, req, "status", "assignedAgent", "priority", "search", "dateFrom", "dateTo");
      JsonArray tags = listParam(ctx, "tags");
      if (tags != null) req.put("tags", tags);
      bus.request(Addresses.CONVERSATION_LIST, req).onSuccess(res -> Http.ok(ctx, new JsonObject()
          .put("conversations", res.getJsonArray("conversations")).put("pagination", page.info(res.getLong("total")))))
          .onFailure(ctx::fail);
    });
    api.get("/conversations/:conversationId", Permission.READ_CONVERSATIONS, ctx ->
        Http.reply(ctx, bus.request(Addresses.CONVERSATION_GET, conversation(ctx))));
    api.get("/conversations/:conversationId/messages", Permission.READ_CONVERSATIONS, ctx -> {
      Pagination page = Pagination.of(ctx, 50, 100);
      JsonObject req = conversation(ctx).put("skip", page.skip()).put("limit", page.limit());
      copy(ctx, req, "before", "after");
      bus.request(Addresses.CONVERSATION_MESSAGES, req).onSuccess(res -> Http.ok(ctx, new JsonObject()
          .put("messages", res.getJsonArray("messages")).put("pagination", page.info(res.getLong("total")))
          .put("hasMore", res.getBoolean("hasMore")))).onFailure(ctx::fail);
    });
    api.route(HttpMethod.POST, "/conversations/:conversationId/messages", Permission.WRITE_MESSAGES, Bucket.MESSAGES, ctx -> {
      JsonObject body = Http.body(ctx);
      Principal me = Http.principal(ctx);
      String type = Check.oneOf(Check.optionalString(body, "type", 16), "type", List.of("text", "template", "image", "document", "audio"));
      JsonObject send = new JsonObject().put("type", type == null ? "text" : type)
          .put("conversationId", ctx.pathParam("conversationId")).put("agentId", me.agentId());
      if (me.sessionId() != null) send.put("sessionId", me.sessionId()); // its sockets get the message in this answer
      // text; template (templateParams, templateComponents, headerMedia); media (publicId of an upload, or mediaUrl; content
      // is the caption); the sender checks each
      for (String f : List.of("content", "templateName", "language", "replyTo", "templateParams", "templateComponents", "headerMedia",
          "publicId", "mediaUrl", "filename")) {
        if (body.getValue(f) != null) send.put(f, body.getValue(f));
      }
      String key = ctx.request().getHeader("Idempotency-Key");
      if (key == null) key = Check.optionalString(body, "clientMessageId", 200);
      if (key != null) {
        if (key.isBlank() || key.length() > 200) throw CrmException.validation("Idempotency-Key", "Idempotency-Key must be 1-200 characters");
        // scoped to the agent and the conversation: nobody else's key, and no other conversation, can collide with it
        send.put("idempotencyKey", me.agentId() + ":" + ctx.pathParam("conversationId") + ":" + key);
      }
      bus.request(Addresses.CONVERSATION_VISIBLE, conversation(ctx)).compose(v -> {
        if (!v.getBoolean("visible")) throw CrmException.notFound(crm.bus.ErrorCode.CONVERSATION_NOT_FOUND, "Conversation");
        return bus.request(Addresses.WHATSAPP_SEND, send, 20_000);
      }).onSuccess(res -> Http.send(ctx, res.getBoolean("duplicate", false) ? 200 : 201, res)).onFailure(ctx::fail);
    });
    api.post("/conversations/:conversationId/assign", Permission.WRITE_CONVERSATIONS, ctx -> {
      JsonObject body = Http.body(ctx);
      JsonObject req = conversation(ctx).put("agentId", Check.requiredString(body, "agentId", 64));
      String note = Check.optionalString(body, "note", 2000);
      if (note != null) req.put("note", note);
      Boolean force = Check.optionalBoolean(body, "force");
      if (force != null) req.put("force", force);
      Http.reply(ctx, bus.request(Addresses.CONVERSATION_ASSIGN, req));
    });
    api.put("/conversations/:conversationId/status", Permission.WRITE_CONVERSATIONS, ctx -> {
      JsonObject body = Http.body(ctx);
      JsonObject req = conversation(ctx).put("status", Check.requiredString(body, "status", 16));
      String note = Check.optionalString(body, "note", 2000);
      if (note != null) req.put("note", note);
      Http.reply(ctx, bus.request(Addresses.CONVERSATION_SET_STATUS, req));
    });
    api.post("/conversations/:conversationId/read", Permission.READ_CONVERSATIONS, ctx ->
        Http.reply(ctx, bus.request(Addresses.CONVERSATION_MARK_READ, conversation(ctx))));
    api.put("/conversations/:conversationId/ai", Permission.WRITE_CONVERSATIONS, ctx -> {
      JsonObject body = Http.body(ctx);
      Boolean enabled = Check.optionalBoolean(body, "enabled");
      if (enabled == null) enabled = Check.optionalBoolean(body, "isAIEnabled");
      if (enabled == null) throw CrmException.validation("enabled", "enabled (true or false) is required");
      Http.reply(ctx, bus.request(Addresses.CONVERSATION_SET_AI, conversation(ctx).put("enabled", enabled)));
    });
    // a person asks for a person (the agent watching the assistant, a supervisor): whoever sees it may turn it over
    api.post("/conversations/:conversationId/handoff", Permission.WRITE_CONVERSATIONS, ctx -> {
      String reason = Check.optionalString(Http.body(ctx), "reason", 500);
      JsonObject req = conversation(ctx);
      if (reason != null) req.put("reason", reason);
      Http.reply(ctx, bus.request(Addresses.CONVERSATION_HANDOFF, req));
    });
  }

  private static JsonObject conversation(RoutingContext ctx) {
    return Http.withCaller(ctx).put("conversationId", ctx.pathParam("conversationId"));
  }

  static void copy(RoutingContext ctx, JsonObject req, String... names) {
    for (String name : names) {
      String v = ctx.request().getParam(name);
      if (v != null && !v.isEmpty()) req.put(name, v);
    }
  }

  /** A list from a repeated parameter ({@code tags=a&tags=b}) or a comma list ({@code tags=a,b}). */
  static JsonArray listParam(RoutingContext ctx, String name) {
    List<String> all = ctx.queryParam(name);
    if (all == null || all.isEmpty()) all = ctx.queryParam(name + "[]");
    if (all == null || all.isEmpty()) return null;
    JsonArray out = new JsonArray();
    for (String v : all) for (String part : v.split(",")) if (!part.isBlank()) out.add(part.strip());
    if (out.size() > 50) throw CrmException.validation(name, name + " has more than 50 values");
    return out;
  }
}
