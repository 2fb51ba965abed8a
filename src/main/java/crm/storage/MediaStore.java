package crm.storage;

import com.mongodb.MongoGridFSException;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
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

  /** {@code {fileId, filename, length, contentType, sha256?, uploadDate?}}; RESOURCE_NOT_FOUND when there is no such file. */
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
          .put("length", doc.getLong("length", 0L)).put("contentType", type == null ? OCTET_STREAM : type)
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
  static String safeFilename(String filename) {
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
   * Passes a stream through, hashing and counting its bytes and failing it once more than {@code maxBytes} went by.
   * The source is paused at once (so nothing is lost before GridFS subscribes), and every call on it is made on
   * its context: the driver asks for data from its own threads.
   */
  private static final class HashingStream implements ReadStream<Buffer> {
    private final ReadStream<Buffer> source;
    private final Context context;
    private final long maxBytes;
    private final MessageDigest digest = sha256();
    private long size;
    private Throwable failure;
    private Handler<Throwable> exceptionHandler;
    private Handler<Void> endHandler;

    HashingStream(ReadStream<Buffer> source, Context context, long maxBytes) {
      this.source = source;
      this.context = context;
      this.maxBytes = maxBytes;
      source.pause();
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
          // end the upload instead of failing it: GridFS then has a files document, so put() can delete the file
          // with its chunks (an upload failed midway leaves its chunks behind, with no id to find them by)
          failure = new CrmException(ErrorCode.PAYLOAD_TOO_LARGE, "The file is larger than " + maxBytes + " bytes");
          source.pause();
          if (endHandler != null) endHandler.handle(null);
          return;
        }
        digest.update(buf.getBytes());
        handler.handle(buf);
      }));
      return this;
    }

    private void fail(Throwable err) {
      failure = err;
      source.pause();
      if (exceptionHandler != null) exceptionHandler.handle(err);
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      onContext(() -> {
        exceptionHandler = handler;
        source.exceptionHandler(handler == null ? null : err -> { if (failure == null) fail(err); });
      });
      return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> handler) {
      onContext(() -> {
        endHandler = handler;
        source.endHandler(handler == null ? null : v -> { if (failure == null) handler.handle(v); });
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
