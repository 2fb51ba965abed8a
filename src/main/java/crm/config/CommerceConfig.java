package crm.config;

import io.vertx.core.json.JsonObject;
import java.util.Currency;
import java.util.List;
import java.util.Locale;

/**
 * The e-commerce settings (keys COMMERCE_*), validated like the rest of {@link AppConfig}: the shop's currency, the
 * tax rate in basis points of the subtotal, flat shipping and the subtotal above which it is free (amounts in minor
 * units of the currency), the delivery estimate, the tracking URL template, the order number prefix and the window
 * in which the same order asked again is answered with the first one.
 */
public record CommerceConfig(
    String currency,
    int taxRateBp,
    int shippingMinor,
    int freeShippingOverMinor,
    int deliveryDays,
    String trackingUrl,
    String orderPrefix,
    int duplicateWindowMinutes) {

  public static final List<String> KEYS = List.of(
      "COMMERCE_CURRENCY", "COMMERCE_TAX_RATE_BP", "COMMERCE_SHIPPING_MINOR", "COMMERCE_FREE_SHIPPING_OVER_MINOR",
      "COMMERCE_DELIVERY_DAYS", "COMMERCE_TRACKING_URL", "COMMERCE_ORDER_PREFIX", "COMMERCE_DUPLICATE_WINDOW_MINUTES");

  static final String DEFAULT_TRACKING_URL = "https://track.example.com/{orderId}";

  static CommerceConfig from(AppConfig.Reader r) {
    String currency = r.nonEmpty("COMMERCE_CURRENCY", "USD").toUpperCase(Locale.ROOT);
    if (!currency.matches("^[A-Z]{3}$")) {
      throw new InvalidConfigException("COMMERCE_CURRENCY", "must be an ISO 4217 code like USD or MXN, got '" + currency + "'");
    }
    try {
      if (Currency.getInstance(currency).getDefaultFractionDigits() < 0) {
        throw new InvalidConfigException("COMMERCE_CURRENCY", "'" + currency + "' has no minor unit");
      }
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException("COMMERCE_CURRENCY", "'" + currency + "' is not an ISO 4217 currency");
    }
    String tracking = r.nonEmpty("COMMERCE_TRACKING_URL", DEFAULT_TRACKING_URL);
    if (!tracking.matches("^https?://[^/\\s]+(/\\S*)?$")) {
      throw new InvalidConfigException("COMMERCE_TRACKING_URL", "must be an http(s) URL ({orderId} and {orderNumber} are "
          + "replaced), got '" + tracking + "'");
    }
    String prefix = r.nonEmpty("COMMERCE_ORDER_PREFIX", "TOL");
    if (!prefix.matches("^[A-Z]{3}$")) {
      throw new InvalidConfigException("COMMERCE_ORDER_PREFIX", "must be 3 upper-case letters, got '" + prefix + "'");
    }
    return new CommerceConfig(
        currency,
        r.integer("COMMERCE_TAX_RATE_BP", 1600, 0, 10_000),
        r.integer("COMMERCE_SHIPPING_MINOR", 300, 0, 100_000_000),
        r.integer("COMMERCE_FREE_SHIPPING_OVER_MINOR", 0, 0, 1_000_000_000),
        r.integer("COMMERCE_DELIVERY_DAYS", 4, 0, 365),
        tracking,
        prefix,
        r.integer("COMMERCE_DUPLICATE_WINDOW_MINUTES", 10, 0, 1440));
  }

  /** Reads the settings back from a deployment configuration (already validated by {@link AppConfig#from}). */
  public static CommerceConfig fromJson(JsonObject deployed) {
    return from(new AppConfig.Reader(deployed));
  }

  /** Digits after the decimal point of the currency (2 for USD and MXN, 0 for JPY). */
  public int fractionDigits() {
    return Currency.getInstance(currency).getDefaultFractionDigits();
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("COMMERCE_CURRENCY", currency)
        .put("COMMERCE_TAX_RATE_BP", taxRateBp)
        .put("COMMERCE_SHIPPING_MINOR", shippingMinor)
        .put("COMMERCE_FREE_SHIPPING_OVER_MINOR", freeShippingOverMinor)
        .put("COMMERCE_DELIVERY_DAYS", deliveryDays)
        .put("COMMERCE_TRACKING_URL", trackingUrl)
        .put("COMMERCE_ORDER_PREFIX", orderPrefix)
        .put("COMMERCE_DUPLICATE_WINDOW_MINUTES", duplicateWindowMinutes);
  }
}
