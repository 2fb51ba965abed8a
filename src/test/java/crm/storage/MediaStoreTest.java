package crm.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.support.BufferSink;
import crm.support.MemoryMongo;
import crm.support.FakeGraphApi;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoGridFsClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** GridFS media files: bytes, hash and type round-trip; limits, deletion, unknown ids, missing metadata. */
class MediaStoreTest {
  @RegisterExtension static final MemoryMongo.PerTest db = new MemoryMongo.PerTest("media");
  Vertx vertx;
  Mongo mongo;
  MediaStore store;
  @TempDir Path dir;

  @BeforeEach
  void freshDatabase() {
    vertx = db.vertx();
    mongo = db.mongo();
    store = new MediaStore(vertx, mongo);
  }

  @Test
  void a_few_megabytes_round_trip_with_their_sha256_and_content_type() throws Exception {
    byte[] bytes = random(3 * 1024 * 1024 + 17);
    JsonObject stored = store.put(file(bytes), "holiday photo.jpg", "image/jpeg").await(30, TimeUnit.SECONDS);

    assertThat(stored.getString("fileId")).matches("^[0-9a-f]{24}$");
    assertThat(stored.getLong("size")).isEqualTo(bytes.length);
    assertThat(stored.getString("sha256")).isEqualTo(FakeGraphApi.sha256Hex(bytes));
    assertThat(stored.getString("contentType")).isEqualTo("image/jpeg");
    assertThat(stored.getString("filename")).isEqualTo("holiday photo.jpg");

    JsonObject info = store.info(stored.getString("fileId")).await(10, TimeUnit.SECONDS);
    assertThat(info.getString("filename")).isEqualTo("holiday photo.jpg");
    assertThat(info.getLong("length")).isEqualTo(bytes.length);
    assertThat(info.getString("contentType")).isEqualTo("image/jpeg");
    assertThat(info.getString("sha256")).isEqualTo(stored.getString("sha256"));
    assertThat(info.getString("uploadDate")).endsWith("Z");

    assertThat(read(stored.getString("fileId")).getBytes()).isEqualTo(bytes);
  }

  @Test
  void an_empty_file_is_stored_too() throws Exception {
    JsonObject stored = store.put(file(new byte[0]), "empty.txt", "text/plain").await(10, TimeUnit.SECONDS);
    assertThat(stored.getLong("size")).isZero();
    assertThat(stored.getString("sha256")).isEqualTo(FakeGraphApi.sha256Hex(new byte[0]));
    assertThat(read(stored.getString("fileId")).length()).isZero();
  }

  @Test
  void delete_removes_the_file_and_its_chunks() throws Exception {
    String id = store.put(file(random(600_000)), "a.bin", null).await(10, TimeUnit.SECONDS).getString("fileId");
    assertThat(count(MediaStore.BUCKET + ".chunks")).isEqualTo(3);

    store.delete(id).await(10, TimeUnit.SECONDS);

    assertNotFound(() -> store.info(id).await(10, TimeUnit.SECONDS));
    assertNotFound(() -> store.delete(id).await(10, TimeUnit.SECONDS));
    assertThat(count(MediaStore.BUCKET + ".files")).isZero();
    assertThat(count(MediaStore.BUCKET + ".chunks")).isZero();
  }

  @Test
  void unknown_and_malformed_ids_are_RESOURCE_NOT_FOUND() {
    for (String id : new String[] {"0123456789abcdef01234567", "nope", "", "{\"$gt\":\"\"}"}) {
      assertNotFound(() -> store.info(id).await(10, TimeUnit.SECONDS));
      assertNotFound(() -> store.streamTo(id, new BufferSink()).await(10, TimeUnit.SECONDS));
      assertNotFound(() -> store.delete(id).await(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void more_bytes_than_allowed_fail_and_leave_nothing_stored() throws Exception {
    AsyncFile source = file(random(1_000_000));
    assertThatThrownBy(() -> store.put(source, "big.bin", "application/octet-stream", 300_000).await(10, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(CrmException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE));
    assertThat(count(MediaStore.BUCKET + ".files")).isZero();
    assertThat(count(MediaStore.BUCKET + ".chunks")).isZero();
  }

  @Test
  void a_source_that_fails_after_some_chunks_were_written_leaves_nothing_stored() throws Exception {
    FailingSource source = new FailingSource(vertx, random(600_000), 300_000, new IllegalStateException("client gone"));
    assertThatThrownBy(() -> store.put(source, "cut.bin", "application/octet-stream").await(10, TimeUnit.SECONDS))
        .hasMessageContaining("client gone");
    assertThat(source.delivered).as("more than a chunk went to GridFS").isGreaterThan(255 * 1024);
    assertThat(count(MediaStore.BUCKET + ".files")).isZero();
    assertThat(count(MediaStore.BUCKET + ".chunks")).isZero();
  }

  @Test
  void a_range_reads_only_its_bytes_across_chunk_boundaries() throws Exception {
    byte[] bytes = random(700_000);
    String id = store.put(file(bytes), "r.bin", null).await(10, TimeUnit.SECONDS).getString("fileId");
    JsonObject info = store.info(id).await(10, TimeUnit.SECONDS);
    assertThat(info.getLong("chunkSize")).isEqualTo(255 * 1024);
    for (long[] r : new long[][] {{0, 0}, {0, 99}, {261_100, 261_120}, {200_000, 600_000}, {699_999, 699_999}, {0, 699_999}}) {
      BufferSink sink = new BufferSink();
      store.streamRange(info, r[0], r[1], sink).await(10, TimeUnit.SECONDS);
      assertThat(sink.buffer().getBytes()).as("bytes %d-%d", r[0], r[1])
          .isEqualTo(java.util.Arrays.copyOfRange(bytes, (int) r[0], (int) r[1] + 1));
      assertThat(sink.ended().isComplete()).isTrue();
    }
    store.delete(id).await(10, TimeUnit.SECONDS);
    assertNotFound(() -> store.streamRange(info, 0, 10, new BufferSink()).await(10, TimeUnit.SECONDS));
  }

  @Test
  void names_and_types_from_outside_are_made_safe() throws Exception {
    JsonObject stored = store.put(file(random(10)), "../../etc/pass\u0000wd\r\n", "text/html\r\nSet-Cookie: x=1")
        .await(10, TimeUnit.SECONDS);
    assertThat(stored.getString("filename")).isEqualTo("passwd");
    assertThat(stored.getString("contentType")).isEqualTo("application/octet-stream");
    JsonObject voice = store.put(file(random(10)), null, "audio/ogg; codecs=opus").await(10, TimeUnit.SECONDS);
    assertThat(voice.getString("filename")).isEqualTo("file");
    assertThat(voice.getString("contentType")).isEqualTo("audio/ogg; codecs=opus");
  }

  @Test
  void a_file_stored_without_our_metadata_gets_a_type_from_its_name() throws Exception {
    MongoGridFsClient raw = mongo.client().createGridFsBucketService(MediaStore.BUCKET).await(10, TimeUnit.SECONDS);
    String pdf = raw.uploadByFileName(file(random(100)), "report.pdf").await(10, TimeUnit.SECONDS);
    String odd = raw.uploadByFileName(file(random(100)), "blob").await(10, TimeUnit.SECONDS);

    JsonObject info = store.info(pdf).await(10, TimeUnit.SECONDS);
    assertThat(info.getString("contentType")).isEqualTo("application/pdf");
    assertThat(info.getString("sha256")).isNull();
    assertThat(info.getLong("length")).isEqualTo(100);
    assertThat(store.info(odd).await(10, TimeUnit.SECONDS).getString("contentType")).isEqualTo("application/octet-stream");
  }

  // ---- helpers

  /** Gives {@code bytes} in 64 KB buffers as asked, then fails once {@code failAfter} bytes went out. */
  static final class FailingSource implements io.vertx.core.streams.ReadStream<Buffer> {
    private final io.vertx.core.Context context;
    private final byte[] bytes;
    private final int failAfter;
    private final Throwable failure;
    private io.vertx.core.Handler<Buffer> handler;
    private io.vertx.core.Handler<Throwable> exceptionHandler;
    private long demand = Long.MAX_VALUE;
    private boolean scheduled;
    volatile int delivered;

    FailingSource(Vertx vertx, byte[] bytes, int failAfter, Throwable failure) {
      this.context = vertx.getOrCreateContext();
      this.bytes = bytes;
      this.failAfter = failAfter;
      this.failure = failure;
    }

    private void schedule() {
      if (scheduled) return;
      scheduled = true;
      context.runOnContext(v -> {
        scheduled = false;
        if (handler == null || demand == 0) return;
        if (delivered >= failAfter) {
          if (exceptionHandler != null) exceptionHandler.handle(failure);
          return;
        }
        int n = Math.min(64 * 1024, bytes.length - delivered);
        Buffer chunk = Buffer.buffer(java.util.Arrays.copyOfRange(bytes, delivered, delivered + n));
        delivered += n;
        if (demand != Long.MAX_VALUE) demand--;
        handler.handle(chunk);
        schedule();
      });
    }

    @Override
    public io.vertx.core.streams.ReadStream<Buffer> exceptionHandler(io.vertx.core.Handler<Throwable> handler) {
      exceptionHandler = handler;
      return this;
    }

    @Override
    public io.vertx.core.streams.ReadStream<Buffer> handler(io.vertx.core.Handler<Buffer> handler) {
      this.handler = handler;
      schedule();
      return this;
    }

    @Override
    public io.vertx.core.streams.ReadStream<Buffer> pause() {
      demand = 0;
      return this;
    }

    @Override
    public io.vertx.core.streams.ReadStream<Buffer> resume() {
      return fetch(Long.MAX_VALUE);
    }

    @Override
    public io.vertx.core.streams.ReadStream<Buffer> fetch(long amount) {
      demand = demand > Long.MAX_VALUE - amount ? Long.MAX_VALUE : demand + amount;
      schedule();
      return this;
    }

    @Override
    public io.vertx.core.streams.ReadStream<Buffer> endHandler(io.vertx.core.Handler<Void> endHandler) {
      return this;
    }
  }

  private AsyncFile file(byte[] bytes) throws Exception {
    Path p = Files.write(dir.resolve(UUID.randomUUID().toString()), bytes);
    return vertx.fileSystem().open(p.toString(), new OpenOptions().setRead(true)).await(10, TimeUnit.SECONDS);
  }

  private Buffer read(String fileId) throws Exception {
    BufferSink sink = new BufferSink();
    store.streamTo(fileId, sink).await(30, TimeUnit.SECONDS);
    assertThat(sink.ended().isComplete()).as("streamTo ends the stream").isTrue();
    return sink.buffer();
  }

  private long count(String collection) throws Exception {
    return mongo.client().count(collection, new JsonObject()).await(10, TimeUnit.SECONDS);
  }

  static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  private static void assertNotFound(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOfSatisfying(CrmException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_NOT_FOUND));
  }
}
