package crm.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Instant;

/** Assertions on the error envelope {@code {success:false, error:{code,message,details?,field?}, timestamp, path}}. */
public final class ApiErrors {
  private ApiErrors() {}

  /**
   * Asserts the status, the error code and the envelope's shape, with {@code path} the request path (no query);
   * returns the {@code error} object for further checks (field, details).
   */
  public static JsonObject assertError(HttpResponse<Buffer> res, int status, String code, String path) {
    String text = res.bodyAsString();
    assertThat(res.statusCode()).as("status of %s", text).isEqualTo(status);
    assertThat(res.getHeader("Content-Type")).as("content type").startsWith("application/json");
    assertThat(res.getHeader("X-Request-Id")).as("X-Request-Id header").isNotBlank();
    JsonObject body = new JsonObject(text);
    assertThat(body.getValue("success")).as("success in %s", text).isEqualTo(false);
    JsonObject error = body.getJsonObject("error");
    assertThat(error).as("error object in %s", text).isNotNull();
    assertThat(error.getString("code")).as("error code in %s", text).isEqualTo(code);
    assertThat(error.getString("message")).as("error message in %s", text).isNotBlank();
    assertThat(text).as("no stack trace leaks").doesNotContain("at crm.").doesNotContain("Exception");
    String ts = body.getString("timestamp");
    assertThat(ts).as("timestamp in %s", text).isNotNull().endsWith("Z");
    assertThat(Instant.parse(ts)).isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(5));
    assertThat(body.getString("path")).as("path in %s", text).isEqualTo(path);
    return error;
  }

  /** As {@link #assertError} and also the offending field. */
  public static JsonObject assertFieldError(HttpResponse<Buffer> res, int status, String code, String path, String field) {
    JsonObject error = assertError(res, status, code, path);
    assertThat(error.getString("field")).as("field in %s", error).isEqualTo(field);
    return error;
  }
}
