package crm.storage;

import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.bson.BsonDecoder;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.UUID;

/**
 * A key of the embedded store: a document's place ({@code _id}) or a unique index's key, kept as the BSON of its
 * values ({@code {"0": v0, "1": v1, …}}). Equal BSON is an equal key; keys are ordered by their bytes, which is a total
 * order consistent with that equality (the store needs no other order: lookups are by equality and full scans).
 * Index keys are made from mongo-java-server's normalised values (numbers as doubles, missing as null), so 1 and 1.0
 * are one key, as in MongoDB.
 */
public final class BsonKey implements Comparable<BsonKey> {
  private final byte[] bytes;
  private final int hash;

  BsonKey(byte[] bytes) {
    this.bytes = bytes;
    this.hash = Arrays.hashCode(bytes);
  }

  /** The key of one value (a document's {@code _id}). */
  static BsonKey of(Object value) {
    Document d = new Document();
    d.put("0", value);
    return new BsonKey(Bson.encode(d));
  }

  /** The key of an index entry. */
  static BsonKey of(KeyValue values) {
    Document d = new Document();
    int i = 0;
    for (Object v : values) d.put(Integer.toString(i++), v);
    return new BsonKey(Bson.encode(d));
  }

  /** A key for a document of a collection without {@code _id} (mongo-java-server's system collections). */
  static BsonKey random() {
    return of(UUID.randomUUID());
  }

  /** The values back, as an index key. */
  KeyValue keyValue() {
    Document d = Bson.decode(bytes);
    return new KeyValue(new ArrayList<>(d.values()));
  }

  byte[] bytes() {
    return bytes;
  }

  @Override
  public int compareTo(BsonKey o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BsonKey k && k.hash == hash && Arrays.equals(k.bytes, bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return Bson.decode(bytes).toString();
  }

  /** BSON in and out of byte arrays, with mongo-java-server's own encoder and decoder (the wire protocol's). */
  static final class Bson {
    private Bson() {}

    static byte[] encode(Document document) {
      ByteBuf buf = Unpooled.buffer(256);
      try {
        BsonEncoder.encodeDocument(document, buf);
        byte[] out = new byte[buf.readableBytes()];
        buf.readBytes(out);
        return out;
      } finally {
        buf.release();
      }
    }

    static Document decode(byte[] bytes) {
      return BsonDecoder.decodeBson(Unpooled.wrappedBuffer(bytes));
    }

    /**
     * Only the named top-level fields of a stored document (what an index needs), skipping the others' bytes without
     * decoding them. {@code names} as UTF-8 bytes.
     */
    static Document decodeFields(byte[] bytes, byte[][] names) {
      ByteBuf buf = Unpooled.wrappedBuffer(bytes);
      int end = buf.readIntLE() - 1; // the terminating byte
      Document out = new Document();
      while (buf.readerIndex() < end) {
        byte type = buf.readByte();
        int nameStart = buf.readerIndex();
        int nameEnd = buf.indexOf(nameStart, end, (byte) 0);
        if (nameEnd < 0) throw new IllegalArgumentException("unterminated field name");
        byte[] wanted = null;
        for (byte[] n : names) {
          if (n.length == nameEnd - nameStart && equalAt(bytes, nameStart, n)) {
            wanted = n;
            break;
          }
        }
        buf.readerIndex(nameEnd + 1);
        if (wanted != null) {
          out.put(new String(wanted, java.nio.charset.StandardCharsets.UTF_8), BsonDecoder.decodeValue(type, buf));
        } else {
          skip(type, buf);
        }
      }
      return out;
    }

    private static boolean equalAt(byte[] bytes, int at, byte[] name) {
      for (int i = 0; i < name.length; i++) if (bytes[at + i] != name[i]) return false;
      return true;
    }

    private static void skip(byte type, ByteBuf buf) {
      switch (type) {
        case 0x06, 0x0A, (byte) 0xFF, 0x7F -> { } // undefined, null, min key, max key
        case 0x08 -> buf.skipBytes(1);
        case 0x10 -> buf.skipBytes(4);
        case 0x01, 0x09, 0x11, 0x12 -> buf.skipBytes(8);
        case 0x07 -> buf.skipBytes(12);
        case 0x13 -> buf.skipBytes(16);
        case 0x02, 0x0D, 0x0E -> buf.skipBytes(buf.readIntLE());
        case 0x03, 0x04, 0x0F -> buf.skipBytes(buf.readIntLE() - 4);
        case 0x05 -> buf.skipBytes(buf.readIntLE() + 1);
        case 0x0C -> buf.skipBytes(buf.readIntLE() + 12);
        case 0x0B -> {
          buf.readerIndex(buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) 0) + 1);
          buf.readerIndex(buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) 0) + 1);
        }
        default -> throw new IllegalArgumentException("unknown BSON type 0x" + Integer.toHexString(type & 0xFF));
      }
    }
  }
}
