package crm.files;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A local Cloudinary Upload API: {@code POST /v1_1/<cloud>/<resource_type>/upload} (multipart) and {@code .../destroy}
 * (form), checking each request as Cloudinary documents it (the api_key, a timestamp within the hour, and the
 * signature: every parameter but file, cloud_name, resource_type and api_key, sorted, {@code name=value} joined by
 * {@code &}, the secret appended, SHA-1 hex), answering Cloudinary's JSON (public_id, secure_url, bytes, format,
 * resource_type, ...) or its error shape {@code {error: {message}}}. Failures can be injected for the next request.
 */
final class FakeCloudinary implements AutoCloseable {
  static final String CLOUD = "demo-crm";
  static final String KEY = "614335564976464";
  static final String SECRET = "a676b67565c6767a6767d6767f676fe1";

  record Upload(String publicId, String resourceType, String filename, String contentType, byte[] bytes, JsonObject params) {}

  enum Failure { NONE, STATUS, DROP, HANG, GARBAGE }

  private final Vertx vertx;
  private final HttpServer server;
  final Map<String, Upload> stored = new ConcurrentHashMap<>();
  final AtomicInteger uploadsStarted = new AtomicInteger();
  final AtomicInteger uploadsBroken = new AtomicInteger();
  final AtomicInteger destroyed = new AtomicInteger();
  volatile String secret = SECRET;
  private final AtomicReference<Failure> failNext = new AtomicReference<>(Failure.NONE);
  /** The public_id the next uploads get (null: a random one, as Cloudinary gives). */
  volatile String fixedPublicId;
  private volatile int failStatus;
  private volatile String failMessage;

  FakeCloudinary(Vertx vertx) throws Exception {
    this.vertx = vertx;
    this.server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  int port() {
    return server.actualPort();
  }

  String apiUrl() {
    return "http://127.0.0.1:" + port();
  }

  void failNext(int status, String message) {
    failStatus = status;
    failMessage = message;
    failNext.set(Failure.STATUS);
  }

  void failNext(Failure how) {
    failNext.set(how);
  }

  void reset() {
    stored.clear();
    uploadsStarted.set(0);
    uploadsBroken.set(0);
    destroyed.set(0);
    secret = SECRET;
    fixedPublicId = null;
    failNext.set(Failure.NONE);
  }

  private void handle(HttpServerRequest req) {
    String[] p = req.path().split("/"); // "", v1_1, cloud, resource_type, action
    if (req.method().name().equals("POST") && p.length == 5 && p[1].equals("v1_1") && p[4].equals("upload")) {
      upload(req, p[2], p[3]);
    } else if (req.method().name().equals("POST") && p.length == 5 && p[1].equals("v1_1") && p[4].equals("destroy")) {
      destroy(req, p[2], p[3]);
    } else {
      error(req, 404, "Resource not found - " + req.path());
    }
  }

  private void upload(HttpServerRequest req, String cloud, String resourceType) {
    uploadsStarted.incrementAndGet();
    Failure failure = failNext.getAndSet(Failure.NONE);
    req.setExpectMultipart(true);
    Buffer file = Buffer.buffer();
    String[] fileMeta = new String[2];
    req.uploadHandler(up -> {
      fileMeta[0] = up.filename();
      fileMeta[1] = up.contentType();
      up.handler(file::appendBuffer);
    });
    req.exceptionHandler(err -> uploadsBroken.incrementAndGet());
    req.endHandler(v -> {
      switch (failure) {
        case STATUS -> error(req, failStatus, failMessage);
        case DROP -> req.connection().close();
        case HANG -> { } // never answers
        case GARBAGE -> req.response().putHeader("Content-Type", "text/html").end("<html>maintenance</html>");
        case NONE -> {
          JsonObject params = new JsonObject();
          req.formAttributes().forEach(e -> params.put(e.getKey(), e.getValue()));
          String problem = check(cloud, resourceType, params);
          if (problem != null) {
            error(req, 401, problem);
          } else if (fileMeta[0] == null) {
            error(req, 400, "Missing required parameter - file");
          } else {
            answerUpload(req, cloud, resourceType, fileMeta, file.getBytes(), params);
          }
        }
      }
    });
  }

  private void answerUpload(HttpServerRequest req, String cloud, String resourceType, String[] fileMeta, byte[] bytes,
                            JsonObject params) {
    String ext = fileMeta[0].contains(".") ? fileMeta[0].substring(fileMeta[0].lastIndexOf('.') + 1) : "";
    String publicId = fixedPublicId != null ? fixedPublicId
        : randomId() + (resourceType.equals("raw") && !ext.isEmpty() ? "." + ext : "");
    long version = Instant.now().getEpochSecond();
    stored.put(publicId, new Upload(publicId, resourceType, fileMeta[0], fileMeta[1], bytes, params));
    String path = cloud + "/" + resourceType + "/upload/v" + version + "/" + publicId
        + (resourceType.equals("raw") || ext.isEmpty() ? "" : "." + ext);
    JsonObject body = new JsonObject()
        .put("asset_id", HexFormat.of().formatHex(sha(bytes, "MD5")))
        .put("public_id", publicId)
        .put("version", version)
        .put("version_id", randomId())
        .put("signature", HexFormat.of().formatHex(sha(bytes, "SHA-1")))
        .put("resource_type", resourceType)
        .put("created_at", Instant.now().toString())
        .put("tags", new JsonArray())
        .put("bytes", bytes.length)
        .put("type", "upload")
        .put("etag", HexFormat.of().formatHex(sha(bytes, "MD5")))
        .put("placeholder", false)
        .put("url", "http://res.cloudinary.com/" + path)
        .put("secure_url", "https://res.cloudinary.com/" + path)
        .put("asset_folder", "")
        .put("display_name", fileMeta[0])
        .put("original_filename", fileMeta[0].contains(".") ? fileMeta[0].substring(0, fileMeta[0].lastIndexOf('.')) : fileMeta[0])
        .put("api_key", KEY);
    if (!resourceType.equals("raw")) body.put("format", ext);
    req.response().putHeader("Content-Type", "application/json; charset=utf-8").end(body.encode());
  }

  private void destroy(HttpServerRequest req, String cloud, String resourceType) {
    req.setExpectMultipart(true); // urlencoded forms too
    req.endHandler(v -> {
      JsonObject params = new JsonObject();
      req.formAttributes().forEach(e -> params.put(e.getKey(), e.getValue()));
      String problem = check(cloud, resourceType, params);
      if (problem != null) {
        error(req, 401, problem);
        return;
      }
      boolean removed = stored.remove(params.getString("public_id", "")) != null;
      if (removed) destroyed.incrementAndGet();
      req.response().putHeader("Content-Type", "application/json").end(new JsonObject()
          .put("result", removed ? "ok" : "not found").encode());
    });
  }

  /** Cloudinary's checks: the cloud, the key, the timestamp's age and the signature; the problem, or null. */
  private String check(String cloud, String resourceType, JsonObject params) {
    if (!cloud.equals(CLOUD)) return "Invalid cloud_name " + cloud;
    if (!KEY.equals(params.getString("api_key"))) return "Invalid api_key " + params.getString("api_key");
    String ts = params.getString("timestamp", "");
    if (!ts.matches("^\\d+$") || Math.abs(Instant.now().getEpochSecond() - Long.parseLong(ts)) > 3600) {
      return "Stale request - reported time is " + ts;
    }
    TreeMap<String, String> signed = new TreeMap<>();
    for (String name : params.fieldNames()) {
      if (!name.equals("file") && !name.equals("cloud_name") && !name.equals("resource_type") && !name.equals("api_key")
          && !name.equals("signature")) {
        signed.put(name, params.getString(name));
      }
    }
    StringBuilder toSign = new StringBuilder();
    signed.forEach((k, v) -> toSign.append(toSign.length() == 0 ? "" : "&").append(k).append('=').append(v));
    String expected = HexFormat.of().formatHex(sha((toSign + secret).getBytes(StandardCharsets.UTF_8), "SHA-1"));
    if (!expected.equals(params.getString("signature"))) {
      return "Invalid Signature " + params.getString("signature") + ". String to sign - '" + toSign + "'.";
    }
    return null;
  }

  private static void error(HttpServerRequest req, int status, String message) {
    req.response().setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8")
        .end(new JsonObject().put("error", new JsonObject().put("message", message)).encode());
  }

  private static byte[] sha(byte[] data, String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm).digest(data);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String randomId() {
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 20; i++) sb.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
    return sb.toString();
  }

  @Override
  public void close() {
    server.close();
  }
}
