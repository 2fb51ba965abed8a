package crm.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;

/** Assertions on the error envelope of NOTES.md row 11, shared by the HTTP tests of this package. */
final class EnvelopeAssert {
  private EnvelopeAssert() {}

  /**
   * Asserts {@code res} is an error envelope: the status, {@code success:false}, {@code error.code}, a non-blank
   * {@code error.message}, an ISO-8601 UTC {@code timestamp} close to now, {@code path}, a JSON content type and an
   * X-Request-Id header. Returns the {@code error} object for further checks.
   */
  static JsonObject assertEnvelope(HttpResponse<Buffer> res, int status, String code, String path) {
    String raw = res.bodyAsString();
    assertThat(res.statusCode()).as("status of %s", raw).isEqualTo(status);
    assertThat(res.getHeader("Content-Type")).as("content type").startsWith("application/json");
    assertThat(res.getHeader("X-Request-Id")).as("X-Request-Id header").isNotBlank();
    JsonObject body = new JsonObject(raw);
    assertThat(body.getValue("success")).as("success in %s", raw).isEqualTo(false);
    JsonObject error = body.getJsonObject("error");
    assertThat(error).as("error object in %s", raw).isNotNull();
    assertThat(error.getString("code")).as("error.code in %s", raw).isEqualTo(code);
    assertThat(error.getString("message")).as("error.message in %s", raw).isNotBlank();
    String ts = body.getString("timestamp");
    assertThat(ts).as("timestamp in %s", raw).isNotNull().endsWith("Z");
    Instant when = Instant.from(DateTimeFormatter.ISO_INSTANT.parse(ts));
    assertThat(Duration.between(when, Instant.now()).abs()).as("timestamp %s is now", ts)
        .isLessThan(Duration.ofMinutes(1));
    assertThat(body.getString("path")).as("path in %s", raw).isEqualTo(path);
    return error;
  }
}
