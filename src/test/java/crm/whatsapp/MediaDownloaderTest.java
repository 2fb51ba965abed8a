package crm.whatsapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.config.AppConfig;
import crm.storage.MediaStore;
import crm.storage.Mongo;
import crm.support.BufferSink;
import crm.support.FakeGraphApi;
import crm.support.MemoryMongo;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Media download against the fake Graph API: resolve, allow-list, limits, hash check, retry classification. */
class MediaDownloaderTest {
  static final int MAX_BYTES = 64 * 1024;

  static Vertx vertx;
  static MemoryMongo db;
  FakeGraphApi fake;
  Mongo mongo;
  MediaStore store;
  MediaDownloader downloader;
  final List<MediaDownloader> downloaders = new ArrayList<>();

  @BeforeAll
  static void startDb() {
    db = MemoryMongo.start();
    vertx = db.vertx;
  }

  @AfterAll
  static void stopDb() throws Exception {
    db.close();
  }

  @BeforeEach
  void start() {
    fake = FakeGraphApi.start(vertx);
    mongo = db.database("media-dl");
    store = new MediaStore(vertx, mongo);
    downloader = downloader(fake.config());
  }

  @AfterEach
  void stop() {
    downloaders.forEach(MediaDownloader::close);
    fake.close();
    mongo.close();
  }

  /** A downloader from the real configuration path: test values over AppConfig's defaults. */
  MediaDownloader downloader(JsonObject overrides) {
    JsonObject raw = new JsonObject().put("WHATSAPP_MEDIA_MAX_BYTES", MAX_BYTES).put("WHATSAPP_RETRY_BASE_MS", 5)
        .put("WHATSAPP_SEND_MAX_ATTEMPTS", 3).put("WHATSAPP_HTTP_TIMEOUT_MS", 2000).mergeIn(overrides);
    MediaDownloader d = new MediaDownloader(vertx, AppConfig.from(raw).toJson(), store);
    downloaders.add(d);
    return d;
  }

  // ---- success

  @Test
  void downloads_resolves_streams_and_checks_a_hex_expected_hash() throws Exception {
    byte[] bytes = random(40_000);
    fake.addMedia("1001", bytes, "image/jpeg");

    JsonObject a = downloader.download("1001", FakeGraphApi.sha256Hex(bytes), null).await(10, TimeUnit.SECONDS);

    assertThat(a.getString("fileId")).matches("^[0-9a-f]{24}$");
    assertThat(a.getString("url")).isEqualTo("/api/v2/media/" + a.getString("fileId"));
    assertThat(a.getString("filename")).isEqualTo("1001.jpg");
    assertThat(a.getLong("size")).isEqualTo(bytes.length);
    assertThat(a.getString("mimeType")).isEqualTo("image/jpeg");
    assertThat(a.getString("sha256")).isEqualTo(FakeGraphApi.sha256Hex(bytes));
    assertThat(stored(a.getString("fileId"))).isEqualTo(bytes);
    assertThat(store.info(a.getString("fileId")).await(10, TimeUnit.SECONDS).getString("contentType")).isEqualTo("image/jpeg");

    FakeGraphApi.Recorded lookup = fake.requests(FakeGraphApi.mediaPath("1001")).get(0);
    assertThat(lookup.header("Authorization")).isEqualTo("Bearer " + FakeGraphApi.TOKEN);
    FakeGraphApi.Recorded bytesRequest = fake.requests(FakeGraphApi.mediaBytesPath("1001")).get(0);
    assertThat(bytesRequest.header("Authorization")).isEqualTo("Bearer " + FakeGraphApi.TOKEN);
    assertThat(bytesRequest.query()).startsWith("token=");
  }

  @Test
  void a_base64_expected_hash_and_a_filename_hint_are_accepted() throws Exception {
    byte[] bytes = random(5000);
    fake.addMedia("1002", bytes, "application/pdf");
    byte[] digest = HexFormat.of().parseHex(FakeGraphApi.sha256Hex(bytes));

    JsonObject a = downloader.download("1002", Base64.getEncoder().encodeToString(digest), "Invoice März.pdf")
        .await(10, TimeUnit.SECONDS);
    assertThat(a.getString("filename")).isEqualTo("Invoice März.pdf");
    assertThat(a.getString("mimeType")).isEqualTo("application/pdf");

    fake.addMedia("1003", bytes, "audio/ogg; codecs=opus").chunked();
    JsonObject voice = downloader.download("1003", Base64.getUrlEncoder().withoutPadding().encodeToString(digest), null)
        .await(10, TimeUnit.SECONDS);
    assertThat(voice.getString("filename")).isEqualTo("1003.ogg");
    assertThat(voice.getString("mimeType")).isEqualTo("audio/ogg; codecs=opus");
    assertThat(stored(voice.getString("fileId"))).isEqualTo(bytes);
  }

  // ---- hash

  @Test
  void a_hash_mismatch_fails_and_leaves_nothing_stored() throws Exception {
    fake.addMedia("2001", random(3000), "image/png");
    String other = FakeGraphApi.sha256Hex(random(10));
    assertFails(() -> downloader.download("2001", other, null).await(10, TimeUnit.SECONDS), false, "sha256_mismatch");

    // the Graph API's own hash is checked too
    fake.addMedia("2002", random(3000), "image/png").lieAboutSha256();
    assertFails(() -> downloader.download("2002", null, null).await(10, TimeUnit.SECONDS), false, "sha256_mismatch");

    assertThat(fake.requests(FakeGraphApi.mediaBytesPath("2002"))).as("the bytes were fetched, then refused").hasSize(1);
    assertNothingStored();
  }

  @Test
  void an_expected_hash_that_is_neither_hex_nor_base64_is_refused_before_any_request() {
    assertFails(() -> downloader.download("2003", "not-a-hash!", null).await(10, TimeUnit.SECONDS), false, "invalid_sha256");
    assertFails(() -> downloader.download("../etc", null, null).await(10, TimeUnit.SECONDS), false, "invalid_media_id");
    assertThat(fake.requests()).isEmpty();
  }

  // ---- the allow-list

  @Test
  void a_url_on_a_host_not_allowed_is_not_requested() throws Exception {
    // the same fake under another name: had the downloader asked, it would have got the bytes
    fake.addMedia("3001", random(100), "image/jpeg")
        .url("http://localhost:" + fake.port() + FakeGraphApi.mediaBytesPath("3001") + "?token=x");
    fake.addMedia("3002", random(100), "image/jpeg")
        .url("http://localhost@127.0.0.1:" + fake.port() + FakeGraphApi.mediaBytesPath("3002") + "?token=x");
    fake.addMedia("3003", random(100), "image/jpeg")
        .url("ftp://127.0.0.1:" + fake.port() + FakeGraphApi.mediaBytesPath("3003"));

    for (String id : List.of("3001", "3002", "3003")) {
      assertFails(() -> downloader.download(id, null, null).await(10, TimeUnit.SECONDS), false, "url_not_allowed");
      assertThat(fake.requests(FakeGraphApi.mediaPath(id))).hasSize(1);
      assertThat(fake.requests(FakeGraphApi.mediaBytesPath(id))).as("no request for " + id).isEmpty();
    }
    assertNothingStored();
  }

  @Test
  void only_http_urls_on_allowed_hosts_without_user_info_pass() {
    MediaDownloader d = downloader(new JsonObject().put("WHATSAPP_MEDIA_HOSTS", "lookaside.fbsbx.com,*.fbcdn.net,127.0.0.1"));
    for (String ok : List.of(
        "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1&ext=2&hash=ATu",
        "HTTPS://LOOKASIDE.FBSBX.COM/x",
        "https://scontent.xx.fbcdn.net/v/t61/a.jpg",
        "http://127.0.0.1:8080/media")) {
      assertThat(d.allowedUrl(ok)).as(ok).isNotNull();
    }
    for (String bad : List.of(
        "https://lookaside.fbsbx.com@evil.com/x",
        "https://user:pw@lookaside.fbsbx.com/x",
        "https://evil.com#@lookaside.fbsbx.com/x",
        "https://evil.com\\@lookaside.fbsbx.com/x",
        "https://lookaside.fbsbx.com.evil.com/x",
        "https://evil-lookaside.fbsbx.com/x",
        "https://fbcdn.net/x",
        "https://evilfbcdn.net/x",
        "https://10.0.0.1/x",
        "http://169.254.169.254/latest/meta-data",
        "http://2130706433/x",
        "http://0x7f000001/x",
        "http://[::1]/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://127.0.0.1.nip.io/x",
        "ftp://lookaside.fbsbx.com/x",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "//lookaside.fbsbx.com/x",
        "",
        "https://lookaside.fbsbx.com:443%2F@evil.com/")) {
      assertFails(() -> d.allowedUrl(bad), false, "url_not_allowed");
    }
    assertFails(() -> d.allowedUrl(null), false, "url_not_allowed");
  }

  // ---- size

  @Test
  void a_file_over_the_limit_by_its_file_size_is_not_fetched() throws Exception {
    fake.addMedia("4001", random(MAX_BYTES + 1), "video/mp4");
    assertFails(() -> downloader.download("4001", null, null).await(10, TimeUnit.SECONDS), false, "too_large");
    assertThat(fake.requests(FakeGraphApi.mediaBytesPath("4001"))).isEmpty();
    assertNothingStored();
  }

  @Test
  void a_file_over_the_limit_is_stopped_while_streaming_when_its_size_was_understated() throws Exception {
    fake.addMedia("4002", random(4 * MAX_BYTES), "video/mp4").fileSize(1000).chunked();
    assertFails(() -> downloader.download("4002", null, null).await(10, TimeUnit.SECONDS), false, "too_large");
    // with Content-Length the answer's header already tells
    fake.addMedia("4003", random(MAX_BYTES + 1), "video/mp4").fileSize(1000);
    assertFails(() -> downloader.download("4003", null, null).await(10, TimeUnit.SECONDS), false, "too_large");
    assertThat(fake.requests(FakeGraphApi.mediaBytesPath("4002"))).hasSize(1);
    assertThat(fake.requests(FakeGraphApi.mediaBytesPath("4003"))).hasSize(1);
    assertNothingStored();
  }

  // ---- what is retried

  @Test
  void an_unknown_media_id_is_not_retryable() throws Exception {
    CrmException e = assertFails(() -> downloader.download("5001", null, null).await(10, TimeUnit.SECONDS), false, "lookup_refused");
    JsonObject details = (JsonObject) e.details();
    assertThat(details.getInteger("status")).isEqualTo(404);
    assertThat(details.getInteger("graphCode")).isEqualTo(100);

    assertFails(() -> downloader.downloadWithRetry("5001", null, null).await(10, TimeUnit.SECONDS), false, "lookup_refused");
    assertThat(fake.requests(FakeGraphApi.mediaPath("5001"))).as("one attempt each").hasSize(2);
  }

  @Test
  void a_wrong_token_is_not_retryable() {
    MediaDownloader d = downloader(fake.config().put("WHATSAPP_ACCESS_TOKEN", "wrong"));
    fake.addMedia("5002", random(10), "image/jpeg");
    CrmException e = assertFails(() -> d.downloadWithRetry("5002", null, null).await(10, TimeUnit.SECONDS), false, "lookup_refused");
    assertThat(((JsonObject) e.details()).getInteger("status")).isEqualTo(401);
    assertThat(((JsonObject) e.details()).getInteger("attempts")).isEqualTo(1);
  }

  @Test
  void throttling_server_errors_expired_urls_and_network_errors_are_retryable() {
    fake.addMedia("5003", random(100), "image/jpeg");
    fake.failNextMediaLookups(1, 429);
    assertFails(() -> downloader.download("5003", null, null).await(10, TimeUnit.SECONDS), true, "rate_limited");
    fake.failNextMediaLookups(1, 503);
    assertFails(() -> downloader.download("5003", null, null).await(10, TimeUnit.SECONDS), true, "server_error");
    fake.failNextMediaDownloads(1, 403);
    CrmException expired = assertFails(() -> downloader.download("5003", null, null).await(10, TimeUnit.SECONDS), true, "media_url_failed");
    assertThat(((JsonObject) expired.details()).getInteger("status")).isEqualTo(403);

    MediaDownloader nowhere = downloader(fake.config().put("WHATSAPP_API_URL", "http://127.0.0.1:1"));
    assertFails(() -> nowhere.download("5003", null, null).await(10, TimeUnit.SECONDS), true, "network_error");
  }

  @Test
  void a_download_that_stops_midway_fails_retryable_after_the_timeout() throws Exception {
    MediaDownloader quick = downloader(fake.config().put("WHATSAPP_HTTP_TIMEOUT_MS", 300));
    fake.addMedia("5004", random(20_000), "image/jpeg").stallAfter(5000);
    long t0 = System.nanoTime();
    assertFails(() -> quick.download("5004", null, null).await(10, TimeUnit.SECONDS), true, "network_error");
    assertThat((System.nanoTime() - t0) / 1_000_000).as("failed after the idle timeout").isBetween(250L, 5000L);
    assertNothingStored();
  }

  @Test
  void with_retry_a_server_error_and_an_expired_url_are_overcome() throws Exception {
    byte[] bytes = random(20_000);
    fake.addMedia("6001", bytes, "image/webp");
    fake.failNextMediaLookups(1, 500);
    fake.failNextMediaDownloads(1, 404);

    JsonObject a = downloader.downloadWithRetry("6001", FakeGraphApi.sha256Hex(bytes), null).await(10, TimeUnit.SECONDS);

    assertThat(stored(a.getString("fileId"))).isEqualTo(bytes);
    assertThat(a.getString("filename")).isEqualTo("6001.webp");
    assertThat(fake.requests(FakeGraphApi.mediaPath("6001"))).as("lookups").hasSize(3);
    assertThat(fake.requests(FakeGraphApi.mediaBytesPath("6001"))).as("byte downloads").hasSize(2);
    assertThat(count(MediaStore.BUCKET + ".files")).isEqualTo(1);
  }

  @Test
  void retries_exhausted_fail_retryable_after_the_configured_attempts() {
    fake.addMedia("6002", random(100), "image/jpeg");
    fake.failNextMediaLookups(10, 500);
    CrmException e = assertFails(() -> downloader.downloadWithRetry("6002", null, null).await(10, TimeUnit.SECONDS),
        true, "server_error");
    assertThat(((JsonObject) e.details()).getInteger("attempts")).isEqualTo(3);
    assertThat(fake.requests(FakeGraphApi.mediaPath("6002"))).hasSize(3);
  }

  @Test
  void backoff_doubles_from_the_base_with_jitter_and_is_capped() {
    MediaDownloader d = downloader(new JsonObject().put("WHATSAPP_RETRY_BASE_MS", 1000));
    for (int i = 0; i < 50; i++) {
      assertThat(d.backoff(1)).isBetween(500L, 1000L);
      assertThat(d.backoff(2)).isBetween(1000L, 2000L);
      assertThat(d.backoff(4)).isBetween(4000L, 8000L);
      assertThat(d.backoff(30)).isBetween(30_000L, 60_000L);
    }
  }

  // ---- helpers

  private static CrmException assertFails(ThrowingCallable call, boolean retryable, String reason) {
    CrmException[] caught = new CrmException[1];
    assertThatThrownBy(call).isInstanceOfSatisfying(CrmException.class, e -> {
      caught[0] = e;
      assertThat(e.code()).as(e.getMessage()).isEqualTo(ErrorCode.EXTERNAL_API_ERROR);
      JsonObject details = (JsonObject) e.details();
      assertThat(details.getString("reason")).as(e.getMessage()).isEqualTo(reason);
      assertThat(details.getBoolean("retryable")).as(e.getMessage()).isEqualTo(retryable);
      assertThat(MediaDownloader.isRetryable(e)).isEqualTo(retryable);
    });
    return caught[0];
  }

  private byte[] stored(String fileId) throws Exception {
    BufferSink sink = new BufferSink();
    store.streamTo(fileId, sink).await(10, TimeUnit.SECONDS);
    return sink.buffer().getBytes();
  }

  private void assertNothingStored() throws Exception {
    assertThat(count(MediaStore.BUCKET + ".files")).as("files").isZero();
    assertThat(count(MediaStore.BUCKET + ".chunks")).as("chunks").isZero();
  }

  private long count(String collection) throws Exception {
    return mongo.client().count(collection, new JsonObject()).await(10, TimeUnit.SECONDS);
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n * 31L + 7).nextBytes(b);
    return b;
  }
}
