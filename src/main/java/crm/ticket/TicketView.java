package crm.ticket;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Tickets as the API shows them: {@code customer} (and {@code customerId}, the same object: NOTES row 6) and
 * {@code assignedAgent} populated, {@code conversation: {_id}}, dates ISO-8601, internal fields left out.
 */
final class TicketView {
  private final Bus bus;

  TicketView(Bus bus) {
    this.bus = bus;
  }

  Future<JsonObject> one(JsonObject doc) {
    return many(List.of(doc)).map(l -> l.get(0));
  }

  Future<List<JsonObject>> many(List<JsonObject> docs) {
    if (docs.isEmpty()) return Future.succeededFuture(List.of());
    JsonArray customerIds = new JsonArray(docs.stream().map(d -> d.getString("customerId")).filter(c -> c != null).distinct().toList());
    JsonArray agentIds = new JsonArray(docs.stream().map(d -> d.getString("assignedAgentId")).filter(a -> a != null).distinct().toList());
    Future<JsonObject> customers = bus.request(Addresses.CUSTOMER_SUMMARIES, new JsonObject().put("ids", customerIds));
    Future<JsonObject> agents = agentIds.isEmpty() ? Future.succeededFuture(new JsonObject().put("agents", new JsonObject()))
        : bus.request(Addresses.AGENT_SUMMARIES, new JsonObject().put("ids", agentIds));
    return Future.all(customers, agents).map(all -> {
      JsonObject byCustomer = customers.result().getJsonObject("customers", new JsonObject());
      JsonObject byAgent = agents.result().getJsonObject("agents", new JsonObject());
      Instant now = Instant.now();
      List<JsonObject> out = new ArrayList<>();
      for (JsonObject d : docs) {
        out.add(toApi(d, byCustomer.getJsonObject(d.getString("customerId", "")), byAgent.getJsonObject(d.getString("assignedAgentId", "")), now));
      }
      return out;
    });
  }

  static JsonObject toApi(JsonObject doc, JsonObject customer, JsonObject agent, Instant now) {
    JsonObject out = Mongo.toApi(doc);
    out.remove("resolutionMs");
    String customerId = doc.getString("customerId");
    JsonObject c = customer != null ? customer : new JsonObject().put("_id", customerId).put("id", customerId);
    out.put("customer", c);
    out.put("customerId", c);
    String conversationId = doc.getString("conversationId");
    if (conversationId != null) out.put("conversation", new JsonObject().put("_id", conversationId).put("id", conversationId));
    if (agent != null) out.put("assignedAgent", agent);
    for (String list : List.of("attachments", "notes", "history", "escalations")) {
      if (!out.containsKey(list)) out.put(list, new JsonArray());
    }
    if (!out.containsKey("reopenCount")) out.put("reopenCount", 0);
    Instant due = Mongo.instant(doc.getValue("estimatedResolution"));
    out.put("isOverdue", due != null && TicketStatus.active(doc.getString("status")) && due.isBefore(now));
    return out;
  }
}
