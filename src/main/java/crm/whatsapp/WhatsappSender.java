package crm.whatsapp;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.Check;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Addresses#WHATSAPP_SEND}: the message is stored first (pending, under its idempotency key, after the 24 h
 * window check), then posted to {@code {WHATSAPP_API_URL}/{version}/{phone-number-id}/messages}; 429, 5xx, network
 * errors and Meta's throttling codes are retried with exponential backoff and jitter, other Meta errors fail at once.
 * The outcome (wamid and "sent", or "failed" with Meta's error in words) is recorded before the caller is answered.
 * Without credentials it runs in sandbox mode: nothing leaves the machine, and sent -> delivered -> read is simulated
 * through the same status path real webhooks take.
 */
final class WhatsappSender {
  private static final Logger log = LoggerFactory.getLogger(WhatsappSender.class);

  private final Vertx vertx;
  private final Bus bus;
  private final WebClient client;
  private final String messagesUrl;
  private final String token;
  private final boolean sandbox;
  private final int maxAttempts;
  private final long retryBaseMs;
  private final long sandboxDelayMs;
  private final SendThrottle throttle;

  WhatsappSender(Vertx vertx, JsonObject cfg, Bus bus) {
    this.vertx = vertx;
    this.bus = bus;
    this.client = WebClient.create(vertx, new WebClientOptions()
        .setConnectTimeout(cfg.getInteger("WHATSAPP_HTTP_TIMEOUT_MS", 15_000))
        .setIdleTimeout(60).setKeepAlive(true).setUserAgent("whatsapp-crm"));
    this.token = cfg.getString("WHATSAPP_ACCESS_TOKEN", "");
    String phoneId = cfg.getString("WHATSAPP_PHONE_NUMBER_ID", "");
    this.sandbox = sandbox(cfg);
    this.messagesUrl = cfg.getString("WHATSAPP_API_URL", "https://graph.facebook.com") + "/"
        + cfg.getString("WHATSAPP_API_VERSION", "v21.0") + "/" + phoneId + "/messages";
    this.maxAttempts = cfg.getInteger("WHATSAPP_SEND_MAX_ATTEMPTS", 5);
    this.retryBaseMs = cfg.getInteger("WHATSAPP_RETRY_BASE_MS", 500);
    this.sandboxDelayMs = cfg.getInteger("WHATSAPP_SANDBOX_DELAY_MS", 300);
    this.throttle = new SendThrottle(vertx, cfg.getString("WHATSAPP_PHONE_NUMBER_ID", ""), cfg.getInteger("WHATSAPP_SEND_RATE", 80));
    this.timeoutMs = cfg.getInteger("WHATSAPP_HTTP_TIMEOUT_MS", 15_000);
    this.deadlineMs = cfg.getInteger("WHATSAPP_SEND_DEADLINE_MS", 10_000);
    if (sandbox) log.info("WhatsApp sender in sandbox mode (no WHATSAPP_ACCESS_TOKEN / WHATSAPP_PHONE_NUMBER_ID)");
  }

  private final long timeoutMs;
  private final long deadlineMs;

  /** No Graph API credentials (WHATSAPP_ACCESS_TOKEN, WHATSAPP_PHONE_NUMBER_ID): nothing leaves the machine. */
  static boolean sandbox(JsonObject cfg) {
    return cfg.getString("WHATSAPP_ACCESS_TOKEN", "").isEmpty() || cfg.getString("WHATSAPP_PHONE_NUMBER_ID", "").isEmpty();
  }

  /** The Graph API client (timeouts, keep-alive, user agent), for the other calls this package makes to Meta. */
  WebClient client() {
    return client;
  }

  /** {type, conversationId | to, ...} -> {success, message, whatsappResponse} (see {@link GraphPayloads}). */
  Future<JsonObject> send(JsonObject body) {
    JsonObject request = GraphPayloads.validate(body);
    long deadline = System.nanoTime() + deadlineMs * 1_000_000;
    return uploadedFiles(request).compose(v -> bus.request(Addresses.CONVERSATION_PREPARE_OUTBOUND, request)).compose(prepared -> {
      if (prepared.getBoolean("duplicate", false)) {
        return settled(request, prepared, deadline).compose(this::duplicateAnswer);
      }
      return sendPrepared(request, prepared, deadline);
    });
  }

  /**
   * Uploaded files the request names by publicId (a media message, a template's media header) become signed links to
   * our copy, which Meta fetches; a media message's file must be of its kind (an uploaded PDF is not an image).
   */
  private Future<Void> uploadedFiles(JsonObject request) {
    String type = request.getString("type");
    JsonArray components = request.getJsonArray("templateComponents");
    java.util.Set<String> ids = new java.util.HashSet<>();
    if (request.getString("publicId") != null) ids.add(request.getString("publicId"));
    if (components != null) ids.addAll(TemplateComponents.publicIds(components));
    if (ids.isEmpty()) return Future.succeededFuture();
    java.util.Map<String, JsonObject> files = new java.util.HashMap<>();
    return Future.all(ids.stream().map(id -> bus.request(Addresses.FILES_LINK, new JsonObject().put("publicId", id))
            .onSuccess(f -> files.put(id, f))).toList())
        .<Void>map(all -> {
          String own = request.getString("publicId");
          if (own != null) {
            JsonObject file = files.get(own);
            if (!type.equals(file.getString("kind"))) {
              throw CrmException.validation("publicId", "the uploaded file is " + file.getString("kind", "unknown") + ", not " + type);
            }
            request.put("mediaUrl", file.getString("url")).put("mediaSize", file.getLong("size", 0L))
                .put("mediaType", file.getString("contentType"));
            if (request.getString("filename") == null && file.getString("filename") != null) request.put("filename", file.getString("filename"));
          }
          if (components != null) {
            java.util.Map<String, String> links = new java.util.HashMap<>();
            files.forEach((id, f) -> links.put(id, f.getString("url")));
            request.put("templateComponents", TemplateComponents.withLinks(components, links));
          }
          return null;
        });
  }

  /**
   * A duplicate whose first request is still being sent: wait (polling the stored message) until the first one has
   * its outcome, so a retry answers what the first request answered, not "pending". Gives up at the deadline.
   */
  private Future<JsonObject> settled(JsonObject request, JsonObject prepared, long deadline) {
    JsonObject message = prepared.getJsonObject("message");
    if (message == null || !"pending".equals(message.getString("status")) || System.nanoTime() > deadline) {
      return Future.succeededFuture(prepared);
    }
    Promise<JsonObject> later = Promise.promise();
    vertx.setTimer(50, id -> bus.request(Addresses.CONVERSATION_PREPARE_OUTBOUND, request)
        .compose(again -> settled(request, again, deadline)).onComplete(later));
    return later.future();
  }

  private Future<JsonObject> duplicateAnswer(JsonObject prepared) {
    JsonObject message = prepared.getJsonObject("message");
    JsonObject failure = failedBeforeSending(message);
    if (failure != null) { // the retry of a send that failed fails the same way: it was never sent
      return Future.failedFuture(new SendFailure(failure, failure.getBoolean("retryable", false))
          .toCrm(failure.copy().put("messageId", message.getString("_id")).put("message", message)));
    }
    return Future.succeededFuture(new JsonObject().put("success", true).put("duplicate", true).put("message", message));
  }

  private Future<JsonObject> sendPrepared(JsonObject request, JsonObject prepared, long deadline) {
    JsonObject payload = GraphPayloads.build(request, prepared);
    if ("read".equals(request.getString("type"))) {
      return post(payload, 1, deadline).map(res -> new JsonObject().put("success", true).put("whatsappResponse", res))
          .recover(err -> Future.failedFuture(err instanceof SendFailure failure ? failure.toCrm(failure.error.copy()) : err));
    }
    String messageId = prepared.getString("messageId");
    return post(payload, 1, deadline)
        .compose(res -> wamidOf(res) != null ? Future.succeededFuture(res) : Future.failedFuture(new SendFailure(
            new JsonObject().put("code", 0).put("title", "no message id").put("userMessage", "WhatsApp accepted the request "
                + "but returned no message id: the message may not have been sent").put("response", res), false)))
        .compose(res -> recordResult(messageId, res, null)
            .map(message -> new JsonObject().put("success", true).put("message", message).put("whatsappResponse", res)))
        .recover(err -> {
          if (!(err instanceof SendFailure failure)) return Future.failedFuture(err);
          return recordResult(messageId, null, failure.error).compose(message -> Future.failedFuture(
              failure.toCrm(failure.error.copy().put("messageId", messageId).put("message", message))));
        });
  }


  /** Meta's error for a message whose send failed (failed, and no wamid: a later "failed" status has one); else null. */
  private static JsonObject failedBeforeSending(JsonObject message) {
    if (message == null || !"failed".equals(message.getString("status")) || message.getString("whatsappMessageId") != null) {
      return null;
    }
    return message.getJsonObject("metadata", new JsonObject()).getJsonObject("error");
  }

  private static String wamidOf(JsonObject response) {
    JsonArray msgs = response.getValue("messages") instanceof JsonArray a ? a : new JsonArray();
    return msgs.isEmpty() || !(msgs.getValue(0) instanceof JsonObject m) ? null : m.getString("id");
  }

  private Future<JsonObject> recordResult(String messageId, JsonObject response, JsonObject error) {
    JsonObject result = new JsonObject().put("messageId", messageId);
    if (response != null) {
      result.put("response", response).put("wamid", wamidOf(response));
    } else {
      result.put("error", error);
    }
    return bus.request(Addresses.CONVERSATION_OUTBOUND_RESULT, result).map(r -> {
      if (sandbox && result.getString("wamid") != null) simulateDelivery(result.getString("wamid"));
      return r.getJsonObject("message");
    });
  }

  /** A send that finally failed: Meta's error in words, and whether it was a retryable error that ran out of attempts. */
  private static final class SendFailure extends RuntimeException {
    final JsonObject error;
    final boolean exhausted;

    SendFailure(JsonObject error, boolean exhausted) {
      super(error.getString("userMessage"), null, false, false);
      this.error = error;
      this.exhausted = exhausted;
    }

    /** What the caller gets: EXTERNAL_API_ERROR when retries ran out, MESSAGE_SEND_FAILED when Meta refused. */
    CrmException toCrm(JsonObject details) {
      return new CrmException(exhausted ? ErrorCode.EXTERNAL_API_ERROR : ErrorCode.MESSAGE_SEND_FAILED,
          error.getString("userMessage"), null, details);
    }
  }

  /**
   * One attempt, and the retries it earns: bounded by {@code maxAttempts} and by the deadline, so the caller (an agent
   * waiting on the API) gets an answer in time instead of a bus timeout while retries go on.
   */
  private Future<JsonObject> post(JsonObject payload, int attempt, long deadline) {
    if (sandbox) return Future.succeededFuture(sandboxAnswer(payload));
    long remainingMs = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
    return throttle.take()
        .compose(v -> client.postAbs(messagesUrl).timeout(Math.min(timeoutMs, remainingMs))
            .putHeader("Authorization", "Bearer " + token)
            .sendJsonObject(payload))
        .transform(ar -> {
          if (ar.succeeded() && ar.result().statusCode() / 100 == 2) {
            JsonObject body = MetaErrors.bodyOf(ar.result());
            return Future.succeededFuture(body == null ? new JsonObject() : body);
          }
          JsonObject error;
          boolean retryable;
          if (ar.failed()) {
            error = MetaErrors.network(ar.cause());
            retryable = true;
          } else {
            HttpResponse<Buffer> res = ar.result();
            error = MetaErrors.ofResponse(res);
            retryable = res.statusCode() == 429 || res.statusCode() >= 500 || MetaErrors.retryable(error.getInteger("code"));
          }
          long delay = backoff(attempt);
          if (retryable && attempt < maxAttempts && System.nanoTime() + delay * 1_000_000 < deadline) {
            log.debug("Graph API attempt {} failed ({}), retrying in {} ms", attempt, error.getString("message"), delay);
            Promise<JsonObject> later = Promise.promise();
            vertx.setTimer(delay, id -> post(payload, attempt + 1, deadline).onComplete(later));
            return later.future();
          }
          log.warn("WhatsApp send failed after {} attempt(s): {} {}", attempt, error.getInteger("code"), error.getString("message"));
          return Future.failedFuture(new SendFailure(error.put("attempts", attempt).put("retryable", retryable), retryable));
        });
  }

  /** base * 2^(attempt-1), with +-50 % jitter, at most 30 s. */
  private long backoff(int attempt) {
    double exp = retryBaseMs * Math.pow(2, attempt - 1);
    double jitter = 0.5 + ThreadLocalRandom.current().nextDouble();
    return (long) Math.min(30_000, exp * jitter);
  }

  // ---- sandbox

  private static JsonObject sandboxAnswer(JsonObject payload) {
    if ("read".equals(payload.getString("status"))) return new JsonObject().put("success", true);
    String to = payload.getString("to", "");
    return new JsonObject().put("messaging_product", "whatsapp")
        .put("contacts", new JsonArray().add(new JsonObject().put("input", to).put("wa_id", to)))
        .put("messages", new JsonArray().add(new JsonObject().put("id", "wamid.sandbox." + UUID.randomUUID())))
        .put("sandbox", true);
  }

  /** delivered, then read, as status webhooks would report them. */
  private void simulateDelivery(String wamid) {
    vertx.setTimer(Math.max(1, sandboxDelayMs), t1 -> status(wamid, "delivered")
        .onComplete(ar -> vertx.setTimer(Math.max(1, sandboxDelayMs), t2 -> status(wamid, "read"))));
  }

  private Future<JsonObject> status(String wamid, String status) {
    JsonObject s = new JsonObject().put("waMessageId", wamid).put("status", status)
        .put("timestamp", Instant.now().toString()).put("sandbox", true);
    return bus.request(Addresses.CONVERSATION_RECORD_STATUSES, new JsonObject().put("statuses", new JsonArray().add(s)))
        .onFailure(err -> log.warn("Sandbox status {} for {} not recorded: {}", status, wamid, err.toString()));
  }
}
