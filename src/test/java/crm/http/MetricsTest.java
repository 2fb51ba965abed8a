package crm.http;

import static org.assertj.core.api.Assertions.assertThat;

import crm.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** GET /metrics: Prometheus text exposition of the Vert.x (Micrometer) metrics. */
class MetricsTest {
  static TestApp app;

  @BeforeAll
  static void start() {
    app = TestApp.start();
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  static String scrape() {
    HttpResponse<Buffer> res = app.get("/metrics", null);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    assertThat(res.getHeader("Content-Type")).startsWith("text/plain");
    return res.bodyAsString();
  }

  /** The sum of the samples of {@code metric} whose labels contain every one of {@code labels}. */
  static double sum(String text, String metric, String... labels) {
    return Arrays.stream(text.split("\n"))
        .filter(l -> l.startsWith(metric + "{") || l.startsWith(metric + " "))
        .filter(l -> Arrays.stream(labels).allMatch(l::contains))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  @Test
  void metrics_are_prometheus_text_with_http_server_metrics() {
    for (int i = 0; i < 3; i++) {
      assertThat(app.get("/health", null).statusCode()).isEqualTo(200);
    }
    assertThat(app.get("/api/v2/no-such-route", null).statusCode()).isEqualTo(404);
    String text = scrape();

    List<String> lines = Arrays.asList(text.split("\n"));
    assertThat(lines).anyMatch(l -> l.startsWith("# TYPE vertx_http_server"));
    assertThat(lines).anyMatch(l -> l.startsWith("vertx_http_server_requests_total{"));
    // every sample line is "name{labels} value" (or "name value")
    assertThat(lines.stream().filter(l -> !l.isBlank() && !l.startsWith("#")))
        .isNotEmpty()
        .allMatch(l -> l.matches("[a-zA-Z_:][a-zA-Z0-9_:]*(\\{.*})? [-+0-9.eENaInf]+( [0-9]+)?"), "sample syntax");

    double ok = sum(text, "vertx_http_server_requests_total", "code=\"200\"", "method=\"GET\"");
    double notFound = sum(text, "vertx_http_server_requests_total", "code=\"404\"");
    assertThat(ok).isGreaterThanOrEqualTo(3);
    assertThat(notFound).isGreaterThanOrEqualTo(1);
  }

  @Test
  void request_counter_grows_with_requests() {
    double before = sum(scrape(), "vertx_http_server_requests_total", "code=\"200\"");
    for (int i = 0; i < 5; i++) app.get("/health", null);
    double after = sum(scrape(), "vertx_http_server_requests_total", "code=\"200\"");
    // five /health plus the first scrape itself
    assertThat(after - before).isGreaterThanOrEqualTo(5);
  }
}
