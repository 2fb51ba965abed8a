package crm.conversation;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.Check;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.customer.Phone;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The customers API on the bus: list, get (by id or phone), create, update. */
final class CustomerApi {
  private static final Map<String, JsonObject> SORTS = Map.of(
      "name", new JsonObject().put("firstName", 1).put("lastName", 1),
      "lastInteraction", new JsonObject().put("lastInteraction", 1),
      "createdAt", new JsonObject().put("createdAt", 1));

  private final Mongo mongo;
  private final CustomerStore customers;
  private final Bus bus;

  CustomerApi(Mongo mongo, CustomerStore customers, Bus bus) {
    this.mongo = mongo;
    this.customers = customers;
    this.bus = bus;
  }

  void serve() {
    bus.serve(Addresses.CUSTOMER_LIST, this::list);
    bus.serve(Addresses.CUSTOMER_GET, b -> find(Check.requiredString(b, "id", 64)).map(c -> reply(c)));
    bus.serve(Addresses.CUSTOMER_CREATE, this::create);
    bus.serve(Addresses.CUSTOMER_UPDATE, this::update);
    bus.serve(Addresses.CUSTOMER_SUMMARIES, this::summaries);
  }

  /** {skip, limit, search, tags[], sortBy, sortOrder} -> {customers, total} */
  private Future<JsonObject> list(JsonObject body) {
    JsonObject filter = new JsonObject();
    String search = Check.optionalString(body, "search", 200);
    if (search != null && !search.isBlank()) filter.put("$or", searchAny(search.trim(), "firstName", "lastName", "phoneNumber", "email"));
    JsonArray tags = Check.optionalStrings(body, "tags", 50, 100);
    if (tags != null && !tags.isEmpty()) filter.put("tags", new JsonObject().put("$all", tags));
    String sortBy = Check.optionalString(body, "sortBy", 32);
    if (sortBy != null && !SORTS.containsKey(sortBy)) {
      throw CrmException.validation("sortBy", "sortBy must be one of name, lastInteraction, createdAt");
    }
    String order = Check.oneOf(Check.optionalString(body, "sortOrder", 8), "sortOrder", List.of("asc", "desc"));
    int direction = "asc".equals(order) || (order == null && "name".equals(sortBy)) ? 1 : -1;
    JsonObject sort = new JsonObject();
    SORTS.getOrDefault(sortBy == null ? "lastInteraction" : sortBy, SORTS.get("lastInteraction")).fieldNames()
        .forEach(f -> sort.put(f, direction));
    sort.put("_id", direction);
    int skip = body.getInteger("skip", 0);
    int limit = body.getInteger("limit", 20);
    FindOptions options = new FindOptions().setSort(sort).setSkip(skip).setLimit(limit);
    return Future.all(mongo.client().findWithOptions(CustomerStore.COLLECTION, filter, options),
            mongo.client().count(CustomerStore.COLLECTION, filter))
        .recover(Mongo::mapError)
        .map(all -> new JsonObject()
            .put("customers", new JsonArray(all.<List<JsonObject>>resultAt(0).stream().map(CustomerApi::toApi).toList()))
            .put("total", all.<Long>resultAt(1)));
  }

  /** {ids:[...]} -> {customers: {id: customer as the API shows it}}; unknown and malformed ids are left out. */
  private Future<JsonObject> summaries(JsonObject body) {
    JsonArray ids = Check.optionalStrings(body, "ids", 1000, 64);
    List<String> wanted = ids == null ? List.of() : ids.stream().map(Object::toString).filter(Mongo::isObjectId).distinct().toList();
    if (wanted.isEmpty()) return Future.succeededFuture(new JsonObject().put("customers", new JsonObject()));
    return mongo.client().find(CustomerStore.COLLECTION, new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(wanted))))
        .recover(Mongo::mapError)
        .map(found -> {
          JsonObject out = new JsonObject();
          for (JsonObject c : found) out.put(c.getString("_id"), toApi(c));
          return new JsonObject().put("customers", out);
        });
  }

  /** A customer by id, or by phone number in any usual form. */
  Future<JsonObject> find(String idOrPhone) {
    if (Mongo.isObjectId(idOrPhone)) {
      return customers.byId(idOrPhone).map(c -> {
        if (c == null) throw CrmException.notFound(ErrorCode.CUSTOMER_NOT_FOUND, "Customer");
        return c;
      });
    }
    String phone = Phone.normalize(idOrPhone);
    if (phone == null) throw new CrmException(ErrorCode.PHONE_NUMBER_INVALID, "Invalid phone number", "phoneNumber", null);
    String canonical = Phone.canonical(phone);
    return customers.byPhone(List.of(canonical)).map(found -> {
      JsonObject c = found.get(canonical);
      if (c == null) throw CrmException.notFound(ErrorCode.CUSTOMER_NOT_FOUND, "Customer");
      return c;
    });
  }

  private Future<JsonObject> create(JsonObject body) {
    String raw = Check.requiredString(body, "phoneNumber", 40);
    String phone = Phone.normalize(raw);
    if (phone == null) throw new CrmException(ErrorCode.PHONE_NUMBER_INVALID, "Invalid phone number", "phoneNumber", null);
    JsonObject now = Mongo.now();
    JsonObject doc = new JsonObject().put("_id", Mongo.newId()).put("phoneNumber", Phone.canonical(phone)).put("waId", phone)
        .put("tags", new JsonArray()).put("isBlocked", false).put("customFields", new JsonObject())
        .put("totalConversations", 0).put("createdAt", now).put("updatedAt", now);
    doc.mergeIn(changes(body));
    return mongo.insertDurable(CustomerStore.COLLECTION, doc)
        .recover(err -> Future.failedFuture(err instanceof CrmException ce && ce.code() == ErrorCode.DUPLICATE_RESOURCE
            ? new CrmException(ErrorCode.DUPLICATE_RESOURCE, "A customer with this phone number already exists", "phoneNumber", null)
            : err))
        .map(id -> {
          bus.publish(Addresses.EVT_CUSTOMER_CREATED, new JsonObject().put("customerId", doc.getString("_id")));
          return reply(doc);
        });
  }

  private Future<JsonObject> update(JsonObject body) {
    String id = Check.requiredString(body, "id", 64);
    JsonObject set = changes(body.getJsonObject("changes", new JsonObject()));
    if (set.isEmpty()) throw CrmException.validation(null, "Nothing to update");
    return find(id).compose(c -> mongo.client().findOneAndUpdateWithOptions(CustomerStore.COLLECTION,
            new JsonObject().put("_id", c.getString("_id")),
            new JsonObject().put("$set", set.put("updatedAt", Mongo.now())), new FindOptions(),
            new io.vertx.ext.mongo.UpdateOptions().setReturningNewDocument(true).setWriteOption(mongo.durableWrite()))
        .recover(Mongo::mapError))
        .compose(doc -> mongo.sync().map(doc))
        .map(doc -> {
          customers.evict(doc.getString("_id"));
          bus.publish(Addresses.EVT_CUSTOMER_UPDATED, new JsonObject().put("customerId", doc.getString("_id")));
          return reply(doc);
        });
  }

  /** The fields an agent may set, checked: names, email, tags, notes, isBlocked, customFields, avatar. */
  private static JsonObject changes(JsonObject in) {
    JsonObject set = new JsonObject();
    for (String f : List.of("firstName", "lastName")) {
      String v = Check.optionalString(in, f, 100);
      if (v != null) set.put(f, v.strip());
    }
    String email = Check.optionalString(in, "email", 254);
    if (email != null) set.put("email", email.isBlank() ? "" : Check.email(email, "email"));
    JsonArray tags = Check.optionalStrings(in, "tags", 50, 50);
    if (tags != null) set.put("tags", new JsonArray(tags.stream().map(t -> t.toString().strip()).filter(t -> !t.isEmpty()).distinct().toList()));
    String notes = Check.optionalString(in, "notes", 10_000);
    if (notes != null) set.put("notes", notes);
    String avatar = Check.optionalString(in, "avatar", 2048);
    if (avatar != null) set.put("avatar", avatar);
    Boolean blocked = Check.optionalBoolean(in, "isBlocked");
    if (blocked != null) set.put("isBlocked", blocked);
    Object custom = in.getValue("customFields");
    if (custom != null) {
      if (!(custom instanceof JsonObject fields) || fields.size() > 100) {
        throw CrmException.validation("customFields", "customFields must be an object of at most 100 fields");
      }
      if (fields.encode().length() > 16_384) throw CrmException.validation("customFields", "customFields is too large");
      if (!safeNames(fields) || fields.fieldNames().stream().anyMatch(key -> key.isEmpty() || key.length() > 64)) {
        throw CrmException.validation("customFields", "customFields names must not be empty, start with $ or contain dots");
      }
      set.put("customFields", fields);
    }
    return set;
  }

  /**
   * True when no object in {@code value}, at any depth, has a name starting with {@code $} or containing a dot: the
   * driver would read {@code {"$date": ...}} or {@code {"$oid": ...}} as typed values (or fail on them), and MongoDB
   * refuses or misreads such names in updates.
   */
  private static boolean safeNames(Object value) {
    if (value instanceof JsonObject o) {
      for (Map.Entry<String, Object> e : o) {
        if (e.getKey().startsWith("$") || e.getKey().contains(".") || !safeNames(e.getValue())) return false;
      }
    } else if (value instanceof JsonArray a) {
      for (Object v : a) if (!safeNames(v)) return false;
    }
    return true;
  }

  /** Case-insensitive, literal match of {@code text} in any of {@code fields}. */
  static JsonArray searchAny(String text, String... fields) {
    String rx = Pattern.quote(text);
    JsonArray or = new JsonArray();
    for (String f : fields) or.add(new JsonObject().put(f, new JsonObject().put("$regex", rx).put("$options", "i")));
    String digits = text.replaceAll("[^0-9]", "");
    if (digits.length() >= 4 && !digits.equals(text)) { // "+52 999 123" finds 52999123...
      or.add(new JsonObject().put("phoneNumber", new JsonObject().put("$regex", Pattern.quote(digits))));
    }
    return or;
  }

  static JsonObject toApi(JsonObject doc) {
    JsonObject out = Mongo.toApi(doc);
    if (!out.containsKey("tags")) out.put("tags", new JsonArray());
    if (!out.containsKey("customFields")) out.put("customFields", new JsonObject());
    if (!out.containsKey("isBlocked")) out.put("isBlocked", false);
    if (!out.containsKey("totalConversations")) out.put("totalConversations", 0);
    // the spec's Customer always has one; a customer created by an agent who never wrote: when they were created
    if (out.getValue("lastInteraction") == null) out.put("lastInteraction", out.getValue("createdAt"));
    return out;
  }

  private static JsonObject reply(JsonObject doc) {
    return new JsonObject().put("success", true).put("customer", toApi(doc));
  }
}
