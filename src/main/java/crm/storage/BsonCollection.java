package crm.storage;

import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.AbstractSynchronizedMongoCollection;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.DocumentWithPosition;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.bson.Document;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.Stream;
import org.h2.mvstore.MVMap;

/**
 * A collection of the embedded store: its documents in one map from {@code _id} (as a {@link BsonKey}) to the
 * document's BSON. mongo-java-server's query engine does the rest (matching, sorting, projection, updates), as for
 * its own backends. The data size is counted from the stored BSON itself, so no document is encoded twice.
 */
final class BsonCollection extends AbstractSynchronizedMongoCollection<BsonKey> {
  private static final String DATA_SIZE = "dataSize";

  private final MVMap<BsonKey, byte[]> documents;
  private final MVMap<String, Object> meta;
  private final StoreChanges changes;

  BsonCollection(MongoDatabase database, String name, CollectionOptions options, MVMap<BsonKey, byte[]> documents,
      MVMap<String, Object> meta, CursorRegistry cursors, StoreChanges changes) {
    super(database, name, options, cursors);
    this.documents = documents;
    this.meta = meta;
    this.changes = changes;
    meta.putIfAbsent(DATA_SIZE, 0L);
  }

  @Override
  public void addIndex(Index<BsonKey> index) {
    super.addIndex(index); // builds it from the documents when it is not built yet
    if (index instanceof BsonUniqueIndex unique) unique.markBuilt();
  }

  @Override
  protected boolean tracksDataSize() {
    return false; // counted here from the stored BSON (the engine would encode every document once more to count it)
  }

  private void addDataSize(long delta) {
    if (delta == 0) return;
    synchronized (meta) {
      Number size = (Number) meta.get(DATA_SIZE);
      meta.put(DATA_SIZE, (size == null ? 0L : size.longValue()) + delta);
    }
  }

  @Override
  protected void updateDataSize(int sizeDelta) {
    addDataSize(sizeDelta);
  }

  @Override
  protected int getDataSize() {
    Number size = (Number) meta.get(DATA_SIZE);
    return size == null ? 0 : (int) Math.min(Integer.MAX_VALUE, size.longValue());
  }

  @Override
  protected BsonKey addDocumentInternal(Document document) {
    BsonKey key;
    if (getIdField() != null) {
      Object id = Utils.getSubdocumentValue(document, getIdField());
      key = BsonKey.of(id instanceof Missing ? null : id);
    } else {
      key = BsonKey.random();
    }
    byte[] bson = BsonKey.Bson.encode(document);
    byte[] previous = documents.putIfAbsent(key, bson);
    if (previous != null) {
      throw new IllegalStateException("document " + key + " already exists in " + getFullName());
    }
    addDataSize(bson.length);
    if (changes.watches(getFullName())) changes.changed(getFullName(), null, document);
    return key;
  }

  @Override
  public int count() {
    return documents.size();
  }

  @Override
  public boolean isEmpty() {
    return documents.isEmpty();
  }

  @Override
  protected Document getDocument(BsonKey position) {
    byte[] bson = documents.get(position);
    return bson == null ? null : BsonKey.Bson.decode(bson);
  }

  @Override
  protected void removeDocument(BsonKey position) {
    byte[] removed = documents.remove(position);
    if (removed == null) throw new NoSuchElementException("no document " + position + " in " + getFullName());
    addDataSize(-removed.length);
    if (changes.watches(getFullName())) changes.changed(getFullName(), BsonKey.Bson.decode(removed), null);
  }

  @Override
  protected void handleUpdate(BsonKey position, Document oldDocument, Document newDocument) {
    byte[] bson = BsonKey.Bson.encode(newDocument);
    byte[] old = documents.put(position, bson);
    addDataSize(bson.length - (old == null ? 0 : old.length));
    if (changes.watches(getFullName())) changes.changed(getFullName(), oldDocument, newDocument);
  }

  @Override
  protected Stream<DocumentWithPosition<BsonKey>> streamAllDocumentsWithPosition() {
    return documents.entrySet().stream()
        .map(e -> new DocumentWithPosition<>(BsonKey.Bson.decode(e.getValue()), e.getKey()));
  }

  @Override
  protected QueryResult matchDocuments(Document query, Document orderBy, int numberToSkip, int limit, int batchSize,
      Document fieldSelector) {
    Stream<Document> all;
    if (isNaturalDescending(orderBy)) {
      List<byte[]> reversed = new ArrayList<>(documents.values());
      Collections.reverse(reversed);
      all = reversed.stream().map(BsonKey.Bson::decode);
    } else {
      all = documents.values().stream().map(BsonKey.Bson::decode);
    }
    return matchDocumentsFromStream(all, query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
  }
}
