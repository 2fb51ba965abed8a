package crm.files;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.Check;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * Uploaded files on the bus: {@link Addresses#FILES_LINK} turns an upload's publicId into a link Meta (or anyone) can
 * fetch: a freshly signed one to this backend for GridFS files, Cloudinary's secure_url for Cloudinary's. The bytes
 * themselves never travel on the bus (see {@link FileRoutes}).
 */
public final class FilesVerticle extends VerticleBase {
  private Mongo mongo;

  @Override
  public Future<?> start() {
    mongo = new Mongo(vertx, config());
    FileStore records = new FileStore(mongo);
    FileLinks links = FileLinks.create(vertx, config());
    return new Bus(vertx).serve(Addresses.FILES_LINK, body -> link(records, links, body)).completion();
  }

  static Future<JsonObject> link(FileStore records, FileLinks links, JsonObject body) {
    String publicId = Check.requiredString(body, "publicId", 512);
    return records.get(publicId).map(rec -> {
      Instant now = Instant.now();
      boolean ours = !FilesConfig.CLOUDINARY.equals(rec.getString("store"));
      return new JsonObject()
          .put("publicId", publicId)
          .put("url", ours ? links.url(publicId, now) : rec.getString("url"))
          .put("expiresAt", ours ? links.expiry(now).toString() : null)
          .put("contentType", rec.getString("contentType"))
          .put("filename", rec.getString("filename"))
          .put("size", rec.getLong("size"))
          .put("kind", rec.getString("kind"))
          .put("format", rec.getString("format"))
          .put("store", rec.getString("store"));
    });
  }

  @Override
  public Future<?> stop() {
    if (mongo != null) mongo.close();
    return Future.succeededFuture();
  }
}
