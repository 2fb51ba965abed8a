package crm.ticket;

import crm.bus.Bus;
import crm.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active business configuration (preset, categories, terminology, ticket id format...), as the config verticle
 * serves it on {@code crm.config.active}. Asked on every use that must be exact (a preset just loaded changes the
 * next ticket's id and business type), kept as the last answer and refreshed by {@code crm.events.config.changed},
 * so a config service that does not answer leaves tickets working with what was last known (or a fresh install's
 * defaults).
 */
final class ActiveConfig {
  private static final Logger log = LoggerFactory.getLogger(ActiveConfig.class);
  static final String GENERAL = "general";
  static final String RESOLVED_TEXT = "Hola {customerName}, hemos resuelto tu {ticketNoun} {ticketId}.\n\n"
      + "Resolución: {summary}\n\nSi necesitas algo más, responde a este mensaje.";
  static final String NOTE_TEXT = "Actualización de tu {ticketNoun} {ticketId}:\n\n{content}";

  /** What a fresh install answers (the config verticle's defaults), for when it cannot be asked. */
  static final JsonObject DEFAULTS = new JsonObject()
      .put("presetId", null).put("businessType", GENERAL)
      .put("categories", new JsonArray(List.of("general_inquiry", "technical_issue", "billing", "service_request", "complaint",
          "feedback", "other").stream().map(id -> new JsonObject().put("id", id)).toList()))
      .put("terminology", new JsonObject().put("ticketNoun", "ticket").put("ticketNounPlural", "tickets"))
      .put("ticketIdFormat", new JsonObject().put("prefix", "TICKET").put("includeYear", false).put("padding", 3))
      .put("initialTicketStatus", "open")
      .put("assistant", new JsonObject().put("language", "es"))
      .put("notifications", new JsonObject().put("ticketResolved", RESOLVED_TEXT).put("ticketNote", NOTE_TEXT));

  private final Bus bus;
  private volatile JsonObject last = DEFAULTS;

  ActiveConfig(Bus bus) {
    this.bus = bus;
  }

  /** The configuration now: asked, or the last one known when the config service does not answer in time. */
  Future<JsonObject> active() {
    return bus.request(Addresses.CONFIG_ACTIVE, new JsonObject(), 3_000)
        .map(cfg -> {
          last = cfg;
          return cfg;
        })
        .recover(err -> {
          log.debug("Active configuration not available ({}); using the last known", err.toString());
          return Future.succeededFuture(last);
        });
  }

  /** A change announced by the config verticle. */
  void changed(JsonObject cfg) {
    if (cfg != null && cfg.getValue("businessType") instanceof String) last = cfg;
  }

  static List<String> categoryIds(JsonObject cfg) {
    return cfg.getJsonArray("categories", new JsonArray()).stream()
        .filter(c -> c instanceof JsonObject).map(c -> ((JsonObject) c).getString("id")).filter(id -> id != null).toList();
  }

  static String businessType(JsonObject cfg) {
    return cfg.getString("businessType", GENERAL);
  }
}
