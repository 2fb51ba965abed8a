package crm.commerce;

import crm.bus.Check;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The product catalog: search (the assistant's and the admins'), one product, the import and the demo catalog. */
final class Catalog {
  private static final Logger log = LoggerFactory.getLogger(Catalog.class);
  /** The e-commerce preset's demo catalog ({"products": [import rows]}), read like the presets: ./conf or the jar. */
  static final String DEMO_FILE = "conf/presets/ecommerce-catalog.json";
  static final int IMPORT_MAX = 1000;
  static final int QUERY_MAX = 200;

  private final Vertx vertx;
  private final CommerceStore store;
  private final Money money;
  private final Views views;

  Catalog(Vertx vertx, CommerceStore store, Money money, Views views) {
    this.vertx = vertx;
    this.store = store;
    this.money = money;
    this.views = views;
  }

  // ---- search

  /** The filter of a search: every query word begins a word of the product's search text (see {@link SearchText}). */
  static JsonObject filter(String query, boolean activeOnly) {
    JsonObject f = new JsonObject();
    if (activeOnly) f.put("active", true);
    List<String> patterns = SearchText.patterns(query == null ? "" : query);
    if (patterns.size() == 1) {
      f.put("searchText", new JsonObject().put("$regex", patterns.get(0)));
    } else if (!patterns.isEmpty()) {
      JsonArray all = new JsonArray();
      for (String p : patterns) all.add(new JsonObject().put("searchText", new JsonObject().put("$regex", p)));
      f.put("$and", all);
    }
    return f;
  }

  /** search_products: {query?, limit?} -> {success, products, total}; in stock first, then by name. */
  Future<JsonObject> search(JsonObject body) {
    String query = Check.optionalString(body, "query", QUERY_MAX);
    Integer max = Check.optionalInt(body, "limit", 1, 50);
    int limit = max == null ? 10 : max;
    JsonObject filter = filter(query, true);
    JsonObject inStock = filter.copy().put("stock", new JsonObject().put("$gt", 0));
    JsonObject sold = filter.copy().put("stock", new JsonObject().put("$lte", 0));
    Future<Long> inCount = store.countProducts(inStock);
    Future<Long> soldCount = store.countProducts(sold);
    Future<List<JsonObject>> first = store.findProducts(inStock, 0, limit);
    return Future.all(inCount, soldCount, first).compose(all -> {
      List<JsonObject> found = new ArrayList<>(first.result());
      Future<List<JsonObject>> rest = found.size() < limit && soldCount.result() > 0
          ? store.findProducts(sold, 0, limit - found.size()) : Future.succeededFuture(List.of());
      return rest.map(more -> {
        found.addAll(more);
        return new JsonObject().put("success", true)
            .put("products", new JsonArray(found.stream().map(views::productForAi).toList()))
            .put("total", inCount.result() + soldCount.result());
      });
    });
  }

  /** list_products: {query?, page?, limit?} -> {products, total}, by name, inactive ones included. */
  Future<JsonObject> list(JsonObject body) {
    String query = Check.optionalString(body, "query", QUERY_MAX);
    Integer page = Check.optionalInt(body, "page", 1, 1_000_000);
    Integer max = Check.optionalInt(body, "limit", 1, 100);
    int limit = max == null ? 20 : max;
    int skip = ((page == null ? 1 : page) - 1) * limit;
    JsonObject filter = filter(query, false);
    return Future.all(store.findProducts(filter, skip, limit), store.countProducts(filter)).map(all -> new JsonObject()
        .put("products", new JsonArray(all.<List<JsonObject>>resultAt(0).stream().map(views::product).toList()))
        .put("total", all.<Long>resultAt(1)));
  }

  /** get_product: {id (ObjectId) | sku} -> {product}. */
  Future<JsonObject> get(JsonObject body) {
    String id = Check.optionalString(body, "id", 64);
    String sku = Check.optionalString(body, "sku", 64);
    String key = id != null && !id.isBlank() ? id : sku;
    if (key == null || key.isBlank()) throw CrmException.validation("id", "id (or sku) is required");
    return store.product(key).map(p -> {
      if (p == null) throw CrmException.notFound(ErrorCode.RESOURCE_NOT_FOUND, "Product");
      return new JsonObject().put("product", views.product(p));
    });
  }

  // ---- import

  /**
   * import_products: {products:[rows]} -> {imported, created, updated, errors:[{index, field, message}],
   * products:[{index, id, sku, created}]}. Valid rows are upserted by sku in one round trip; a bad row (or a sku
   * repeated in the same import) is reported and left out. When no row is valid, VALIDATION_FAILED with the rows'
   * errors in {@code details.errors}.
   */
  Future<JsonObject> importProducts(JsonObject body) {
    return upsert(body.getValue("products"), false);
  }

  /**
   * Upserts the rows; with {@code seedOnly} nothing an existing product has is changed (the demo catalog only adds
   * what is missing, so loading the preset again keeps the stock that orders took and the admins' edits).
   */
  private Future<JsonObject> upsert(Object value, boolean seedOnly) {
    if (!(value instanceof JsonArray rows) || rows.isEmpty()) {
      throw CrmException.validation("products", "products must be a non-empty array of products");
    }
    if (rows.size() > IMPORT_MAX) throw CrmException.validation("products", "at most " + IMPORT_MAX + " products per import");
    List<ProductInput> valid = new ArrayList<>();
    List<Integer> positions = new ArrayList<>();
    JsonArray errors = new JsonArray();
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < rows.size(); i++) {
      try {
        ProductInput p = ProductInput.parse(rows.getValue(i), i, money);
        Integer first = seen.putIfAbsent(p.sku(), i);
        if (first != null) throw CrmException.validation("sku", "sku " + p.sku() + " is already in row " + first);
        valid.add(p);
        positions.add(i);
      } catch (CrmException e) {
        errors.add(new ProductInput.RowError(i, e.field(), e.getMessage()).toJson());
      }
    }
    JsonObject result = new JsonObject().put("imported", 0).put("created", 0).put("updated", 0).put("errors", errors)
        .put("products", new JsonArray());
    if (valid.isEmpty()) {
      if (seedOnly) return Future.succeededFuture(result);
      // nothing to import: the request as a whole is refused, every row's error in the details
      JsonObject first = errors.getJsonObject(0);
      throw new CrmException(ErrorCode.VALIDATION_FAILED, "No product imported: row " + first.getInteger("index") + ": "
          + first.getString("message"), "products[" + first.getInteger("index") + "]"
          + (first.getString("field") == null ? "" : "." + first.getString("field")),
          new JsonObject().put("errors", errors));
    }
    JsonObject now = Mongo.now();
    List<BulkOperation> ops = new ArrayList<>();
    for (ProductInput p : valid) {
      JsonObject onInsert = p.defaults().put("_id", Mongo.newId()).put("createdAt", now);
      JsonObject update = seedOnly
          ? new JsonObject().put("$setOnInsert", onInsert.mergeIn(p.fields()).put("updatedAt", now))
          : new JsonObject().put("$set", p.fields().put("updatedAt", now)).put("$setOnInsert", onInsert);
      ops.add(BulkOperation.createUpdate(new JsonObject().put("sku", p.sku()), update, true, false));
    }
    return store.upsertProducts(ops).compose(res -> {
      Set<Integer> createdAt = new HashSet<>();
      for (JsonObject u : res.getUpserts()) createdAt.add(u.getInteger("index"));
      List<String> skus = valid.stream().map(ProductInput::sku).toList();
      return store.productsBySku(skus).map(stored -> {
        Map<String, String> ids = new HashMap<>();
        for (JsonObject s : stored) ids.put(s.getString("sku"), s.getString("_id"));
        JsonArray products = new JsonArray();
        for (int j = 0; j < valid.size(); j++) {
          products.add(new JsonObject().put("index", positions.get(j)).put("id", ids.get(valid.get(j).sku()))
              .put("sku", valid.get(j).sku()).put("created", createdAt.contains(j)));
        }
        return result.put("imported", valid.size()).put("created", createdAt.size())
            .put("updated", valid.size() - createdAt.size()).put("products", products);
      });
    });
  }

  /**
   * Adds the demo catalog's products that are missing (by sku); never changes existing ones. The file is read with the
   * asynchronous file system. Answers {created, existing, errors}.
   */
  Future<JsonObject> seedDemo() {
    return vertx.fileSystem().readFile(DEMO_FILE).compose(buf -> {
      JsonObject file;
      try {
        file = new JsonObject(buf);
      } catch (DecodeException | ClassCastException e) {
        return Future.failedFuture(new IllegalStateException(DEMO_FILE + " is not a JSON object: " + e.getMessage()));
      }
      return upsert(file.getValue("products"), true);
    }).map(res -> {
      if (!res.getJsonArray("errors").isEmpty()) log.warn("Demo catalog rows refused: {}", res.getJsonArray("errors").encode());
      if (res.getInteger("created") > 0) log.info("Demo catalog: {} products added", res.getInteger("created"));
      return new JsonObject().put("created", res.getInteger("created")).put("existing", res.getInteger("updated"))
          .put("errors", res.getJsonArray("errors"));
    });
  }
}
