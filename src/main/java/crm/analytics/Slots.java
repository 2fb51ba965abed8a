package crm.analytics;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * Rollups are kept per quarter hour of UTC ("slots": epoch milliseconds / 15 min), grouped in one document per UTC
 * day, and added up into the requested time zone's days and hours when read. A quarter hour rather than an hour because
 * every time zone in use today is a whole number of quarter hours from UTC (India +5:30, Nepal +5:45, Chatham +12:45),
 * so a slot lies inside one local day and one local hour in every zone: days and hours come out exact for any
 * {@code tz}, however the rollups were written.
 */
final class Slots {
  private Slots() {}

  static final long SLOT_MS = 15 * 60_000L;
  static final int PER_DAY = 96;

  static long slotOf(long epochMs) {
    return Math.floorDiv(epochMs, SLOT_MS);
  }

  static long startMs(long slot) {
    return slot * SLOT_MS;
  }

  /** The UTC date a slot lies in. */
  static LocalDate utcDay(long slot) {
    return LocalDate.ofEpochDay(Math.floorDiv(slot, PER_DAY));
  }

  /** The slot's place in its UTC day, 0..95. */
  static int indexInDay(long slot) {
    return (int) Math.floorMod(slot, PER_DAY);
  }

  static long firstSlot(LocalDate utcDay) {
    return utcDay.toEpochDay() * PER_DAY;
  }

  /** The id of a scope's document for one UTC day: {@code d:all:2026-01-31}, {@code d:a:<agentId>:2026-01-31}. */
  static String dayDoc(String scope, LocalDate utcDay) {
    return "d:" + scope + ":" + utcDay;
  }

  /** The id of a scope's all-time totals: {@code t:all}, {@code t:a:<agentId>}. */
  static String totalsDoc(String scope) {
    return "t:" + scope;
  }

  static String key(int indexInDay) {
    return "q" + indexInDay;
  }

  static Instant instant(long slot) {
    return Instant.ofEpochMilli(startMs(slot));
  }

  static LocalDate utcDate(long epochMs) {
    return Instant.ofEpochMilli(epochMs).atOffset(ZoneOffset.UTC).toLocalDate();
  }
}
