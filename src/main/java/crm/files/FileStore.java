package crm.files;

import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * The {@code files} collection: one record per uploaded file, whichever store holds its bytes, so that a publicId
 * alone finds the file's store, type, name and size (and, on Cloudinary, its URL). The only code that touches it.
 * A record: {@code {_id: publicId, store: gridfs|cloudinary, url (Cloudinary's secure_url; null on GridFS, where
 * links are signed when asked for), resourceType (Cloudinary's), format, kind, contentType, filename, size, sha256,
 * uploadedBy, createdAt}}.
 */
public final class FileStore {
  public static final String COLLECTION = "files";

  private final Mongo mongo;

  public FileStore(Mongo mongo) {
    this.mongo = mongo;
  }

  /** Stores a record and waits until it is durable: the upload is answered only then. */
  public Future<Void> insert(JsonObject record) {
    return mongo.insertDurable(COLLECTION, record).mapEmpty();
  }

  /** The record of {@code publicId}; RESOURCE_NOT_FOUND when no upload has it. */
  public Future<JsonObject> get(String publicId) {
    if (publicId == null || publicId.isEmpty() || publicId.length() > 512) return Future.failedFuture(notFound());
    return mongo.client().findOne(COLLECTION, new JsonObject().put("_id", publicId), null).recover(Mongo::mapError)
        .map(doc -> {
          if (doc == null) throw notFound();
          return doc;
        });
  }

  private static CrmException notFound() {
    return CrmException.notFound(ErrorCode.RESOURCE_NOT_FOUND, "File");
  }
}
