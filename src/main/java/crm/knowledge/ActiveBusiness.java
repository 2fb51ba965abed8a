package crm.knowledge;

import crm.bus.Addresses;
import crm.bus.Bus;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active business type and assistant language, as {@code crm.config.active} says. Asked on every use (a preset just
 * loaded changes which articles the very next search may answer with), and kept as the last answer, refreshed by
 * {@code crm.events.config.changed}, for when the config service does not answer in time.
 */
final class ActiveBusiness {
  private static final Logger log = LoggerFactory.getLogger(ActiveBusiness.class);
  private static final long TIMEOUT_MS = 3_000;

  /** What is active. */
  record Active(String businessType, String language) {}

  private final Bus bus;
  private volatile Active last = new Active(Article.GENERAL, "es");

  ActiveBusiness(Bus bus) {
    this.bus = bus;
  }

  Future<Active> get() {
    return bus.request(Addresses.CONFIG_ACTIVE, new JsonObject(), TIMEOUT_MS)
        .map(cfg -> changed(cfg))
        .recover(err -> {
          log.debug("Active configuration not available ({}); using the last known", err.toString());
          return Future.succeededFuture(last);
        });
  }

  /** Takes a configuration announced or answered by the config verticle. */
  Active changed(JsonObject cfg) {
    if (cfg != null && cfg.getValue("businessType") instanceof String type) {
      JsonObject assistant = cfg.getValue("assistant") instanceof JsonObject a ? a : new JsonObject();
      String language = assistant.getValue("language") instanceof String l ? l.toLowerCase(java.util.Locale.ROOT) : "es";
      last = new Active(type, language);
    }
    return last;
  }
}
