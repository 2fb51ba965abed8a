package crm.storage;

import com.mongodb.MongoGridFSException;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import io.vertx.ext.mongo.GridFsUploadOptions;
import io.vertx.ext.mongo.MongoGridFsClient;
import java.net.URLConnection;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Media files (WhatsApp attachments) in the GridFS bucket {@code media}: {@code media.files} + {@code media.chunks},
 * the only code that touches them. Content type and SHA-256 live in the GridFS file's {@code metadata}
 * ({@code metadata.contentType} is given to the upload, {@code metadata.sha256} is set once the bytes are stored,
 * because only then is it known). Nothing is buffered whole and nothing blocks: bytes stream through.
 */
public final class MediaStore {
  public static final String BUCKET = "media";
  static final String FILES = BUCKET + ".files";
  static final String CHUNKS = BUCKET + ".chunks";
  public static final String OCTET_STREAM = "application/octet-stream";
  private static final Pattern CONTENT_TYPE =
      Pattern.compile("^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(\\s*;\\s*[A-Za-z0-9!#$&^_.+-]+=[A-Za-z0-9!#$&^_.+\"-]+)*$");
  private static final int CHUNK_BYTES = 255 * 1024;

  private final Vertx vertx;
  private final Mongo mongo;
  private final Future<MongoGridFsClient> gridFs;

  public MediaStore(Vertx vertx, Mongo mongo) {
    this.vertx = vertx;
    this.mongo = mongo;
    this.gridFs = mongo.client().createGridFsBucketService(BUCKET);
  }

  /** Stores a stream; see {@link #put(ReadStream, String, String, long)}. */
  public Future<JsonObject> put(ReadStream<Buffer> data, String filename, String contentType) {
    return put(data, filename, contentType, Long.MAX_VALUE);
  }

  /**
   * Streams {@code data} into GridFS, hashing it on the way, and returns
   * {@code {fileId, size, sha256 (hex of the bytes stored), contentType, filename}} once stored (and durable).
   * More than {@code maxBytes} bytes fail it with PAYLOAD_TOO_LARGE and leave nothing stored.
   */
  public Future<JsonObject> put(ReadStream<Buffer> data, String filename, String contentType, long maxBytes) {
    HashingStream hashing = new HashingStream(data, vertx.getOrCreateContext(), maxBytes); // pauses data right away
    String name = safeFilename(filename);
    String type = safeContentType(contentType);
    GridFsUploadOptions options = new GridFsUploadOptions().setChunkSizeBytes(CHUNK_BYTES)
        .setMetadata(new JsonObject().put("contentType", type));
    return gridFs
        .compose(fs -> fs.uploadByFileNameWithOptions(hashing, name, options)
            .compose(id -> {
              if (hashing.failure != null) { // too large: ended early on purpose, now removed whole
                return fs.delete(id).transform(ar -> Future.failedFuture(hashing.failure));
              }
              String sha256 = hashing.hex();
              JsonObject set = new JsonObject().put("$set", new JsonObject().put("metadata.sha256", sha256));
              return mongo.client().updateCollection(FILES, byId(id), set)
                  .compose(r -> mongo.sync())
                  .map(v -> new JsonObject().put("fileId", id).put("size", hashing.size).put("sha256", sha256)
                      .put("contentType", type).put("filename", name))
                  .recover(err -> fs.delete(id).transform(ar -> Future.failedFuture(err)));
            }))
        .recover(err -> Mongo.mapError(hashing.failure != null ? hashing.failure : err));
  }

  /**
   * {@code {fileId, filename, length, chunkSize, contentType, sha256?, uploadDate?}}; RESOURCE_NOT_FOUND when there is
   * no such file.
   */
  public Future<JsonObject> info(String fileId) {
    if (!Mongo.isObjectId(fileId)) return Future.failedFuture(notFound());
    return mongo.client().findOne(FILES, byId(fileId), null).recover(Mongo::mapError).map(doc -> {
      if (doc == null) throw notFound();
      JsonObject meta = doc.getJsonObject("metadata", new JsonObject());
      String filename = doc.getString("filename", fileId);
      // older writers kept contentType at the top level; with neither, guess from the name
      String type = meta.getString("contentType", doc.getString("contentType"));
      if (type == null) type = URLConnection.guessContentTypeFromName(filename);
      Instant uploaded = Mongo.instant(doc.getValue("uploadDate"));
      return new JsonObject().put("fileId", fileId).put("filename", filename)
          .put("length", doc.getLong("length", 0L)).put("chunkSize", doc.getLong("chunkSize", (long) CHUNK_BYTES))
          .put("contentType", type == null ? OCTET_STREAM : type)
          .put("sha256", meta.getString("sha256")).put("uploadDate", uploaded == null ? null : uploaded.toString());
    });
  }

  /**
   * Streams the file's bytes into {@code out} and ends it. On failure {@code out} is left open, so that the caller
   * can tell a broken transfer from a complete one (an HTTP response is reset, not ended short).
   */
  public Future<Void> streamTo(String fileId, WriteStream<Buffer> out) {
    if (!Mongo.isObjectId(fileId)) return Future.failedFuture(notFound());
    return gridFs.compose(fs -> fs.readById(fileId).pipe().endOnFailure(false).to(out))
        .recover(err -> err instanceof MongoGridFSException ? Future.failedFuture(notFound()) : Mongo.mapError(err));
  }

  /**
   * Streams bytes {@code start..end} (inclusive) of a file described by {@link #info} into {@code out} and ends it;
   * like {@link #streamTo}, {@code out} is left open on failure. Reads only the chunks that hold the range, one at a
   * time and each by its unique key {@code {files_id, n}} (the embedded store looks that up in the GridFS index; the
   * driver's own download asks for {@code {files_id}} alone, which it answers by scanning every chunk), and waits
   * for {@code out} to drain between chunks.
   */
  public Future<Void> streamRange(JsonObject info, long start, long end, WriteStream<Buffer> out) {
    String fileId = info.getString("fileId");
    long length = info.getLong("length", 0L);
    long chunkSize = info.getLong("chunkSize", (long) CHUNK_BYTES);
    if (!Mongo.isObjectId(fileId) || chunkSize <= 0) return Future.failedFuture(notFound());
    if (start < 0 || end >= length || start > end) {
      return start == 0 && length == 0 ? out.end() : Future.failedFuture(new IllegalArgumentException("range outside the file"));
    }
    Promise<Void> done = Promise.promise();
    readChunk(fileId, chunkSize, start, end, start / chunkSize, out, done);
    return done.future();
  }

  private void readChunk(String fileId, long chunkSize, long start, long end, long n, WriteStream<Buffer> out,
                         Promise<Void> done) {
    JsonObject key = new JsonObject().put("files_id", new JsonObject().put("$oid", fileId)).put("n", (int) n);
    mongo.client().findOne(CHUNKS, key, new JsonObject().put("data", true)).onComplete(ar -> {
      if (ar.failed()) {
        Mongo.<Void>mapError(ar.cause()).onFailure(done::fail);
        return;
      }
      byte[] data = ar.result() == null ? null : binary(ar.result().getValue("data"));
      if (data == null && ar.result() != null) {
        done.fail(new IllegalStateException("chunk " + n + " of " + fileId + " holds no binary data"));
        return;
      }
      long chunkStart = n * chunkSize;
      long from = Math.max(start, chunkStart) - chunkStart;
      long to = Math.min(end, chunkStart + chunkSize - 1) - chunkStart + 1;
      if (data == null || data.length < to) { // deleted meanwhile, or a chunk shorter than its file says
        done.fail(notFound());
        return;
      }
      out.write(Buffer.buffer(data).slice((int) from, (int) to));
      if ((n + 1) * chunkSize > end) {
        out.end().onComplete(done);
      } else if (out.writeQueueFull()) {
        out.drainHandler(v -> readChunk(fileId, chunkSize, start, end, n + 1, out, done));
      } else {
        readChunk(fileId, chunkSize, start, end, n + 1, out, done);
      }
    });
  }

  /**
   * A BSON binary as the Vert.x codec hands it over ({@code {$binary: bytes, $type}}), read with Vert.x's own JSON
   * binary rules (bytes, or their base64url text once the object went through JSON).
   */
  private static byte[] binary(Object value) {
    try {
      if (value instanceof JsonObject json) return json.getBinary("$binary");
      return value == null ? null : new JsonObject().put("v", value).getBinary("v");
    } catch (RuntimeException notBinary) {
      return null;
    }
  }

  /** Deletes the file and its chunks; RESOURCE_NOT_FOUND when there is no such file. */
  public Future<Void> delete(String fileId) {
    if (!Mongo.isObjectId(fileId)) return Future.failedFuture(notFound());
    return gridFs.compose(fs -> fs.delete(fileId))
        .recover(err -> err instanceof MongoGridFSException ? Future.failedFuture(notFound()) : Mongo.mapError(err));
  }

  private static JsonObject byId(String fileId) {
    return new JsonObject().put("_id", new JsonObject().put("$oid", fileId));
  }

  private static CrmException notFound() {
    return CrmException.notFound(ErrorCode.RESOURCE_NOT_FOUND, "Media file");
  }

  /** The last path segment, without control characters, at most 255 characters; "file" when nothing is left. */
  public static String safeFilename(String filename) {
    String s = filename == null ? "" : filename.replaceAll("\\p{Cntrl}", "").strip();
    s = s.substring(Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\')) + 1).strip();
    if (s.length() > 255) s = s.substring(s.length() - 255);
    return s.isEmpty() || s.equals(".") || s.equals("..") ? "file" : s;
  }

  /** A syntactically valid media type (parameters kept), else application/octet-stream. */
  static String safeContentType(String contentType) {
    String s = contentType == null ? "" : contentType.strip();
    return s.length() <= 200 && CONTENT_TYPE.matcher(s).matches() ? s : OCTET_STREAM;
  }

  /**
   * Passes a stream through, hashing and counting its bytes. When more than {@code maxBytes} went by, or the source
   * fails (a client gone midway, a check of the caller's), the stream is ended early instead of failed: GridFS then
   * completes the file, with a files document to find its chunks by, and {@link #put} deletes it whole (an upload
   * failed midway leaves its chunks behind, with no id to find them by). The source is paused at once (so nothing is
   * lost before GridFS subscribes), and every call on it is made on its context: the driver asks for data from its
   * own threads.
   */
  private static final class HashingStream implements ReadStream<Buffer> {
    private final ReadStream<Buffer> source;
    private final Context context;
    private final long maxBytes;
    private final MessageDigest digest = sha256();
    private long size;
    private Throwable failure;
    private boolean ended;
    private Handler<Void> endHandler;

    HashingStream(ReadStream<Buffer> source, Context context, long maxBytes) {
      this.source = source;
      this.context = context;
      this.maxBytes = maxBytes;
      source.pause();
      // from the start: a source failing before GridFS subscribes is remembered, and ends the upload once it does
      onContext(() -> source.exceptionHandler(this::endEarly));
    }

    String hex() {
      return HexFormat.of().formatHex(digest.digest());
    }

    private void onContext(Runnable action) {
      if (Vertx.currentContext() == context) action.run();
      else context.runOnContext(v -> action.run());
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
      onContext(() -> source.handler(handler == null ? null : buf -> {
        if (failure != null) return;
        size += buf.length();
        if (size > maxBytes) {
          endEarly(new CrmException(ErrorCode.PAYLOAD_TOO_LARGE, "The file is larger than " + maxBytes + " bytes"));
          return;
        }
        digest.update(buf.getBytes());
        handler.handle(buf);
      }));
      return this;
    }

    /** Ends the upload instead of failing it (see the class comment); put() then deletes it and fails with {@code err}. */
    private void endEarly(Throwable err) {
      if (failure != null) return;
      failure = err;
      source.pause();
      end();
    }

    private void end() {
      if (ended || endHandler == null) return; // no end handler yet: given when it is set
      ended = true;
      endHandler.handle(null);
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      // set once, for good: a source failure always ends the upload early, whoever listens
      onContext(() -> source.exceptionHandler(this::endEarly));
      return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> handler) {
      onContext(() -> {
        endHandler = handler;
        source.endHandler(v -> { if (failure == null) end(); });
        if (failure != null) end();
      });
      return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
      onContext(source::pause);
      return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
      onContext(source::resume);
      return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
      onContext(() -> source.fetch(amount));
      return this;
    }

    private static MessageDigest sha256() {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("the JVM has no SHA-256", e);
      }
    }
  }
}
