package crm.bench;

import crm.App;
import crm.config.AppConfig;
import crm.config.ConfigLoader;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * {@code scripts/seed-demo N [MESSAGES_PER_CONVERSATION]}: fills the configured database (embedded by default, under
 * CRM_DATA_DIR) with N customers, N conversations and N x M messages shaped like the real ones (statuses, priorities,
 * tags, assignments to a few agents, Spanish and Portuguese names, UTF-8), for the list benchmarks.
 */
public final class SeedDemo {
  private SeedDemo() {}

  private static final String[] FIRST = {"María", "José", "João", "Ana", "Luis", "Camila", "Pedro", "Lucía", "Mateo", "Sofía"};
  private static final String[] LAST = {"García", "Pérez", "Araújo", "López", "Silva", "Martínez", "Gómez", "Souza"};
  private static final String[] TEXTS = {"Hola, ¿siguen abiertos?", "Se fue la luz en mi casa 🔌", "¿Dónde está mi pedido?",
      "Gracias 🙏", "Necesito una factura", "Bom dia, preciso de ajuda", "El técnico no llegó", "¿Cuánto cuesta?"};

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int perConversation = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    Vertx bootstrap = Vertx.vertx();
    AppConfig cfg = ConfigLoader.load(bootstrap).await(30, TimeUnit.SECONDS);
    bootstrap.close();
    Vertx vertx = Vertx.vertx();
    App app = App.start(vertx, cfg).await(120, TimeUnit.SECONDS);
    Mongo mongo = new Mongo(vertx, app.deployedConfig());
    Random random = new Random(42);
    List<String> agents = demoAgents(mongo, random);
    long start = System.nanoTime();
    Instant now = Instant.now();
    int batch = 500;
    for (int from = 0; from < n; from += batch) {
      List<JsonObject> customers = new ArrayList<>();
      List<JsonObject> conversations = new ArrayList<>();
      List<JsonObject> messages = new ArrayList<>();
      List<JsonObject> tickets = new ArrayList<>();
      for (int i = from; i < Math.min(n, from + batch); i++) {
        String customerId = Mongo.newId();
        String conversationId = Mongo.newId();
        // each exchange: the customer writes, an agent (or the assistant) answers 1 to 90 minutes later
        long[] times = new long[perConversation];
        for (int m = 1; m < perConversation; m++) {
          times[m] = times[m - 1] + (m % 2 == 1 ? 60 + random.nextInt(90 * 60) : 600 + random.nextInt(6 * 3600));
        }
        Instant last = now.minusSeconds(random.nextInt(60 * 86_400));
        long shift = last.getEpochSecond() - times[perConversation - 1];
        for (int m = 0; m < perConversation; m++) times[m] += shift;
        Instant firstAt = Instant.ofEpochSecond(times[0]);
        String phone = "52" + String.format("%010d", 5_500_000_000L + i);
        customers.add(new JsonObject().put("_id", customerId).put("phoneNumber", phone).put("waId", phone)
            .put("firstName", FIRST[random.nextInt(FIRST.length)]).put("lastName", LAST[random.nextInt(LAST.length)])
            .put("tags", new JsonArray().add(random.nextBoolean() ? "vip" : "nuevo")).put("isBlocked", false)
            .put("customFields", new JsonObject()).put("totalConversations", 1)
            .put("lastInteraction", Mongo.date(last)).put("lastInboundAt", Mongo.date(last))
            .put("createdAt", Mongo.date(last.minusSeconds(86_400))).put("updatedAt", Mongo.date(last)));
        String status = List.of("open", "assigned", "assigned", "resolved", "closed").get(random.nextInt(5));
        JsonObject conversation = new JsonObject().put("_id", conversationId).put("customerId", customerId)
            .put("status", status).put("priority", List.of("low", "medium", "medium", "high", "urgent").get(random.nextInt(5)))
            .put("tags", new JsonArray().add(random.nextBoolean() ? "ventas" : "soporte"))
            .put("messageCount", perConversation).put("messageSeq", perConversation).put("unreadCount", random.nextInt(3)).put("isAIEnabled", random.nextBoolean())
            .put("metadata", new JsonObject()).put("createdAt", Mongo.date(firstAt.minusSeconds(60))).put("updatedAt", Mongo.date(last));
        if (status.equals("open") || status.equals("assigned")) conversation.put("activeKey", customerId);
        String agent = agents.get(random.nextInt(agents.size()));
        if (!status.equals("open")) conversation.put("assignedAgentId", agent);
        boolean assistant = conversation.getBoolean("isAIEnabled") && random.nextInt(3) == 0;
        for (int m = 0; m < perConversation; m++) {
          Instant at = Instant.ofEpochSecond(times[m]);
          boolean inbound = m % 2 == 0;
          String text = TEXTS[random.nextInt(TEXTS.length)];
          messages.add(new JsonObject().put("_id", Mongo.newId()).put("conversationId", conversationId).put("customerId", customerId)
              .put("whatsappMessageId", "wamid.DEMO" + i + "." + m).put("direction", inbound ? "inbound" : "outbound")
              .put("type", "text").put("content", text)
              .put("seq", m + 1).put("seqKey", conversationId + ":" + (m + 1))
              .put("state", new JsonObject().put("rank", inbound ? 20 : 30).put("status", inbound ? "delivered" : "read"))
              .put("metadata", inbound || !assistant ? new JsonObject().put("waType", "text")
                  : new JsonObject().put("waType", "text").put("sentBy", "assistant"))
              .put("timestamp", Mongo.date(at)).put("createdAt", Mongo.date(at)).put("updatedAt", Mongo.date(at)));
          if (!inbound && !assistant) messages.get(messages.size() - 1).put("agentId", agent);
          if (m == perConversation - 1) {
            conversation.put("lastMessage", new JsonObject().put("at", Mongo.date(at)).put("seq", m).put("content", text)
                .put("timestamp", at.toString()).put("from", inbound ? "customer" : "agent").put("type", "text"));
          }
        }
        conversations.add(conversation);
        if (i % 20 == 0) tickets.add(ticket(i, customerId, conversationId, Instant.ofEpochSecond(times[0] + 120), agent, random));
      }
      Future.all(mongo.insertMany("customers", customers), mongo.insertMany("conversations", conversations),
          mongo.insertMany("messages", messages), mongo.insertMany("tickets", tickets)).await(10, TimeUnit.MINUTES);
      if ((from / batch) % 20 == 0) {
        System.out.printf("seeded %d of %d conversations (%.0f s)%n", Math.min(n, from + batch), n, (System.nanoTime() - start) / 1e9);
      }
    }
    mongo.sync().await(60, TimeUnit.SECONDS);
    System.out.printf("seeded %d customers, %d conversations, %d messages, %d tickets in %.0f s%n", n, n, (long) n * perConversation,
        (n + 19) / 20, (System.nanoTime() - start) / 1e9);
    // the analytics rollups, counted from what was just written by the same code the server's recount uses
    long counted = System.nanoTime();
    vertx.eventBus().request(crm.bus.Addresses.ANALYTICS_RECOUNT, new JsonObject().put("apply", true),
        new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(3_600_000)).await(1, TimeUnit.HOURS);
    mongo.sync().await(60, TimeUnit.SECONDS);
    System.out.printf("counted the analytics rollups in %.1f s%n", (System.nanoTime() - counted) / 1e9);
    app.stop().await(120, TimeUnit.SECONDS);
    vertx.close().await(30, TimeUnit.SECONDS);
    System.exit(0);
  }

  private static final String[] TICKET_STATUSES = {"open", "in_progress", "pending_customer", "resolved", "resolved", "closed"};

  /** A ticket of the conversation's customer, created when the conversation began; resolved ones 1-72 h later. */
  private static JsonObject ticket(int i, String customerId, String conversationId, Instant created, String agent, Random random) {
    String status = TICKET_STATUSES[random.nextInt(TICKET_STATUSES.length)];
    JsonObject t = new JsonObject().put("_id", Mongo.newId()).put("ticketId", String.format("TICKET-%06d", i / 20 + 1))
        .put("businessType", "general").put("customerId", customerId).put("conversationId", conversationId)
        .put("subject", "Se fue la luz").put("description", "Sin servicio").put("category", "technical_issue")
        .put("priority", "medium").put("status", status).put("attachments", new JsonArray()).put("notes", new JsonArray())
        .put("escalations", new JsonArray()).put("history", new JsonArray()).put("reopenCount", 0).put("assignedAgentId", agent)
        .put("createdBy", agent).put("createdAt", Mongo.date(created)).put("updatedAt", Mongo.date(created));
    if (status.equals("resolved") || (status.equals("closed") && random.nextBoolean())) {
      long ms = (3_600L + random.nextInt(71 * 3_600)) * 1000;
      t.put("resolvedAt", Mongo.date(created.plusMillis(ms))).put("resolutionMs", ms);
    }
    return t;
  }

  /** A few online agents to assign conversations to (created once). */
  private static List<String> demoAgents(Mongo mongo, Random random) throws Exception {
    List<String> ids = new ArrayList<>();
    List<JsonObject> docs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String id = Mongo.newId();
      ids.add(id);
      docs.add(new JsonObject().put("_id", id).put("email", "demo-agent-" + i + "-" + random.nextInt(1_000_000) + "@crm.local")
          .put("passwordHash", "$argon2id$disabled").put("firstName", FIRST[i]).put("lastName", LAST[i]).put("role", "agent")
          .put("permissions", new JsonArray()).put("status", "online").put("isActive", true)
          .put("assignedConversations", new JsonArray()).put("createdAt", Mongo.now()).put("updatedAt", Mongo.now()));
    }
    mongo.insertMany("agents", docs).await(60, TimeUnit.SECONDS);
    return ids;
  }
}
