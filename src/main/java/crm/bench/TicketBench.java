package crm.bench;

import crm.App;
import crm.config.AppConfig;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * {@code scripts/bench tickets [--tickets N] [--backend h2|memory] [--runs R]}: starts the application on a fresh
 * embedded database, writes N tickets (default 100,000; 1,000 customers, 5 agents, every status, category and priority,
 * notes and history like real ones, 10 % of another business type) straight into it, then times, one request at a
 * time, the statistics and the filtered lists through HTTP; prints p50 and max per request.
 */
public final class TicketBench {
  private TicketBench() {}

  private static final String[] STATUSES = {"new", "open", "open", "in_progress", "pending_customer", "waiting_internal",
      "resolved", "resolved", "closed", "closed"};
  private static final String[] CATEGORIES = {"general_inquiry", "technical_issue", "billing", "service_request", "complaint",
      "feedback", "other"};
  private static final String[] PRIORITIES = {"low", "medium", "medium", "high", "urgent"};

  public static void main(String[] args) throws Exception {
    List<String> a = Arrays.asList(args);
    int n = intArg(a, "--tickets", 100_000);
    int runs = intArg(a, "--runs", 10);
    String backend = a.contains("--backend") ? a.get(a.indexOf("--backend") + 1) : "h2";
    Path dir = Files.createTempDirectory("crm-ticket-bench");
    String password = "bench-admin-pass";
    AppConfig cfg = AppConfig.from(new JsonObject().put("PORT", 0).put("HOST", "127.0.0.1").put("CRM_DATA_DIR", dir.toString())
        .put("CRM_DB_BACKEND", backend).put("CRM_ADMIN_PASSWORD", password).put("RATE_LIMIT_DEFAULT", 100_000_000)
        .put("RATE_LIMIT_AUTH", 1000).put("HTTP_INSTANCES", 1));
    Vertx vertx = Vertx.vertx();
    App app = App.start(vertx, cfg).await(120, TimeUnit.SECONDS);
    try {
      Mongo mongo = new Mongo(vertx, app.deployedConfig());
      long t0 = System.nanoTime();
      seed(mongo, n);
      System.out.printf("seeded %,d tickets into the embedded %s database in %.1f s%n", n, backend, (System.nanoTime() - t0) / 1e9);
      // written behind the ticket verticle's back: its in-memory index (TICKET_LIST_INDEX auto) reads them all again
      long t1 = System.nanoTime();
      Object indexed = vertx.eventBus().<JsonObject>request(crm.bus.Addresses.TICKET_REINDEX, new JsonObject(),
              new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(600_000))
          .map(m -> m.body().getValue("indexed")).otherwise(err -> "no index (" + err.getMessage() + ")").await(600, TimeUnit.SECONDS);
      System.out.printf("ticket index: %s tickets loaded in %.1f s%n", indexed, (System.nanoTime() - t1) / 1e9);
      WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(app.httpPort()));
      String token = client.post("/api/v2/auth/login").sendJsonObject(new JsonObject().put("email", cfg.adminEmail())
          .put("password", password)).await(30, TimeUnit.SECONDS).bodyAsJsonObject().getString("token");
      String customer = mongo.client().findOne("customers", new JsonObject(), null).await(30, TimeUnit.SECONDS).getString("_id");
      System.out.printf("machine: %d cores, %s; one request at a time, %d runs after 2 warm-up runs%n",
          Runtime.getRuntime().availableProcessors(), cpu(), runs);
      time(client, token, runs, "GET /tickets/statistics");
      time(client, token, runs, "GET /tickets/statistics?priority=high&status=open");
      time(client, token, runs, "GET /tickets?status=open&priority=high&limit=20");
      time(client, token, runs, "GET /tickets?search=medidor&page=3&limit=20");
      time(client, token, runs, "GET /tickets/TICKET-50000");
      time(client, token, runs, "GET /customers/" + customer + "/tickets?limit=20");
      client.close();
    } finally {
      app.stop().await(120, TimeUnit.SECONDS);
      vertx.close().await(30, TimeUnit.SECONDS);
      try (var paths = Files.walk(dir)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    System.exit(0);
  }

  private static int intArg(List<String> a, String name, int def) {
    int i = a.indexOf(name);
    return i < 0 ? def : Integer.parseInt(a.get(i + 1));
  }

  private static String cpu() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
          .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("?");
    } catch (Exception e) {
      return "?";
    }
  }

  private static void time(WebClient client, String token, int runs, String request) throws Exception {
    String path = "/api/v2" + request.substring(4);
    long[] ms = new long[runs];
    String size = "";
    for (int i = -2; i < runs; i++) {
      long t = System.nanoTime();
      HttpResponse<Buffer> res = client.get(path).putHeader("Authorization", "Bearer " + token).send().await(120, TimeUnit.SECONDS);
      long took = (System.nanoTime() - t) / 1_000_000;
      if (res.statusCode() != 200) throw new IllegalStateException(request + " answered " + res.statusCode() + " " + res.bodyAsString());
      if (i >= 0) ms[i] = took;
      JsonObject body = res.bodyAsJsonObject();
      size = body.containsKey("total") ? "total " + body.getValue("total") : "";
    }
    Arrays.sort(ms);
    System.out.printf("%-58s p50 %6d ms  max %6d ms  %s%n", request, ms[runs / 2], ms[runs - 1], size);
  }

  private static void seed(Mongo mongo, int n) throws Exception {
    Random random = new Random(7);
    Instant now = Instant.now();
    List<String> agents = new ArrayList<>();
    List<JsonObject> agentDocs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String id = Mongo.newId();
      agents.add(id);
      agentDocs.add(new JsonObject().put("_id", id).put("email", "bench-agent-" + i + "@crm.local").put("passwordHash", "$argon2id$disabled")
          .put("firstName", "Agente").put("lastName", String.valueOf(i)).put("role", "agent").put("permissions", new JsonArray())
          .put("status", "online").put("isActive", true).put("assignedConversations", new JsonArray())
          .put("createdAt", Mongo.now()).put("updatedAt", Mongo.now()));
    }
    List<String> customers = new ArrayList<>();
    List<JsonObject> customerDocs = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      String id = Mongo.newId();
      customers.add(id);
      String phone = "52" + (9_990_000_000L + i);
      customerDocs.add(new JsonObject().put("_id", id).put("phoneNumber", phone).put("waId", phone).put("firstName", "Cliente")
          .put("lastName", String.valueOf(i)).put("tags", new JsonArray()).put("isBlocked", false).put("customFields", new JsonObject())
          .put("totalConversations", 0).put("createdAt", Mongo.now()).put("updatedAt", Mongo.now()));
    }
    Future.all(mongo.insertMany("agents", agentDocs), mongo.insertMany("customers", customerDocs)).await(60, TimeUnit.SECONDS);
    int batch = 1000;
    for (int from = 0; from < n; from += batch) {
      List<JsonObject> docs = new ArrayList<>();
      for (int i = from; i < Math.min(n, from + batch); i++) {
        Instant created = now.minusSeconds(random.nextInt(90 * 86_400));
        String status = STATUSES[random.nextInt(STATUSES.length)];
        String priority = PRIORITIES[random.nextInt(PRIORITIES.length)];
        JsonObject at = Mongo.date(created);
        JsonObject d = new JsonObject().put("_id", Mongo.newId()).put("ticketId", String.format("TICKET-%03d", i + 1))
            .put("businessType", random.nextInt(10) == 0 ? "ecommerce" : "general")
            .put("customerId", customers.get(random.nextInt(customers.size())))
            .put("subject", random.nextInt(20) == 0 ? "Cambio de medidor" : "Sin servicio en mi domicilio")
            .put("description", "El cliente reporta un problema con su servicio desde hace " + random.nextInt(48) + " horas.")
            .put("category", CATEGORIES[random.nextInt(CATEGORIES.length)]).put("priority", priority).put("status", status)
            .put("attachments", new JsonArray()).put("escalations", new JsonArray()).put("reopenCount", 0)
            .put("notes", new JsonArray().add(new JsonObject().put("_id", Mongo.newId()).put("agent", new JsonObject()
                .put("_id", agents.get(0)).put("firstName", "Agente").put("lastName", "0")).put("content", "Se llamó al cliente")
                .put("timestamp", at).put("isInternal", true)))
            .put("history", new JsonArray().add(new JsonObject().put("type", "status").put("from", null).put("to", "open")
                .put("by", agents.get(0)).put("at", at).put("reason", "created")))
            .put("responseDueAt", Mongo.date(created.plusSeconds(4 * 3600)))
            .put("estimatedResolution", Mongo.date(created.plusSeconds(72 * 3600)))
            .put("createdAt", at).put("updatedAt", at);
        if (random.nextInt(4) > 0) d.put("assignedAgentId", agents.get(random.nextInt(agents.size())));
        if (!status.equals("new") && !status.equals("open")) d.put("firstResponseAt", Mongo.date(created.plusSeconds(600)));
        if (status.equals("resolved") || status.equals("closed")) {
          long ms = (long) random.nextInt(96 * 3600) * 1000;
          d.put("resolvedAt", Mongo.date(created.plusMillis(ms))).put("resolutionMs", ms)
              .put("resolution", new JsonObject().put("summary", "Resuelto").put("steps", new JsonArray()));
        }
        docs.add(d);
      }
      mongo.insertMany("tickets", docs).await(10, TimeUnit.MINUTES);
    }
    mongo.client().save("ticket_counters", new JsonObject().put("_id", "TICKET").put("seq", (long) n)).await(60, TimeUnit.SECONDS);
    mongo.sync().await(60, TimeUnit.SECONDS);
  }
}
