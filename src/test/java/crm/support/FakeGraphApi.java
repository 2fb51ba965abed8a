package crm.support;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A local stand-in for Meta's Graph API (WhatsApp Cloud API): a real HTTP server on 127.0.0.1, port 0, speaking
 * Meta's formats. Use {@link #baseUrl()} as WHATSAPP_API_URL (or merge {@link #config()}). It records every request
 * and serves:
 * <ul>
 *   <li>{@code GET /{version}/{media-id}}: the media's JSON (url back to this server, hex sha256, file_size);</li>
 *   <li>{@code GET /media-bytes/{media-id}?token=..}: the bytes (the bearer token is required, as at Meta);</li>
 *   <li>{@code POST /{version}/{phone-number-id}/messages}: a wamid, {@code {"success":true}} for read receipts, or
 *   the next scripted answer ({@link #respondNext}, {@link #failConnectionNext}).</li>
 *   <li>{@code GET /{version}/{waba-id}/message_templates?fields=..&limit=..&after=..}: the templates of
 *   {@link #templates()} ({@link #DEFAULT_TEMPLATES} unless replaced), {@link #TEMPLATE_PAGE} at most per page (Meta
 *   too may answer fewer than {@code limit}) with Meta's cursor paging ({@code paging.cursors}, {@code paging.next}
 *   while there are more), or the next scripted failure ({@link #failNextTemplateLists}).</li>
 * </ul>
 * A wrong or missing {@code Authorization: Bearer <token>} gets 401 with Meta's OAuthException body (code 190).
 * Start and stop it from the test thread ({@link #start}, {@link #close}); everything here is thread-safe.
 */
public final class FakeGraphApi implements AutoCloseable {
  public static final String TOKEN = "fake-graph-token";
  public static final String VERSION = "v21.0";
  public static final String PHONE_NUMBER_ID = "106540352242922";
  public static final String BUSINESS_ACCOUNT_ID = "102290129340398";

  /** One request as received, and the status it was answered with (0: connection closed without an answer). */
  public record Recorded(String method, String path, String query, MultiMap headers, Buffer body, int status) {
    public String header(String name) { return headers.get(name); }

    /** The body as a JSON object, or null when it is not one. */
    public JsonObject json() { return jsonOf(body); }

    public byte[] bytes() { return body.getBytes(); }
  }

  /** A media file served by the fake. The setters change what the lookup advertises or how the bytes are sent. */
  public final class Media {
    public final String id;
    public final byte[] bytes;
    public final String mimeType;
    private volatile String sha256;
    private volatile long fileSize;
    private volatile String url;
    private volatile boolean chunked;
    private volatile int stallAfter = -1;

    private Media(String id, byte[] bytes, String mimeType) {
      this.id = id;
      this.bytes = bytes;
      this.mimeType = mimeType;
      this.sha256 = sha256Hex(bytes);
      this.fileSize = bytes.length;
    }

    /** The hex SHA-256 of the bytes served (what the lookup says unless told to lie). */
    public String realSha256() { return sha256Hex(bytes); }

    /** The lookup advertises the SHA-256 of other bytes. */
    public Media lieAboutSha256() {
      sha256 = sha256Hex(("not " + id).getBytes());
      return this;
    }

    /** The lookup advertises this file_size (the bytes served stay the same). */
    public Media fileSize(long size) {
      fileSize = size;
      return this;
    }

    /** The lookup answers this url instead of the one pointing back here (e.g. a host not on the allow-list). */
    public Media url(String url) {
      this.url = url;
      return this;
    }

    /** The bytes go out in 16 KiB chunks without Content-Length (the receiver learns the size only by reading). */
    public Media chunked() {
      chunked = true;
      return this;
    }

    /** Only the first {@code bytes} bytes are sent (with the full Content-Length); then the server goes silent. */
    public Media stallAfter(int bytes) {
      stallAfter = bytes;
      return this;
    }
  }

  private record Scripted(int status, JsonObject body, boolean dropConnection) {}

  private final String token;
  /** The Vert.x this fake started and closes with itself ({@link #startOwn}), or null when the caller's. */
  private Vertx owned;
  private final List<Recorded> requests = new CopyOnWriteArrayList<>();
  private final Map<String, Media> media = new ConcurrentHashMap<>();
  private final Deque<Scripted> scripted = new ArrayDeque<>();
  private final Deque<Integer> lookupFailures = new ArrayDeque<>();
  private final Deque<Integer> downloadFailures = new ArrayDeque<>();
  private final Deque<Integer> templateFailures = new ArrayDeque<>();
  private volatile JsonArray templates = DEFAULT_TEMPLATES.copy();
  private final AtomicLong ids = new AtomicLong();
  private HttpServer server;

  private FakeGraphApi(String token) {
    this.token = token;
  }

  /** Starts on a random port; call from the test thread. */
  public static FakeGraphApi start(Vertx vertx) {
    return start(vertx, TOKEN);
  }

  /** Starts on a Vert.x of its own, apart from the application's, which {@link #close} closes too. */
  public static FakeGraphApi startOwn() {
    Vertx vertx = Vertx.vertx();
    FakeGraphApi fake = start(vertx);
    fake.owned = vertx;
    return fake;
  }

  /** The Vert.x of {@link #startOwn}. */
  public Vertx vertx() {
    return owned;
  }

  public static FakeGraphApi start(Vertx vertx, String token) {
    try {
      return create(vertx, token).await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("fake Graph API did not start", e);
    }
  }

  /** As {@link #start} without waiting, for callers on an event loop. */
  public static Future<FakeGraphApi> create(Vertx vertx, String token) {
    FakeGraphApi fake = new FakeGraphApi(token);
    return vertx.createHttpServer().requestHandler(fake::handle).listen(0, "127.0.0.1")
        .map(s -> {
          fake.server = s;
          return fake;
        });
  }

  @Override
  public void close() {
    try {
      server.close().await(10, TimeUnit.SECONDS);
      if (owned != null) owned.close().await(10, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // the test's Vertx closes it anyway
    }
  }

  public int port() { return server.actualPort(); }

  /** {@code http://127.0.0.1:<port>}, to use as WHATSAPP_API_URL. */
  public String baseUrl() { return "http://127.0.0.1:" + port(); }

  public String token() { return token; }

  /** The WHATSAPP_* keys that point the application at this fake (media hosts: 127.0.0.1 only). */
  public JsonObject config() {
    return new JsonObject().put("WHATSAPP_API_URL", baseUrl()).put("WHATSAPP_API_VERSION", VERSION)
        .put("WHATSAPP_ACCESS_TOKEN", token).put("WHATSAPP_PHONE_NUMBER_ID", PHONE_NUMBER_ID)
        .put("WHATSAPP_BUSINESS_ACCOUNT_ID", BUSINESS_ACCOUNT_ID).put("WHATSAPP_MEDIA_HOSTS", "127.0.0.1");
  }

  public static String messagesPath(String phoneNumberId) {
    return "/" + VERSION + "/" + phoneNumberId + "/messages";
  }

  public static String templatesPath() {
    return "/" + VERSION + "/" + BUSINESS_ACCOUNT_ID + "/message_templates";
  }

  public static String mediaPath(String mediaId) {
    return "/" + VERSION + "/" + mediaId;
  }

  public static String mediaBytesPath(String mediaId) {
    return "/media-bytes/" + mediaId;
  }

  // ---- recorded requests

  public List<Recorded> requests() { return List.copyOf(requests); }

  /** The requests to exactly this path (no query). */
  public List<Recorded> requests(String path) {
    return requests(r -> r.path().equals(path));
  }

  public List<Recorded> requests(Predicate<Recorded> which) {
    return requests.stream().filter(which).toList();
  }

  /** The JSON bodies POSTed to any /messages endpoint, in order. */
  public List<JsonObject> sentMessages() {
    return requests(r -> r.method().equals("POST") && r.path().endsWith("/messages")).stream().map(Recorded::json).toList();
  }

  public List<Recorded> awaitRequests(String path, int count) {
    return awaitRequests(path, count, Duration.ofSeconds(10));
  }

  /** Waits (polling, on the test thread) until at least {@code count} requests to {@code path} were answered. */
  public List<Recorded> awaitRequests(String path, int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<Recorded> found = requests(path);
      if (found.size() >= count) return found;
      if (System.nanoTime() > deadline) {
        throw new AssertionError("expected " + count + " requests to " + path + " within " + timeout + ", got "
            + found.size() + "; all: " + requests.stream().map(r -> r.method() + " " + r.path()).toList());
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }

  public void clearRequests() { requests.clear(); }

  /** Drops scripted answers not used yet (so one test's leftovers cannot reach the next). */
  public void clearScripted() {
    synchronized (scripted) {
      scripted.clear();
    }
  }

  // ---- knobs

  /** Serves {@code bytes} as media {@code mediaId}; returns it for further knobs. */
  public Media addMedia(String mediaId, byte[] bytes, String mimeType) {
    Media m = new Media(mediaId, bytes, mimeType);
    media.put(mediaId, m);
    return m;
  }

  /** The next {@code times} media lookups answer {@code status} with Meta's error body for it. */
  public void failNextMediaLookups(int times, int status) {
    synchronized (lookupFailures) {
      for (int i = 0; i < times; i++) lookupFailures.add(status);
    }
  }

  /** The next {@code times} byte downloads answer {@code status} (403/404: as an expired URL does). */
  public void failNextMediaDownloads(int times, int status) {
    synchronized (downloadFailures) {
      for (int i = 0; i < times; i++) downloadFailures.add(status);
    }
  }

  /** The next {@code times} template lists answer {@code status} with Meta's error body for it. */
  public void failNextTemplateLists(int times, int status) {
    synchronized (templateFailures) {
      for (int i = 0; i < times; i++) templateFailures.add(status);
    }
  }

  /** What {@code message_templates} lists (Meta's shape: name, language, status, category, components, id). */
  public JsonArray templates() { return templates.copy(); }

  public void templates(JsonArray list) { templates = list.copy(); }

  /** The next message send is answered with this status and body (queued in order). */
  public void respondNext(int status, JsonObject body) {
    synchronized (scripted) {
      scripted.add(new Scripted(status, body, false));
    }
  }

  /** The next message send gets no answer: the connection is closed. */
  public void failConnectionNext() {
    synchronized (scripted) {
      scripted.add(new Scripted(0, null, true));
    }
  }

  // ---- Meta's error bodies

  public static JsonObject error(int code, String type, String message) {
    return new JsonObject().put("error", new JsonObject().put("message", message).put("type", type).put("code", code)
        .put("fbtrace_id", "A" + UUID.randomUUID().toString().replace("-", "").substring(0, 20)));
  }

  /** 400, code 131047: the 24 h customer-service window is closed. */
  public static JsonObject reEngagementError() {
    JsonObject body = error(131047, "OAuthException", "(#131047) Re-engagement message");
    body.getJsonObject("error").put("error_data", new JsonObject().put("messaging_product", "whatsapp")
        .put("details", "Message failed to send because more than 24 hours have passed since the customer last replied to this number."));
    return body;
  }

  /** 429, code 130429: throughput limit. */
  public static JsonObject rateLimitError() {
    return error(130429, "OAuthException", "(#130429) Rate limit hit");
  }

  /** 500, code 131000: something went wrong. */
  public static JsonObject unknownError() {
    return error(131000, "OAuthException", "(#131000) Something went wrong");
  }

  /** Meta's body for a status (what the failure knobs answer). */
  public static JsonObject errorFor(int status, String what) {
    return switch (status) {
      case 400, 404 -> {
        JsonObject body = error(100, "GraphMethodException", "Unsupported get request. Object with ID '" + what
            + "' does not exist, cannot be loaded due to missing permissions, or does not support this operation.");
        body.getJsonObject("error").put("error_subcode", 33);
        yield body;
      }
      case 401 -> error(190, "OAuthException", "Invalid OAuth access token - Cannot parse access token");
      case 403 -> error(10, "OAuthException", "(#10) Application does not have permission for this action");
      case 429 -> error(80007, "OAuthException", "(#80007) Rate limit issues");
      default -> status >= 500 ? error(1, "OAuthException", "An unknown error has occurred.")
          : error(100, "OAuthException", "(#100) Invalid parameter");
    };
  }

  // ---- the server

  private void handle(HttpServerRequest req) {
    req.body().onSuccess(body -> {
      try {
        route(req, body);
      } catch (RuntimeException e) {
        answer(req, body, 500, errorFor(500, ""));
      }
    });
  }

  private void route(HttpServerRequest req, Buffer body) {
    String[] seg = req.path().substring(1).split("/", -1);
    boolean version = seg[0].matches("^v\\d+\\.\\d+$");
    boolean get = req.method().name().equals("GET");
    boolean authorized = ("Bearer " + token).equals(req.getHeader("Authorization"));
    if (get && seg.length == 2 && seg[0].equals("media-bytes")) {
      if (!authorized) answer(req, body, 401, errorFor(401, ""));
      else bytes(req, body, seg[1]);
    } else if (get && seg.length == 3 && version && seg[2].equals("message_templates")) {
      if (!authorized) answer(req, body, 401, errorFor(401, ""));
      else templatePage(req, body);
    } else if (get && seg.length == 2 && version) {
      if (!authorized) answer(req, body, 401, errorFor(401, ""));
      else lookup(req, body, seg[1]);
    } else if (req.method().name().equals("POST") && seg.length == 3 && version && seg[2].equals("messages")) {
      if (!authorized) answer(req, body, 401, errorFor(401, ""));
      else message(req, body);
    } else {
      answer(req, body, 400, error(2500, "OAuthException", "Unknown path components: " + req.path()));
    }
  }

  private void lookup(HttpServerRequest req, Buffer body, String mediaId) {
    Integer failure = next(lookupFailures);
    Media m = media.get(mediaId);
    if (failure != null || m == null) {
      int status = failure != null ? failure : 404;
      answer(req, body, status, errorFor(status, mediaId));
      return;
    }
    String url = m.url != null ? m.url
        : baseUrl() + mediaBytesPath(mediaId) + "?token=" + UUID.randomUUID().toString().replace("-", "");
    answer(req, body, 200, new JsonObject().put("messaging_product", "whatsapp").put("url", url)
        .put("mime_type", m.mimeType).put("sha256", m.sha256).put("file_size", m.fileSize).put("id", mediaId));
  }

  /** Templates per page, whatever {@code limit} asks (at most it): small, so a few templates take several pages. */
  public static final int TEMPLATE_PAGE = 2;

  /**
   * Approved, rejected and pending templates as Meta lists them: {@code hello_world} (no parameters), {@code
   * order_update} (header, 3 positional body parameters, footer, buttons), {@code appointment_reminder} (named
   * parameters, one used twice: 3), and a rejected and a pending one that the CRM must leave out.
   */
  public static final JsonArray DEFAULT_TEMPLATES = new JsonArray()
      .add(template("1001", "hello_world", "en_US", "APPROVED", "UTILITY", new JsonArray()
          .add(new JsonObject().put("type", "HEADER").put("format", "TEXT").put("text", "Hello World"))
          .add(body("Welcome and congratulations!! This message demonstrates your ability to send a WhatsApp message "
              + "notification from the Cloud API, hosted by Meta. Thank you for taking the time to test with us."))
          .add(new JsonObject().put("type", "FOOTER").put("text", "WhatsApp Business Platform sample message"))))
      .add(template("1002", "promo_summer", "es", "REJECTED", "MARKETING", new JsonArray().add(body("¡{{1}}% de descuento!"))))
      .add(template("1003", "order_update", "es", "APPROVED", "UTILITY", new JsonArray()
          .add(new JsonObject().put("type", "HEADER").put("format", "TEXT").put("text", "Tu pedido"))
          .add(body("Hola {{1}}, tu pedido {{2}} va en camino y llega el {{3}}."))
          .add(new JsonObject().put("type", "FOOTER").put("text", "Gracias por tu compra"))
          .add(new JsonObject().put("type", "BUTTONS").put("buttons", new JsonArray()
              .add(new JsonObject().put("type", "QUICK_REPLY").put("text", "Gracias"))))))
      .add(template("1004", "appointment_reminder", "en_US", "APPROVED", "UTILITY", new JsonArray()
          .add(body("Hi {{name}}, see you on {{date}} at {{ time }}. Reply YES to confirm, {{name}}."))))
      .add(template("1005", "new_feature", "en_US", "PENDING", "MARKETING", new JsonArray().add(body("Try {{1}} today"))));

  private static JsonObject template(String id, String name, String language, String status, String category, JsonArray components) {
    return new JsonObject().put("name", name).put("language", language).put("status", status).put("category", category)
        .put("components", components).put("id", id);
  }

  private static JsonObject body(String text) {
    return new JsonObject().put("type", "BODY").put("text", text);
  }

  private void templatePage(HttpServerRequest req, Buffer body) {
    Integer failure = next(templateFailures);
    if (failure != null) {
      answer(req, body, failure, errorFor(failure, "message_templates"));
      return;
    }
    JsonArray all = templates;
    int limit = req.getParam("limit") == null ? 25 : Integer.parseInt(req.getParam("limit"));
    int from = req.getParam("after") == null ? 0 : Integer.parseInt(new String(java.util.Base64.getDecoder().decode(req.getParam("after"))));
    int to = Math.min(all.size(), from + Math.min(limit, TEMPLATE_PAGE));
    JsonArray data = new JsonArray();
    for (int i = from; i < to; i++) data.add(all.getValue(i));
    JsonObject paging = new JsonObject().put("cursors", new JsonObject().put("before", cursor(from)).put("after", cursor(to)));
    if (to < all.size()) {
      paging.put("next", baseUrl() + req.path() + "?fields=" + req.getParam("fields") + "&limit=" + limit + "&after=" + cursor(to));
    }
    answer(req, body, 200, new JsonObject().put("data", data).put("paging", paging));
  }

  private static String cursor(int index) {
    return java.util.Base64.getEncoder().encodeToString(String.valueOf(index).getBytes());
  }

  private void bytes(HttpServerRequest req, Buffer body, String mediaId) {
    Integer failure = next(downloadFailures);
    Media m = media.get(mediaId);
    if (failure != null || m == null) {
      int status = failure != null ? failure : 404;
      answer(req, body, status, errorFor(status, mediaId));
      return;
    }
    record(req, body, 200);
    var res = req.response().putHeader("Content-Type", m.mimeType);
    if (m.stallAfter >= 0) {
      res.putHeader("Content-Length", String.valueOf(m.bytes.length)).write(Buffer.buffer(m.bytes).slice(0, m.stallAfter));
      return;
    }
    if (!m.chunked) {
      res.end(Buffer.buffer(m.bytes));
      return;
    }
    res.setChunked(true);
    for (int off = 0; off < m.bytes.length; off += 16 * 1024) {
      res.write(Buffer.buffer(m.bytes).slice(off, Math.min(m.bytes.length, off + 16 * 1024)));
    }
    res.end();
  }

  private void message(HttpServerRequest req, Buffer body) {
    Scripted s = next(scripted);
    if (s != null && s.dropConnection()) {
      record(req, body, 0);
      req.connection().close();
      return;
    }
    if (s != null) {
      answer(req, body, s.status(), s.body());
      return;
    }
    JsonObject msg = jsonOf(body);
    if (msg == null || !"whatsapp".equals(msg.getValue("messaging_product"))) {
      answer(req, body, 400, error(100, "OAuthException", "(#100) The parameter messaging_product is required."));
    } else if ("read".equals(msg.getValue("status"))) {
      answer(req, body, 200, new JsonObject().put("success", true));
    } else if (!(msg.getValue("to") instanceof String to) || to.isBlank()) {
      answer(req, body, 400, error(100, "OAuthException", "(#100) The parameter to is required."));
    } else {
      String wamid = "wamid.HBgL" + ids.incrementAndGet() + UUID.randomUUID().toString().replace("-", "").toUpperCase();
      answer(req, body, 200, new JsonObject().put("messaging_product", "whatsapp")
          .put("contacts", new JsonArray().add(new JsonObject().put("input", to).put("wa_id", to.replaceAll("\\D", ""))))
          .put("messages", new JsonArray().add(new JsonObject().put("id", wamid))));
    }
  }

  private void answer(HttpServerRequest req, Buffer body, int status, JsonObject json) {
    record(req, body, status);
    req.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(json == null ? "" : json.encode());
  }

  private void record(HttpServerRequest req, Buffer body, int status) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(req.headers());
    requests.add(new Recorded(req.method().name(), req.path(), req.query(), headers, body.copy(), status));
  }

  private static <T> T next(Deque<T> queue) {
    synchronized (queue) {
      return queue.poll();
    }
  }

  private static JsonObject jsonOf(Buffer body) {
    try {
      return body.length() == 0 ? null : body.toJsonObject();
    } catch (RuntimeException e) {
      return null;
    }
  }

  public static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
