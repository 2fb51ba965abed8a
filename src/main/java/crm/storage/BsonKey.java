package crm.storage;

import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.bson.BsonDecoder;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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

  /** The single value back (a document's {@code _id}). */
  Object value() {
    List<Object> values = new ArrayList<>(Bson.decode(bytes).values());
    return values.get(0);
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
  }
}
