package crm.files;

import crm.bus.CrmException;
import crm.bus.ErrorCode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.Set;
import java.util.function.Function;
import org.apache.tika.io.TikaInputStream;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.mime.MediaType;
import org.apache.tika.mime.MimeTypes;

/**
 * Decides a file's {@link FileType} from its first bytes: Apache Tika's magic numbers ({@code tika-mimetypes.xml},
 * tika-core alone: no name, no declared type is given to it), then, for the containers Tika core names only by
 * family, a look inside ({@link Containers}): which Ogg codec, whether an OLE2 file is a Word document, whether an
 * OOXML package is a Word document. Blocking (Tika reads a stream; the container checks inflate): call it on a worker.
 */
public final class FileTypes {
  /** How many leading bytes detection reads: as many as Tika's longest magic looks at (64 KiB). */
  public static final int HEAD_BYTES = 64 * 1024;

  private static final Set<String> EXECUTABLES = Set.of("application/x-msdownload", "application/x-dosexec",
      "application/x-executable", "application/x-elf", "application/x-sharedlib", "application/x-coredump",
      "application/x-object", "application/java-vm", "application/x-java-jnlp-file", "application/x-sh",
      "application/x-bat", "application/x-ms-installer", "application/x-msi", "application/vnd.microsoft.portable-executable",
      "application/java-archive", "application/vnd.android.package-archive");

  private FileTypes() {}

  /** Loads Tika's type table (a few hundred milliseconds the first time; blocking). */
  public static void load() {
    MimeTypes.getDefaultMimeTypes();
  }

  /**
   * The type of a file from its first bytes ({@code whole}: they are the whole file). Refusals are VALIDATION_FAILED
   * on field {@code file}, with {@code details: {detected, accepted}}.
   */
  public static FileType detect(byte[] head, boolean whole) {
    if (head.length == 0) throw refused("The file is empty", "application/x-empty");
    String detected;
    try (TikaInputStream in = TikaInputStream.get(head)) {
      detected = MimeTypes.getDefaultMimeTypes().detect(in, new Metadata()).getBaseType().toString();
    } catch (IOException e) {
      throw refused("The file's type cannot be read", MediaType.OCTET_STREAM.toString());
    }
    switch (detected) {
      case "image/jpeg": return FileType.JPG;
      case "image/png": return FileType.PNG;
      case "image/gif": return FileType.GIF;
      case "image/webp": return FileType.WEBP;
      case "application/pdf": return FileType.PDF;
      case "text/plain": return FileType.TXT;
      case "audio/mpeg": return FileType.MP3;
      case "audio/mp4": return FileType.M4A;
      case "application/ogg", "audio/ogg", "audio/vorbis", "audio/opus", "audio/speex":
        if (Containers.isOggAudio(head)) return FileType.OGG;
        throw refused("The Ogg file holds no audio stream this API accepts (Opus, Vorbis, Speex, FLAC)", detected);
      case "application/x-tika-msoffice", "application/msword": {
        Boolean word = Containers.isWordDocument(head, whole);
        if (Boolean.TRUE.equals(word)) return FileType.DOC;
        throw refused(word == null
            ? "The Office file's directory is not within its first " + HEAD_BYTES / 1024 + " KB, so it cannot be told a Word document"
            : "The Office file is not a Word document (an Excel or PowerPoint file, an installer, ...)", detected);
      }
      case "application/zip", "application/x-tika-ooxml",
          "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {
        Boolean word = Containers.isWordPackage(head, whole);
        if (Boolean.TRUE.equals(word)) return FileType.DOCX;
        throw refused(word == null
            ? "The archive's first " + HEAD_BYTES / 1024 + " KB do not show a Word document ([Content_Types].xml or word/document.xml)"
            : "The archive is not a Word document (docx)", detected);
      }
      default:
        if (EXECUTABLES.contains(detected) || detected.startsWith("application/x-mach-o")) {
          throw refused("The file is an executable program, which is never accepted", detected);
        }
        throw refused("The file's content is not an accepted type", detected);
    }
  }

  /**
   * A check of the bytes after the head, for types whose head alone does not vouch for the rest: a text file must stay
   * text (no NUL byte, unless it is UTF-16 with a byte-order mark). Null when there is nothing to check.
   */
  public static Function<Buffer, Throwable> tailCheck(FileType type, byte[] head) {
    if (type != FileType.TXT) return null;
    boolean utf16 = head.length >= 2 && ((head[0] == (byte) 0xFF && head[1] == (byte) 0xFE)
        || (head[0] == (byte) 0xFE && head[1] == (byte) 0xFF));
    if (utf16) return null;
    return buf -> {
      for (int i = 0, n = buf.length(); i < n; i++) {
        if (buf.getByte(i) == 0) return refused("The text file holds binary data past its beginning", "application/octet-stream");
      }
      return null;
    };
  }

  static CrmException refused(String why, String detected) {
    return new CrmException(ErrorCode.VALIDATION_FAILED, why + " (detected " + detected + "). Accepted: images jpg, jpeg,"
        + " png, gif, webp (10 MB); documents pdf, doc, docx, txt (25 MB); audio mp3, m4a, ogg (16 MB)", "file",
        new JsonObject().put("detected", detected).put("accepted", new JsonArray(FileType.formats())));
  }
}
