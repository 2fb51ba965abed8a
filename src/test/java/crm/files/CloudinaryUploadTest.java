package crm.files;

import static crm.support.ApiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.storage.Mongo;
import crm.support.TestApp;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.multipart.MultipartForm;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * FILE_STORE=cloudinary against a local Cloudinary ({@link FakeCloudinary}, which checks each request's signature as
 * Cloudinary documents it): the file streamed as a signed multipart upload to the resource type of its kind,
 * Cloudinary's public_id and secure_url answered and recorded, nothing in GridFS; whatever Cloudinary answers other
 * than success (a refused signature, a 5xx, garbage, a dropped connection, no answer) is 502 EXTERNAL_API_ERROR; a
 * refused upload never reaches Cloudinary, or is broken off before its end.
 */
class CloudinaryUploadTest {
  static final String UPLOAD = "/api/v2/upload";
  static Vertx fakeVertx;
  static FakeCloudinary cloudinary;
  static TestApp app;
  static Mongo mongo;
  static String token;

  @BeforeAll
  static void start() throws Exception {
    fakeVertx = Vertx.vertx();
    cloudinary = new FakeCloudinary(fakeVertx);
    app = TestApp.start(new JsonObject().put("FILE_STORE", "cloudinary")
        .put("CLOUDINARY_URL", "cloudinary://" + FakeCloudinary.KEY + ":" + FakeCloudinary.SECRET + "@" + FakeCloudinary.CLOUD)
        .put("CLOUDINARY_API_URL", cloudinary.apiUrl())
        .put("CLOUDINARY_TIMEOUT_MS", 2000));
    mongo = new Mongo(app.vertx, app.app.deployedConfig());
    token = app.adminToken();
  }

  @AfterAll
  static void stop() throws Exception {
    mongo.close();
    app.close();
    cloudinary.close();
    fakeVertx.close().await(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void fresh() {
    cloudinary.reset();
  }

  @Test
  void an_upload_goes_to_cloudinary_signed_and_answers_its_public_id_and_secure_url() throws Exception {
    byte[] png = Samples.pngOfSize(400_000);
    HttpResponse<Buffer> res = upload("recibo.png", "image/png", png);

    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(201);
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("success", "url", "publicId", "format", "size");
    FakeCloudinary.Upload got = cloudinary.stored.get(body.getString("publicId"));
    assertThat(got).as("Cloudinary stored the public_id answered").isNotNull();
    assertThat(got.bytes()).isEqualTo(png);
    assertThat(got.resourceType()).isEqualTo("image");
    assertThat(got.filename()).isEqualTo("recibo.png");
    assertThat(got.contentType()).isEqualTo("image/png");
    assertThat(got.params().fieldNames()).containsExactlyInAnyOrder("api_key", "timestamp", "signature");
    assertThat(body.getString("url")).startsWith("https://res.cloudinary.com/" + FakeCloudinary.CLOUD + "/image/upload/v")
        .endsWith("/" + body.getString("publicId") + ".png");
    assertThat(body.getString("format")).isEqualTo("png");
    assertThat(body.getLong("size")).isEqualTo(png.length);

    JsonObject rec = mongo.client().findOne(FileStore.COLLECTION, new JsonObject().put("_id", body.getString("publicId")),
        null).await(10, TimeUnit.SECONDS);
    assertThat(rec.getString("store")).isEqualTo("cloudinary");
    assertThat(rec.getString("url")).isEqualTo(body.getString("url"));
    assertThat(rec.getString("resourceType")).isEqualTo("image");
    assertThat(rec.getString("sha256")).isEqualTo(UploadApiTest.sha256(png));
    assertThat(count("media.files")).as("nothing in GridFS").isZero();
    assertThat(count("media.chunks")).isZero();
  }

  @Test
  void audio_goes_as_video_and_documents_as_raw_and_the_bus_link_is_the_secure_url() throws Exception {
    JsonObject audio = upload("nota.ogg", "audio/ogg", Samples.ogg()).bodyAsJsonObject();
    assertThat(cloudinary.stored.get(audio.getString("publicId")).resourceType()).isEqualTo("video");
    JsonObject doc = upload("contrato.docx", "application/octet-stream", Samples.docx()).bodyAsJsonObject();
    assertThat(doc.getString("format")).isEqualTo("docx");
    assertThat(cloudinary.stored.get(doc.getString("publicId")).resourceType()).isEqualTo("raw");

    JsonObject link = new Bus(app.vertx).request(Addresses.FILES_LINK, new JsonObject().put("publicId", doc.getString("publicId")))
        .await(10, TimeUnit.SECONDS);
    assertThat(link.getString("url")).isEqualTo(doc.getString("url"));
    assertThat(link.getString("expiresAt")).isNull();
    assertThat(link.getString("store")).isEqualTo("cloudinary");
    assertThat(link.getString("kind")).isEqualTo("document");
    assertThat(link.getString("contentType")).isEqualTo(FileType.DOCX.contentType());
    assertThat(link.getString("filename")).isEqualTo("contrato.docx");
  }

  @Test
  void a_signature_cloudinary_refuses_is_502_EXTERNAL_API_ERROR_and_nothing_is_recorded() throws Exception {
    cloudinary.secret = "another-secret-than-the-one-we-sign-with";
    long records = count(FileStore.COLLECTION);
    JsonObject err = assertError(upload("a.png", "image/png", Samples.png()), 502, "EXTERNAL_API_ERROR", UPLOAD);
    assertThat(err.getJsonObject("details").getInteger("status")).isEqualTo(401);
    assertThat(err.getJsonObject("details").getString("message")).startsWith("Invalid Signature");
    assertThat(cloudinary.stored).isEmpty();
    assertThat(count(FileStore.COLLECTION)).isEqualTo(records);
  }

  @Test
  void cloudinary_failing_in_any_way_is_502_never_a_500() throws Exception {
    long records = count(FileStore.COLLECTION);
    cloudinary.failNext(500, "General Error");
    JsonObject err = assertError(upload("a.pdf", "application/pdf", Samples.pdf()), 502, "EXTERNAL_API_ERROR", UPLOAD);
    assertThat(err.getJsonObject("details").getInteger("status")).isEqualTo(500);
    cloudinary.failNext(420, "Rate Limited");
    assertError(upload("a.pdf", "application/pdf", Samples.pdf()), 502, "EXTERNAL_API_ERROR", UPLOAD);
    cloudinary.failNext(FakeCloudinary.Failure.GARBAGE);
    assertError(upload("a.pdf", "application/pdf", Samples.pdf()), 502, "EXTERNAL_API_ERROR", UPLOAD);
    cloudinary.failNext(FakeCloudinary.Failure.DROP);
    assertError(upload("a.pdf", "application/pdf", Samples.pdf()), 502, "EXTERNAL_API_ERROR", UPLOAD);
    cloudinary.failNext(FakeCloudinary.Failure.HANG); // no answer within CLOUDINARY_TIMEOUT_MS (2 s here)
    assertError(upload("a.pdf", "application/pdf", Samples.pdf()), 502, "EXTERNAL_API_ERROR", UPLOAD);
    assertThat(count(FileStore.COLLECTION)).isEqualTo(records);
    // and the next upload works
    assertThat(upload("a.pdf", "application/pdf", Samples.pdf()).statusCode()).isEqualTo(201);
  }

  @Test
  void a_refused_type_never_reaches_cloudinary() throws Exception {
    assertError(upload("foto.jpg", "image/jpeg", Samples.windowsExe()), 400, "VALIDATION_FAILED", UPLOAD);
    assertThat(cloudinary.uploadsStarted.get()).isZero();
  }

  @Test
  void an_upload_over_its_limit_is_broken_off_before_cloudinary_has_it_all() throws Exception {
    long records = count(FileStore.COLLECTION);
    assertError(upload("big.png", "image/png", Samples.pngOfSize((int) FileType.IMAGE_MAX + 1)), 413, "PAYLOAD_TOO_LARGE",
        UPLOAD);
    await(() -> cloudinary.uploadsBroken.get(), "Cloudinary saw the upload break off");
    assertThat(cloudinary.uploadsStarted.get()).isEqualTo(1);
    assertThat(cloudinary.stored).isEmpty();
    assertThat(count(FileStore.COLLECTION)).isEqualTo(records);
  }

  @Test
  void a_file_whose_record_cannot_be_written_is_destroyed_on_cloudinary_with_a_signed_request() throws Exception {
    cloudinary.fixedPublicId = "same-id-twice";
    assertThat(upload("a.png", "image/png", Samples.png()).statusCode()).isEqualTo(201);
    // Cloudinary answers a public_id already recorded: the record cannot be written, so the upload is destroyed again
    assertError(upload("b.png", "image/png", Samples.gif()), 409, "DUPLICATE_RESOURCE", UPLOAD);
    assertThat(cloudinary.destroyed.get()).isEqualTo(1);
    assertThat(cloudinary.stored).doesNotContainKey("same-id-twice");
  }

  // ---- helpers

  private static HttpResponse<Buffer> upload(String filename, String contentType, byte[] bytes) throws Exception {
    MultipartForm form = MultipartForm.create().binaryFileUpload("file", filename, Buffer.buffer(bytes), contentType);
    return app.client.post(UPLOAD).putHeader("Authorization", "Bearer " + token).sendMultipartForm(form)
        .await(60, TimeUnit.SECONDS);
  }

  private static long count(String collection) throws Exception {
    return mongo.client().count(collection, new JsonObject()).await(10, TimeUnit.SECONDS);
  }

  private static void await(IntSupplier positive, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (positive.getAsInt() == 0) {
      if (System.nanoTime() > deadline) throw new AssertionError(what);
      Thread.sleep(20); // polling a condition, bounded
    }
  }
}
