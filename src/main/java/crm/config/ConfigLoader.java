package crm.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Loads the configuration with an explicit store order, last wins:
 * conf/config.json (defaults; also inside the jar) &lt; file named by CRM_CONFIG &lt; environment &lt; system
 * properties. vertx-config's default order would let the file beat the environment, so it is not used.
 */
public final class ConfigLoader {
  private ConfigLoader() {}

  public static ConfigRetrieverOptions options() {
    String extra = System.getProperty("CRM_CONFIG", System.getenv("CRM_CONFIG"));
    ConfigRetrieverOptions options = new ConfigRetrieverOptions().setScanPeriod(0).setIncludeDefaultStores(false);
    options.addStore(new ConfigStoreOptions().setType("file").setFormat("json").setOptional(true)
        .setConfig(new JsonObject().put("path", "conf/config.json")));
    if (extra != null && !extra.isBlank()) {
      // not optional: a CRM_CONFIG that names a missing file is a mistake to report, not to ignore
      options.addStore(new ConfigStoreOptions().setType("file").setFormat("json")
          .setConfig(new JsonObject().put("path", extra)));
    }
    JsonArray keys = new JsonArray(AppConfig.KEYS);
    options.addStore(new ConfigStoreOptions().setType("env")
        .setConfig(new JsonObject().put("raw-data", true).put("keys", keys)));
    options.addStore(new ConfigStoreOptions().setType("sys")
        .setConfig(new JsonObject().put("cache", false).put("raw-data", true)));
    return options;
  }

  /** The merged raw configuration, limited to the known keys. */
  public static Future<JsonObject> loadRaw(Vertx vertx) {
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options());
    return retriever.getConfig().map(all -> {
      JsonObject known = new JsonObject();
      for (String key : AppConfig.KEYS) {
        if (all.containsKey(key)) known.put(key, all.getValue(key));
      }
      return known;
    }).onComplete(ar -> retriever.close());
  }

  public static Future<AppConfig> load(Vertx vertx) {
    return loadRaw(vertx).map(AppConfig::from);
  }
}
