package crm.storage;

import java.nio.ByteBuffer;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;

/**
 * How the embedded store's maps keep their keys and values on disk and in its page cache: as bytes (a length, then the
 * BSON), never as Java-serialised objects. Writing a page is a copy; reading one is a copy too, and a document is
 * decoded only when a command reads it.
 */
final class BsonTypes {
  private BsonTypes() {}

  /** Keys of the document and index maps, and the positions an index points to. */
  static final BasicDataType<BsonKey> KEY = new BasicDataType<>() {
    @Override
    public int getMemory(BsonKey key) {
      return 48 + key.bytes().length;
    }

    @Override
    public void write(WriteBuffer buff, BsonKey key) {
      byte[] b = key.bytes();
      buff.putVarInt(b.length).put(b);
    }

    @Override
    public BsonKey read(ByteBuffer buff) {
      byte[] b = new byte[DataUtils.readVarInt(buff)];
      buff.get(b);
      return new BsonKey(b);
    }

    @Override
    public int compare(BsonKey a, BsonKey b) {
      return a.compareTo(b);
    }

    @Override
    public BsonKey[] createStorage(int size) {
      return new BsonKey[size];
    }

    @Override
    public boolean isMemoryEstimationAllowed() {
      return false; // the size is known exactly and cheaply
    }
  };

  /** A document, as its BSON. */
  static final BasicDataType<byte[]> DOCUMENT = new BasicDataType<>() {
    @Override
    public int getMemory(byte[] bson) {
      return 16 + bson.length;
    }

    @Override
    public void write(WriteBuffer buff, byte[] bson) {
      buff.putVarInt(bson.length).put(bson);
    }

    @Override
    public byte[] read(ByteBuffer buff) {
      byte[] b = new byte[DataUtils.readVarInt(buff)];
      buff.get(b);
      return b;
    }

    @Override
    public int compare(byte[] a, byte[] b) {
      return java.util.Arrays.compareUnsigned(a, b);
    }

    @Override
    public byte[][] createStorage(int size) {
      return new byte[size][];
    }

    @Override
    public boolean isMemoryEstimationAllowed() {
      return false;
    }
  };
}
