package crm.whatsapp;

import static crm.support.ApiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import crm.support.FakeGraphApi;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * GET /whatsapp/templates: the approved templates of the WhatsApp Business Account from the (fake) Graph API, every
 * page of them, kept a minute or until Meta's template webhook says one changed; Meta's errors as 502 EXTERNAL_API_ERROR; no account id: none, and why; sandbox: the
 * templates the sandbox takes (hello_world, the ticket resolution notice's).
 */
class TemplateListTest {
  static final String PATH = "/api/v2/whatsapp/templates";
  static FakeGraphApi fake;

  @BeforeAll
  static void start() {
    fake = FakeGraphApi.startOwn();
  }

  @AfterAll
  static void stop() {
    fake.close();
  }

  @BeforeEach
  void fresh() {
    fake.clearRequests();
    fake.templates(FakeGraphApi.DEFAULT_TEMPLATES);
  }

  static String agentToken(TestApp app) {
    app.createAgent(app.adminToken(), "templates-agent@crm.test", "agent-password-1", "agent");
    return app.login("templates-agent@crm.test", "agent-password-1").getString("token");
  }

  static JsonObject ok(HttpResponse<Buffer> res) {
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.getBoolean("success")).isTrue();
    return body;
  }

  /** 502 EXTERNAL_API_ERROR with Meta's error described in details (whose type, e.g. OAuthException, is Meta's word). */
  static JsonObject graphError(HttpResponse<Buffer> res) {
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(502);
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.getBoolean("success")).isFalse();
    assertThat(body.getString("path")).isEqualTo(PATH);
    JsonObject error = body.getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("EXTERNAL_API_ERROR");
    assertThat(res.bodyAsString()).as("no stack trace leaks").doesNotContain("at crm.");
    return error;
  }

  static JsonObject named(JsonArray templates, String name) {
    return templates.stream().map(o -> (JsonObject) o).filter(t -> name.equals(t.getString("name"))).findFirst().orElseThrow();
  }

  @Test
  void the_approved_templates_of_every_page_come_from_meta_and_are_kept_a_minute_after_errors_that_are_502() {
    try (TestApp app = TestApp.start(Wa.config().mergeIn(fake.config()).put("WHATSAPP_SEND_MAX_ATTEMPTS", 1))) {
      String agent = agentToken(app);
      String pages = FakeGraphApi.templatesPath();

      // Meta refuses: the token expired (190), then an unknown error; nothing is kept
      fake.failNextTemplateLists(1, 401);
      JsonObject error = graphError(app.get(PATH, agent));
      assertThat(error.getString("message")).contains("access token");
      assertThat(error.getJsonObject("details").getInteger("code")).isEqualTo(190);
      assertThat(error.getJsonObject("details").getInteger("httpStatus")).isEqualTo(401);
      fake.failNextTemplateLists(1, 500);
      assertThat(graphError(app.get(PATH, agent)).getJsonObject("details").getInteger("httpStatus")).isEqualTo(500);
      assertThat(fake.requests(pages)).hasSize(2);

      JsonObject body = ok(app.get(PATH, agent));
      assertThat(body.getString("source")).isEqualTo("whatsapp");
      JsonArray templates = body.getJsonArray("templates");
      // five templates on three pages (two a page): the approved three, by name
      assertThat(fake.requests(pages)).hasSize(5);
      List<FakeGraphApi.Recorded> calls = fake.requests(pages);
      FakeGraphApi.Recorded first = calls.get(2);
      assertThat(first.query()).isEqualTo("fields=name,language,status,category,components&limit=100");
      assertThat(first.header("Authorization")).isEqualTo("Bearer " + FakeGraphApi.TOKEN);
      assertThat(calls.get(3).query()).contains("after=").contains("limit=100");
      assertThat(templates.stream().map(o -> ((JsonObject) o).getString("name")).toList())
          .containsExactly("appointment_reminder", "hello_world", "order_update");
      assertThat(named(templates, "order_update")).isEqualTo(new JsonObject().put("name", "order_update").put("language", "es")
          .put("category", "UTILITY").put("status", "APPROVED").put("parameters", 3)
          .put("parameterNames", new JsonArray().add("1").add("2").add("3"))
          .put("body", "Hola {{1}}, tu pedido {{2}} va en camino y llega el {{3}}."));
      assertThat(named(templates, "hello_world").getInteger("parameters")).isZero();
      assertThat(named(templates, "hello_world").getString("body")).startsWith("Welcome and congratulations!!");
      assertThat(named(templates, "appointment_reminder").getInteger("parameters")).as("named, one used twice").isEqualTo(3);
      assertThat(named(templates, "appointment_reminder").getJsonArray("parameterNames"))
          .isEqualTo(new JsonArray().add("name").add("date").add("time"));

      // within the minute: from this node's copy, Meta is not asked again
      fake.templates(new JsonArray());
      assertThat(ok(app.get(PATH, agent)).getJsonArray("templates")).isEqualTo(templates);
      assertThat(fake.requests(pages)).hasSize(5);

      // until Meta's webhook says a template changed (here: order_update paused): the next list is Meta's again
      Wa wa = new Wa(app);
      JsonObject update = new JsonObject().put("object", "whatsapp_business_account").put("entry", new JsonArray().add(
          new JsonObject().put("id", "WABA_ID").put("time", 1_700_000_000L).put("changes", new JsonArray().add(new JsonObject()
              .put("field", "message_template_status_update").put("value", new JsonObject().put("event", "PAUSED")
                  .put("message_template_id", 1234567890L).put("message_template_name", "order_update")
                  .put("message_template_language", "es").put("reason", "LOW_QUALITY"))))));
      assertThat(wa.post(update).statusCode()).isEqualTo(200);
      wa.awaitProcessed();
      assertThat(ok(app.get(PATH, agent)).getJsonArray("templates")).isEmpty();
      assertThat(fake.requests(pages)).hasSize(6);

      // a change without a field (nothing of Meta's) is set aside as before, and forgets nothing: it once stopped the
      // processing of its batch (a null field asked of the template fields' set)
      JsonObject fieldless = new JsonObject().put("object", "whatsapp_business_account").put("entry", new JsonArray()
          .add(new JsonObject().put("id", "WABA_ID").put("changes", new JsonArray().add(new JsonObject().put("value", new JsonObject()))))
          .add("not an entry"));
      assertThat(wa.post(fieldless).statusCode()).isEqualTo(200);
      wa.awaitProcessed();
      assertThat(ok(app.get(PATH, agent)).getJsonArray("templates")).isEmpty();
      assertThat(fake.requests(pages)).as("still this node's copy").hasSize(6);
    }
  }

  @Test
  void with_credentials_but_no_business_account_id_the_list_is_empty_and_says_why() {
    JsonObject cfg = fake.config();
    cfg.remove("WHATSAPP_BUSINESS_ACCOUNT_ID");
    try (TestApp app = TestApp.start(Wa.config().mergeIn(cfg))) {
      JsonObject body = ok(app.get(PATH, agentToken(app)));
      assertThat(body.getString("source")).isEqualTo("unconfigured");
      assertThat(body.getJsonArray("templates")).isEmpty();
      assertThat(body.getString("message")).contains("WHATSAPP_BUSINESS_ACCOUNT_ID");
      assertThat(fake.requests()).isEmpty();
      assertError(app.get(PATH, null), 401, "AUTH_TOKEN_INVALID", PATH);
    }
  }

  @Test
  void in_sandbox_mode_the_list_is_hello_world_and_the_ticket_resolution_template_with_its_three_parameters() {
    try (TestApp app = TestApp.start(Wa.config().put("TICKET_RESOLVED_TEMPLATE", "caso_resuelto"))) {
      JsonObject body = ok(app.get(PATH, agentToken(app)));
      assertThat(body.getString("source")).isEqualTo("sandbox");
      JsonArray templates = body.getJsonArray("templates");
      assertThat(templates).hasSize(2);
      assertThat(named(templates, "hello_world").getString("language")).isEqualTo("en_US");
      assertThat(named(templates, "hello_world").getInteger("parameters")).isZero();
      JsonObject resolved = named(templates, "caso_resuelto");
      assertThat(resolved.getInteger("parameters")).isEqualTo(3);
      assertThat(resolved.getString("language")).as("the active preset's language").isEqualTo("es");
      assertThat(resolved.getString("body")).contains("{{1}}").contains("{{2}}").contains("{{3}}");
    }
  }
}
