package crm.ticket;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.regex.Pattern;

/**
 * Human ticket ids from the active preset's {@code ticketIdFormat {prefix, includeYear, padding}}: {@code TICKET-001}
 * without a preset, {@code ORD-2026-00456} for e-commerce. The number is a sequence per prefix (and per year when the
 * year is shown), allocated atomically by {@link TicketStore#nextSeq}.
 */
public final class TicketIds {
  private TicketIds() {}

  private static final Pattern HUMAN = Pattern.compile("^[A-Za-z][A-Za-z0-9]{0,15}(-\\d{4})?-\\d{1,12}$");

  /** One format, checked (a stored configuration is trusted, but a broken one must not produce odd ids). */
  public record Format(String prefix, boolean includeYear, int padding) {
    static Format of(JsonObject json) {
      JsonObject f = json == null ? new JsonObject() : json;
      String prefix = f.getValue("prefix") instanceof String p && p.matches("^[A-Z][A-Z0-9]{0,9}$") ? p : "TICKET";
      boolean year = f.getValue("includeYear") instanceof Boolean b && b;
      int padding = f.getValue("padding") instanceof Number n ? Math.max(1, Math.min(12, n.intValue())) : 3;
      return new Format(prefix, year, padding);
    }

    /** The counter this format draws from: one per prefix, and per year when the year is part of the id. */
    String scope(Instant at) {
      return includeYear ? prefix + "-" + year(at) : prefix;
    }

    String format(Instant at, long seq) {
      String n = String.valueOf(seq);
      if (n.length() < padding) n = "0".repeat(padding - n.length()) + n;
      return includeYear ? prefix + "-" + year(at) + "-" + n : prefix + "-" + n;
    }
  }

  static int year(Instant at) {
    return at.atZone(ZoneOffset.UTC).getYear();
  }

  /** Could this be a human ticket id (as opposed to garbage we need not look up)? */
  public static boolean looksHuman(String s) {
    return s != null && HUMAN.matcher(s).matches();
  }
}
