package crm.http;

import crm.bus.Bus;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.ReplyException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that writes an error body: {@code {success:false, error:{code,message,details,field}, timestamp, path}}.
 * Every non-2xx answer of the HTTP server goes through here, and each error is logged here, once.
 */
public final class ErrorEnvelope {
  private static final Logger log = LoggerFactory.getLogger(ErrorEnvelope.class);

  private ErrorEnvelope() {}

  /** Router failure handler and status error handler alike. */
  public static void handle(RoutingContext ctx) {
    send(ctx, toCrm(ctx.failure(), ctx.statusCode()));
  }

  /**
   * The error handler for one status. Vert.x calls a router's error handler for a status without always recording
   * that status on the context (e.g. 400 for a path whose percent-encoding does not decode): then
   * {@code ctx.statusCode()} is -1 and {@link #handle} alone would answer 500.
   */
  public static Handler<RoutingContext> forStatus(int status) {
    return ctx -> send(ctx, toCrm(ctx.failure(), ctx.statusCode() == -1 ? status : ctx.statusCode()));
  }

  /** An expected refusal that is no error of the server (/ready while starting): the envelope, logged at debug only. */
  public static void sendExpected(RoutingContext ctx, CrmException err) {
    log.debug("{} {} -> {} {}", ctx.request().method(), ctx.request().path(), err.code().httpStatus(), err.code());
    write(ctx.response(), ctx.request().path(), err);
  }

  public static void send(RoutingContext ctx, CrmException err) {
    HttpServerResponse res = ctx.response();
    int status = err.code().httpStatus();
    String path = ctx.request().path();
    if (status >= 500) {
      log.error("{} {} -> {} {} [{}]", ctx.request().method(), path, status, err.code(), RequestLog.id(ctx),
          ctx.failure() instanceof CrmException ? null : ctx.failure());
    } else {
      log.debug("{} {} -> {} {}", ctx.request().method(), path, status, err.code());
    }
    if (res.headWritten()) {
      res.reset();
      return;
    }
    write(res, path, err);
  }

  /**
   * Requests Vert.x refuses before any routing (request line or headers too long, unparsable request): the same
   * envelope, instead of Vert.x's empty answer.
   */
  public static void invalidRequest(HttpServerRequest req) {
    Throwable cause = req.decoderResult() == null ? null : req.decoderResult().cause();
    CrmException err;
    if (cause instanceof TooLongHttpLineException) {
      err = new CrmException(ErrorCode.URI_TOO_LONG, "Request line too long");
    } else if (cause instanceof TooLongHttpHeaderException) {
      err = new CrmException(ErrorCode.HEADERS_TOO_LARGE, "Request headers too large");
    } else {
      err = new CrmException(ErrorCode.VALIDATION_FAILED, "Malformed HTTP request");
    }
    log.debug("invalid request -> {}", err.code(), cause);
    String path;
    try {
      path = req.path() == null ? "" : req.path();
    } catch (RuntimeException e) {
      path = "";
    }
    HttpServerResponse res = req.response();
    res.putHeader("Connection", "close");
    write(res, path, err);
  }

  private static void write(HttpServerResponse res, String path, CrmException err) {
    JsonObject error = new JsonObject().put("code", err.code().name()).put("message", err.getMessage());
    if (err.details() != null) error.put("details", err.details());
    if (err.field() != null) error.put("field", err.field());
    JsonObject body = new JsonObject().put("success", false).put("error", error)
        .put("timestamp", Instant.now().toString()).put("path", path);
    if (err.code() == ErrorCode.RATE_LIMIT_EXCEEDED && err.details() instanceof JsonObject d) {
      res.putHeader("Retry-After", String.valueOf(d.getLong("retryAfter", 1L)));
    }
    res.setStatusCode(err.code().httpStatus())
        .putHeader("Content-Type", "application/json; charset=utf-8")
        .end(body.encode());
  }

  /** Maps anything that can fail a request to the API error it stands for. */
  static CrmException toCrm(Throwable failure, int status) {
    if (failure instanceof CrmException ce) return ce;
    if (failure instanceof ReplyException) return Bus.fromReply(failure);
    if (failure instanceof DecodeException) {
      return new CrmException(ErrorCode.VALIDATION_FAILED, "Malformed JSON body");
    }
    if (failure instanceof HttpException he) return ofStatus(he.getStatusCode());
    if (failure != null && status < 400) {
      return new CrmException(ErrorCode.INTERNAL_SERVER_ERROR, "Internal server error");
    }
    return ofStatus(status);
  }

  static CrmException ofStatus(int status) {
    return switch (status) {
      case 400 -> new CrmException(ErrorCode.VALIDATION_FAILED, "Bad request");
      case 401 -> new CrmException(ErrorCode.AUTH_TOKEN_INVALID, "Authentication required");
      case 403 -> new CrmException(ErrorCode.AUTH_INSUFFICIENT_PERMISSIONS, "Forbidden");
      case 404 -> new CrmException(ErrorCode.RESOURCE_NOT_FOUND, "Resource not found");
      case 405 -> new CrmException(ErrorCode.METHOD_NOT_ALLOWED, "Method not allowed");
      case 413 -> new CrmException(ErrorCode.PAYLOAD_TOO_LARGE, "Request body too large");
      case 414 -> new CrmException(ErrorCode.URI_TOO_LONG, "Request line too long");
      case 431 -> new CrmException(ErrorCode.HEADERS_TOO_LARGE, "Request headers too large");
      case 415 -> new CrmException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json");
      case 429 -> new CrmException(ErrorCode.RATE_LIMIT_EXCEEDED, "Too many requests");
      case 503 -> new CrmException(ErrorCode.SERVICE_UNAVAILABLE, "Service unavailable");
      case 504 -> new CrmException(ErrorCode.GATEWAY_TIMEOUT, "Gateway timeout");
      default -> new CrmException(ErrorCode.INTERNAL_SERVER_ERROR, "Internal server error");
    };
  }
}
