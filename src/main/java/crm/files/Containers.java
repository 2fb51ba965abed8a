package crm.files;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Looks inside the containers that tika-core names only by family, on the first bytes of a file. Tika's own container
 * detectors (POIFSContainerDetector, OPCPackageDetector) live in its Microsoft parser module, which brings Apache POI
 * (tens of megabytes): these few structural checks are all an upload needs. Each answers TRUE, FALSE, or null when the
 * bytes it needs are past the ones it was given ({@code whole} false); blocking (inflating), so on a worker.
 */
final class Containers {
  private Containers() {}

  static final String DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml";

  // ---- Ogg: the codec of the first logical stream's first packet

  /** An Ogg file whose first page starts an Opus, Vorbis, Speex or FLAC stream. */
  static boolean isOggAudio(byte[] b) {
    // page header: "OggS", version 0, header type (0x02 = beginning of stream), ..., segment count at 26, lacing values
    if (b.length < 28 || b[0] != 'O' || b[1] != 'g' || b[2] != 'g' || b[3] != 'S' || b[4] != 0 || (b[5] & 0x02) == 0) {
      return false;
    }
    int packet = 27 + (b[26] & 0xFF);
    return startsWith(b, packet, "OpusHead".getBytes(StandardCharsets.US_ASCII))
        || startsWith(b, packet, "\u0001vorbis".getBytes(StandardCharsets.ISO_8859_1))
        || startsWith(b, packet, "Speex   ".getBytes(StandardCharsets.US_ASCII))
        || startsWith(b, packet, "\u007fFLAC".getBytes(StandardCharsets.ISO_8859_1));
  }

  // ---- OLE2 (compound file binary format, MS-CFB): a Word 97-2003 document has a "WordDocument" stream at its root

  private static final int END_OF_CHAIN = -2;
  private static final int NO_STREAM = -1;

  static Boolean isWordDocument(byte[] b, boolean whole) {
    Boolean unknown = whole ? Boolean.FALSE : null;
    if (b.length < 512) return unknown;
    int shift = u16(b, 0x1E);
    if (u16(b, 0x1C) != 0xFFFE || (shift != 9 && shift != 12)) return false;
    int sectorSize = 1 << shift;
    int perSector = sectorSize / 4;
    int fatSectors = i32(b, 0x2C);
    int[] difat = new int[Math.max(0, Math.min(fatSectors, 109))];
    for (int i = 0; i < difat.length; i++) difat[i] = i32(b, 0x4C + 4 * i);

    // the directory's sectors, in chain order, through the FAT
    List<Integer> entryOffsets = new ArrayList<>();
    Set<Integer> seen = new HashSet<>();
    int sector = i32(b, 0x30);
    while (sector >= 0) {
      if (!seen.add(sector) || seen.size() > 1024) return false; // a loop: not a well-formed file
      long offset = (long) (sector + 1) * sectorSize;
      if (offset + sectorSize > b.length) return unknown;
      for (int e = 0; e < sectorSize / 128; e++) entryOffsets.add((int) offset + e * 128);
      int fatIndex = sector / perSector;
      if (fatIndex >= difat.length || difat[fatIndex] < 0) return unknown; // in the extra DIFAT sectors
      long fatEntry = (long) (difat[fatIndex] + 1) * sectorSize + 4L * (sector % perSector);
      if (fatEntry + 4 > b.length) return unknown;
      sector = i32(b, (int) fatEntry);
    }
    if (sector != END_OF_CHAIN || entryOffsets.isEmpty() || b[entryOffsets.get(0) + 0x42] != 5) return false;

    // the root storage's children: a red-black tree through left/right siblings from the root's child
    ArrayDeque<Integer> todo = new ArrayDeque<>();
    todo.add(i32(b, entryOffsets.get(0) + 0x4C));
    Set<Integer> visited = new HashSet<>();
    while (!todo.isEmpty()) {
      int id = todo.poll();
      if (id == NO_STREAM) continue;
      if (id < 0 || id >= entryOffsets.size()) return unknown;
      if (!visited.add(id)) return false;
      int e = entryOffsets.get(id);
      int nameBytes = u16(b, e + 0x40);
      if (nameBytes >= 2 && nameBytes <= 64) {
        String name = new String(b, e, nameBytes - 2, StandardCharsets.UTF_16LE);
        if (name.equals("WordDocument") && b[e + 0x42] == 2) return true;
      }
      todo.add(i32(b, e + 0x44));
      todo.add(i32(b, e + 0x48));
    }
    return false;
  }

  // ---- OOXML (a zip, ECMA-376 Open Packaging): a Word document declares its main part's content type

  /**
   * Reads the zip's entries in stream order (local headers: the central directory is at the end, beyond the head).
   * TRUE when {@code [Content_Types].xml} declares a wordprocessingml main document, or when it is not within the head
   * but {@code word/document.xml} is (some writers put the content types last); FALSE when the content types say
   * otherwise, a macro project ({@code word/vbaProject.bin}) shows, or the whole file has neither.
   */
  static Boolean isWordPackage(byte[] b, boolean whole) {
    boolean documentXml = false;
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(b))) {
      ZipEntry entry;
      int entries = 0;
      while ((entry = zip.getNextEntry()) != null && entries++ < 10_000) {
        String name = entry.getName();
        if (name.equals("[Content_Types].xml")) {
          String types = new String(zip.readNBytes(256 * 1024), StandardCharsets.UTF_8);
          return types.contains("\"" + DOCX_MAIN + "\"");
        }
        if (name.equalsIgnoreCase("word/vbaProject.bin")) return false;
        if (name.equals("word/document.xml")) documentXml = true;
      }
    } catch (IOException | IllegalArgumentException e) {
      // the head ends inside an entry (EOF), or an entry this reader cannot walk past: judge on what was seen
    }
    if (whole) return false; // the whole file and no content types: not an OOXML package
    return documentXml ? Boolean.TRUE : null;
  }

  // ---- bytes

  private static boolean startsWith(byte[] b, int at, byte[] prefix) {
    if (at < 0 || at + prefix.length > b.length) return false;
    for (int i = 0; i < prefix.length; i++) if (b[at + i] != prefix[i]) return false;
    return true;
  }

  private static int u16(byte[] b, int at) {
    return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8;
  }

  private static int i32(byte[] b, int at) {
    return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | (b[at + 3] & 0xFF) << 24;
  }
}
