package crm.files;

import crm.storage.MediaStore;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * Uploads in the database's GridFS bucket {@code media} (beside WhatsApp's inbound media), so every node serves every
 * file; publicId is the GridFS id and links are signed by {@link FileLinks}.
 */
final class GridFsBackend implements FileBackend {
  private final MediaStore media;

  GridFsBackend(MediaStore media) {
    this.media = media;
  }

  @Override
  public String name() {
    return FilesConfig.GRIDFS;
  }

  @Override
  public Future<Stored> put(ReadStream<Buffer> data, String filename, FileType type) {
    return media.put(data, filename, type.contentType(), type.maxBytes()).map(json -> new Stored(json.getString("fileId"),
        null, json.getLong("size"), json.getString("sha256"), null));
  }

  @Override
  public Future<Void> delete(Stored stored) {
    return media.delete(stored.publicId());
  }
}
