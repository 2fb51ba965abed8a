package crm.config;

import io.vertx.core.json.JsonObject;
import java.time.ZoneId;
import java.util.List;

/**
 * The analytics settings, validated like the rest of {@link AppConfig}: the business time zone ("today" and the
 * dashboard's days and hours), the window in which a customer message counts as answered, and how the rollups are
 * kept current (how often the marks are folded, how long a mark is kept after the write it announced).
 */
public record AnalyticsConfig(String timeZone, int responseWindowMinutes, int foldIntervalMs, int settleSeconds) {

  public static final List<String> KEYS = List.of(
      "BUSINESS_TIME_ZONE", "ANALYTICS_RESPONSE_WINDOW_MINUTES", "ANALYTICS_FOLD_INTERVAL_MS", "ANALYTICS_SETTLE_SECONDS");

  static AnalyticsConfig from(AppConfig.Reader r) {
    String zone = r.nonEmpty("BUSINESS_TIME_ZONE", "UTC");
    if (!isZone(zone)) {
      throw new InvalidConfigException("BUSINESS_TIME_ZONE", "must be an IANA time zone like America/Mexico_City or UTC, got '" + zone + "'");
    }
    return new AnalyticsConfig(zone,
        r.integer("ANALYTICS_RESPONSE_WINDOW_MINUTES", 60, 1, 10_080),
        r.integer("ANALYTICS_FOLD_INTERVAL_MS", 200, 10, 60_000),
        r.integer("ANALYTICS_SETTLE_SECONDS", 60, 1, 3600));
  }

  /** An IANA zone id (region ids like Europe/Madrid, and UTC, Etc/GMT+5): not a bare offset like +01:00. */
  public static boolean isZone(String id) {
    return id != null && ZoneId.getAvailableZoneIds().contains(id);
  }

  public static AnalyticsConfig fromJson(JsonObject deployed) {
    return from(new AppConfig.Reader(deployed));
  }

  public JsonObject toJson() {
    return new JsonObject().put("BUSINESS_TIME_ZONE", timeZone)
        .put("ANALYTICS_RESPONSE_WINDOW_MINUTES", responseWindowMinutes)
        .put("ANALYTICS_FOLD_INTERVAL_MS", foldIntervalMs)
        .put("ANALYTICS_SETTLE_SECONDS", settleSeconds);
  }
}
