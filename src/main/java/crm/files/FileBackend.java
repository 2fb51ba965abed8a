package crm.files;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * Where uploaded bytes go (FILE_STORE): {@link GridFsBackend}, the database every node shares, or
 * {@link CloudinaryBackend}. Both take the bytes as they arrive, never whole in memory, and keep nothing of an upload
 * that fails or goes over its type's size: no partial file is ever left.
 */
interface FileBackend {
  /** A stored file: the store's id, Cloudinary's URL (null when this backend serves it: links are signed), size, hash. */
  record Stored(String publicId, String url, long size, String sha256, String resourceType) {}

  /** {@code gridfs} or {@code cloudinary}, as recorded with each file. */
  String name();

  /**
   * Streams {@code data} (of a type already decided) into the store; over {@code type.maxBytes()} it fails with
   * PAYLOAD_TOO_LARGE, a failure of {@code data} fails it with that failure, and either way nothing is kept.
   */
  Future<Stored> put(ReadStream<Buffer> data, String filename, FileType type);

  /** Removes a stored file (an upload whose record could not be written). */
  Future<Void> delete(Stored stored);
}
