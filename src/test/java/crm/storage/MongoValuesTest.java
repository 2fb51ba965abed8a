package crm.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Dates and ids read from stored documents: the fast paths give exactly what the general code gives. */
class MongoValuesTest {

  @Test
  void dates_read_back_as_the_instants_they_were_written_from() {
    Random random = new Random(16);
    for (int i = 0; i < 200_000; i++) {
      // years 1 to 9999, any millisecond, and now and then a whole second (written without a fraction)
      long seconds = -62_135_596_800L + (long) (random.nextDouble() * 315_537_897_599L);
      Instant at = Instant.ofEpochSecond(seconds, random.nextInt(4) == 0 ? 0 : random.nextInt(1000) * 1_000_000L);
      String text = at.toString();
      assertThat(Mongo.parseInstant(text)).as(text).isEqualTo(Instant.parse(text));
      assertThat(Mongo.instant(Mongo.date(at))).isEqualTo(at.truncatedTo(ChronoUnit.MILLIS));
    }
    for (String text : new String[] {"2024-02-29T23:59:59.999Z", "2000-02-29T00:00:00Z", "1970-01-01T00:00:00.000Z",
        "2026-12-31T23:59:59Z", "2026-12-03T12:57:27.123456Z", "2026-12-03T12:57:27.1Z", "2026-12-03T12:57:27+01:00"}) {
      assertThat(Mongo.parseInstant(text)).as(text).isEqualTo(Instant.parse(text));
    }
  }

  @Test
  void odd_and_invalid_dates_are_read_as_the_general_parser_reads_them() {
    for (String text : new String[] {"2023-02-29T00:00:00Z", "2026-04-31T00:00:00.000Z", "2026-13-01T00:00:00Z",
        "2026-00-10T00:00:00Z", "2026-01-00T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T23:59:60Z", "2026-01-01T10:60:00Z",
        "2026-01-01T10:00:61.000Z", "2026-01-01X10:00:00Z", "2026-0a-01T10:00:00Z", "2026-01-01T10:00:00.12aZ",
        "2026-01-01T10:00:00", "", "2026-01-01T10:00:00.000z"}) {
      Instant general;
      try {
        general = Instant.parse(text);
      } catch (DateTimeParseException e) {
        assertThat(catchThrowable(() -> Mongo.parseInstant(text))).as(text).isInstanceOf(DateTimeParseException.class);
        continue;
      }
      assertThat(Mongo.parseInstant(text)).as(text).isEqualTo(general); // 24:00 is the next day's midnight
    }
    assertThat(Mongo.instant(new JsonObject().put("$date", "2026-02-30T00:00:00Z"))).isNull();
    assertThat(Mongo.instant("yesterday")).isNull();
  }

  @Test
  void object_ids_are_24_hex_digits_of_either_case() {
    assertThat(Mongo.isObjectId(Mongo.newId())).isTrue();
    assertThat(Mongo.isObjectId("0123456789abcdefABCDEF00")).isTrue();
    assertThat(Mongo.isObjectId("0123456789abcdefABCDEF0")).isFalse();
    assertThat(Mongo.isObjectId("0123456789abcdefABCDEF000")).isFalse();
    assertThat(Mongo.isObjectId("0123456789abcdefABCDEF0g")).isFalse();
    assertThat(Mongo.isObjectId("{\"$ne\":null}xxxxxxxxxxxx")).isFalse();
    assertThat(Mongo.isObjectId(null)).isFalse();
  }
}
