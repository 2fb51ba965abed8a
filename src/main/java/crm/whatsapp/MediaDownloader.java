package crm.whatsapp;

import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.http.HttpVerticle;
import crm.storage.MediaStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches the media of an inbound WhatsApp message into the {@link MediaStore}: {@code GET /{version}/{media-id}}
 * on the Graph API gives a short-lived URL, size, type and SHA-256; the bytes at that URL (same bearer token)
 * stream into GridFS and are checked against the hashes.
 *
 * <p>The URL comes from outside, so it is only fetched when it is http(s), carries no user info, and its host is on
 * WHATSAPP_MEDIA_HOSTS (exactly, or under a {@code *.domain} entry; an IP address only when listed itself). The
 * request is built from the parsed URL's parts and does not follow redirects, so what was checked is what is fetched.
 *
 * <p>Every failure is EXTERNAL_API_ERROR with details {@code {retryable, reason, status?, graphCode?}}.
 */
public final class MediaDownloader {
  private static final Logger log = LoggerFactory.getLogger(MediaDownloader.class);
  private static final Pattern MEDIA_ID = Pattern.compile("^[A-Za-z0-9_.-]{1,128}$");
  private static final Pattern HEX_SHA256 = Pattern.compile("^[0-9a-fA-F]{64}$");
  private static final Pattern NUMERIC_HOST = Pattern.compile("^[0-9.]+$");
  private static final long MAX_BACKOFF_MS = 60_000;
  /** Graph error codes that mean "later" whatever the HTTP status: unknown/temporary, throttling. */
  private static final Set<Integer> TRANSIENT_GRAPH_CODES = Set.of(1, 2, 4, 17, 32, 613, 80007, 130429, 131000, 131016);
  private static final Map<String, String> EXTENSIONS = Map.ofEntries(
      Map.entry("image/jpeg", "jpg"), Map.entry("image/png", "png"), Map.entry("image/webp", "webp"),
      Map.entry("image/gif", "gif"), Map.entry("audio/ogg", "ogg"), Map.entry("audio/mpeg", "mp3"),
      Map.entry("audio/mp4", "m4a"), Map.entry("audio/aac", "aac"), Map.entry("audio/amr", "amr"),
      Map.entry("video/mp4", "mp4"), Map.entry("video/3gpp", "3gp"), Map.entry("application/pdf", "pdf"),
      Map.entry("text/plain", "txt"), Map.entry("application/msword", "doc"),
      Map.entry("application/vnd.ms-excel", "xls"), Map.entry("application/vnd.ms-powerpoint", "ppt"),
      Map.entry("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
      Map.entry("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
      Map.entry("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"));

  private final Vertx vertx;
  private final HttpClient http;
  private final MediaStore store;
  private final String graphBase;
  private final String token;
  private final List<String> allowedHosts;
  private final long maxBytes;
  private final long timeoutMs;
  private final long retryBaseMs;
  private final int maxAttempts;

  /**
   * {@code config}: the deployment config (WHATSAPP_* keys as {@link crm.config.AppConfig#toJson()} writes them).
   * The downloader owns its HTTP client: connect and idle timeouts of WHATSAPP_HTTP_TIMEOUT_MS on every connection,
   * so that a body that stops arriving fails the download instead of hanging it.
   */
  public MediaDownloader(Vertx vertx, JsonObject config, MediaStore store) {
    this.vertx = vertx;
    this.store = store;
    this.graphBase = config.getString("WHATSAPP_API_URL", "https://graph.facebook.com").replaceAll("/+$", "")
        + "/" + config.getString("WHATSAPP_API_VERSION", "v21.0");
    this.token = config.getString("WHATSAPP_ACCESS_TOKEN", "");
    this.allowedHosts = Arrays.stream(config.getString("WHATSAPP_MEDIA_HOSTS", "").split(","))
        .map(h -> h.trim().toLowerCase(Locale.ROOT)).filter(h -> !h.isEmpty()).toList();
    this.maxBytes = config.getLong("WHATSAPP_MEDIA_MAX_BYTES", 100L * 1_048_576);
    this.timeoutMs = config.getLong("WHATSAPP_HTTP_TIMEOUT_MS", 15_000L);
    this.retryBaseMs = config.getLong("WHATSAPP_RETRY_BASE_MS", 500L);
    this.maxAttempts = config.getInteger("WHATSAPP_SEND_MAX_ATTEMPTS", 5);
    this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) timeoutMs)
        .setIdleTimeout((int) timeoutMs).setIdleTimeoutUnit(TimeUnit.MILLISECONDS));
  }

  public Future<Void> close() {
    return http.close();
  }

  /**
   * One attempt: resolve, check, stream into the store, verify. Returns the attachment
   * {@code {fileId, url, filename, size, mimeType, sha256}}. {@code expectedSha256} may be hex (media endpoint)
   * or base64 (webhooks); {@code filenameHint} null means {@code <mediaId>.<ext>}.
   */
  public Future<JsonObject> download(String mediaId, String expectedSha256, String filenameHint) {
    if (Vertx.currentContext() == null) {
      // called from outside Vert.x (tests, Main): run on one context. Else each call below gets a context of its own,
      // callbacks hop between them, and a response's bytes can be dispatched before its handlers are set.
      Context context = vertx.getOrCreateContext();
      return Future.future(p -> context.runOnContext(v -> download(mediaId, expectedSha256, filenameHint).onComplete(p)));
    }
    if (mediaId == null || !MEDIA_ID.matcher(mediaId).matches()) {
      return Future.failedFuture(external(false, "invalid_media_id", "Not a WhatsApp media id"));
    }
    byte[] expected = null;
    if (expectedSha256 != null && !expectedSha256.isBlank()) {
      expected = sha256Bytes(expectedSha256);
      if (expected == null) return Future.failedFuture(external(false, "invalid_sha256", "Expected SHA-256 is neither hex nor base64"));
    }
    byte[] wanted = expected;
    return lookup(mediaId)
        .compose(media -> fetch(mediaId, media, wanted, filenameHint))
        .recover(err -> Future.failedFuture(classify(err)));
  }

  /**
   * {@link #download} until it succeeds, fails for good, or WHATSAPP_SEND_MAX_ATTEMPTS attempts were made; waits
   * WHATSAPP_RETRY_BASE_MS doubling each time (half of it random) between attempts. The last failure carries
   * {@code attempts} in its details.
   */
  public Future<JsonObject> downloadWithRetry(String mediaId, String expectedSha256, String filenameHint) {
    return attempt(mediaId, expectedSha256, filenameHint, 1);
  }

  private Future<JsonObject> attempt(String mediaId, String expectedSha256, String filenameHint, int n) {
    return download(mediaId, expectedSha256, filenameHint).recover(err -> {
      if (!isRetryable(err) || n >= maxAttempts) {
        if (err instanceof CrmException ce && ce.details() instanceof JsonObject d) d.put("attempts", n);
        return Future.failedFuture(err);
      }
      long delay = backoff(n);
      log.debug("media {} attempt {} failed ({}), retrying in {} ms", mediaId, n, err.getMessage(), delay);
      return vertx.timer(delay).compose(v -> attempt(mediaId, expectedSha256, filenameHint, n + 1));
    });
  }

  /** Delay after attempt {@code n}: base * 2^(n-1), capped, with its upper half random (equal jitter). */
  long backoff(int n) {
    long exp = Math.min(MAX_BACKOFF_MS, retryBaseMs << Math.min(n - 1, 20));
    return exp / 2 + ThreadLocalRandom.current().nextLong(exp / 2 + 1);
  }

  /** True for a failure worth another attempt. */
  public static boolean isRetryable(Throwable err) {
    return err instanceof CrmException ce && ce.details() instanceof JsonObject d && d.getBoolean("retryable", false);
  }

  // ---- the two requests

  private Future<JsonObject> lookup(String mediaId) {
    RequestOptions options = request().setAbsoluteURI(graphBase + "/" + mediaId);
    return http.request(options).compose(req -> req.send()).compose(res -> res.body().map(body -> {
      int status = res.statusCode();
      JsonObject json = json(body);
      if (status != 200) {
        JsonObject error = json == null ? new JsonObject() : json.getJsonObject("error", new JsonObject());
        Integer code = error.getInteger("code");
        boolean retryable = status == 429 || status >= 500 || (code != null && TRANSIENT_GRAPH_CODES.contains(code));
        throw external(retryable, status == 429 ? "rate_limited" : status >= 500 ? "server_error" : "lookup_refused",
            "Graph API media lookup answered " + status + ": " + error.getString("message", "no message"),
            new JsonObject().put("status", status).put("graphCode", code));
      }
      if (json == null || !(json.getValue("url") instanceof String)) {
        throw external(false, "bad_lookup_response", "Graph API media lookup gave no url");
      }
      return json;
    }));
  }

  private Future<JsonObject> fetch(String mediaId, JsonObject media, byte[] expected, String filenameHint) {
    URI url = allowedUrl(media.getString("url"));
    long declared = media.getValue("file_size") instanceof Number n ? n.longValue() : -1;
    if (declared > maxBytes) throw tooLarge(declared);
    String mime = media.getString("mime_type", MediaStore.OCTET_STREAM);
    String filename = filenameHint != null && !filenameHint.isBlank() ? filenameHint : mediaId + "." + extension(mime);
    byte[] advertised = media.getValue("sha256") instanceof String s ? sha256Bytes(s) : null;

    boolean https = url.getScheme().equalsIgnoreCase("https");
    String target = (url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath())
        + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
    RequestOptions options = request().setSsl(https).setHost(url.getHost())
        .setPort(url.getPort() > 0 ? url.getPort() : https ? 443 : 80).setURI(target);
    return http.request(options).compose(req -> req.send()).compose(res -> {
      if (res.statusCode() != 200) {
        abort(res);
        // an expired or refused URL: the next attempt resolves a fresh one
        return Future.failedFuture(external(true, "media_url_failed", "Media URL answered " + res.statusCode(),
            new JsonObject().put("status", res.statusCode())));
      }
      String length = res.getHeader(HttpHeaders.CONTENT_LENGTH);
      if (length != null && length.matches("^\\d{1,18}$") && Long.parseLong(length) > maxBytes) {
        abort(res);
        return Future.failedFuture(tooLarge(Long.parseLong(length)));
      }
      return store.put(res, filename, mime, maxBytes).recover(err -> {
        abort(res);
        return Future.failedFuture(err);
      });
    }).compose(stored -> verify(stored, expected, advertised));
  }

  /** The stored bytes against the caller's and the Graph API's hashes; on a mismatch the file is deleted. */
  private Future<JsonObject> verify(JsonObject stored, byte[] expected, byte[] advertised) {
    byte[] actual = HexFormat.of().parseHex(stored.getString("sha256"));
    for (byte[] wanted : new byte[][] {expected, advertised}) {
      if (wanted != null && !MessageDigest.isEqual(wanted, actual)) {
        CrmException err = external(false, "sha256_mismatch", "Downloaded media does not match "
            + (wanted == expected ? "the expected" : "the Graph API's") + " SHA-256");
        return store.delete(stored.getString("fileId")).transform(ar -> Future.failedFuture(err));
      }
    }
    String fileId = stored.getString("fileId");
    return Future.succeededFuture(new JsonObject().put("fileId", fileId)
        .put("url", HttpVerticle.API_PREFIX + "/media/" + fileId).put("filename", stored.getString("filename"))
        .put("size", stored.getLong("size")).put("mimeType", stored.getString("contentType"))
        .put("sha256", stored.getString("sha256")));
  }

  /**
   * Stops a response we will not read: its connection is closed (a reset alone leaves a fully received but unread
   * HTTP/1.1 response's connection in the pool, still paused).
   */
  private static void abort(HttpClientResponse res) {
    try {
      res.exceptionHandler(err -> { }); // the close fails an unfinished response: expected, not worth a log line
    } catch (IllegalStateException alreadyEnded) {
      // received to the end: nothing more will be reported
    }
    res.request().connection().close();
  }

  private RequestOptions request() {
    return new RequestOptions().setMethod(HttpMethod.GET).setTimeout(timeoutMs).setFollowRedirects(false)
        .putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token);
  }

  // ---- the SSRF guard

  /** The media URL when it may be fetched; else a non-retryable url_not_allowed failure (nothing is requested). */
  URI allowedUrl(String raw) {
    URI uri;
    try {
      uri = new URI(raw);
    } catch (URISyntaxException | NullPointerException e) {
      throw notAllowed("unparsable URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http")) throw notAllowed("scheme " + scheme);
    if (uri.getRawUserInfo() != null) throw notAllowed("user info in URL");
    String host = uri.getHost();
    if (host == null || !hostAllowed(host.toLowerCase(Locale.ROOT))) throw notAllowed("host " + host);
    return uri;
  }

  private boolean hostAllowed(String host) {
    boolean ipLiteral = host.startsWith("[") || NUMERIC_HOST.matcher(host).matches();
    for (String entry : allowedHosts) {
      if (host.equals(entry)) return true;
      if (!ipLiteral && entry.startsWith("*.") && host.endsWith(entry.substring(1)) && host.length() > entry.length() - 1) {
        return true;
      }
    }
    return false;
  }

  private static CrmException notAllowed(String what) {
    return external(false, "url_not_allowed", "Media URL refused: " + what + " is not allowed (WHATSAPP_MEDIA_HOSTS)");
  }

  // ---- helpers

  private CrmException tooLarge(long size) {
    return external(false, "too_large", "Media of " + size + " bytes is over the limit of " + maxBytes);
  }

  /** Whatever failed, as EXTERNAL_API_ERROR with its retryability. */
  static CrmException classify(Throwable err) {
    if (err instanceof CrmException ce) {
      if (ce.code() == ErrorCode.EXTERNAL_API_ERROR) return ce;
      if (ce.code() == ErrorCode.PAYLOAD_TOO_LARGE) return external(false, "too_large", ce.getMessage());
      return external(true, "storage_failed", "Media could not be stored: " + ce.getMessage());
    }
    if (err instanceof TimeoutException) return external(true, "timeout", "Media download timed out");
    return external(true, "network_error", "Media download failed: " + err);
  }

  static CrmException external(boolean retryable, String reason, String message) {
    return external(retryable, reason, message, new JsonObject());
  }

  static CrmException external(boolean retryable, String reason, String message, JsonObject details) {
    return new CrmException(ErrorCode.EXTERNAL_API_ERROR, message, null,
        details.put("retryable", retryable).put("reason", reason));
  }

  /** 32 bytes from hex or base64 (standard or URL-safe, padding optional); null when it is neither. */
  static byte[] sha256Bytes(String value) {
    String s = value.strip();
    if (HEX_SHA256.matcher(s).matches()) return HexFormat.of().parseHex(s);
    try {
      byte[] b = Base64.getDecoder().decode(s.replace('-', '+').replace('_', '/').replace("=", ""));
      return b.length == 32 ? b : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  static String extension(String mime) {
    String base = mime.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    return EXTENSIONS.getOrDefault(base, "bin");
  }

  private static JsonObject json(Buffer body) {
    try {
      return body == null || body.length() == 0 ? null : body.toJsonObject();
    } catch (RuntimeException e) {
      return null;
    }
  }
}
