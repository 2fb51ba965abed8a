package crm.bus;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.serviceproxy.ServiceExceptionMessageCodec;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one way to serve a bus address and the one way to call one. */
public final class Bus {
  private static final Logger log = LoggerFactory.getLogger(Bus.class);
  public static final long DEFAULT_TIMEOUT_MS = 15_000;

  private final Vertx vertx;

  public Bus(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Registers the ServiceException codec once per Vertx instance (a second registration throws). */
  public static void registerCodecs(Vertx vertx) {
    try {
      vertx.eventBus().registerDefaultCodec(ServiceException.class, new ServiceExceptionMessageCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // registered by an earlier call on this Vertx instance
    }
  }

  /** Serves {@code address}: the handler's result is the reply, its failure the mapped ServiceException. */
  public MessageConsumer<JsonObject> serve(String address, Function<JsonObject, Future<JsonObject>> handler) {
    return vertx.eventBus().<JsonObject>consumer(address, msg -> answer(address, msg, handler));
  }

  /** Node-local variant of {@link #serve} for things that exist once per JVM (the embedded database). */
  public MessageConsumer<JsonObject> serveLocal(String address, Function<JsonObject, Future<JsonObject>> handler) {
    return vertx.eventBus().<JsonObject>localConsumer(address, msg -> answer(address, msg, handler));
  }

  private static void answer(String address, Message<JsonObject> msg, Function<JsonObject, Future<JsonObject>> handler) {
    Future<JsonObject> result;
    try {
      result = handler.apply(msg.body() == null ? new JsonObject() : msg.body());
    } catch (Throwable t) {
      result = Future.failedFuture(t);
    }
    result.onSuccess(msg::reply).onFailure(err -> msg.reply(toServiceException(address, err)));
  }

  public Future<JsonObject> request(String address, JsonObject body) {
    return request(address, body, DEFAULT_TIMEOUT_MS);
  }

  /**
   * Request/reply; a failure comes back as a {@link CrmException} carrying the remote error code. Answered by this
   * node when it serves the address (every node runs every service), by another node only when it does not: a
   * clustered event bus would otherwise spread point-to-point requests over all nodes, so a request would cross the
   * network for nothing and, when the node it went to died, wait for the timeout instead of being answered here.
   */
  public Future<JsonObject> request(String address, JsonObject body, long timeoutMs) {
    EventBus eb = vertx.eventBus();
    if (!vertx.isClustered()) {
      return eb.<JsonObject>request(address, body, new DeliveryOptions().setSendTimeout(timeoutMs))
          .map(msg -> msg.body())
          .recover(err -> Future.failedFuture(fromReply(err)));
    }
    return eb.<JsonObject>request(address, body, new DeliveryOptions().setSendTimeout(timeoutMs).setLocalOnly(true))
        .recover(err -> err instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS
            ? eb.<JsonObject>request(address, body, new DeliveryOptions().setSendTimeout(timeoutMs)) // served elsewhere only
            : Future.failedFuture(err))
        .map(msg -> msg.body())
        .recover(err -> Future.failedFuture(fromReply(err)));
  }

  /**
   * As {@link #request(String, JsonObject)}, answered by this node's consumer only, never another node's: for
   * requests whose order matters among the ones this node makes, or that must not outlive this node.
   */
  public Future<JsonObject> requestLocal(String address, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(address, body, new DeliveryOptions().setSendTimeout(DEFAULT_TIMEOUT_MS)
            .setLocalOnly(true))
        .map(msg -> msg.body())
        .recover(err -> Future.failedFuture(fromReply(err)));
  }

  public void publish(String address, JsonObject event) {
    vertx.eventBus().publish(address, event);
  }

  static ServiceException toServiceException(String address, Throwable err) {
    if (err instanceof CrmException ce) {
      return new ServiceException(ce.code().bus(), ce.getMessage(), ce.debugInfo());
    }
    if (err instanceof ServiceException se) {
      return se;
    }
    if (err instanceof ReplyException re) {
      CrmException mapped = fromReply(re);
      return new ServiceException(mapped.code().bus(), mapped.getMessage(), mapped.debugInfo());
    }
    log.error("Unexpected failure serving {}", address, err);
    return new ServiceException(ErrorCode.INTERNAL_SERVER_ERROR.bus(), "Internal server error");
  }

  /** Turns a bus failure into the API error it stands for. */
  public static CrmException fromReply(Throwable err) {
    if (err instanceof CrmException ce) {
      return ce;
    }
    if (err instanceof ServiceException se) {
      JsonObject info = se.getDebugInfo() == null ? new JsonObject() : se.getDebugInfo();
      return new CrmException(ErrorCode.ofBus(se.failureCode()), se.getMessage(),
          info.getString("field"), info.getValue("details"));
    }
    if (err instanceof ReplyException re) {
      if (re.failureType() == ReplyFailure.NO_HANDLERS) {
        return new CrmException(ErrorCode.SERVICE_UNAVAILABLE, "Service unavailable, try again shortly");
      }
      if (re.failureType() == ReplyFailure.TIMEOUT) {
        return new CrmException(ErrorCode.GATEWAY_TIMEOUT, "The service did not answer in time");
      }
      return new CrmException(ErrorCode.ofBus(re.failureCode()), re.getMessage());
    }
    log.error("Unexpected bus failure", err);
    return new CrmException(ErrorCode.INTERNAL_SERVER_ERROR, "Internal server error");
  }
}
