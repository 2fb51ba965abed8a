package crm.files;

import crm.bus.CrmException;
import crm.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uploads to Cloudinary's Upload API, signed (authentication_signatures: the parameters other than file, cloud_name,
 * resource_type and api_key, sorted by name, {@code name=value} joined by {@code &}, the API secret appended, SHA-1 in
 * hex): a multipart POST to {@code <CLOUDINARY_API_URL>/v1_1/<cloud>/<resource_type>/upload} whose file part streams
 * the upload as it arrives (chunked), images as {@code image}, audio as {@code video} (Cloudinary keeps audio there),
 * documents as {@code raw}. publicId is Cloudinary's {@code public_id} and the URL its {@code secure_url}. An upload
 * refused midway (over its size, a failed check, the agent gone) is reset before its last part: Cloudinary keeps
 * nothing. Whatever Cloudinary answers other than success, or not answering, is EXTERNAL_API_ERROR.
 */
final class CloudinaryBackend implements FileBackend {
  private static final Logger log = LoggerFactory.getLogger(CloudinaryBackend.class);
  private static final int CONNECT_TIMEOUT_MS = 10_000;

  private final WebClient client;
  private final FilesConfig config;

  CloudinaryBackend(Vertx vertx, FilesConfig config) {
    this.config = config;
    this.client = WebClient.create(vertx, new WebClientOptions().setUserAgent("whatsapp-crm").setKeepAlive(true)
        .setConnectTimeout(CONNECT_TIMEOUT_MS));
  }

  @Override
  public String name() {
    return FilesConfig.CLOUDINARY;
  }

  static String resourceType(FileType type) {
    return switch (type.kind()) {
      case IMAGE -> "image";
      case AUDIO -> "video";
      case DOCUMENT -> "raw";
    };
  }

  /** Cloudinary's request signature over {@code params} (without file, cloud_name, resource_type, api_key). */
  static String sign(Map<String, String> params, String apiSecret) {
    StringJoiner joined = new StringJoiner("&");
    new TreeMap<>(params).forEach((k, v) -> joined.add(k + "=" + v));
    try {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      return HexFormat.of().formatHex(sha1.digest((joined + apiSecret).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-1", e);
    }
  }

  private String endpoint(String resourceType, String action) {
    return config.cloudinaryApiUrl() + "/v1_1/" + config.cloudName() + "/" + resourceType + "/" + action;
  }

  @Override
  public Future<Stored> put(ReadStream<Buffer> data, String filename, FileType type) {
    String resourceType = resourceType(type);
    String timestamp = Long.toString(System.currentTimeMillis() / 1000);
    Map<String, String> params = Map.of("timestamp", timestamp);
    String boundary = "crm-" + HexFormat.of().formatHex(randomBytes(12));
    Buffer head = Buffer.buffer();
    field(head, boundary, "api_key", config.apiKey());
    field(head, boundary, "timestamp", timestamp);
    field(head, boundary, "signature", sign(params, config.apiSecret()));
    head.appendString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
        + quoted(filename) + "\"\r\nContent-Type: " + type.contentType() + "\r\n\r\n", "UTF-8");
    Buffer tail = Buffer.buffer("\r\n--" + boundary + "--\r\n");

    Counter counter = new Counter(type.maxBytes());
    JoinedStream body = new JoinedStream(head, data, tail, counter::take);
    return client.postAbs(endpoint(resourceType, "upload"))
        .putHeader("Content-Type", "multipart/form-data; boundary=" + boundary)
        .idleTimeout(config.cloudinaryTimeoutMs())
        .sendStream(body)
        .transform(ar -> {
          if (body.failed()) return Future.failedFuture(body.failure()); // ours (over the limit, a check, the agent gone)
          if (ar.failed()) {
            return Future.failedFuture(external("Cloudinary did not answer: " + ar.cause().getMessage(), 0, null));
          }
          return answer(ar.result(), counter, resourceType);
        });
  }

  private Future<Stored> answer(HttpResponse<Buffer> res, Counter counter, String resourceType) {
    JsonObject json = json(res);
    if (res.statusCode() != 200) {
      String message = json.getJsonObject("error", new JsonObject()).getString("message", "");
      return Future.failedFuture(external("Cloudinary refused the upload (" + res.statusCode()
          + (message.isEmpty() ? "" : ": " + message) + ")", res.statusCode(), message));
    }
    String publicId = json.getValue("public_id") instanceof String s ? s : "";
    String url = json.getValue("secure_url") instanceof String s ? s : "";
    if (publicId.isEmpty() || publicId.length() > 512 || !url.matches("^https?://\\S+$")) {
      return Future.failedFuture(external("Cloudinary's answer has no public_id or secure_url", res.statusCode(), null));
    }
    return Future.succeededFuture(new Stored(publicId, url, counter.size, counter.hex(), resourceType));
  }

  @Override
  public Future<Void> delete(Stored stored) {
    String timestamp = Long.toString(System.currentTimeMillis() / 1000);
    Map<String, String> params = Map.of("public_id", stored.publicId(), "timestamp", timestamp);
    MultiMap form = MultiMap.caseInsensitiveMultiMap().add("public_id", stored.publicId()).add("timestamp", timestamp)
        .add("api_key", config.apiKey()).add("signature", sign(params, config.apiSecret()));
    String resourceType = stored.resourceType() == null ? "image" : stored.resourceType();
    return client.postAbs(endpoint(resourceType, "destroy")).idleTimeout(config.cloudinaryTimeoutMs()).sendForm(form)
        .transform(ar -> {
          if (ar.succeeded() && ar.result().statusCode() == 200) return Future.<Void>succeededFuture();
          String why = ar.succeeded() ? "status " + ar.result().statusCode() : ar.cause().getMessage();
          log.warn("Cloudinary kept {} ({}): destroying it failed: {}", stored.publicId(), resourceType, why);
          return Future.failedFuture(external("Cloudinary did not delete " + stored.publicId(), 0, why));
        });
  }

  private static JsonObject json(HttpResponse<Buffer> res) {
    try {
      Buffer body = res.body();
      return body == null || body.length() == 0 ? new JsonObject() : new JsonObject(body);
    } catch (RuntimeException notJson) {
      return new JsonObject();
    }
  }

  private static CrmException external(String message, int status, String cloudinaryMessage) {
    JsonObject details = new JsonObject().put("service", "cloudinary");
    if (status > 0) details.put("status", status);
    if (cloudinaryMessage != null && !cloudinaryMessage.isEmpty()) {
      details.put("message", cloudinaryMessage.length() > 500 ? cloudinaryMessage.substring(0, 500) : cloudinaryMessage);
    }
    return new CrmException(ErrorCode.EXTERNAL_API_ERROR, message, null, details);
  }

  private static void field(Buffer out, String boundary, String name, String value) {
    out.appendString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n",
        "UTF-8");
  }

  /** A name inside a quoted header parameter: no quote, backslash or line break (the name is sanitised before). */
  private static String quoted(String name) {
    return name.replace("\\", "_").replace("\"", "'").replaceAll("[\\r\\n]", "");
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    ThreadLocalRandom.current().nextBytes(b);
    return b;
  }

  /** Counts and hashes the file's bytes on their way out; past the type's limit, the upload fails. */
  private static final class Counter {
    private final long maxBytes;
    private final MessageDigest sha256;
    private long size;
    private Throwable failure;

    Counter(long maxBytes) {
      this.maxBytes = maxBytes;
      try {
        this.sha256 = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("the JVM has no SHA-256", e);
      }
    }

    Throwable take(Buffer buf) {
      size += buf.length();
      if (size > maxBytes) {
        failure = new CrmException(ErrorCode.PAYLOAD_TOO_LARGE, "The file is larger than " + maxBytes + " bytes");
        return failure;
      }
      sha256.update(buf.getBytes());
      return null;
    }

    String hex() {
      return HexFormat.of().formatHex(sha256.digest());
    }
  }
}
