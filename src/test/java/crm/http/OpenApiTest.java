package crm.http;

import static org.assertj.core.api.Assertions.assertThat;

import crm.storage.Mongo;
import crm.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The served OpenAPI document and the router agree: every route documented, nothing documented that is not routed. */
class OpenApiTest {
  static TestApp app;
  static List<ApiRouter.Spec> specs;
  static JsonObject doc;

  @BeforeAll
  static void start() throws Exception {
    app = TestApp.start();
    Mongo mongo = new Mongo(app.vertx, app.app.deployedConfig());
    specs = HttpVerticle.routes(app.vertx, app.app.deployedConfig(), mongo).await(10, TimeUnit.SECONDS).api().specs();
    HttpResponse<Buffer> res = app.get("/api/v2/openapi.json", app.adminToken());
    assertThat(res.statusCode()).isEqualTo(200);
    doc = res.bodyAsJsonObject();
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  static String openApiPath(String routerPath) {
    return routerPath.replaceAll(":([A-Za-z0-9_]+)", "{$1}");
  }

  @Test
  void every_route_is_documented_with_its_permission_and_bucket() {
    assertThat(specs).isNotEmpty();
    List<String> missing = new ArrayList<>();
    for (ApiRouter.Spec spec : specs) {
      String path = openApiPath(spec.path());
      JsonObject op = doc.getJsonObject("paths").getJsonObject(path, new JsonObject())
          .getJsonObject(spec.method().name().toLowerCase(Locale.ROOT));
      if (op == null) {
        missing.add(spec.method() + " " + path);
        continue;
      }
      String expected = spec.permission() == null ? "public" : spec.permission();
      assertThat(op.getString("x-required-permission")).as(spec.method() + " " + path).isEqualTo(expected);
      assertThat(op.getString("x-rate-limit-bucket")).as(spec.method() + " " + path)
          .isEqualTo(spec.bucket().name().toLowerCase(Locale.ROOT));
    }
    assertThat(missing).as("routes missing from openapi.json").isEmpty();
  }

  @Test
  void nothing_is_documented_that_the_router_does_not_serve() {
    Set<String> routed = new HashSet<>();
    for (ApiRouter.Spec spec : specs) routed.add(spec.method().name() + " " + openApiPath(spec.path()));
    List<String> stale = new ArrayList<>();
    JsonObject paths = doc.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      for (String method : paths.getJsonObject(path).fieldNames()) {
        if (!routed.contains(method.toUpperCase(Locale.ROOT) + " " + path)) stale.add(method + " " + path);
      }
    }
    assertThat(stale).as("documented but not routed").isEmpty();
  }

  @Test
  void document_is_openapi_3_under_api_v2() {
    assertThat(doc.getString("openapi")).startsWith("3.");
    assertThat(doc.getJsonArray("servers").getJsonObject(0).getString("url")).isEqualTo("/api/v2");
    assertThat(doc.getJsonObject("components").getJsonObject("schemas").containsKey("ErrorResponse")).isTrue();
  }

  @Test
  void every_error_code_is_documented() {
    List<String> documented = doc.getJsonObject("components").getJsonObject("schemas").getJsonObject("ErrorResponse")
        .getJsonObject("properties").getJsonObject("error").getJsonObject("properties").getJsonObject("code")
        .getJsonArray("enum").getList();
    List<String> codes = java.util.Arrays.stream(crm.bus.ErrorCode.values()).map(Enum::name).toList();
    assertThat(documented).containsExactlyInAnyOrderElementsOf(codes);
  }
}
