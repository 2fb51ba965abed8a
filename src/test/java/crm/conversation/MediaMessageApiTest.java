package crm.conversation;

import static crm.support.ApiErrors.assertFieldError;
import static org.assertj.core.api.Assertions.assertThat;

import crm.conversation.SendMessageApiTest.Customer;
import crm.support.FakeGraphApi;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.multipart.MultipartForm;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Media messages through {@code POST /conversations/:id/messages}: an uploaded file (its publicId) goes to WhatsApp as
 * a signed link to our copy, which Meta can fetch without a token; the stored message carries the attachment; a file
 * of another kind is refused; a template's media header may be an upload too.
 */
class MediaMessageApiTest {
  static FakeGraphApi fake;
  static TestApp app;
  static Wa wa;
  static String agent;

  @BeforeAll
  static void start() {
    fake = FakeGraphApi.startOwn();
    app = TestApp.start(Wa.config().mergeIn(fake.config()).put("WHATSAPP_RETRY_BASE_MS", 5));
    wa = new Wa(app);
    String admin = app.adminToken();
    app.createAgent(admin, "media-a@crm.test", "agent-password-1", "agent");
    agent = app.login("media-a@crm.test", "agent-password-1").getString("token");
  }

  @AfterAll
  static void stop() {
    if (app != null) app.close();
    if (fake != null) fake.close();
  }

  @Test
  void an_uploaded_image_is_sent_as_a_signed_link_meta_can_fetch_and_the_message_keeps_the_attachment() throws Exception {
    Customer c = SendMessageApiTest.customerWhoWrote(wa);
    byte[] png = crm.files.Samples.png();
    JsonObject uploaded = upload("medidor.png", png);

    HttpResponse<Buffer> res = send(c, new JsonObject().put("type", "image").put("publicId", uploaded.getString("publicId"))
        .put("content", "Así se ve el medidor"));
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(201);

    List<FakeGraphApi.Recorded> graph = fake.requests(r -> r.json() != null && c.phone().equals(r.json().getString("to")));
    assertThat(graph).hasSize(1);
    JsonObject image = graph.get(0).json().getJsonObject("image");
    assertThat(graph.get(0).json().getString("type")).isEqualTo("image");
    assertThat(image.getString("caption")).isEqualTo("Así se ve el medidor");
    String link = image.getString("link");
    assertThat(link).startsWith("http://localhost:" + app.port + "/api/v2/files/" + uploaded.getString("publicId") + "?exp=");
    // what Meta does: fetch the link, with no token
    HttpResponse<Buffer> fetched = app.client.get(link.substring(link.indexOf("/api/v2/"))).send().await(30, TimeUnit.SECONDS);
    assertThat(fetched.statusCode()).isEqualTo(200);
    assertThat(fetched.getHeader("Content-Type")).startsWith("image/png");
    assertThat(fetched.body().getBytes()).isEqualTo(png);

    JsonObject message = res.bodyAsJsonObject().getJsonObject("message");
    assertThat(message.getString("type")).isEqualTo("image");
    JsonObject att = message.getJsonArray("attachments").getJsonObject(0);
    assertThat(att.getString("publicId")).isEqualTo(uploaded.getString("publicId"));
    assertThat(att.getString("mimeType")).isEqualTo("image/png");
    assertThat(att.getLong("size")).isEqualTo((long) png.length);
    assertThat(att.getString("url")).contains("/api/v2/files/" + uploaded.getString("publicId") + "?exp=").contains("&sig=");

    // the conversation's history shows it the same way, with a link made when it is read
    JsonArray listed = app.get("/api/v2/conversations/" + c.conversationId() + "/messages", agent).bodyAsJsonObject().getJsonArray("messages");
    JsonObject again = listed.stream().map(o -> (JsonObject) o).filter(m -> message.getString("_id").equals(m.getString("_id")))
        .findFirst().orElseThrow();
    assertThat(again.getJsonArray("attachments").getJsonObject(0).getString("url")).contains("&sig=");
  }

  @Test
  void a_document_keeps_its_name_and_a_file_of_another_kind_is_refused() throws Exception {
    Customer c = SendMessageApiTest.customerWhoWrote(wa);
    JsonObject pdf = upload("factura-42.pdf", crm.files.Samples.pdf());
    HttpResponse<Buffer> res = send(c, new JsonObject().put("type", "document").put("publicId", pdf.getString("publicId")));
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(201);
    JsonObject document = fake.requests(r -> r.json() != null && c.phone().equals(r.json().getString("to"))).get(0).json()
        .getJsonObject("document");
    assertThat(document.getString("filename")).isEqualTo("factura-42.pdf");

    String path = "/api/v2/conversations/" + c.conversationId() + "/messages";
    assertFieldError(send(c, new JsonObject().put("type", "image").put("publicId", pdf.getString("publicId"))),
        400, "VALIDATION_FAILED", path, "publicId");
    HttpResponse<Buffer> unknown = send(c, new JsonObject().put("type", "image").put("publicId", crm.storage.Mongo.newId()));
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertFieldError(send(c, new JsonObject().put("type", "image").put("publicId", pdf.getString("publicId"))
        .put("mediaUrl", "https://cdn.example.com/a.png")), 400, "VALIDATION_FAILED", path, "publicId");
    assertThat(fake.requests(r -> r.json() != null && c.phone().equals(r.json().getString("to")))).hasSize(1);
  }

  @Test
  void a_templates_media_header_may_be_an_upload() throws Exception {
    Customer c = SendMessageApiTest.customerWhoWrote(wa);
    JsonObject img = upload("promo.png", crm.files.Samples.png());
    JsonArray components = new JsonArray().add(new JsonObject().put("type", "header").put("parameters", new JsonArray()
        .add(new JsonObject().put("type", "image").put("image", new JsonObject().put("publicId", img.getString("publicId"))))));
    HttpResponse<Buffer> res = send(c, new JsonObject().put("type", "template").put("templateName", "promo")
        .put("language", "es_MX").put("templateComponents", components));
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(201);
    JsonObject header = fake.requests(r -> r.json() != null && c.phone().equals(r.json().getString("to"))).get(0).json()
        .getJsonObject("template").getJsonArray("components").getJsonObject(0);
    JsonObject image = header.getJsonArray("parameters").getJsonObject(0).getJsonObject("image");
    assertThat(image.containsKey("publicId")).isFalse();
    assertThat(image.getString("link")).contains("/api/v2/files/" + img.getString("publicId") + "?exp=");
  }

  private static JsonObject upload(String name, byte[] bytes) throws Exception {
    MultipartForm form = MultipartForm.create().binaryFileUpload("file", name, Buffer.buffer(bytes), "application/octet-stream");
    HttpResponse<Buffer> res = app.client.post("/api/v2/upload").putHeader("Authorization", "Bearer " + agent)
        .sendMultipartForm(form).await(60, TimeUnit.SECONDS);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(201);
    return res.bodyAsJsonObject();
  }

  private static HttpResponse<Buffer> send(Customer c, JsonObject body) throws Exception {
    return app.client.post("/api/v2/conversations/" + c.conversationId() + "/messages").putHeader("Authorization", "Bearer " + agent)
        .sendJsonObject(body).await(40, TimeUnit.SECONDS);
  }
}
