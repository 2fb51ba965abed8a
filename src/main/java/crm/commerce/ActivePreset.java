package crm.commerce;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the ecommerce preset is the active one (NOTES row 17: the functions work only then). Kept from
 * {@code crm.events.config.changed} (the newer {@code version} wins, as in the config verticle) and asked from
 * {@code crm.config.active} at start; while the cache says another preset, a call asks once more before refusing, so a
 * preset just loaded on another node is seen at once. When the config service does not answer, the last known holds.
 */
final class ActivePreset {
  private static final Logger log = LoggerFactory.getLogger(ActivePreset.class);
  static final String ECOMMERCE = "ecommerce";

  private final Bus bus;
  private String presetId;
  private long version = -1;

  ActivePreset(Bus bus) {
    this.bus = bus;
  }

  /** Takes a configuration (the active one, or a change event) if it is at least as new as the one held. */
  boolean adopt(JsonObject cfg) {
    if (cfg == null) return false;
    long v = cfg.getValue("version") instanceof Number n ? n.longValue() : 0L;
    if (v < version) return false;
    version = v;
    presetId = cfg.getValue("presetId") instanceof String s ? s : null;
    return true;
  }

  boolean isEcommerce() {
    return ECOMMERCE.equals(presetId);
  }

  /** The configuration as the config service answers it now (adopted), or the last known when it does not answer. */
  Future<Boolean> refresh() {
    return bus.request(Addresses.CONFIG_ACTIVE, new JsonObject(), 3_000)
        .map(cfg -> {
          adopt(cfg);
          return isEcommerce();
        })
        .recover(err -> {
          log.debug("Active configuration not available ({}); using the last known", err.toString());
          return Future.succeededFuture(isEcommerce());
        });
  }

  /** Succeeds when the ecommerce preset is active, else BUSINESS_RULE_VIOLATION "e-commerce is not active". */
  Future<Void> require() {
    if (isEcommerce()) return Future.succeededFuture();
    return refresh().compose(active -> active ? Future.succeededFuture() : Future.failedFuture(new CrmException(
        ErrorCode.BUSINESS_RULE_VIOLATION, "e-commerce is not active: the ecommerce preset is not loaded", null,
        new JsonObject().put("activePreset", presetId))));
  }
}
