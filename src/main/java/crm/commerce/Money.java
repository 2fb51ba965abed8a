package crm.commerce;

import crm.bus.CrmException;
import crm.config.CommerceConfig;
import java.math.BigDecimal;

/**
 * Amounts: whole minor units of {@code COMMERCE_CURRENCY} inside (stored, added, taxed), decimals with the currency's
 * digits outside ({@code 250} <-> {@code 2.50}). The order rules: subtotal = sum of unit price x quantity; shipping
 * flat, free from {@code COMMERCE_FREE_SHIPPING_OVER_MINOR} (when set); tax = subtotal x {@code COMMERCE_TAX_RATE_BP} /
 * 10 000 rounded half-up to a minor unit; total = subtotal + shipping + tax.
 */
final class Money {
  /** The largest price taken: ten million units (1 000 000 000 minor units in a 2-digit currency). */
  static final long MAX_PRICE_MINOR = 1_000_000_000L;

  private final CommerceConfig config;
  private final int digits;

  Money(CommerceConfig config) {
    this.config = config;
    this.digits = config.fractionDigits();
  }

  String currency() {
    return config.currency();
  }

  /** {@code 250} -> {@code 2.50} (a BigDecimal with the currency's digits, written as such in JSON). */
  BigDecimal decimal(long minor) {
    return BigDecimal.valueOf(minor, digits);
  }

  /**
   * A decimal amount from outside as minor units: a JSON number, at least 0, at most {@link #MAX_PRICE_MINOR}, with no
   * more decimals than the currency has ({@code 2.505} is refused for USD). VALIDATION_FAILED naming {@code field}.
   */
  long minorOf(Object value, String field) {
    if (!(value instanceof Number n) || value instanceof Double d && (d.isNaN() || d.isInfinite())) {
      throw CrmException.validation(field, field + " must be a number");
    }
    BigDecimal amount;
    try {
      amount = new BigDecimal(n.toString());
    } catch (NumberFormatException e) {
      throw CrmException.validation(field, field + " must be a number");
    }
    if (amount.signum() < 0) throw CrmException.validation(field, field + " must not be negative");
    if (amount.stripTrailingZeros().scale() > digits) {
      throw CrmException.validation(field, field + " has more than " + digits + " decimals for " + config.currency());
    }
    BigDecimal minor = amount.movePointRight(digits);
    if (minor.compareTo(BigDecimal.valueOf(MAX_PRICE_MINOR)) > 0) {
      throw CrmException.validation(field, field + " must be at most " + decimal(MAX_PRICE_MINOR).toPlainString());
    }
    return minor.longValueExact();
  }

  /** The amounts of an order whose lines add up to {@code subtotal}. */
  Totals totals(long subtotal) {
    long free = config.freeShippingOverMinor();
    long shipping = free > 0 && subtotal >= free ? 0 : config.shippingMinor();
    long tax = (subtotal * config.taxRateBp() + 5_000) / 10_000; // half-up: amounts are never negative
    return new Totals(subtotal, shipping, tax, subtotal + shipping + tax);
  }

  record Totals(long subtotal, long shipping, long tax, long total) {}
}
