package crm.support;

import crm.bus.Addresses;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** Every agent status change an app publishes on the bus (what the socket bridges turn into agent:status_change). */
public final class StatusEvents {
  private final List<JsonObject> events = new CopyOnWriteArrayList<>();

  private StatusEvents() {}

  public static StatusEvents record(TestApp app) throws Exception {
    StatusEvents recorder = new StatusEvents();
    app.vertx.eventBus().<JsonObject>consumer(Addresses.EVT_AGENT_STATUS_CHANGED, m -> recorder.events.add(m.body()))
        .completion().await(5, TimeUnit.SECONDS);
    return recorder;
  }

  /** The agent's events so far, after a pause for those published after a reply to arrive. */
  public List<JsonObject> of(String agentId) throws InterruptedException {
    Thread.sleep(200);
    return events.stream().filter(e -> agentId.equals(e.getString("agentId"))).toList();
  }
}
