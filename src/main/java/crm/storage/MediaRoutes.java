package crm.storage;

import crm.auth.Permission;
import crm.http.ApiRouter;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /media/:id}: a stored media file, streamed from GridFS. The one route that reads a store directly
 * instead of asking the bus: bytes stream from the database to the socket, never whole in memory or on the bus.
 */
public final class MediaRoutes {
  private MediaRoutes() {}

  public static void mount(ApiRouter api, MediaStore store) {
    api.get("/media/:id", Permission.READ_CONVERSATIONS, ctx -> {
      String id = ctx.pathParam("id");
      HttpServerResponse res = ctx.response();
      store.info(id).compose(info -> {
        res.putHeader(HttpHeaders.CONTENT_TYPE, info.getString("contentType"))
            .putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(info.getLong("length")))
            .putHeader("Content-Disposition", "inline; filename*=UTF-8''" + rfc5987(info.getString("filename")))
            .putHeader(HttpHeaders.CACHE_CONTROL, "private, max-age=86400")
            .putHeader("X-Content-Type-Options", "nosniff")
            // the bytes come from customers: no script in them runs with this origin (HTML, SVG)
            .putHeader("Content-Security-Policy", "sandbox")
            // media is compressed already; "identity" also keeps Content-Length exact
            .putHeader(HttpHeaders.CONTENT_ENCODING, HttpHeaders.IDENTITY);
        return store.streamTo(id, res);
      }).onFailure(err -> {
        if (res.headWritten()) {
          res.reset(); // part of the body went out: break the connection rather than end it short
          return;
        }
        for (String h : new String[] {"Content-Length", "Content-Disposition", "Cache-Control", "Content-Encoding",
            "Content-Security-Policy"}) {
          res.headers().remove(h);
        }
        ctx.fail(err);
      });
    });
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
