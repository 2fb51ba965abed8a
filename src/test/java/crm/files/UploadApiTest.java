package crm.files;

import static crm.support.ApiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import crm.auth.Roles;
import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.storage.Mongo;
import crm.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.multipart.MultipartForm;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * POST /api/v2/upload on the default store (GridFS) through the whole application, with real sample files: every
 * type accepted with its format and served back as stored, types decided by content whatever the name and declared
 * type say, size limits at their boundary, nothing kept of a refused upload (media.files and media.chunks counted),
 * the serving route's ranges, ETag and signed links, and crm.files.link.
 */
class UploadApiTest {
  static final String UPLOAD = "/api/v2/upload";
  static TestApp app;
  static Mongo mongo;
  static String token;
  static FileLinks links;

  @BeforeAll
  static void start() {
    app = TestApp.start();
    mongo = new Mongo(app.vertx, app.app.deployedConfig());
    links = FileLinks.create(app.vertx, app.app.deployedConfig());
    String admin = app.adminToken();
    String email = "uploader-" + UUID.randomUUID().toString().substring(0, 8) + "@crm.test";
    app.createAgent(admin, email, "upload-password-1", Roles.AGENT);
    token = app.login(email, "upload-password-1").getString("token");
  }

  @AfterAll
  static void stop() {
    mongo.close();
    app.close();
  }

  // ---- accepted

  @Test
  void every_accepted_type_is_stored_with_its_format_and_served_back_as_it_was() throws Exception {
    Object[][] cases = {
        {"foto.jpg", Samples.jpeg(), "jpg", "image/jpeg", "inline"},
        {"captura.png", Samples.png(), "png", "image/png", "inline"},
        {"animación.gif", Samples.gif(), "gif", "image/gif", "inline"},
        {"sticker.webp", Samples.webp(), "webp", "image/webp", "inline"},
        {"factura.pdf", Samples.pdf(), "pdf", "application/pdf", "attachment"},
        {"contrato.doc", Samples.doc(), "doc", "application/msword", "attachment"},
        {"contrato.docx", Samples.docx(), "docx", FileType.DOCX.contentType(), "attachment"},
        {"notas.txt", Samples.text(), "txt", "text/plain", "attachment"},
        {"nota de voz.ogg", Samples.ogg(), "ogg", "audio/ogg", "inline"},
        {"canción.mp3", Samples.mp3(), "mp3", "audio/mpeg", "inline"},
        {"grabación.m4a", Samples.m4a(), "m4a", "audio/mp4", "inline"}};
    for (Object[] c : cases) {
      String name = (String) c[0];
      byte[] bytes = (byte[]) c[1];
      HttpResponse<Buffer> res = upload(token, name, "application/octet-stream", bytes);
      assertThat(res.statusCode()).as(name + ": " + res.bodyAsString()).isEqualTo(201);
      JsonObject body = res.bodyAsJsonObject();
      assertThat(body.fieldNames()).as(name).containsExactlyInAnyOrder("success", "url", "publicId", "format", "size");
      assertThat(body.getBoolean("success")).isTrue();
      assertThat(body.getString("format")).as(name).isEqualTo(c[2]);
      assertThat(body.getLong("size")).as(name).isEqualTo(bytes.length);
      assertThat(body.getString("publicId")).matches("^[0-9a-f]{24}$");
      assertThat(body.getString("url")).as("an absolute signed link")
          .startsWith("http://localhost:" + app.port + "/api/v2/files/" + body.getString("publicId") + "?exp=");

      HttpResponse<Buffer> served = app.get("/api/v2/files/" + body.getString("publicId"), token);
      assertThat(served.statusCode()).as(name).isEqualTo(200);
      assertThat(served.body().getBytes()).as(name).isEqualTo(bytes);
      assertThat(served.getHeader("Content-Type")).as(name).isEqualTo(c[3]);
      assertThat(served.getHeader("Content-Disposition")).as(name).startsWith(c[4] + "; filename*=UTF-8''");
      assertThat(served.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
      assertThat(served.getHeader("ETag")).isEqualTo("\"" + sha256(bytes) + "\"");
      assertThat(served.getHeader("Accept-Ranges")).isEqualTo("bytes");
    }
  }

  @Test
  void the_type_comes_from_the_bytes_not_from_the_name_or_the_declared_type() throws Exception {
    // a PDF called a PNG and declared an image is stored and served as the PDF it is, under a name that says so
    HttpResponse<Buffer> res = upload(token, "photo.png", "image/png", Samples.pdf());
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(201);
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.getString("format")).isEqualTo("pdf");
    HttpResponse<Buffer> served = app.get("/api/v2/files/" + body.getString("publicId"), token);
    assertThat(served.getHeader("Content-Type")).isEqualTo("application/pdf");
    assertThat(served.getHeader("Content-Disposition")).isEqualTo("attachment; filename*=UTF-8''photo.pdf");
  }

  @Test
  void the_record_keeps_who_uploaded_what() throws Exception {
    JsonObject body = upload(token, "../../etc/informe final.pdf", "text/html", Samples.pdf()).bodyAsJsonObject();
    JsonObject rec = mongo.client().findOne(FileStore.COLLECTION, new JsonObject().put("_id", body.getString("publicId")),
        null).await(10, TimeUnit.SECONDS);
    assertThat(rec.getString("store")).isEqualTo("gridfs");
    assertThat(rec.getString("filename")).isEqualTo("informe final.pdf");
    assertThat(rec.getString("contentType")).isEqualTo("application/pdf");
    assertThat(rec.getString("kind")).isEqualTo("document");
    assertThat(rec.getString("sha256")).isEqualTo(sha256(Samples.pdf()));
    assertThat(rec.getString("uploadedBy")).isNotBlank();
  }

  // ---- refused: nothing kept

  @Test
  void an_unknown_type_is_refused_and_nothing_is_kept() throws Exception {
    assertRefusedLeavingNothing(upload(token, "data.bin", "application/octet-stream", Samples.random(200_000, 4)),
        400, "VALIDATION_FAILED");
  }

  @Test
  void executables_are_refused_under_any_name_and_declared_type() throws Exception {
    long[] before = counts();
    JsonObject err = assertError(upload(token, "vacaciones.jpg", "image/jpeg", Samples.windowsExe()), 400,
        "VALIDATION_FAILED", UPLOAD);
    assertThat(err.getString("field")).isEqualTo("file");
    assertThat(err.getString("message")).contains("executable");
    assertThat(err.getJsonObject("details").getString("detected")).isEqualTo("application/x-msdownload");
    assertError(upload(token, "factura.pdf", "application/pdf", Samples.elf()), 400, "VALIDATION_FAILED", UPLOAD);
    assertThat(counts()).isEqualTo(before);
  }

  @Test
  void an_image_of_exactly_10_MB_is_accepted_and_one_byte_more_is_413_with_no_chunk_left() throws Exception {
    byte[] exact = Samples.pngOfSize((int) FileType.IMAGE_MAX);
    HttpResponse<Buffer> ok = upload(token, "grande.png", "image/png", exact);
    assertThat(ok.statusCode()).as(ok.bodyAsString()).isEqualTo(201);
    assertThat(ok.bodyAsJsonObject().getLong("size")).isEqualTo(10L * 1024 * 1024);
    String id = ok.bodyAsJsonObject().getString("publicId");
    assertThat(sha256(app.get("/api/v2/files/" + id, token).body().getBytes())).isEqualTo(sha256(exact));

    JsonObject err = assertRefusedLeavingNothing(
        upload(token, "grande.png", "image/png", Samples.pngOfSize((int) FileType.IMAGE_MAX + 1)), 413, "PAYLOAD_TOO_LARGE");
    assertThat(err.getJsonObject("details").getLong("limit")).isEqualTo(FileType.IMAGE_MAX);
    assertThat(err.getJsonObject("details").getString("format")).isEqualTo("png");
  }

  @Test
  void audio_over_16_MB_is_413_with_no_chunk_left_though_documents_may_be_bigger() throws Exception {
    byte[] big = Samples.concat(Samples.mp3(), new byte[(int) FileType.AUDIO_MAX]);
    JsonObject err = assertRefusedLeavingNothing(upload(token, "podcast.mp3", "audio/mpeg", big), 413, "PAYLOAD_TOO_LARGE");
    assertThat(err.getString("message")).contains("mp3").contains("16 MB");
  }

  @Test
  void a_text_file_with_binary_data_past_its_beginning_is_refused_and_nothing_is_kept() throws Exception {
    byte[] text = "línea de texto\n".repeat(8000).getBytes(StandardCharsets.UTF_8); // 128 KB, beyond the head
    text[100_000] = 0;
    assertRefusedLeavingNothing(upload(token, "notas.txt", "text/plain", text), 400, "VALIDATION_FAILED");
  }

  @Test
  void a_body_that_is_not_multipart_is_415_and_one_without_a_file_field_is_400() throws Exception {
    long[] before = counts();
    assertError(app.post(UPLOAD, token, new JsonObject().put("file", "aGVsbG8=")), 415, "UNSUPPORTED_MEDIA_TYPE", UPLOAD);
    assertError(app.post(UPLOAD, token, null), 415, "UNSUPPORTED_MEDIA_TYPE", UPLOAD);

    MultipartForm wrongField = MultipartForm.create().attribute("note", "hola")
        .binaryFileUpload("attachment", "a.png", Buffer.buffer(Samples.png()), "image/png");
    JsonObject err = assertError(send(token, req -> req.sendMultipartForm(wrongField)), 400, "VALIDATION_FAILED", UPLOAD);
    assertThat(err.getString("field")).isEqualTo("file");
    MultipartForm textField = MultipartForm.create().attribute("file", "not a file");
    assertError(send(token, req -> req.sendMultipartForm(textField)), 400, "VALIDATION_FAILED", UPLOAD);
    assertThat(counts()).isEqualTo(before);
  }

  @Test
  void malformed_multipart_bodies_are_400() throws Exception {
    long[] before = counts();
    String b = "crmBoundary42";
    // no boundary parameter
    assertError(raw("multipart/form-data", "--x\r\n\r\n"), 400, "VALIDATION_FAILED", UPLOAD);
    // garbage where the parts should be
    assertError(raw("multipart/form-data; boundary=" + b, "this is not multipart at all"), 400, "VALIDATION_FAILED", UPLOAD);
    // a part header that never ends
    assertError(raw("multipart/form-data; boundary=" + b, "--" + b + "\r\nContent-Disposition: form-data; name=\"file\"; "
        + "filename=\"a.png\"\r\nContent-Type: image/png"), 400, "VALIDATION_FAILED", UPLOAD);
    // a file part cut off before its closing boundary
    String cut = "--" + b + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n"
        + "Content-Type: application/pdf\r\n\r\n" + new String(Samples.pdf(), StandardCharsets.ISO_8859_1);
    assertError(raw("multipart/form-data; boundary=" + b, cut), 400, "VALIDATION_FAILED", UPLOAD);
    // the same past the head: cut off while streaming to the store
    String cutLarge = "--" + b + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n"
        + "Content-Type: image/png\r\n\r\n" + new String(Samples.pngOfSize(900_000), StandardCharsets.ISO_8859_1);
    assertError(raw("multipart/form-data; boundary=" + b, cutLarge), 400, "VALIDATION_FAILED", UPLOAD);
    assertThat(counts()).isEqualTo(before);
  }

  @Test
  void without_a_token_it_is_401_and_nothing_is_read() throws Exception {
    long[] before = counts();
    assertError(upload(null, "a.png", "image/png", Samples.png()), 401, "AUTH_TOKEN_INVALID", UPLOAD);
    assertError(upload("not-a-jwt", "a.png", "image/png", Samples.png()), 401, "AUTH_TOKEN_INVALID", UPLOAD);
    assertThat(counts()).isEqualTo(before);
    // the connection stays usable: the refused body was read and dropped
    assertThat(upload(token, "a.png", "image/png", Samples.png()).statusCode()).isEqualTo(201);
  }

  @Test
  void an_upload_that_breaks_off_midway_leaves_nothing_behind() throws Exception {
    long[] before = counts();
    String b = "crmBoundaryCut";
    byte[] png = Samples.pngOfSize(2_000_000);
    String headers = "POST " + UPLOAD + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token + "\r\n"
        + "Content-Type: multipart/form-data; boundary=" + b + "\r\nContent-Length: " + (png.length + 500) + "\r\n\r\n"
        + "--" + b + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.png\"\r\nContent-Type: image/png\r\n\r\n";
    NetClient net = app.vertx.createNetClient();
    try {
      NetSocket socket = net.connect(app.port, "127.0.0.1").await(10, TimeUnit.SECONDS);
      socket.write(Buffer.buffer(headers)).await(10, TimeUnit.SECONDS);
      socket.write(Buffer.buffer(java.util.Arrays.copyOf(png, 1_500_000))).await(10, TimeUnit.SECONDS);
      // the upload is under way: GridFS holds some of its chunks
      awaitCount("media.chunks", n -> n > before[1], "chunks of the upload in progress");
      socket.close().await(10, TimeUnit.SECONDS);
    } finally {
      net.close();
    }
    awaitCount("media.chunks", n -> n == before[1], "no chunk left once the upload broke off");
    assertThat(counts()).isEqualTo(before);
  }

  @Test
  void a_client_that_expects_100_continue_is_told_to_send_its_file() throws Exception {
    String b = "crmBoundaryExpect";
    byte[] pdf = Samples.pdf();
    Buffer body = Buffer.buffer("--" + b + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"e.pdf\"\r\n"
        + "Content-Type: application/pdf\r\n\r\n").appendBytes(pdf).appendString("\r\n--" + b + "--\r\n");
    String head = "POST " + UPLOAD + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token + "\r\n"
        + "Content-Type: multipart/form-data; boundary=" + b + "\r\nContent-Length: " + body.length() + "\r\n"
        + "Expect: 100-continue\r\n\r\n";
    NetClient net = app.vertx.createNetClient();
    try {
      NetSocket socket = net.connect(app.port, "127.0.0.1").await(10, TimeUnit.SECONDS);
      Buffer received = Buffer.buffer();
      io.vertx.core.Promise<Void> continued = io.vertx.core.Promise.promise();
      io.vertx.core.Promise<Void> answered = io.vertx.core.Promise.promise();
      socket.handler(buf -> {
        received.appendBuffer(buf);
        String text = received.toString(StandardCharsets.ISO_8859_1);
        if (text.startsWith("HTTP/1.1 100 Continue\r\n\r\n")) continued.tryComplete();
        if (text.contains("\"publicId\"") && text.endsWith("}")) answered.tryComplete();
      });
      socket.write(Buffer.buffer(head)).await(10, TimeUnit.SECONDS);
      continued.future().await(10, TimeUnit.SECONDS); // nothing of the body was sent before this
      socket.write(body).await(10, TimeUnit.SECONDS);
      answered.future().await(20, TimeUnit.SECONDS);
      assertThat(received.toString(StandardCharsets.ISO_8859_1)).contains("HTTP/1.1 201 Created").contains("\"format\":\"pdf\"");
      socket.close();
    } finally {
      net.close();
    }
  }

  // ---- serving: ranges, ETag, signed links

  @Test
  void byte_ranges_are_served_with_206_and_an_unsatisfiable_one_is_416() throws Exception {
    byte[] bytes = Samples.pngOfSize(700_000); // three GridFS chunks
    String path = "/api/v2/files/" + upload(token, "r.png", "image/png", bytes).bodyAsJsonObject().getString("publicId");

    HttpResponse<Buffer> first = get(path, token, "Range", "bytes=0-99");
    assertThat(first.statusCode()).isEqualTo(206);
    assertThat(first.getHeader("Content-Range")).isEqualTo("bytes 0-99/700000");
    assertThat(first.getHeader("Content-Length")).isEqualTo("100");
    assertThat(first.body().getBytes()).isEqualTo(java.util.Arrays.copyOfRange(bytes, 0, 100));

    HttpResponse<Buffer> across = get(path, token, "Range", "bytes=261000-530000"); // spans chunk boundaries
    assertThat(across.statusCode()).isEqualTo(206);
    assertThat(across.body().getBytes()).isEqualTo(java.util.Arrays.copyOfRange(bytes, 261_000, 530_001));

    HttpResponse<Buffer> suffix = get(path, token, "Range", "bytes=-500");
    assertThat(suffix.statusCode()).isEqualTo(206);
    assertThat(suffix.getHeader("Content-Range")).isEqualTo("bytes 699500-699999/700000");
    assertThat(suffix.body().getBytes()).isEqualTo(java.util.Arrays.copyOfRange(bytes, 699_500, 700_000));

    HttpResponse<Buffer> open = get(path, token, "Range", "bytes=699990-");
    assertThat(open.getHeader("Content-Range")).isEqualTo("bytes 699990-699999/700000");
    assertThat(open.body().length()).isEqualTo(10);

    HttpResponse<Buffer> beyond = get(path, token, "Range", "bytes=700000-");
    assertError(beyond, 416, "RANGE_NOT_SATISFIABLE", path);
    assertThat(beyond.getHeader("Content-Range")).isEqualTo("bytes */700000");

    HttpResponse<Buffer> several = get(path, token, "Range", "bytes=0-1,5-6");
    assertThat(several.statusCode()).as("several ranges: the whole file").isEqualTo(200);
    assertThat(several.body().length()).isEqualTo(bytes.length);

    HttpResponse<Buffer> staleIfRange = app.client.get(path).putHeader("Authorization", "Bearer " + token)
        .putHeader("Range", "bytes=0-9").putHeader("If-Range", "\"an-older-version\"").send().await(30, TimeUnit.SECONDS);
    assertThat(staleIfRange.statusCode()).as("If-Range that does not match: the whole file").isEqualTo(200);
  }

  @Test
  void the_etag_answers_304_to_if_none_match() throws Exception {
    byte[] bytes = Samples.jpeg();
    String path = "/api/v2/files/" + upload(token, "e.jpg", "image/jpeg", bytes).bodyAsJsonObject().getString("publicId");
    String etag = app.get(path, token).getHeader("ETag");
    assertThat(etag).isEqualTo("\"" + sha256(bytes) + "\"");

    HttpResponse<Buffer> same = get(path, token, "If-None-Match", etag);
    assertThat(same.statusCode()).isEqualTo(304);
    assertThat(same.body() == null ? 0 : same.body().length()).isZero();
    assertThat(same.getHeader("ETag")).isEqualTo(etag);
    assertThat(get(path, token, "If-None-Match", "\"other\", W/" + etag).statusCode()).isEqualTo(304);
    assertThat(get(path, token, "If-None-Match", "*").statusCode()).isEqualTo(304);
    HttpResponse<Buffer> changed = get(path, token, "If-None-Match", "\"something-else\"");
    assertThat(changed.statusCode()).isEqualTo(200);
    assertThat(changed.body().getBytes()).isEqualTo(bytes);
  }

  @Test
  void a_signed_link_works_without_a_token_and_a_tampered_or_expired_one_does_not() throws Exception {
    byte[] bytes = Samples.pdf();
    JsonObject up = upload(token, "link.pdf", "application/pdf", bytes).bodyAsJsonObject();
    URI url = URI.create(up.getString("url"));
    String id = up.getString("publicId");
    String path = url.getRawPath();

    HttpResponse<Buffer> ok = app.get(url.getRawPath() + "?" + url.getRawQuery(), null);
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body().getBytes()).isEqualTo(bytes);

    String exp = query(url, "exp");
    String sig = query(url, "sig");
    String otherSig = (sig.charAt(0) == 'A' ? "B" : "A") + sig.substring(1);
    String lastChanged = sig.substring(0, 42) + (sig.charAt(42) == 'A' ? "B" : "A"); // same bytes in lax base64
    JsonObject err = assertError(app.get(path + "?exp=" + exp + "&sig=" + otherSig, null), 403,
        "AUTH_INSUFFICIENT_PERMISSIONS", path);
    assertThat(err.getJsonObject("details").getString("reason")).isEqualTo("signature");
    assertError(app.get(path + "?exp=" + exp + "&sig=" + lastChanged, null), 403, "AUTH_INSUFFICIENT_PERMISSIONS", path);
    assertError(app.get(path + "?exp=" + (Long.parseLong(exp) + 3600) + "&sig=" + sig, null), 403,
        "AUTH_INSUFFICIENT_PERMISSIONS", path);
    assertError(app.get(path + "?exp=" + exp, null), 403, "AUTH_INSUFFICIENT_PERMISSIONS", path);
    String otherId = upload(token, "other.pdf", "application/pdf", bytes).bodyAsJsonObject().getString("publicId");
    assertError(app.get("/api/v2/files/" + otherId + "?exp=" + exp + "&sig=" + sig, null), 403,
        "AUTH_INSUFFICIENT_PERMISSIONS", "/api/v2/files/" + otherId);

    long past = Instant.now().getEpochSecond() - 10;
    JsonObject expired = assertError(app.get(path + "?exp=" + past + "&sig=" + links.sign(id, past), null), 401,
        "AUTH_TOKEN_EXPIRED", path);
    assertThat(expired.getJsonObject("details").getString("reason")).isEqualTo("expired");
    // a valid token is enough whatever the link says
    assertThat(app.get(path + "?exp=" + past + "&sig=" + links.sign(id, past), token).statusCode()).isEqualTo(200);
    assertError(app.get(path, null), 401, "AUTH_TOKEN_INVALID", path);
  }

  // ---- the bus

  @Test
  void crm_files_link_turns_a_public_id_into_a_signed_link_with_the_file_type() throws Exception {
    byte[] bytes = Samples.ogg();
    String id = upload(token, "voz.ogg", "audio/ogg", bytes).bodyAsJsonObject().getString("publicId");
    Bus bus = new Bus(app.vertx);

    JsonObject link = bus.request(Addresses.FILES_LINK, new JsonObject().put("publicId", id)).await(10, TimeUnit.SECONDS);
    assertThat(link.getString("contentType")).isEqualTo("audio/ogg");
    assertThat(link.getString("filename")).isEqualTo("voz.ogg");
    assertThat(link.getLong("size")).isEqualTo(bytes.length);
    assertThat(link.getString("kind")).isEqualTo("audio");
    assertThat(link.getString("format")).isEqualTo("ogg");
    assertThat(Instant.parse(link.getString("expiresAt")))
        .isBetween(Instant.now().plusSeconds(7 * 86_400 - 60), Instant.now().plusSeconds(7 * 86_400 + 60));
    URI url = URI.create(link.getString("url"));
    assertThat(url.getScheme() + "://" + url.getAuthority()).isEqualTo("http://localhost:" + app.port);
    HttpResponse<Buffer> fetched = app.get(url.getRawPath() + "?" + url.getRawQuery(), null);
    assertThat(fetched.statusCode()).isEqualTo(200);
    assertThat(fetched.body().getBytes()).isEqualTo(bytes);

    assertBusError(bus, new JsonObject().put("publicId", "0123456789abcdef01234567"), ErrorCode.RESOURCE_NOT_FOUND);
    assertBusError(bus, new JsonObject(), ErrorCode.VALIDATION_FAILED);
    assertBusError(bus, new JsonObject().put("publicId", new JsonObject().put("$gt", "")), ErrorCode.VALIDATION_FAILED);
  }

  // ---- helpers

  static HttpResponse<Buffer> upload(String token, String filename, String contentType, byte[] bytes) {
    MultipartForm form = MultipartForm.create().binaryFileUpload("file", filename, Buffer.buffer(bytes), contentType);
    return send(token, req -> req.sendMultipartForm(form));
  }

  static HttpResponse<Buffer> send(String token,
                                   java.util.function.Function<HttpRequest<Buffer>, io.vertx.core.Future<HttpResponse<Buffer>>> how) {
    HttpRequest<Buffer> req = app.client.post(UPLOAD);
    if (token != null) req.putHeader("Authorization", "Bearer " + token);
    try {
      return how.apply(req).await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("upload failed", e);
    }
  }

  private static HttpResponse<Buffer> raw(String contentType, String body) {
    return send(token, req -> req.putHeader("Content-Type", contentType)
        .sendBuffer(Buffer.buffer(body.getBytes(StandardCharsets.ISO_8859_1))));
  }

  private static HttpResponse<Buffer> get(String path, String token, String header, String value) throws Exception {
    return app.client.get(path).putHeader("Authorization", "Bearer " + token).putHeader(header, value).send()
        .await(30, TimeUnit.SECONDS);
  }

  private static JsonObject assertRefusedLeavingNothing(HttpResponse<Buffer> res, int status, String code) throws Exception {
    long[] before = counts(); // counted after the answer: a refusal is answered once nothing of it is kept
    JsonObject err = assertError(res, status, code, UPLOAD);
    assertThat(counts()).isEqualTo(before);
    assertThat(orphanChunks()).as("chunks whose file is gone").isZero();
    return err;
  }

  /** media.files, media.chunks, files. */
  static long[] counts() throws Exception {
    return new long[] {count("media.files"), count("media.chunks"), count(FileStore.COLLECTION)};
  }

  private static long count(String collection) throws Exception {
    return mongo.client().count(collection, new JsonObject()).await(10, TimeUnit.SECONDS);
  }

  /** Chunks whose files_id names no media.files document. */
  private static long orphanChunks() throws Exception {
    var ids = new java.util.HashSet<String>();
    for (JsonObject f : mongo.client().find("media.files", new JsonObject()).await(10, TimeUnit.SECONDS)) {
      ids.add(String.valueOf(f.getValue("_id")));
    }
    long orphans = 0;
    for (JsonObject c : mongo.client().findWithOptions("media.chunks", new JsonObject(),
        new io.vertx.ext.mongo.FindOptions().setFields(new JsonObject().put("files_id", true))).await(30, TimeUnit.SECONDS)) {
      if (!ids.contains(String.valueOf(c.getValue("files_id")))) orphans++;
    }
    return orphans;
  }

  private static void awaitCount(String collection, java.util.function.LongPredicate wanted, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    long n;
    while (!wanted.test(n = count(collection))) {
      if (System.nanoTime() > deadline) throw new AssertionError(what + ": " + collection + " holds " + n);
      Thread.sleep(20); // polling a condition, bounded: not a guess at how long it takes
    }
  }

  private static void assertBusError(Bus bus, JsonObject body, ErrorCode code) {
    try {
      bus.request(Addresses.FILES_LINK, body).await(10, TimeUnit.SECONDS);
      throw new AssertionError("expected " + code);
    } catch (CrmException e) {
      assertThat(e.code()).isEqualTo(code);
    } catch (Exception e) {
      throw new AssertionError("expected a CrmException", e);
    }
  }

  private static String query(URI url, String name) {
    for (String kv : url.getRawQuery().split("&")) if (kv.startsWith(name + "=")) return kv.substring(name.length() + 1);
    return null;
  }

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
