package crm.files;

import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.storage.MediaStore;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Serves a GridFS file: its stored type, {@code Content-Disposition} inline for images, audio and video and attachment
 * for anything else, {@code X-Content-Type-Options: nosniff} and a sandboxing CSP (the bytes come from outside), its
 * SHA-256 as a strong ETag ({@code If-None-Match} -> 304), and one byte range ({@code Range: bytes=a-b | a- | -n} ->
 * 206 with Content-Range; {@code If-Range} honoured; several ranges or an unknown unit: the whole file; none of the
 * file's bytes -> 416 RANGE_NOT_SATISFIABLE with {@code Content-Range: bytes *&#47;length}). Only the chunks that
 * hold the asked bytes are read.
 */
final class FileServing {
  private static final Pattern RANGE = Pattern.compile("^(\\d{0,18})-(\\d{0,18})$");
  private static final long[] UNSATISFIABLE = new long[0];
  private static final String[] CONTENT_HEADERS = {"Content-Length", "Content-Disposition", "Cache-Control",
      "Content-Encoding", "Content-Security-Policy", "Content-Range", "Accept-Ranges", "ETag"};

  private FileServing() {}

  static void serve(RoutingContext ctx, MediaStore store) {
    String id = ctx.pathParam("id");
    HttpServerResponse res = ctx.response();
    store.info(id).compose(info -> respond(ctx, store, info)).onFailure(err -> {
      if (res.headWritten()) {
        res.reset(); // part of the body went out: break the connection rather than end it short
        return;
      }
      boolean unsatisfiable = err instanceof CrmException ce && ce.code() == ErrorCode.RANGE_NOT_SATISFIABLE;
      for (String h : CONTENT_HEADERS) {
        if (!(unsatisfiable && h.equals("Content-Range"))) res.headers().remove(h);
      }
      ctx.fail(err);
    });
  }

  private static Future<Void> respond(RoutingContext ctx, MediaStore store, JsonObject info) {
    HttpServerRequest req = ctx.request();
    HttpServerResponse res = ctx.response();
    long length = info.getLong("length");
    String sha256 = info.getString("sha256");
    String etag = sha256 == null ? null : "\"" + sha256 + "\"";
    String type = info.getString("contentType");

    res.putHeader(HttpHeaders.CACHE_CONTROL, "private, max-age=86400")
        .putHeader("X-Content-Type-Options", "nosniff")
        // the bytes come from customers and agents: no script in them runs with this origin (HTML, SVG)
        .putHeader("Content-Security-Policy", "sandbox")
        .putHeader("Accept-Ranges", "bytes");
    if (etag != null) res.putHeader(HttpHeaders.ETAG, etag);
    if (etag != null && matches(req.getHeader(HttpHeaders.IF_NONE_MATCH), etag)) {
      res.setStatusCode(304);
      return res.end();
    }

    String ifRange = req.getHeader("If-Range");
    long[] range = ifRange == null || ifRange.strip().equals(etag) ? range(req.getHeader("Range"), length) : null;
    if (range == UNSATISFIABLE) {
      res.putHeader("Content-Range", "bytes */" + length);
      return Future.failedFuture(new CrmException(ErrorCode.RANGE_NOT_SATISFIABLE,
          "The range asked for is outside the file's " + length + " bytes", null,
          new JsonObject().put("length", length)));
    }
    res.putHeader(HttpHeaders.CONTENT_TYPE, type)
        .putHeader("Content-Disposition", disposition(type) + "; filename*=UTF-8''" + rfc5987(info.getString("filename")))
        // files are compressed already; "identity" also keeps Content-Length exact
        .putHeader(HttpHeaders.CONTENT_ENCODING, HttpHeaders.IDENTITY);
    if (range == null) {
      res.putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(length));
      return length == 0 ? res.end() : store.streamRange(info, 0, length - 1, res);
    }
    res.setStatusCode(206)
        .putHeader("Content-Range", "bytes " + range[0] + "-" + range[1] + "/" + length)
        .putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(range[1] - range[0] + 1));
    return store.streamRange(info, range[0], range[1], res);
  }

  /** Pictures, sound and video are shown where they are linked; anything else is downloaded. */
  static String disposition(String contentType) {
    String t = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
    return t.startsWith("image/") || t.startsWith("audio/") || t.startsWith("video/") ? "inline" : "attachment";
  }

  /** If-None-Match: {@code *} or a list of (possibly weak) entity tags; the weak comparison of RFC 9110. */
  static boolean matches(String ifNoneMatch, String etag) {
    if (ifNoneMatch == null) return false;
    for (String tag : ifNoneMatch.split(",")) {
      String t = tag.strip();
      if (t.equals("*")) return true;
      if (t.startsWith("W/")) t = t.substring(2);
      if (t.equals(etag)) return true;
    }
    return false;
  }

  /**
   * The inclusive byte range a {@code Range} header asks of a file of {@code length} bytes: null to serve the whole
   * file (no header, another unit, several ranges, a malformed one), {@link #UNSATISFIABLE} when it holds none of the
   * file's bytes.
   */
  static long[] range(String header, long length) {
    if (header == null) return null;
    String h = header.strip();
    if (!h.regionMatches(true, 0, "bytes=", 0, 6)) return null;
    String spec = h.substring(6).strip();
    if (spec.contains(",")) return null;
    Matcher m = RANGE.matcher(spec);
    if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) return null;
    if (m.group(1).isEmpty()) { // the last n bytes
      long suffix = Long.parseLong(m.group(2));
      if (suffix == 0 || length == 0) return UNSATISFIABLE;
      return new long[] {Math.max(0, length - suffix), length - 1};
    }
    long start = Long.parseLong(m.group(1));
    if (!m.group(2).isEmpty() && Long.parseLong(m.group(2)) < start) return null; // last before first: invalid, ignored
    if (start >= length) return UNSATISFIABLE;
    long end = m.group(2).isEmpty() ? length - 1 : Long.parseLong(m.group(2));
    return new long[] {start, Math.min(end, length - 1)};
  }

  /** RFC 5987 {@code value-chars}: UTF-8 bytes, percent-encoded except attr-char. */
  static String rfc5987(String value) {
    StringBuilder out = new StringBuilder();
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c < 128 && (Character.isLetterOrDigit(c) || "!#$&+-.^_`|~".indexOf(c) >= 0)) out.append((char) c);
      else out.append(String.format("%%%02X", c));
    }
    return out.toString();
  }
}
