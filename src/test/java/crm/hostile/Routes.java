package crm.hostile;

import crm.http.ApiRouter;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The /api/v2 routes as the real router declares them ({@link ApiRouter#specs()}), each with what openapi.json says
 * about it (request-body schema, required fields, query parameters), a valid base body built from that schema and
 * the fixture, and the existing ids its path parameters take. A route the OpenAPI document does not describe is still
 * attacked through its path and query.
 */
final class Routes {
  static final String PREFIX = "/api/v2";
  private static final Pattern PARAM = Pattern.compile(":([A-Za-z0-9_]+)");

  record Route(ApiRouter.Spec spec, String key, List<String> params, JsonObject bodySchema, Set<String> required,
               List<String> query) {
    HttpMethod method() {
      return spec.method();
    }

    String permission() {
      return spec.permission();
    }

    boolean takesBody() {
      return bodySchema != null;
    }

    boolean isPublic() {
      return spec.permission() == null;
    }

    /** The request URI with each path parameter given (values are put in as they are: the caller encodes). */
    String uri(Map<String, String> values, String query) {
      Matcher m = PARAM.matcher(spec.path());
      StringBuilder sb = new StringBuilder(PREFIX);
      int last = 0;
      while (m.find()) {
        sb.append(spec.path(), last, m.start()).append(values.getOrDefault(m.group(1), "x"));
        last = m.end();
      }
      sb.append(spec.path().substring(last));
      if (query != null && !query.isEmpty()) sb.append('?').append(query);
      return sb.toString();
    }
  }

  final List<Route> all = new ArrayList<>();
  private final Env env;

  Routes(Env env) {
    this.env = env;
    JsonObject paths = env.openapi.getJsonObject("paths");
    for (ApiRouter.Spec spec : env.specs) {
      String openApiPath = spec.path().replaceAll(":([A-Za-z0-9_]+)", "{$1}");
      JsonObject op = paths.getJsonObject(openApiPath, new JsonObject())
          .getJsonObject(spec.method().name().toLowerCase(Locale.ROOT));
      List<String> params = new ArrayList<>();
      Matcher m = PARAM.matcher(spec.path());
      while (m.find()) params.add(m.group(1));
      JsonObject schema = null;
      Set<String> required = new LinkedHashSet<>();
      List<String> query = new ArrayList<>();
      if (op != null) {
        // a JSON body only: a multipart upload (POST /upload) is attacked through its path, query and headers
        JsonObject json = op.getJsonObject("requestBody", new JsonObject()).getJsonObject("content", new JsonObject())
            .getJsonObject("application/json");
        if (json != null) {
          schema = resolve(json.getJsonObject("schema", new JsonObject()));
          for (Object r : schema.getJsonArray("required", new JsonArray())) required.add(String.valueOf(r));
        }
        for (Object p : op.getJsonArray("parameters", new JsonArray())) {
          JsonObject param = resolve((JsonObject) p);
          if ("query".equals(param.getString("in"))) query.add(param.getString("name"));
        }
      }
      all.add(new Route(spec, spec.method() + " " + spec.path(), List.copyOf(params), schema, Set.copyOf(required), List.copyOf(query)));
    }
  }

  JsonObject resolve(JsonObject schema) {
    String ref = schema.getString("$ref");
    if (ref == null) return schema;
    JsonObject node = env.openapi;
    for (String part : ref.substring(2).split("/")) node = node.getJsonObject(part);
    return resolve(node);
  }

  /** The existing resource each path parameter names (a media id: none is stored, so one that names nothing). */
  Map<String, String> existing(Route r) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String p : r.params()) {
      String path = r.spec().path();
      String value;
      if (p.equals("conversationId") || path.startsWith("/conversations/")) value = env.conversationId;
      else if (p.equals("customerId") || path.startsWith("/customers/")) value = env.customerId;
      else if (path.startsWith("/tickets/")) value = env.ticketId;
      else if (path.startsWith("/agents/")) value = env.victim.id();
      else value = "0123456789abcdef01234567";
      out.put(p, value);
    }
    return out;
  }

  /** Stands for 8 digits that differ per request (a new customer's phone, a new agent's email): see Attacks. */
  static final String UNIQUE = "UNIQ0000";

  /**
   * A body the route accepts (or refuses only for a state reason, never for its shape): the schema's properties
   * filled from the fixture. What must be unique per request (a phone, an email) holds {@link #UNIQUE}.
   */
  Map<String, Object> base(Route r) {
    if (!r.takesBody()) return null;
    String k = r.key();
    JsonObject b = new JsonObject();
    switch (k) {
      case "POST /auth/login" -> b.put("email", env.agent.email()).put("password", Env.PASSWORD);
      case "POST /auth/refresh" -> b.put("refreshToken", "set-per-class");
      case "POST /auth/logout" -> b.put("refreshToken", "not-a-refresh-token-of-this-session");
      case "POST /agents" -> b.put("email", "hostile-new-" + UNIQUE + "@crm.test").put("password", "hostile-pass-1")
          .put("firstName", "Hostile").put("lastName", "Created").put("role", "agent")
          .put("permissions", new JsonArray().add("read:conversations")).put("avatar", "https://example.invalid/a.png");
      case "PUT /agents/:id" -> b.put("firstName", "Victim").put("lastName", "Agent").put("email", env.victim.email())
          .put("password", Env.PASSWORD).put("role", "agent").put("permissions", new JsonArray(env.victim.permissions()))
          .put("status", "away").put("avatar", "https://example.invalid/v.png").put("isActive", true);
      case "PUT /config/ticket-categories" -> b.put("categories", env.categories.copy());
      case "PUT /config/assistant" -> {
        for (String f : resolve(r.bodySchema()).getJsonObject("properties", new JsonObject()).fieldNames()) {
          if (env.assistant.getValue(f) != null) b.put(f, env.assistant.getValue(f));
        }
      }
      case "POST /config/presets/load" -> b.put("presetId", "hostile-no-such-preset");
      case "POST /customers" -> customer(b).put("phoneNumber", "+52 1 55 " + UNIQUE);
      case "PUT /customers/:id" -> customer(b).put("phoneNumber", env.customerPhone);
      case "POST /tickets" -> b.put("customerId", env.customerId).put("conversationId", env.conversationId)
          .put("subject", "Hostile subject").put("description", "Hostile description")
          .put("category", env.categories.getJsonObject(0).getString("id")).put("priority", "low")
          .put("assignedAgent", env.victim.id())
          .put("location", new JsonObject().put("latitude", 20.97).put("longitude", -89.62).put("address", "Mérida"))
          .put("attachments", new JsonArray().add("https://example.invalid/photo.jpg"));
      case "PUT /tickets/:id/status", "PATCH /tickets/:id/status" -> b.put("status", "in_progress").put("reason", "hostile")
          .put("resolutionSummary", "summary").put("sendNotification", false);
      case "PUT /tickets/:id/resolve", "POST /tickets/:id/resolve" -> b.put("resolutionSummary", "done").put("sendNotification", false)
          .put("resolution", new JsonObject().put("summary", "done").put("steps", new JsonArray().add("step")).put("category", "fixed"));
      case "PUT /tickets/:id/assign" -> b.put("agentId", env.victim.id()).put("note", "note");
      case "POST /tickets/:id/notes" -> b.put("content", "note").put("isInternal", true);
      case "PUT /tickets/:id/escalate" -> b.put("reason", "reason").put("targetAgent", env.victim.id());
      case "POST /knowledge-articles", "PUT /knowledge-articles/:id" -> b.put("title", "Hostile article").put("content", "Hostile content")
          .put("tags", new JsonArray().add("hostile")).put("category", "hostile").put("businessType", "general").put("language", "es")
          .put("active", true);
      case "POST /conversations/:conversationId/messages" -> b.put("content", "hello from the hostile suite").put("type", "text");
      case "POST /conversations/:conversationId/assign" -> b.put("agentId", env.agent.id()).put("note", "note").put("force", true);
      case "PUT /conversations/:conversationId/status" -> b.put("status", "open").put("note", "note");
      case "PUT /conversations/:conversationId/ai" -> b.put("enabled", true).put("isAIEnabled", true);
      case "POST /conversations/:conversationId/handoff" -> b.put("reason", "hostile hand-off");
      case "POST /whatsapp/sandbox/typing" -> b.put("conversationId", env.conversationId).put("isTyping", true);
      case "POST /commerce/products/import" -> b.put("products", new JsonArray().add(new JsonObject().put("sku", "HOSTILE-1")
          .put("name", "Hostile product").put("description", "imported by the hostile suite").put("price", 1.5).put("stock", 3)
          .put("tags", new JsonArray().add("hostile")).put("image_url", "https://example.invalid/p.png").put("active", true)));
      default -> fromSchema(resolve(r.bodySchema()), b);
    }
    return Js.obj(b);
  }

  private static JsonObject customer(JsonObject b) {
    return b.put("firstName", "Hostile").put("lastName", "Customer").put("email", "hostile.customer@example.com")
        .put("tags", new JsonArray().add("vip")).put("notes", "notes").put("isBlocked", false)
        .put("customFields", new JsonObject().put("plan", "basic")).put("avatar", "https://example.invalid/c.png");
  }

  /** For routes added later: every property from its schema, with a plain value of its type. */
  private void fromSchema(JsonObject schema, JsonObject b) {
    JsonObject props = schema.getJsonObject("properties", new JsonObject());
    for (String f : props.fieldNames()) {
      JsonObject p = resolve(props.getJsonObject(f));
      JsonArray en = p.getJsonArray("enum");
      Object v = switch (en != null ? "enum" : p.getString("type", "string")) {
        case "enum" -> en.getValue(0);
        case "boolean" -> true;
        case "integer", "number" -> 1;
        case "array" -> new JsonArray();
        case "object" -> new JsonObject();
        default -> "hostile";
      };
      b.put(f, v);
    }
  }

  /** The JSON type the schema gives a top-level property (null when unknown). */
  String typeOf(Route r, String field) {
    JsonObject props = resolve(r.bodySchema()).getJsonObject("properties", new JsonObject());
    JsonObject p = props.getJsonObject(field);
    if (p == null) return null;
    p = resolve(p);
    String t = p.getString("type");
    if (t == null && p.containsKey("oneOf")) return "oneOf";
    return "integer".equals(t) ? "number" : t;
  }

  Set<String> properties(Route r) {
    return r.takesBody() ? resolve(r.bodySchema()).getJsonObject("properties", new JsonObject()).fieldNames() : Set.of();
  }
}
