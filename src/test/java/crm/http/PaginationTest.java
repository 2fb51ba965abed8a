package crm.http;

import static crm.support.ApiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import crm.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** page (1-based) and limit (1..100, default 20) on GET /api/v2/agents, and the spec's PaginationInfo. */
class PaginationTest {
  private static final String AGENTS = "/api/v2/agents";
  private static final int CREATED = 5;

  static TestApp app;
  static String admin;
  static int total;

  @BeforeAll
  static void start() {
    app = TestApp.start();
    admin = app.adminToken();
    for (int i = 1; i <= CREATED; i++) {
      app.createAgent(admin, "page-" + i + "@crm.test", "agent-password-1", "agent");
    }
    total = 1 + CREATED; // the seeded admin and ours
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  static JsonObject list(String query) {
    HttpResponse<Buffer> res = app.get(AGENTS + query, admin);
    assertThat(res.statusCode()).as("%s -> %s", query, res.bodyAsString()).isEqualTo(200);
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.getBoolean("success")).isTrue();
    return body;
  }

  static List<String> ids(JsonObject body) {
    JsonArray agents = body.getJsonArray("agents");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < agents.size(); i++) ids.add(agents.getJsonObject(i).getString("_id"));
    return ids;
  }

  static void assertInfo(JsonObject body, int page, int totalPages, int pageSize, boolean hasNext, boolean hasPrev) {
    JsonObject p = body.getJsonObject("pagination");
    assertThat(p).as("pagination of page %d", page).isNotNull();
    assertThat(p.getInteger("currentPage")).as("currentPage").isEqualTo(page);
    assertThat(p.getInteger("totalPages")).as("totalPages").isEqualTo(totalPages);
    assertThat(p.getLong("totalCount")).as("totalCount").isEqualTo((long) total);
    assertThat(p.getInteger("pageSize")).as("pageSize").isEqualTo(pageSize);
    assertThat(p.getBoolean("hasNext")).as("hasNext on page %d", page).isEqualTo(hasNext);
    assertThat(p.getBoolean("hasPrev")).as("hasPrev on page %d", page).isEqualTo(hasPrev);
  }

  @Test
  void invalid_page_or_limit_is_400_with_the_field() {
    Map<String, String> cases = new java.util.LinkedHashMap<>();
    cases.put("?page=0", "page");
    cases.put("?page=-1", "page");
    cases.put("?page=abc", "page");
    cases.put("?page=1.5", "page");
    cases.put("?page=99999999999999999999", "page");
    cases.put("?limit=0", "limit");
    cases.put("?limit=-5", "limit");
    cases.put("?limit=101", "limit");
    cases.put("?limit=abc", "limit");
    cases.put("?limit=1e2", "limit");
    cases.put("?page=2&limit=1000", "limit");
    cases.forEach((query, field) -> {
      JsonObject error = assertError(app.get(AGENTS + query, admin), 400, "VALIDATION_FAILED", AGENTS);
      assertThat(error.getString("field")).as(query).isEqualTo(field);
    });
  }

  @Test
  void limit_100_and_the_defaults_are_accepted() {
    JsonObject max = list("?limit=100");
    assertThat(ids(max)).hasSize(total);
    assertInfo(max, 1, 1, 100, false, false);

    JsonObject defaults = list("");
    assertThat(ids(defaults)).hasSize(total);
    assertInfo(defaults, 1, 1, 20, false, false);

    // empty values fall back to the defaults as well
    assertInfo(list("?page=&limit="), 1, 1, 20, false, false);
  }

  @Test
  void pages_of_two_walk_the_whole_list_once() {
    List<String> everyone = ids(list("?limit=100"));
    assertThat(everyone).hasSize(total).doesNotHaveDuplicates();
    assertThat(total).isEqualTo(6);

    JsonObject p1 = list("?page=1&limit=2");
    JsonObject p2 = list("?page=2&limit=2");
    JsonObject p3 = list("?page=3&limit=2");
    assertInfo(p1, 1, 3, 2, true, false);
    assertInfo(p2, 2, 3, 2, true, true);
    assertInfo(p3, 3, 3, 2, false, true);

    List<String> walked = new ArrayList<>();
    for (JsonObject p : List.of(p1, p2, p3)) {
      assertThat(ids(p)).hasSize(2);
      walked.addAll(ids(p));
    }
    // no item twice, none missing, in the same order as the one-page list
    assertThat(walked).doesNotHaveDuplicates().containsExactlyElementsOf(everyone);

    JsonObject past = list("?page=4&limit=2");
    assertThat(past.getJsonArray("agents")).isEmpty();
    assertInfo(past, 4, 3, 2, false, true);
    JsonObject farPast = list("?page=1000&limit=2");
    assertThat(farPast.getJsonArray("agents")).isEmpty();
    assertThat(farPast.getJsonObject("pagination").getBoolean("hasNext")).isFalse();
  }

  @Test
  void last_page_may_be_partial() {
    List<String> everyone = ids(list("?limit=100"));
    JsonObject p1 = list("?page=1&limit=4");
    JsonObject p2 = list("?page=2&limit=4");
    assertInfo(p1, 1, 2, 4, true, false);
    assertInfo(p2, 2, 2, 4, false, true);
    assertThat(ids(p1)).hasSize(4);
    assertThat(ids(p2)).hasSize(total - 4);
    List<String> walked = new ArrayList<>(ids(p1));
    walked.addAll(ids(p2));
    assertThat(walked).containsExactlyElementsOf(everyone);

    // one page holding everything, and one item per page
    assertInfo(list("?limit=6"), 1, 1, 6, false, false);
    JsonObject single = list("?page=6&limit=1");
    assertInfo(single, 6, 6, 1, false, true);
    assertThat(ids(single)).containsExactly(everyone.get(5));
  }
}
