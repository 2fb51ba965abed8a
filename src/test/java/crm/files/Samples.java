package crm.files;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;

/**
 * Real small files of every accepted type, made here: images by the JDK's ImageIO (JPEG, PNG, GIF), the rest by
 * their formats' own rules (a PDF with its cross-reference table, a docx zip with its content types, an OLE2 compound
 * file with a WordDocument stream, Ogg pages with Opus headers and their CRCs, MPEG audio frames behind an ID3 tag,
 * an MP4 ftyp box of M4A), and things that are not accepted (executables, other Office files, Ogg video).
 */
public final class Samples {
  private Samples() {}

  static byte[] jpeg() {
    return image("jpg", BufferedImage.TYPE_INT_RGB);
  }

  public static byte[] png() {
    return image("png", BufferedImage.TYPE_INT_ARGB);
  }

  static byte[] gif() {
    return image("gif", BufferedImage.TYPE_INT_RGB);
  }

  private static byte[] image(String format, int type) {
    BufferedImage img = new BufferedImage(16, 12, type);
    for (int x = 0; x < 16; x++) for (int y = 0; y < 12; y++) img.setRGB(x, y, 0xFF000000 | (x * 16) << 16 | (y * 20) << 8 | 0x80);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(img, format, out)) throw new IllegalStateException("no ImageIO writer for " + format);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** A valid PNG of exactly {@code size} bytes: a real image, then a tEXt chunk as long as needed, then IEND. */
  static byte[] pngOfSize(int size) {
    byte[] img = png();
    int iend = 12; // length, "IEND", CRC
    int body = img.length - iend;
    int textData = size - body - iend - 12; // the tEXt chunk's own length, type and CRC
    if (textData < 8) throw new IllegalArgumentException("too small for a padded PNG: " + size);
    byte[] data = new byte[textData];
    byte[] keyword = "Comment\0".getBytes(StandardCharsets.ISO_8859_1);
    System.arraycopy(keyword, 0, data, 0, keyword.length);
    Arrays.fill(data, keyword.length, data.length, (byte) 'x');
    ByteArrayOutputStream out = new ByteArrayOutputStream(size);
    out.write(img, 0, body);
    chunk(out, "tEXt", data);
    out.write(img, body, iend);
    byte[] result = out.toByteArray();
    if (result.length != size) throw new IllegalStateException(result.length + " != " + size);
    return result;
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
    out.writeBytes(t);
    out.writeBytes(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  /** The smallest lossless WebP (1x1), as libwebp writes it: RIFF, WEBP, a VP8L chunk. */
  static byte[] webp() {
    return Base64.getDecoder().decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==");
  }

  /** A one-page PDF with a correct cross-reference table. */
  public static byte[] pdf() {
    String[] objects = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        null,
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"};
    String stream = "BT /F1 18 Tf 20 40 Td (Factura 2026) Tj ET";
    objects[3] = "<< /Length " + stream.length() + " >>\nstream\n" + stream + "\nendstream";
    StringBuilder pdf = new StringBuilder("%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n");
    int[] offsets = new int[objects.length];
    for (int i = 0; i < objects.length; i++) {
      offsets[i] = pdf.length();
      pdf.append(i + 1).append(" 0 obj\n").append(objects[i]).append("\nendobj\n");
    }
    int xref = pdf.length();
    pdf.append("xref\n0 ").append(objects.length + 1).append("\n0000000000 65535 f \n");
    for (int off : offsets) pdf.append(String.format("%010d 00000 n \n", off));
    pdf.append("trailer\n<< /Size ").append(objects.length + 1).append(" /Root 1 0 R >>\nstartxref\n").append(xref)
        .append("\n%%EOF\n");
    return pdf.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  static final String CONTENT_TYPES_DOCX = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
      + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
      + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
      + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
      + "<Override PartName=\"/word/document.xml\" ContentType=\"" + Containers.DOCX_MAIN + "\"/></Types>";
  static final String CONTENT_TYPES_XLSX = CONTENT_TYPES_DOCX.replace("/word/document.xml", "/xl/workbook.xml")
      .replace(Containers.DOCX_MAIN, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml");
  private static final String RELS = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
      + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" "
      + "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>"
      + "</Relationships>";
  private static final String DOCUMENT = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
      + "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p><w:r>"
      + "<w:t>Contrato de servicio, Mérida</w:t></w:r></w:p></w:body></w:document>";

  /** A Word document as Word writes it: [Content_Types].xml first. */
  static byte[] docx() {
    return zip(new String[][] {{"[Content_Types].xml", CONTENT_TYPES_DOCX}, {"_rels/.rels", RELS},
        {"word/document.xml", DOCUMENT}});
  }

  /**
   * A Word document with its content types last (as some writers order it), behind a stored (incompressible) image
   * large enough that the content types are not within the first 64 KB.
   */
  static byte[] docxContentTypesLast() {
    byte[] media = random(90_000, 5);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      put(zip, "_rels/.rels", RELS.getBytes(StandardCharsets.UTF_8));
      put(zip, "word/document.xml", DOCUMENT.getBytes(StandardCharsets.UTF_8));
      put(zip, "word/media/image1.png", media);
      put(zip, "[Content_Types].xml", CONTENT_TYPES_DOCX.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static byte[] xlsx() {
    return zip(new String[][] {{"[Content_Types].xml", CONTENT_TYPES_XLSX}, {"xl/workbook.xml", "<workbook/>"}});
  }

  static byte[] plainZip() {
    return zip(new String[][] {{"notes/a.txt", "hola"}, {"notes/b.txt", "adiós"}});
  }

  private static byte[] zip(String[][] entries) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      for (String[] e : entries) put(zip, e[0], e[1].getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void put(ZipOutputStream zip, String name, byte[] data) throws IOException {
    zip.putNextEntry(new ZipEntry(name));
    zip.write(data);
    zip.closeEntry();
  }

  /** A Word 97-2003 document's container: an OLE2 compound file whose root holds a WordDocument stream. */
  static byte[] doc() {
    return ole2("WordDocument", 0);
  }

  /** An Excel 97-2003 workbook's container: the same, with a Workbook stream instead. */
  static byte[] xls() {
    return ole2("Workbook", 0);
  }

  /**
   * A version-3 compound file (512-byte sectors): header, FAT at sector 0, then {@code dataSectors} sectors of
   * filler, the stream's 8 sectors (4096 bytes: a regular stream, not in the mini stream), and the directory last
   * (root entry and the stream). With many filler sectors the directory lies beyond the first 64 KB.
   */
  static byte[] ole2(String streamName, int fillerSectors) {
    int streamSectors = 8;
    int dirSector = 1 + fillerSectors + streamSectors;
    int sectors = dirSector + 1;
    int fatSectors = (sectors + 127) / 128;
    if (fatSectors > 1) throw new IllegalArgumentException("keep it under 128 sectors");
    ByteBuffer b = ByteBuffer.allocate(512 * (sectors + 1)).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0xD0, (byte) 0xCF, 0x11, (byte) 0xE0, (byte) 0xA1, (byte) 0xB1, 0x1A, (byte) 0xE1});
    b.position(0x18).putShort((short) 0x3E).putShort((short) 3).putShort((short) 0xFFFE).putShort((short) 9)
        .putShort((short) 6);
    b.position(0x2C).putInt(fatSectors).putInt(dirSector).putInt(0).putInt(4096).putInt(-2).putInt(0).putInt(-2).putInt(0);
    b.position(0x4C).putInt(0);
    for (int i = 1; i < 109; i++) b.putInt(-1);
    // FAT (sector 0)
    int fat = 512;
    int[] next = new int[128];
    Arrays.fill(next, -1);
    next[0] = -3; // FATSECT
    for (int s = 1; s <= fillerSectors; s++) next[s] = s == fillerSectors ? -2 : s + 1;
    int first = 1 + fillerSectors;
    for (int s = first; s < first + streamSectors; s++) next[s] = s == first + streamSectors - 1 ? -2 : s + 1;
    next[dirSector] = -2;
    b.position(fat);
    for (int v : next) b.putInt(v);
    // filler and stream data
    Random r = new Random(3);
    for (int s = 1; s < dirSector; s++) {
      byte[] data = new byte[512];
      r.nextBytes(data);
      b.position(512 * (s + 1));
      b.put(data);
    }
    // directory: root entry, the stream, two unused entries
    int dir = 512 * (dirSector + 1);
    entry(b, dir, "Root Entry", 5, -1, -1, 1, -2, 0);
    entry(b, dir + 128, streamName, 2, -1, -1, -1, first, 4096);
    entry(b, dir + 256, "", 0, -1, -1, -1, 0, 0);
    entry(b, dir + 384, "", 0, -1, -1, -1, 0, 0);
    return b.array();
  }

  private static void entry(ByteBuffer b, int at, String name, int type, int left, int right, int child, int start, int size) {
    byte[] n = name.getBytes(StandardCharsets.UTF_16LE);
    b.position(at);
    b.put(n);
    b.position(at + 0x40).putShort((short) (name.isEmpty() ? 0 : n.length + 2)).put((byte) type).put((byte) 1)
        .putInt(left).putInt(right).putInt(child);
    b.position(at + 0x74).putInt(start).putInt(size).putInt(0);
  }

  static byte[] text() {
    return "Hola María,\nsu pedido ORD-2026-00456 llegó a Mérida. ¡Gracias! 🙏\n".repeat(20).getBytes(StandardCharsets.UTF_8);
  }

  /** An Ogg Opus stream's first two pages: OpusHead (beginning of stream) and OpusTags, with their CRCs. */
  static byte[] ogg() {
    ByteBuffer head = ByteBuffer.allocate(19).order(ByteOrder.LITTLE_ENDIAN);
    head.put("OpusHead".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 1).putShort((short) 312)
        .putInt(48_000).putShort((short) 0).put((byte) 0);
    ByteBuffer tags = ByteBuffer.allocate(8 + 4 + 8 + 4).order(ByteOrder.LITTLE_ENDIAN);
    tags.put("OpusTags".getBytes(StandardCharsets.US_ASCII)).putInt(8).put("crm-test".getBytes(StandardCharsets.US_ASCII))
        .putInt(0);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(oggPage(0x02, 0, head.array()));
    out.writeBytes(oggPage(0x00, 1, tags.array()));
    return out.toByteArray();
  }

  /** An Ogg Theora (video) stream's first page: an Ogg file, but no audio. */
  static byte[] oggVideo() {
    byte[] packet = new byte[42];
    packet[0] = (byte) 0x80;
    System.arraycopy("theora".getBytes(StandardCharsets.US_ASCII), 0, packet, 1, 6);
    return oggPage(0x02, 0, packet);
  }

  private static byte[] oggPage(int headerType, int sequence, byte[] packet) {
    ByteBuffer p = ByteBuffer.allocate(27 + 1 + packet.length).order(ByteOrder.LITTLE_ENDIAN);
    p.put("OggS".getBytes(StandardCharsets.US_ASCII)).put((byte) 0).put((byte) headerType).putLong(0).putInt(0x1234)
        .putInt(sequence).putInt(0).put((byte) 1).put((byte) packet.length).put(packet);
    byte[] page = p.array();
    int crc = oggCrc(page);
    ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN).putInt(22, crc);
    return page;
  }

  /** Ogg's CRC-32: polynomial 0x04C11DB7, no reflection, initial 0, over the page with its CRC field zeroed. */
  private static int oggCrc(byte[] page) {
    int crc = 0;
    for (byte value : page) {
      crc ^= (value & 0xFF) << 24;
      for (int i = 0; i < 8; i++) crc = (crc & 0x80000000) != 0 ? (crc << 1) ^ 0x04C11DB7 : crc << 1;
    }
    return crc;
  }

  /** An ID3v2.3 tag (a title) and 20 MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz: 417 bytes each). */
  static byte[] mp3() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] title = "\u0000Audio de prueba".getBytes(StandardCharsets.ISO_8859_1);
    ByteBuffer frame = ByteBuffer.allocate(10 + title.length);
    frame.put("TIT2".getBytes(StandardCharsets.US_ASCII)).putInt(title.length).putShort((short) 0).put(title);
    int tagSize = frame.capacity();
    out.writeBytes(new byte[] {'I', 'D', '3', 3, 0, 0, 0, 0, (byte) (tagSize >> 7 & 0x7F), (byte) (tagSize & 0x7F)});
    out.writeBytes(frame.array());
    out.writeBytes(mpegFrames(20));
    return out.toByteArray();
  }

  /** MPEG audio frames alone (no tag): what a file that starts with frame sync looks like. */
  static byte[] mpegFrames(int count) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < count; i++) {
      byte[] f = new byte[417];
      f[0] = (byte) 0xFF;
      f[1] = (byte) 0xFB;
      f[2] = (byte) 0x90;
      f[3] = (byte) 0x64;
      out.writeBytes(f);
    }
    return out.toByteArray();
  }

  /** An M4A: ftyp box with brand "M4A ", then a free and an mdat box. */
  static byte[] m4a() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(box("ftyp", concat("M4A ".getBytes(StandardCharsets.US_ASCII), new byte[] {0, 0, 2, 0},
        "M4A mp42isom".getBytes(StandardCharsets.US_ASCII))));
    out.writeBytes(box("free", new byte[8]));
    out.writeBytes(box("mdat", random(2048, 9)));
    return out.toByteArray();
  }

  private static byte[] box(String type, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(8 + payload.length);
    b.putInt(8 + payload.length).put(type.getBytes(StandardCharsets.US_ASCII)).put(payload);
    return b.array();
  }

  /** A Windows program's start (MZ, then the PE offset), under whatever name it comes. */
  static byte[] windowsExe() {
    byte[] b = random(4096, 11);
    byte[] mz = {'M', 'Z', (byte) 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, 0, 0};
    System.arraycopy(mz, 0, b, 0, mz.length);
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(0x3C, 0x80);
    System.arraycopy(new byte[] {'P', 'E', 0, 0}, 0, b, 0x80, 4);
    return b;
  }

  /** A Linux program's start: an ELF header. */
  static byte[] elf() {
    byte[] b = random(4096, 13);
    byte[] header = {0x7F, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3E, 0};
    System.arraycopy(header, 0, b, 0, header.length);
    return b;
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) out.writeBytes(p);
    return out.toByteArray();
  }
}
