package crm.config;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.Check;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The business configuration (ticket categories, terminology, ticket id format, assistant settings, notification
 * texts) and the industry presets that set it all at once. Keeps the active configuration in memory: read from the
 * database at start, replaced after each change it makes, and from {@link Addresses#EVT_CONFIG_CHANGED} for the
 * changes other nodes make (the newer {@code version} wins, so events arriving out of order do no harm).
 */
public final class BusinessConfigVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(BusinessConfigVerticle.class);

  private Mongo mongo;
  private BusinessConfigStore store;
  private Presets presets;
  private Bus bus;
  private JsonObject active = BusinessConfig.active(null);

  @Override
  public Future<?> start() {
    mongo = new Mongo(vertx, config());
    store = new BusinessConfigStore(mongo);
    bus = new Bus(vertx);
    vertx.eventBus().<JsonObject>consumer(Addresses.EVT_CONFIG_CHANGED, m -> adopt(m.body()));
    return Future.all(Presets.load(vertx), store.load()).compose(all -> {
      presets = all.resultAt(0);
      adopt(BusinessConfig.active(all.resultAt(1)));
      return Future.all(List.of(
          bus.serve(Addresses.CONFIG_ACTIVE, b -> Future.succeededFuture(active.copy())).completion(),
          bus.serve(Addresses.CONFIG_CATEGORIES_GET, b -> Future.succeededFuture(
              new JsonObject().put("categories", active.getJsonArray("categories").copy()))).completion(),
          bus.serve(Addresses.CONFIG_CATEGORIES_SET, this::setCategories).completion(),
          bus.serve(Addresses.CONFIG_ASSISTANT_GET, b -> Future.succeededFuture(
              new JsonObject().put("config", withStatus(active.getJsonObject("assistant").copy())))).completion(),
          bus.serve(Addresses.CONFIG_ASSISTANT_SET, this::setAssistant).completion(),
          bus.serve(Addresses.CONFIG_PRESETS_LIST, b -> Future.succeededFuture(new JsonObject()
              .put("presets", presets.summaries()).put("activePresetId", active.getString("presetId")))).completion(),
          bus.serve(Addresses.CONFIG_PRESETS_LOAD, this::loadPreset).completion()));
    });
  }

  @Override
  public Future<?> stop() {
    if (mongo != null) mongo.close();
    return Future.succeededFuture();
  }

  /** Takes a configuration if it is at least as new as the one held. */
  private void adopt(JsonObject config) {
    if (config == null) return;
    long version = config.getValue("version") instanceof Number n ? n.longValue() : 0L;
    if (version >= active.getLong("version", 0L)) active = config;
  }

  // ---- changes

  /** {categories, updatedBy?}: replaces the category list. */
  private Future<JsonObject> setCategories(JsonObject body) {
    JsonArray categories = BusinessConfig.categories(body.getValue("categories"), "categories");
    return change(new JsonObject().put("categories", categories), body)
        .map(config -> new JsonObject().put("message", "Ticket categories updated (" + categories.size() + ")")
            .put("categories", config.getJsonArray("categories")));
  }

  /** {config:{some of the seven keys}, updatedBy?}: changes those keys only. */
  private Future<JsonObject> setAssistant(JsonObject body) {
    JsonObject set = BusinessConfig.assistantChanges(body.getValue("config"), "config");
    return change(set, body).map(config -> new JsonObject().put("message", "Assistant configuration updated")
        .put("config", withStatus(config.getJsonObject("assistant").copy())));
  }

  /**
   * {presetId, updatedBy?}: categories, terminology, ticket id format, assistant and notifications of the preset, and
   * its help articles (crm.knowledge).
   */
  private Future<JsonObject> loadPreset(JsonObject body) {
    String id = Check.requiredString(body, "presetId", 64);
    Preset preset = presets.get(id);
    if (preset == null) {
      throw new CrmException(ErrorCode.VALIDATION_FAILED, "Unknown preset '" + id + "'; available: "
          + String.join(", ", presets.ids()), "presetId", new JsonObject().put("allowed", new JsonArray(presets.ids())));
    }
    // the preset's help articles first: if that fails nothing has changed, and loading again is safe (installing is idempotent)
    JsonObject install = new JsonObject().put("presetId", id);
    if (body.getValue("updatedBy") instanceof String by) install.put("by", by);
    return bus.request(Addresses.KNOWLEDGE_INSTALL_PRESET, install).compose(articles -> change(preset.settings(), body)
        .map(config -> loaded(preset, config).put("knowledgeArticles", articles)));
  }

  private JsonObject loaded(Preset preset, JsonObject config) {
    return new JsonObject()
        .put("message", "Preset '" + preset.name() + "' loaded")
        .put("presetId", config.getString("presetId"))
        .put("businessType", config.getString("businessType"))
        .put("appliedConfig", new JsonObject()
            .put("categories", config.getJsonArray("categories"))
            .put("terminology", config.getJsonObject("terminology"))
            .put("ticketIdFormat", config.getJsonObject("ticketIdFormat"))
            .put("assistantConfig", withStatus(config.getJsonObject("assistant").copy()))
            .put("initialTicketStatus", config.getString("initialTicketStatus"))
            .put("notifications", config.getJsonObject("notifications")));
  }

  /** One atomic, durable update; then this node holds the result and every node is told. */
  private Future<JsonObject> change(JsonObject set, JsonObject body) {
    String updatedBy = body.getValue("updatedBy") instanceof String s ? s : null;
    return store.update(set, updatedBy).map(stored -> {
      JsonObject config = BusinessConfig.active(stored);
      adopt(config);
      bus.publish(Addresses.EVT_CONFIG_CHANGED, config);
      log.info("Business configuration changed ({}) by {}: version {}", String.join(",", set.fieldNames()),
          updatedBy, config.getLong("version"));
      return config.copy();
    });
  }

  /**
   * The assistant's words plus whether it answers at all: {@code enabled}, and when it does not, {@code reason} (no
   * model configured); {@code model} when one is. Read from this node's configuration, as the assistant reads it.
   */
  private JsonObject withStatus(JsonObject assistant) {
    crm.assistant.LlmConfig llm = crm.assistant.LlmConfig.fromJson(config());
    assistant.put("enabled", llm.configured());
    if (!llm.configured()) assistant.put("reason", llm.notConfiguredReason().orElse("not configured"));
    else assistant.put("model", llm.model());
    return assistant;
  }
}
