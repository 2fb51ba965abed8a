package crm.files;

import static org.assertj.core.api.Assertions.assertThat;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.multipart.MultipartForm;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * GridFS uploads survive a restart on the file store (H2): the bytes, the record, and links signed before the restart
 * (the key comes from JWT_SECRET, so it is the same after it), on the new process's port.
 */
class UploadRestartTest {

  @Test
  void an_upload_and_its_signed_link_survive_a_restart() throws Exception {
    Path dir = Files.createTempDirectory("crm-upload-restart");
    JsonObject config = new JsonObject().put("CRM_DB_BACKEND", "h2").put("CRM_DATA_DIR", dir.toString());
    byte[] docx = Samples.docx();
    byte[] png = Samples.pngOfSize(600_000);
    String docxUrl;
    String pngId;
    try {
      try (TestApp first = TestApp.start(config)) {
        String token = first.adminToken();
        JsonObject a = upload(first, token, "contrato.docx", docx);
        JsonObject b = upload(first, token, "plano.png", png);
        docxUrl = a.getString("url");
        pngId = b.getString("publicId");
        assertThat(docxUrl).startsWith("http://localhost:" + first.port + "/api/v2/files/");
      }
      try (TestApp second = TestApp.start(config)) {
        URI url = URI.create(docxUrl);
        HttpResponse<Buffer> viaLink = second.get(url.getRawPath() + "?" + url.getRawQuery(), null);
        assertThat(viaLink.statusCode()).isEqualTo(200);
        assertThat(viaLink.body().getBytes()).isEqualTo(docx);
        assertThat(viaLink.getHeader("Content-Type")).isEqualTo(FileType.DOCX.contentType());

        String token = second.adminToken();
        HttpResponse<Buffer> whole = second.get("/api/v2/files/" + pngId, token);
        assertThat(whole.body().getBytes()).isEqualTo(png);
        JsonObject link = new Bus(second.vertx).request(Addresses.FILES_LINK, new JsonObject().put("publicId", pngId))
            .await(10, TimeUnit.SECONDS);
        assertThat(link.getString("url")).startsWith("http://localhost:" + second.port + "/api/v2/files/" + pngId + "?exp=");
        assertThat(link.getLong("size")).isEqualTo(png.length);
      }
    } finally {
      TestApp.deleteTree(dir);
    }
  }

  private static JsonObject upload(TestApp app, String token, String name, byte[] bytes) throws Exception {
    MultipartForm form = MultipartForm.create().binaryFileUpload("file", name, Buffer.buffer(bytes), "application/octet-stream");
    HttpResponse<Buffer> res = app.client.post("/api/v2/upload").putHeader("Authorization", "Bearer " + token)
        .sendMultipartForm(form).await(30, TimeUnit.SECONDS);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(201);
    return res.bodyAsJsonObject();
  }
}
