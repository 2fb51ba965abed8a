package crm.files;

import crm.auth.Principal;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.http.Http;
import crm.storage.MediaStore;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerFileUpload;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.Locale;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code POST /upload}: the multipart request is read as it arrives (never whole in memory, never on disk). The
 * part named {@code file} is held back until its first {@link FileTypes#HEAD_BYTES} are in (or it ended); those are
 * handed to {@link FileTypes#detect} on a worker thread; a type that is accepted has the head and then the rest of
 * the part streamed to the {@link FileBackend} with the type's size limit; then the file is recorded and answered.
 * Other parts are dropped; the whole request may hold at most the largest type's limit plus {@link #OVERHEAD}.
 * Anything refused is answered with the error envelope once nothing of it is kept, and the rest of the request is
 * read and dropped ({@code ApiRouter.drain}). An upload that makes no progress for {@link #IDLE_MS} is given up.
 * Runs on the request's event loop.
 */
final class Upload {
  private static final Logger log = LoggerFactory.getLogger(Upload.class);
  /** What a request may hold beside its file: multipart headers, boundaries, other small fields. */
  static final long OVERHEAD = 1024 * 1024;
  static final long IDLE_MS = 60_000;

  private final RoutingContext ctx;
  private final HttpServerRequest req;
  private final Vertx vertx;
  private final FileBackend backend;
  private final FileStore records;
  private final FileLinks links;

  private HttpServerFileUpload part;
  private Buffer head = Buffer.buffer();
  /** File bytes delivered after the part was paused for detection (a decoder may hand over what it decoded already). */
  private Buffer late;
  private boolean partEnded;
  private boolean requestEnded;
  private boolean detecting;
  private JoinedStream stream;
  private boolean answered;
  private Throwable refusal;
  private long received;
  private long lastProgress = System.nanoTime();
  private long idleTimer = -1;

  private Upload(RoutingContext ctx, FileBackend backend, FileStore records, FileLinks links) {
    this.ctx = ctx;
    this.req = ctx.request();
    this.vertx = ctx.vertx();
    this.backend = backend;
    this.records = records;
    this.links = links;
  }

  static void handle(RoutingContext ctx, FileBackend backend, FileStore records, FileLinks links) {
    new Upload(ctx, backend, records, links).start();
  }

  private void start() {
    String contentType = req.getHeader("Content-Type");
    String media = contentType == null ? "" : contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    if (!media.equals("multipart/form-data")) {
      answer(new CrmException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
          "Content-Type must be multipart/form-data, with the file in a field named file"));
      return;
    }
    if (!contentType.toLowerCase(Locale.ROOT).matches("(?s).*;\\s*boundary=\\s*\"?[^\";\\s]+.*")) {
      answer(CrmException.validation("file", "A multipart/form-data body needs its boundary parameter"));
      return;
    }
    String length = req.getHeader("Content-Length");
    if (length != null && length.strip().matches("^\\d{1,18}$") && Long.parseLong(length.strip()) > limit()) {
      answer(tooLarge(limit(), "The request"));
      return;
    }
    try {
      req.setExpectMultipart(true);
    } catch (IllegalStateException e) {
      answer(CrmException.validation("file", "Malformed multipart/form-data request"));
      return;
    }
    if ("100-continue".equalsIgnoreCase(req.getHeader("Expect"))) {
      req.response().writeContinue(); // token, rate limit and headers passed: curl sends large files only after this
    }
    req.handler(this::onRequestBytes);
    req.uploadHandler(this::onPart);
    req.exceptionHandler(this::onFailure);
    req.endHandler(v -> onRequestEnd());
    idleTimer = vertx.setPeriodic(IDLE_MS / 4, id -> checkIdle());
    req.resume();
  }

  private static long limit() {
    return FileType.MAX_BYTES + OVERHEAD;
  }

  private void onRequestBytes(Buffer buf) {
    received += buf.length();
    lastProgress = System.nanoTime();
    if (received > limit()) abort(tooLarge(limit(), "The request"));
  }

  private void onPart(HttpServerFileUpload p) {
    if (!"file".equals(p.name()) || part != null || answered) {
      p.handler(null); // not ours: its bytes are dropped as they are decoded
      return;
    }
    part = p;
    p.handler(this::onHead);
    p.endHandler(v -> {
      partEnded = true;
      detect();
    });
    p.exceptionHandler(this::onFailure);
  }

  private void onHead(Buffer buf) {
    if (head == null) {
      // bytes the part had decoded already when it was paused for detection: kept, they follow the head
      if (late == null) late = Buffer.buffer();
      late.appendBuffer(buf);
      lastProgress = System.nanoTime();
      return;
    }
    head.appendBuffer(buf);
    if (head.length() >= FileTypes.HEAD_BYTES) {
      part.pause();
      detect();
    }
  }

  /** The head is in (or the whole file is): its type, on a worker; then the rest streams to the store. */
  private void detect() {
    if (detecting || answered) return;
    detecting = true;
    byte[] bytes = head.getBytes();
    head = null;
    boolean whole = partEnded;
    vertx.executeBlocking(() -> FileTypes.detect(bytes, whole), false).onComplete(ar -> {
      if (answered) return;
      if (ar.failed()) {
        abort(ar.cause());
        return;
      }
      FileType type = ar.result();
      String filename = type.filenameFor(MediaStore.safeFilename(part.filename()));
      Function<Buffer, Throwable> check = FileTypes.tailCheck(type, bytes);
      Buffer first = Buffer.buffer(bytes);
      if (late != null) {
        Throwable bad = check == null ? null : check.apply(late);
        if (bad != null) {
          abort(bad);
          return;
        }
        first.appendBuffer(late);
        late = null;
      }
      stream = new JoinedStream(first, partEnded ? null : part, null, buf -> {
        lastProgress = System.nanoTime();
        return check == null ? null : check.apply(buf);
      });
      stream.starvedHandler(() -> {
        if (requestEnded) probeTruncated();
      });
      backend.put(stream, filename, type)
          .compose(stored -> record(stored, type, filename))
          .onComplete(res -> {
            if (res.succeeded()) {
              answer(res.result());
            } else if (res.cause() != refusal && res.cause() instanceof CrmException ce
                && ce.code() == ErrorCode.PAYLOAD_TOO_LARGE) {
              answer(new CrmException(ErrorCode.PAYLOAD_TOO_LARGE, "A " + type.format() + " file may be at most "
                  + type.maxBytes() / FileType.MB + " MB (" + type.maxBytes() + " bytes)", null,
                  new JsonObject().put("limit", type.maxBytes()).put("format", type.format())));
            } else {
              answer(res.cause());
            }
          });
    });
  }

  private Future<JsonObject> record(FileBackend.Stored stored, FileType type, String filename) {
    Principal caller = Http.principal(ctx);
    Instant now = Instant.now();
    JsonObject rec = new JsonObject().put("_id", stored.publicId()).put("store", backend.name())
        .put("url", stored.url()).put("resourceType", stored.resourceType())
        .put("format", type.format()).put("kind", type.kind().wire()).put("contentType", type.contentType())
        .put("filename", filename).put("size", stored.size()).put("sha256", stored.sha256())
        .put("uploadedBy", caller == null ? null : caller.agentId()).put("createdAt", Mongo.date(now));
    String url = stored.url() != null ? stored.url() : links.url(stored.publicId(), now);
    return records.insert(rec)
        .recover(err -> backend.delete(stored).transform(ignored -> Future.failedFuture(err)))
        .map(v -> new JsonObject().put("success", true).put("url", url).put("publicId", stored.publicId())
            .put("format", type.format()).put("size", stored.size()));
  }

  private void onFailure(Throwable err) {
    if (err instanceof HttpClosedException) {
      abort(new CrmException(ErrorCode.VALIDATION_FAILED, "The upload broke off before its end"));
    } else if (err instanceof CrmException) {
      abort(err);
    } else {
      abort(CrmException.validation("file", "Malformed multipart/form-data body"));
    }
  }

  private void onRequestEnd() {
    requestEnded = true;
    if (part == null) {
      abort(CrmException.validation("file", "No file: send it as multipart/form-data in a field named file"));
    } else if (!partEnded && !detecting) {
      // still reading the head, unpaused: every byte the body held has come, and the part did not end
      abort(truncated());
    } else if (stream != null && stream.starved()) {
      probeTruncated();
    }
  }

  /**
   * The request has ended and the upload stream waits on the file part: whatever the part still holds was asked for
   * just now, and its delivery is queued before this probe. If the probe finds nothing came, the body ended inside the
   * file part (no closing boundary: the decoder never ends the part).
   */
  private void probeTruncated() {
    long seen = stream.sourceEvents();
    vertx.runOnContext(v -> {
      if (!answered && stream.starved() && stream.sourceEvents() == seen) abort(truncated());
    });
  }

  private static CrmException truncated() {
    return CrmException.validation("file", "Malformed multipart/form-data body: it ends inside the file part");
  }

  private void checkIdle() {
    if (answered || System.nanoTime() - lastProgress < IDLE_MS * 1_000_000) return;
    log.info("Upload from {} stalled for {} s: given up", req.remoteAddress(), IDLE_MS / 1000);
    abort(new CrmException(ErrorCode.VALIDATION_FAILED, "The upload stalled"));
    req.connection().close();
  }

  /**
   * Refuses the upload: while its bytes stream to the store, by failing that stream (the store removes what it got,
   * then the refusal is answered); before, at once.
   */
  private void abort(Throwable err) {
    if (answered || refusal != null) return;
    refusal = err;
    if (stream != null) {
      stream.fail(err); // put() fails once nothing is kept: answered then
    } else {
      answer(err);
    }
  }

  private void answer(Object result) {
    if (answered) return;
    answered = true;
    if (idleTimer >= 0) vertx.cancelTimer(idleTimer);
    if (part != null && (stream == null || stream.failed())) {
      // stop holding the part back: the rest of the request is read and dropped (ApiRouter.drain)
      part.handler(null);
      part.endHandler(null);
      part.exceptionHandler(null);
      part.resume();
    }
    if (ctx.response().closed() || ctx.response().ended()) return;
    if (result instanceof JsonObject ok) {
      Http.send(ctx, 201, ok);
    } else {
      ctx.fail((Throwable) result);
    }
  }

  private static CrmException tooLarge(long limit, String what) {
    return new CrmException(ErrorCode.PAYLOAD_TOO_LARGE, what + " is larger than " + limit + " bytes", null,
        new JsonObject().put("limit", limit));
  }
}
