package crm.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fake Graph API answers as Meta does, so that the tests that send messages through it can trust it. */
class FakeGraphApiTest {
  static final String MESSAGES = FakeGraphApi.messagesPath(FakeGraphApi.PHONE_NUMBER_ID);

  Vertx vertx;
  FakeGraphApi fake;
  WebClient client;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    fake = FakeGraphApi.start(vertx);
    client = WebClient.create(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    fake.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void a_text_message_gets_a_wamid_and_a_read_receipt_gets_success() throws Exception {
    JsonObject text = new JsonObject().put("messaging_product", "whatsapp").put("to", "+49 151 2345678")
        .put("type", "text").put("text", new JsonObject().put("body", "Hallo"));
    JsonObject first = send(FakeGraphApi.TOKEN, text).bodyAsJsonObject();
    JsonObject second = send(FakeGraphApi.TOKEN, text).bodyAsJsonObject();

    assertThat(first.getString("messaging_product")).isEqualTo("whatsapp");
    assertThat(first.getJsonArray("contacts").getJsonObject(0))
        .isEqualTo(new JsonObject().put("input", "+49 151 2345678").put("wa_id", "491512345678"));
    String wamid = first.getJsonArray("messages").getJsonObject(0).getString("id");
    assertThat(wamid).startsWith("wamid.");
    assertThat(second.getJsonArray("messages").getJsonObject(0).getString("id")).isNotEqualTo(wamid);

    JsonObject read = new JsonObject().put("messaging_product", "whatsapp").put("status", "read").put("message_id", "wamid.X");
    assertThat(send(FakeGraphApi.TOKEN, read).bodyAsJsonObject()).isEqualTo(new JsonObject().put("success", true));

    List<FakeGraphApi.Recorded> recorded = fake.awaitRequests(MESSAGES, 3);
    assertThat(recorded.get(0).json()).isEqualTo(text);
    assertThat(recorded.get(0).header("Authorization")).isEqualTo("Bearer " + FakeGraphApi.TOKEN);
    assertThat(fake.sentMessages()).containsExactly(text, text, read);
  }

  @Test
  void scripted_answers_come_in_order_then_the_default_again() throws Exception {
    fake.respondNext(400, FakeGraphApi.reEngagementError());
    fake.respondNext(429, FakeGraphApi.rateLimitError());
    fake.respondNext(500, FakeGraphApi.unknownError());
    JsonObject msg = new JsonObject().put("messaging_product", "whatsapp").put("to", "15551234567").put("type", "text");

    HttpResponse<Buffer> r1 = send(FakeGraphApi.TOKEN, msg);
    assertThat(r1.statusCode()).isEqualTo(400);
    JsonObject error = r1.bodyAsJsonObject().getJsonObject("error");
    assertThat(error.getInteger("code")).isEqualTo(131047);
    assertThat(error.getString("type")).isEqualTo("OAuthException");
    assertThat(error.getJsonObject("error_data").getString("details")).contains("24 hours");
    assertThat(error.getString("fbtrace_id")).isNotBlank();
    HttpResponse<Buffer> r2 = send(FakeGraphApi.TOKEN, msg);
    assertThat(r2.statusCode()).isEqualTo(429);
    assertThat(r2.bodyAsJsonObject().getJsonObject("error").getInteger("code")).isEqualTo(130429);
    assertThat(send(FakeGraphApi.TOKEN, msg).statusCode()).isEqualTo(500);
    assertThat(send(FakeGraphApi.TOKEN, msg).statusCode()).isEqualTo(200);
  }

  @Test
  void a_dropped_connection_gets_no_answer_but_is_recorded() throws Exception {
    fake.failConnectionNext();
    JsonObject msg = new JsonObject().put("messaging_product", "whatsapp").put("to", "15551234567").put("type", "text");
    assertThatThrownBy(() -> send(FakeGraphApi.TOKEN, msg)).isNotNull();
    assertThat(fake.awaitRequests(MESSAGES, 1).get(0).status()).isZero();
    assertThat(send(FakeGraphApi.TOKEN, msg).statusCode()).isEqualTo(200);
  }

  @Test
  void a_wrong_token_is_401_with_an_oauth_error_and_bad_bodies_are_400() throws Exception {
    JsonObject msg = new JsonObject().put("messaging_product", "whatsapp").put("to", "15551234567").put("type", "text");
    HttpResponse<Buffer> res = send("wrong", msg);
    assertThat(res.statusCode()).isEqualTo(401);
    assertThat(res.bodyAsJsonObject().getJsonObject("error").getInteger("code")).isEqualTo(190);
    assertThat(send(null, msg).statusCode()).isEqualTo(401);
    assertThat(send(FakeGraphApi.TOKEN, new JsonObject().put("to", "1")).statusCode()).isEqualTo(400);
    assertThat(fake.requests(MESSAGES)).extracting(FakeGraphApi.Recorded::status).containsExactly(401, 401, 400);
  }

  @Test
  void media_bytes_need_the_token_and_waiting_for_requests_that_never_come_fails() throws Exception {
    fake.addMedia("77", "abc".getBytes(), "text/plain");
    JsonObject meta = client.getAbs(fake.baseUrl() + FakeGraphApi.mediaPath("77"))
        .putHeader("Authorization", "Bearer " + FakeGraphApi.TOKEN).send().await(10, TimeUnit.SECONDS).bodyAsJsonObject();
    assertThat(meta.getString("sha256")).isEqualTo(FakeGraphApi.sha256Hex("abc".getBytes()));
    assertThat(meta.getLong("file_size")).isEqualTo(3);
    assertThat(meta.getString("url")).startsWith(fake.baseUrl() + FakeGraphApi.mediaBytesPath("77") + "?token=");

    assertThat(client.getAbs(meta.getString("url")).send().await(10, TimeUnit.SECONDS).statusCode()).isEqualTo(401);
    HttpResponse<Buffer> bytes = client.getAbs(meta.getString("url")).putHeader("Authorization", "Bearer " + FakeGraphApi.TOKEN)
        .send().await(10, TimeUnit.SECONDS);
    assertThat(bytes.bodyAsString()).isEqualTo("abc");
    assertThat(bytes.getHeader("Content-Type")).isEqualTo("text/plain");

    assertThatThrownBy(() -> fake.awaitRequests("/nothing", 1, Duration.ofMillis(100))).isInstanceOf(AssertionError.class);
  }

  private HttpResponse<Buffer> send(String token, JsonObject body) throws Exception {
    var req = client.postAbs(fake.baseUrl() + MESSAGES);
    if (token != null) req.putHeader("Authorization", "Bearer " + token);
    return req.sendJsonObject(body).await(10, TimeUnit.SECONDS);
  }
}
