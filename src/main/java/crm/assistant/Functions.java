package crm.assistant;

import crm.auth.Roles;
import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.CrmException;
import crm.customer.Phone;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The functions the model may call, each with its JSON schema. Arguments are validated against the schema before
 * anything runs; a call that is unknown, invalid or fails is answered to the model as an error result it can correct
 * ({@code {success: false, error}}), never thrown. Every function acts only for the conversation's own customer: the
 * customer's phone comes from the conversation, not from the model, and a phone, e-mail or ticket of anyone else is
 * refused. Functions with side effects (an order, a ticket) run once per conversation and arguments within a window,
 * whether the model repeats the call in a turn or a retried turn asks again.
 */
final class Functions {
  static final String SEARCH_PRODUCTS = "search_ecommerce_products";
  static final String CREATE_ORDER = "create_ecommerce_order";
  static final String GET_ORDER = "get_ecommerce_order";
  static final String ACTIVE_ORDERS = "get_active_orders";
  static final String CREATE_TICKET = "create_ticket";
  static final String TICKET_STATUS = "get_ticket_status";
  static final String SEARCH_KNOWLEDGE = "search_knowledge_base";
  static final String HANDOFF = "handoff_to_agent";

  /** What a function runs for: the conversation's customer, the active configuration. */
  record Context(String conversationId, String customerId, String customerPhone, String customerEmail, String customerName,
                 JsonObject config) {
    String presetId() {
      return config.getString("presetId");
    }
  }

  private record Definition(String name, String description, JsonObject parameters, boolean ecommerceOnly, boolean once) {}

  private final Bus bus;
  private final TurnStore store;
  private final long onceWindowMs;
  private final Map<String, Validator> validators = new ConcurrentHashMap<>();

  Functions(Bus bus, TurnStore store, long onceWindowMs) {
    this.bus = bus;
    this.store = store;
    this.onceWindowMs = onceWindowMs;
  }

  /** The tools offered in a turn, in the OpenAI format: the e-commerce ones only with the e-commerce preset. */
  JsonArray tools(Context ctx) {
    JsonArray tools = new JsonArray();
    for (Definition d : definitions(ctx).values()) {
      tools.add(new JsonObject().put("type", "function").put("function", new JsonObject().put("name", d.name())
          .put("description", d.description()).put("parameters", d.parameters())));
    }
    return tools;
  }

  /**
   * Runs one call: {@code {success: true, ...}} or an error result; never a failed future. {@code argumentsError} is
   * the client's note when the model's arguments were not JSON at all.
   */
  Future<JsonObject> call(Context ctx, String name, JsonObject arguments, String argumentsError) {
    Map<String, Definition> all = definitions(ctx);
    Definition d = all.get(name);
    if (d == null) {
      return Future.succeededFuture(error("unknown function '" + name + "'; the functions are: " + String.join(", ", all.keySet())));
    }
    if (argumentsError != null) return Future.succeededFuture(error("the arguments are not valid JSON: " + argumentsError));
    List<String> problems = validate(d, arguments);
    if (!problems.isEmpty()) {
      return Future.succeededFuture(error("invalid arguments: " + String.join("; ", problems)).put("details", new JsonArray(problems)));
    }
    Future<JsonObject> result;
    try {
      result = d.once()
          ? store.once(onceKey(ctx, name, arguments), onceWindowMs, () -> run(ctx, name, arguments))
          : run(ctx, name, arguments);
    } catch (RuntimeException e) { // a refusal found before any request
      result = Future.failedFuture(e);
    }
    return result.recover(err -> Future.succeededFuture(error(message(err))));
  }

  private Future<JsonObject> run(Context ctx, String name, JsonObject a) {
    return switch (name) {
      case SEARCH_PRODUCTS -> bus.request(Addresses.COMMERCE_SEARCH_PRODUCTS, new JsonObject()
          .put("query", a.getString("query", "")).put("limit", a.getInteger("limit", 5)));
      case CREATE_ORDER -> createOrder(ctx, a);
      case GET_ORDER -> getOrder(ctx, a);
      case ACTIVE_ORDERS -> {
        own(ctx, a.getString("customer_phone"));
        yield bus.request(Addresses.COMMERCE_ACTIVE_ORDERS, new JsonObject().put("owner_phone", ctx.customerPhone())
            .put("customer_phone", ctx.customerPhone()));
      }
      case CREATE_TICKET -> createTicket(ctx, a);
      case TICKET_STATUS -> ticketStatus(ctx, a);
      case SEARCH_KNOWLEDGE -> bus.request(Addresses.KNOWLEDGE_SEARCH, new JsonObject().put("query", a.getString("query"))
          .put("limit", a.getInteger("limit", 3)));
      case HANDOFF -> Future.succeededFuture(new JsonObject().put("success", true).put("handedOff", true)); // done by the turn
      default -> Future.succeededFuture(error("unknown function '" + name + "'"));
    };
  }

  // ---- e-commerce

  private Future<JsonObject> createOrder(Context ctx, JsonObject a) {
    own(ctx, a.getString("customer_phone"));
    JsonObject order = new JsonObject()
        .put("owner_phone", ctx.customerPhone()).put("conversation_id", ctx.conversationId())
        .put("customer_name", a.getString("customer_name", ctx.customerName()))
        .put("items", a.getJsonArray("items")).put("shipping_address", a.getJsonObject("shipping_address"))
        .put("payment_method", a.getString("payment_method"));
    String email = a.getString("customer_email", ctx.customerEmail());
    if (email != null) order.put("customer_email", email);
    if (a.getString("notes") != null) order.put("notes", a.getString("notes"));
    return bus.request(Addresses.COMMERCE_CREATE_ORDER, order);
  }

  private Future<JsonObject> getOrder(Context ctx, JsonObject a) {
    String type = a.getString("search_type");
    String value = a.getString("search_value");
    if ("phone".equals(type)) own(ctx, value);
    return bus.request(Addresses.COMMERCE_GET_ORDERS, new JsonObject().put("owner_phone", ctx.customerPhone())
        .put("search_type", type).put("search_value", "phone".equals(type) ? ctx.customerPhone() : value)
        .put("include_items", a.getBoolean("include_items", true)));
  }

  /** A phone the model names must be the customer's own (whatever form it is written in). */
  private static void own(Context ctx, String phone) {
    if (phone == null || phone.isBlank()) return;
    String normalized = Phone.normalize(phone);
    String mine = ctx.customerPhone() == null ? null : Phone.normalize(ctx.customerPhone());
    if (normalized == null || mine == null || !Phone.canonical(normalized).equals(Phone.canonical(mine))) {
      throw new CrmException(crm.bus.ErrorCode.AUTH_INSUFFICIENT_PERMISSIONS,
          "this conversation can only see and place orders for its own customer's phone number; nothing was looked up");
    }
  }

  // ---- tickets

  static JsonObject caller() {
    return new JsonObject().put("agentId", "assistant").put("role", Roles.SUPERVISOR)
        .put("permissions", new JsonArray(List.copyOf(Roles.permissionsOf(Roles.SUPERVISOR))));
  }

  private Future<JsonObject> createTicket(Context ctx, JsonObject a) {
    JsonObject request = new JsonObject().put("caller", caller()).put("customerId", ctx.customerId())
        .put("conversationId", ctx.conversationId()).put("subject", a.getString("subject"))
        .put("description", a.getString("description")).put("category", a.getString("category"));
    if (a.getString("priority") != null) request.put("priority", a.getString("priority"));
    return bus.request(Addresses.TICKET_CREATE, request).map(r -> {
      JsonObject t = r.getJsonObject("ticket", new JsonObject());
      return new JsonObject().put("success", true).put("ticket", new JsonObject().put("ticket_id", t.getString("ticketId"))
          .put("status", t.getString("status")).put("category", t.getString("category")).put("subject", t.getString("subject"))
          .put("priority", t.getString("priority")));
    });
  }

  private Future<JsonObject> ticketStatus(Context ctx, JsonObject a) {
    String id = a.getString("ticket_id");
    if (id != null && !id.isBlank()) {
      return bus.request(Addresses.TICKET_GET, new JsonObject().put("caller", caller()).put("id", id.trim()))
          .map(r -> {
            JsonObject t = r.getJsonObject("ticket");
            if (t == null || !ctx.customerId().equals(customerOf(t))) return notFoundTicket(id);
            return new JsonObject().put("success", true).put("found", true).put("tickets", new JsonArray().add(summary(t)));
          })
          .recover(err -> err instanceof CrmException ce && ce.code().httpStatus() == 404
              ? Future.succeededFuture(notFoundTicket(id)) : Future.failedFuture(err));
    }
    return bus.request(Addresses.TICKET_LIST_FOR_CUSTOMER, new JsonObject().put("caller", caller())
            .put("customer", ctx.customerId()).put("limit", 5))
        .map(r -> {
          JsonArray out = new JsonArray();
          for (Object o : r.getJsonArray("tickets", new JsonArray())) out.add(summary((JsonObject) o));
          return new JsonObject().put("success", true).put("found", !out.isEmpty()).put("tickets", out);
        });
  }

  private static JsonObject notFoundTicket(String id) {
    return new JsonObject().put("success", true).put("found", false).put("tickets", new JsonArray())
        .put("message", "no ticket " + id + " of this customer");
  }

  private static String customerOf(JsonObject ticket) {
    Object c = ticket.getValue("customer");
    if (c instanceof JsonObject o && o.getString("_id") != null) return o.getString("_id");
    Object id = ticket.getValue("customerId");
    return id instanceof JsonObject o ? o.getString("_id") : (String) id;
  }

  private static JsonObject summary(JsonObject t) {
    JsonObject s = new JsonObject().put("ticket_id", t.getString("ticketId")).put("subject", t.getString("subject"))
        .put("status", t.getString("status")).put("category", t.getString("category")).put("priority", t.getString("priority"))
        .put("created_at", t.getValue("createdAt")).put("updated_at", t.getValue("updatedAt"));
    JsonObject resolution = t.getJsonObject("resolution");
    if (resolution != null && resolution.getString("summary") != null) s.put("resolution", resolution.getString("summary"));
    return s;
  }

  // ---- definitions and validation

  private Map<String, Definition> definitions(Context ctx) {
    Map<String, Definition> all = new LinkedHashMap<>();
    boolean ecommerce = "ecommerce".equals(ctx.presetId());
    if (ecommerce) {
      add(all, new Definition(SEARCH_PRODUCTS, "Search the shop's catalog by words (name, description, tags). In-stock products come first.",
          object(new JsonObject()
              .put("query", string(1, 200, "what the customer is looking for"))
              .put("limit", integer(1, 20, "how many products at most (default 5)")), "query"), true, false));
      JsonObject item = object(new JsonObject()
          .put("product_id", string(1, 64, "the product_id from search_ecommerce_products"))
          .put("product_name", string(0, 200, "the product's name"))
          .put("quantity", integer(1, 100, "how many units"))
          .put("unit_price", new JsonObject().put("type", "number").put("minimum", 0)), "product_id", "quantity");
      JsonObject address = object(new JsonObject()
          .put("street", string(1, 200, null)).put("city", string(1, 100, null)).put("state", string(0, 100, null))
          .put("postal_code", string(1, 20, null)).put("country", string(1, 100, null)), "street", "city", "postal_code", "country");
      add(all, new Definition(CREATE_ORDER, "Place an order for this customer, only after they confirmed the items, quantities, "
          + "address and payment method. Prices are the catalog's.",
          object(new JsonObject()
              .put("customer_phone", string(0, 32, "leave empty: the order is always for this conversation's customer"))
              .put("customer_name", string(1, 120, null))
              .put("customer_email", string(0, 254, null))
              .put("items", new JsonObject().put("type", "array").put("minItems", 1).put("maxItems", 20).put("items", item))
              .put("shipping_address", address)
              .put("payment_method", new JsonObject().put("type", "string").put("enum", new JsonArray().add("cash_on_delivery").add("card").add("transfer")))
              .put("notes", string(0, 500, null)), "customer_name", "items", "shipping_address", "payment_method"), true, true));
      add(all, new Definition(GET_ORDER, "Look up this customer's orders by order id (ORD-...), or by their own phone or e-mail.",
          object(new JsonObject()
              .put("search_type", new JsonObject().put("type", "string").put("enum", new JsonArray().add("order_id").add("phone").add("email")))
              .put("search_value", string(1, 254, null))
              .put("include_items", new JsonObject().put("type", "boolean")), "search_type", "search_value"), true, false));
      add(all, new Definition(ACTIVE_ORDERS, "This customer's recent orders.",
          object(new JsonObject().put("customer_phone", string(0, 32, "leave empty: always this conversation's customer"))), true, false));
    }
    JsonArray categories = new JsonArray();
    for (Object c : ctx.config().getJsonArray("categories", new JsonArray())) {
      if (c instanceof JsonObject o && o.getString("id") != null) categories.add(o.getString("id"));
    }
    JsonObject terms = ctx.config().getJsonObject("terminology", new JsonObject());
    String noun = terms.getString("ticketNoun", "ticket");
    JsonObject category = categories.isEmpty() ? string(1, 64, null)
        : new JsonObject().put("type", "string").put("enum", categories).put("description", "the category that fits best");
    add(all, new Definition(CREATE_TICKET, "Open a " + noun + " (a ticket our team follows up) for this customer's problem, "
        + "linked to this conversation.",
        object(new JsonObject()
            .put("subject", string(3, 200, "a short summary"))
            .put("description", string(1, 2000, "what happened, in the customer's words and with the details they gave"))
            .put("category", category)
            .put("priority", new JsonObject().put("type", "string").put("enum", new JsonArray().add("low").add("medium").add("high").add("urgent"))),
            "subject", "description", "category"), false, true));
    add(all, new Definition(TICKET_STATUS, "The status of this customer's " + terms.getString("ticketNounPlural", "tickets")
        + ": one by its id, or their latest ones.",
        object(new JsonObject().put("ticket_id", string(0, 64, "the id the customer gave, if any"))), false, false));
    add(all, new Definition(SEARCH_KNOWLEDGE, "Search the business's own help articles (policies, opening hours, how-tos). "
        + "Answer policy questions only from what it finds.",
        object(new JsonObject().put("query", string(1, 300, null)).put("limit", integer(1, 5, null)), "query"), false, false));
    add(all, new Definition(HANDOFF, "Pass the conversation to a person of our team: when the customer asks for one, or you "
        + "cannot help. Ends your part of the conversation.",
        object(new JsonObject().put("reason", string(0, 500, "why, for the agent"))), false, false));
    return all;
  }

  private static void add(Map<String, Definition> all, Definition d) {
    all.put(d.name(), d);
  }

  private List<String> validate(Definition d, JsonObject arguments) {
    Validator validator = validators.computeIfAbsent(d.name() + "\n" + d.parameters().encode(), k -> Validator.create(
        JsonSchema.of(d.parameters()), new JsonSchemaOptions().setDraft(Draft.DRAFT202012).setBaseUri("https://crm.local/functions/")
            .setOutputFormat(io.vertx.json.schema.OutputFormat.Basic)));
    OutputUnit out = validator.validate(arguments == null ? new JsonObject() : arguments);
    List<String> problems = new ArrayList<>();
    if (Boolean.TRUE.equals(out.getValid())) return problems;
    collect(out, problems);
    if (problems.isEmpty()) problems.add("the arguments do not match the schema");
    return problems.size() > 10 ? problems.subList(0, 10) : problems;
  }

  private static void collect(OutputUnit unit, List<String> into) {
    if (unit.getErrors() != null && !unit.getErrors().isEmpty()) {
      for (OutputUnit e : unit.getErrors()) collect(e, into);
    } else if (unit.getError() != null) {
      String at = unit.getInstanceLocation() == null || unit.getInstanceLocation().isEmpty() ? "arguments" : unit.getInstanceLocation();
      into.add(at + ": " + unit.getError());
    }
  }

  private static JsonObject object(JsonObject properties, String... required) {
    JsonObject o = new JsonObject().put("type", "object").put("properties", properties);
    if (required.length > 0) o.put("required", new JsonArray(List.of(required)));
    return o;
  }

  private static JsonObject string(int min, int max, String description) {
    JsonObject s = new JsonObject().put("type", "string").put("maxLength", max);
    if (min > 0) s.put("minLength", min);
    if (description != null) s.put("description", description);
    return s;
  }

  private static JsonObject integer(int min, int max, String description) {
    JsonObject s = new JsonObject().put("type", "integer").put("minimum", min).put("maximum", max);
    if (description != null) s.put("description", description);
    return s;
  }

  /** The same call for the same conversation: its name and its arguments with keys and item order normalised. */
  private static String onceKey(Context ctx, String name, JsonObject arguments) {
    JsonObject canonical = canonical(arguments).copy();
    if (canonical.getValue("items") instanceof JsonArray items) {
      List<String> sorted = new ArrayList<>();
      for (Object o : items) sorted.add(o instanceof JsonObject i ? i.getString("product_id", "") + "x" + i.getValue("quantity") : String.valueOf(o));
      java.util.Collections.sort(sorted);
      canonical.put("items", new JsonArray(sorted));
    }
    if (CREATE_TICKET.equals(name)) { // the same problem told twice: the same category and subject
      canonical = new JsonObject().put("category", canonical.getString("category"))
          .put("subject", String.valueOf(canonical.getString("subject")).trim().toLowerCase(java.util.Locale.ROOT));
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.encode().getBytes(StandardCharsets.UTF_8));
      return name + ":" + ctx.conversationId() + ":" + HexFormat.of().formatHex(digest, 0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonObject canonical(JsonObject o) {
    JsonObject out = new JsonObject(new java.util.TreeMap<>());
    for (String k : o.fieldNames()) {
      Object v = o.getValue(k);
      out.put(k, v instanceof JsonObject j ? canonical(j) : v);
    }
    return out;
  }

  static JsonObject error(String message) {
    return new JsonObject().put("success", false).put("error", message);
  }

  private static String message(Throwable err) {
    CrmException e = Bus.fromReply(err);
    return e.getMessage() == null ? "the function failed" : e.getMessage();
  }
}
