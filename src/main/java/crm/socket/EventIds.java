package crm.socket;

import crm.socket.io.Offsets;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.shareddata.LocalMap;

/**
 * Every domain event gets one id where it is published (a header, {@value #HEADER}), so every node that delivers it
 * to its sockets gives it the same Socket.IO offset ({@link crm.socket.io.Recovery}): a session that moves between
 * nodes is given each event once. An outbound interceptor on each node stamps the publications to
 * {@code crm.events.*} that have none; the bridge stamps what it announces itself (typing, statuses) before
 * publishing it.
 */
public final class EventIds {
  public static final String HEADER = "crm-eid";
  private static final String PREFIX = "crm.events.";

  private EventIds() {}

  /** Adds the interceptor to this Vert.x instance's bus, once. */
  public static void install(Vertx vertx) {
    LocalMap<String, Boolean> flags = vertx.sharedData().getLocalMap("crm.socket");
    if (flags.putIfAbsent("event-ids", Boolean.TRUE) != null) return;
    vertx.eventBus().addOutboundInterceptor(EventIds::stamp);
  }

  private static <T> void stamp(DeliveryContext<T> ctx) {
    Message<T> m = ctx.message();
    if (!ctx.send() && m.address().startsWith(PREFIX) && m.headers().get(HEADER) == null) m.headers().add(HEADER, Offsets.next());
    ctx.next();
  }

  /** The id of a delivered event, or null. */
  public static String of(Message<?> m) {
    return m.headers().get(HEADER);
  }

  /** Publishing options carrying {@code id}. */
  public static DeliveryOptions with(String id) {
    return new DeliveryOptions().addHeader(HEADER, id);
  }
}
