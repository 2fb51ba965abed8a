package crm.files;

import java.util.List;
import java.util.Locale;

/**
 * A kind of file the API accepts (angular-api.md "Supported File Types"): its {@code format} (what the upload answers
 * and Cloudinary calls it), its kind, the content type it is stored and served with, and its size limit. Decided from
 * the file's bytes by {@link FileTypes}, never from its name or the client's Content-Type.
 */
public record FileType(String format, Kind kind, String contentType, long maxBytes, List<String> extensions) {
  public enum Kind {
    IMAGE, DOCUMENT, AUDIO;

    /** As the bus and the API say it: image, document, audio. */
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  static final long MB = 1024L * 1024;
  public static final long IMAGE_MAX = 10 * MB;
  public static final long DOCUMENT_MAX = 25 * MB;
  public static final long AUDIO_MAX = 16 * MB;
  /** The largest file of any type: the cap on an upload's bytes before its type is known. */
  public static final long MAX_BYTES = Math.max(IMAGE_MAX, Math.max(DOCUMENT_MAX, AUDIO_MAX));

  public static final FileType JPG = new FileType("jpg", Kind.IMAGE, "image/jpeg", IMAGE_MAX, List.of("jpg", "jpeg"));
  public static final FileType PNG = new FileType("png", Kind.IMAGE, "image/png", IMAGE_MAX, List.of("png"));
  public static final FileType GIF = new FileType("gif", Kind.IMAGE, "image/gif", IMAGE_MAX, List.of("gif"));
  public static final FileType WEBP = new FileType("webp", Kind.IMAGE, "image/webp", IMAGE_MAX, List.of("webp"));
  public static final FileType PDF = new FileType("pdf", Kind.DOCUMENT, "application/pdf", DOCUMENT_MAX, List.of("pdf"));
  public static final FileType DOC = new FileType("doc", Kind.DOCUMENT, "application/msword", DOCUMENT_MAX, List.of("doc"));
  public static final FileType DOCX = new FileType("docx", Kind.DOCUMENT,
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document", DOCUMENT_MAX, List.of("docx"));
  public static final FileType TXT = new FileType("txt", Kind.DOCUMENT, "text/plain", DOCUMENT_MAX, List.of("txt"));
  public static final FileType MP3 = new FileType("mp3", Kind.AUDIO, "audio/mpeg", AUDIO_MAX, List.of("mp3"));
  public static final FileType M4A = new FileType("m4a", Kind.AUDIO, "audio/mp4", AUDIO_MAX, List.of("m4a"));
  public static final FileType OGG = new FileType("ogg", Kind.AUDIO, "audio/ogg", AUDIO_MAX, List.of("ogg", "oga", "opus"));

  public static final List<FileType> ALL = List.of(JPG, PNG, GIF, WEBP, PDF, DOC, DOCX, TXT, MP3, M4A, OGG);

  /** The accepted types by format, for error details: {@code jpg, png, ...}. */
  public static List<String> formats() {
    return ALL.stream().map(FileType::format).toList();
  }

  /** The type with this format, or null. */
  public static FileType ofFormat(String format) {
    for (FileType t : ALL) if (t.format.equals(format)) return t;
    return null;
  }

  /**
   * The name a client gave, with this type's extension: kept when it already ends with one of them, else the
   * extension of another accepted type is replaced ({@code photo.jpg} holding a PNG becomes {@code photo.png}) and
   * anything else gets it appended ({@code scan} becomes {@code scan.pdf}).
   */
  public String filenameFor(String name) {
    String base = name == null || name.isBlank() ? "file" : name;
    int dot = base.lastIndexOf('.');
    String ext = dot > 0 ? base.substring(dot + 1).toLowerCase(Locale.ROOT) : "";
    if (extensions.contains(ext)) return base;
    boolean known = ALL.stream().anyMatch(t -> t.extensions.contains(ext));
    return (known ? base.substring(0, dot) : base) + "." + format;
  }
}
