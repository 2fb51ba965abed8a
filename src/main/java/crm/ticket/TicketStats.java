package crm.ticket;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * GET /tickets/statistics: from the in-memory {@link TicketIndex} when it is in use, else one aggregation ({@code $match} with the list's filters, then one {@code $facet} that
 * groups by status, category, priority and agent, averages the stored resolution times and counts what is overdue),
 * so the collection is read once. Uses only stages and operators both MongoDB and the embedded server have: the
 * resolution time is stored with the ticket ({@code resolutionMs}) because the embedded server has no
 * {@code $subtract}.
 */
final class TicketStats {
  private final TicketStore store;
  private final Bus bus;

  TicketStats(TicketStore store, Bus bus) {
    this.store = store;
    this.bus = bus;
  }

  Future<JsonObject> statistics(Caller caller, JsonObject body, ActiveConfig config) {
    return config.active().compose(cfg -> {
      TicketFilter.Query query = TicketFilter.parse(caller, body, cfg);
      TicketIndex index = store.readyIndex();
      Future<TicketIndex.Counts> counts = index != null ? Future.succeededFuture(index.counts(query, System.currentTimeMillis()))
          : aggregate(query);
      return counts.compose(c -> {
        JsonObject byStatus = counts(c.byStatus(), TicketStatus.ALL);
        JsonObject byPriority = counts(c.byPriority(), TicketInput.PRIORITIES);
        JsonObject byCategory = counts(c.byCategory(), ActiveConfig.categoryIds(cfg));
        long total = 0;
        for (String s : byStatus.fieldNames()) total += byStatus.getLong(s);
        List<JsonObject> agents = new ArrayList<>();
        c.byAgent().forEach((id, n) -> agents.add(new JsonObject().put("agentId", id).put("count", n)));
        agents.sort(Comparator.comparingLong((JsonObject a) -> -a.getLong("count")).thenComparing(a -> a.getString("agentId")));
        JsonObject stats = new JsonObject().put("byStatus", byStatus).put("byCategory", byCategory).put("byPriority", byPriority)
            .put("averageResolutionTime", Math.round(c.avgResolutionMs() / 3_600_000d * 100) / 100d)
            .put("total", total).put("overdue", c.overdue())
            .put("sla", new JsonObject().put("overdue", c.overdue()).put("responseOverdue", c.responseOverdue()))
            .put("businessType", query.type() == null ? TicketFilter.ALL_TYPES : query.type());
        return names(agents).map(named -> stats.put("byAgent", new JsonArray(named)));
      });
    });
  }

  /** The database's answer: one $match, then one $facet. */
  private Future<TicketIndex.Counts> aggregate(TicketFilter.Query query) {
    JsonObject now = Mongo.date(Instant.now());
    JsonArray active = new JsonArray(TicketStatus.ACTIVE);
    JsonObject facets = new JsonObject()
        .put("byStatus", groupBy("$status"))
        .put("byCategory", groupBy("$category"))
        .put("byPriority", groupBy("$priority"))
        .put("byAgent", new JsonArray()
            .add(new JsonObject().put("$match", new JsonObject().put("assignedAgentId", new JsonObject().put("$ne", null))))
            .add(group("$assignedAgentId")))
        .put("resolution", new JsonArray()
            .add(new JsonObject().put("$match", new JsonObject().put("resolutionMs", new JsonObject().put("$gte", 0))))
            .add(new JsonObject().put("$group", new JsonObject().put("_id", null)
                .put("avg", new JsonObject().put("$avg", "$resolutionMs")).put("n", new JsonObject().put("$sum", 1)))))
        .put("overdue", new JsonArray()
            .add(new JsonObject().put("$match", new JsonObject().put("status", new JsonObject().put("$in", active))
                .put("estimatedResolution", new JsonObject().put("$lt", now))))
            .add(group(null)))
        .put("responseOverdue", new JsonArray()
            .add(new JsonObject().put("$match", new JsonObject().put("status", new JsonObject().put("$in", active))
                .put("firstResponseAt", (Object) null)
                .put("responseDueAt", new JsonObject().put("$lt", now))))
            .add(group(null)));
    JsonArray pipeline = new JsonArray()
        .add(new JsonObject().put("$match", query.toMongo()))
        .add(new JsonObject().put("$facet", facets));
    return store.aggregate(pipeline).map(rows -> {
      JsonObject f = rows.isEmpty() ? new JsonObject() : rows.get(0);
      JsonArray resolution = f.getJsonArray("resolution", new JsonArray());
      double avgMs = resolution.isEmpty() ? 0 : ((Number) resolution.getJsonObject(0).getValue("avg", 0)).doubleValue();
      return new TicketIndex.Counts(map(f.getJsonArray("byStatus")), map(f.getJsonArray("byCategory")),
          map(f.getJsonArray("byPriority")), map(f.getJsonArray("byAgent")), avgMs,
          single(f.getJsonArray("overdue")), single(f.getJsonArray("responseOverdue")));
    });
  }

  private static Map<String, Long> map(JsonArray rows) {
    Map<String, Long> out = new HashMap<>();
    for (Object o : rows == null ? new JsonArray() : rows) {
      JsonObject r = (JsonObject) o;
      if (r.getValue("_id") instanceof String k) out.put(k, ((Number) r.getValue("n")).longValue());
    }
    return out;
  }

  private static JsonArray groupBy(String field) {
    return new JsonArray().add(group(field));
  }

  private static JsonObject group(String field) {
    return new JsonObject().put("$group", new JsonObject().put("_id", field).put("n", new JsonObject().put("$sum", 1)));
  }

  /** Every key of {@code keys} (0 when absent) and any other value found. */
  private static JsonObject counts(Map<String, Long> found, List<String> keys) {
    JsonObject out = new JsonObject();
    for (String k : keys) out.put(k, 0L);
    found.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  private static long single(JsonArray rows) {
    return rows == null || rows.isEmpty() ? 0 : ((Number) rows.getJsonObject(0).getValue("n")).longValue();
  }

  /** agentName = "first last" of each agent (the id when the agent is unknown). */
  private Future<List<JsonObject>> names(List<JsonObject> agents) {
    if (agents.isEmpty()) return Future.succeededFuture(agents);
    JsonArray ids = new JsonArray(agents.stream().map(a -> a.getString("agentId")).toList());
    return bus.request(Addresses.AGENT_SUMMARIES, new JsonObject().put("ids", ids)).map(res -> {
      JsonObject byId = res.getJsonObject("agents", new JsonObject());
      List<JsonObject> out = new ArrayList<>();
      for (JsonObject a : agents) {
        JsonObject s = byId.getJsonObject(a.getString("agentId"));
        String name = s == null ? a.getString("agentId")
            : (s.getString("firstName", "") + " " + s.getString("lastName", "")).strip();
        out.add(new JsonObject().put("agentId", a.getString("agentId")).put("agentName", name).put("count", a.getLong("count")));
      }
      return out;
    });
  }
}
