package crm.analytics;

import crm.bus.Addresses;
import crm.bus.Bus;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * How the writers tell analytics what they change ({@link Addresses#ANALYTICS_MARK}): a conversation or ticket is
 * marked before its change is written (for messages: once their numbers are reserved, before they are inserted), so
 * whatever is stored has been marked, and the folder counts it from what is stored. The answer comes once the mark is
 * written (a later write that reaches the disk takes it along: both stores commit in order).
 */
public final class Marks {
  private final Bus bus;

  public Marks(Bus bus) {
    this.bus = bus;
  }

  public Future<Void> conversations(Collection<String> ids) {
    if (ids.isEmpty()) return Future.succeededFuture();
    return bus.requestLocal(Addresses.ANALYTICS_MARK, new JsonObject().put("conversations", new JsonArray(List.copyOf(ids)))).mapEmpty();
  }

  /** Message numbers reserved in these conversations that will hold no message (a duplicate, a failed insert). */
  public Future<Void> gaps(Map<String, List<Long>> numbers) {
    if (numbers.isEmpty()) return Future.succeededFuture();
    JsonObject gaps = new JsonObject();
    numbers.forEach((id, seqs) -> gaps.put(id, new JsonArray(List.copyOf(seqs))));
    return bus.requestLocal(Addresses.ANALYTICS_MARK, new JsonObject().put("conversations", new JsonArray(List.copyOf(numbers.keySet())))
        .put("gaps", gaps)).mapEmpty();
  }

  public Future<Void> ticket(String id) {
    return bus.requestLocal(Addresses.ANALYTICS_MARK, new JsonObject().put("tickets", new JsonArray().add(id))).mapEmpty();
  }
}
