package crm.http;

import crm.bus.CrmException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** {@code page} (1-based) and {@code limit} from the query, validated; and the spec's PaginationInfo. */
public record Pagination(int page, int limit) {
  public static final int DEFAULT_LIMIT = 20;
  public static final int MAX_LIMIT = 100;
  private static final int MAX_PAGE = 1_000_000;

  public static Pagination of(RoutingContext ctx) {
    return of(ctx, DEFAULT_LIMIT, MAX_LIMIT);
  }

  public static Pagination of(RoutingContext ctx, int defaultLimit, int maxLimit) {
    int page = parse(ctx.request().getParam("page"), "page", 1, 1, MAX_PAGE);
    int limit = parse(ctx.request().getParam("limit"), "limit", defaultLimit, 1, maxLimit);
    return new Pagination(page, limit);
  }

  private static int parse(String raw, String name, int def, int min, int max) {
    if (raw == null || raw.isEmpty()) return def;
    int value;
    try {
      value = Integer.parseInt(raw.trim());
    } catch (NumberFormatException e) {
      throw CrmException.validation(name, name + " must be a whole number between " + min + " and " + max);
    }
    if (value < min || value > max) {
      throw CrmException.validation(name, name + " must be between " + min + " and " + max);
    }
    return value;
  }

  public int skip() {
    return (page - 1) * limit;
  }

  public JsonObject info(long totalCount) {
    int totalPages = (int) ((totalCount + limit - 1) / limit);
    return new JsonObject()
        .put("currentPage", page)
        .put("totalPages", totalPages)
        .put("totalCount", totalCount)
        .put("pageSize", limit)
        .put("hasNext", page < totalPages)
        .put("hasPrev", page > 1);
  }
}
