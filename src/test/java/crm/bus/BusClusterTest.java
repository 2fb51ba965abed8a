package crm.bus;

import static org.assertj.core.api.Assertions.assertThat;

import crm.support.ClusterNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests on a clustered bus: a node that serves an address answers its own requests (a plain clustered send would
 * spread them over the nodes); an address only another node serves is answered there.
 */
class BusClusterTest {
  static Vertx a;
  static Vertx b;

  @BeforeAll
  static void start() throws Exception {
    String name = ClusterNode.randomClusterName();
    a = ClusterNode.clusteredVertx(name);
    b = ClusterNode.clusteredVertx(name);
    for (Vertx v : List.of(a, b)) {
      String me = v == a ? "a" : "b";
      new Bus(v).serve("test.everywhere", body -> Future.succeededFuture(new JsonObject().put("node", me))).completion()
          .await(10, TimeUnit.SECONDS);
    }
    new Bus(b).serve("test.only-b", body -> Future.succeededFuture(new JsonObject().put("node", "b"))).completion()
        .await(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    if (b != null) b.close().await(60, TimeUnit.SECONDS);
    if (a != null) a.close().await(60, TimeUnit.SECONDS);
  }

  @Test
  void a_node_answers_its_own_requests_and_crosses_only_for_what_it_does_not_serve() throws Exception {
    List<Future<JsonObject>> mine = new ArrayList<>();
    for (int i = 0; i < 50; i++) mine.add(new Bus(a).request("test.everywhere", new JsonObject()));
    Future.all(mine).await(20, TimeUnit.SECONDS);
    assertThat(mine).allSatisfy(f -> assertThat(f.result().getString("node")).isEqualTo("a"));
    assertThat(new Bus(a).request("test.only-b", new JsonObject()).await(20, TimeUnit.SECONDS).getString("node")).isEqualTo("b");
    assertThat(new Bus(a).request("test.nobody", new JsonObject()).transform(ar -> Future.succeededFuture(ar.cause()))
        .await(20, TimeUnit.SECONDS)).isInstanceOfSatisfying(CrmException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE));
  }
}
