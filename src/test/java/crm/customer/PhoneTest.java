package crm.customer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Phone.normalize (typed input -> E.164 digits) and Phone.canonical (one key per person). */
class PhoneTest {

  @Test
  void normalizeStripsSeparatorsAndTheInternationalPrefix() {
    assertThat(Phone.normalize("+52 999 123 4567")).isEqualTo("529991234567");
    assertThat(Phone.normalize("(555) 010-9999")).isEqualTo("5550109999");
    assertThat(Phone.normalize("0052 999 123 4567")).isEqualTo("529991234567");
    assertThat(Phone.normalize("52.999.123.4567")).isEqualTo("529991234567");
    assertThat(Phone.normalize("  +1 (650) 555-1234 ")).isEqualTo("16505551234");
    assertThat(Phone.normalize("+55 (11) 9 8765-4321")).isEqualTo("5511987654321");
    assertThat(Phone.normalize("+52\u00A0999\u00A0123\u00A04567")).isEqualTo("529991234567");
    assertThat(Phone.normalize("529991234567")).isEqualTo("529991234567");
  }

  @Test
  void normalizeAcceptsEightToFifteenDigits() {
    assertThat(Phone.normalize("12345678")).isEqualTo("12345678");
    assertThat(Phone.normalize("123456789012345")).isEqualTo("123456789012345");
    assertThat(Phone.normalize("1234567")).isNull();
    assertThat(Phone.normalize("1234567890123456")).isNull();
    assertThat(Phone.normalize("12345678901234567890")).isNull();
    assertThat(Phone.normalize("+1234567890123456789")).isNull();
  }

  @Test
  void normalizeRefusesJunk() {
    assertThat(Phone.normalize(null)).isNull();
    assertThat(Phone.normalize("")).isNull();
    assertThat(Phone.normalize("   ")).isNull();
    assertThat(Phone.normalize("abc")).isNull();
    assertThat(Phone.normalize("+")).isNull();
    assertThat(Phone.normalize("00")).isNull();
    assertThat(Phone.normalize("52999abc4567")).isNull();
    assertThat(Phone.normalize("+52 999 123 4567 ext 2")).isNull();
    assertThat(Phone.normalize("52+9991234567")).isNull();
    assertThat(Phone.normalize("++529991234567")).isNull();
    assertThat(Phone.normalize("+00529991234567")).isNull();
    assertThat(Phone.normalize("52#9991234567")).isNull();
    assertThat(Phone.normalize("52/999/123/4567")).isNull();
    assertThat(Phone.normalize("529991234567😀")).isNull();
    assertThat(Phone.normalize("５２９９９１２３４５６７")).as("full-width digits").isNull();
    assertThat(Phone.normalize("0999 123 4567")).as("national trunk prefix is not E.164").isNull();
    assertThat(Phone.normalize("000529991234567")).isNull();
  }

  @Test
  void mexicoMobileWithAndWithoutTheOneIsOnePerson() {
    assertThat(Phone.canonical("5219991234567")).isEqualTo("529991234567");
    assertThat(Phone.canonical("529991234567")).isEqualTo("529991234567");
    assertThat(Phone.canonical(Phone.normalize("+52 1 999 123 4567")))
        .isEqualTo(Phone.canonical(Phone.normalize("+52 999 123 4567")));
    assertThat(Phone.canonical("521551234567")).as("12 digits: not the 521 mobile form").isEqualTo("521551234567");
  }

  @Test
  void brazilMobileGetsTheNinthDigit() {
    assertThat(Phone.canonical("551198765432")).isEqualTo("5511998765432");
    assertThat(Phone.canonical("5511998765432")).isEqualTo("5511998765432");
    assertThat(Phone.canonical("552187654321")).isEqualTo("5521987654321");
    assertThat(Phone.canonical("556171234567")).isEqualTo("5561971234567");
    assertThat(Phone.canonical("551161234567")).isEqualTo("5511961234567");
    assertThat(Phone.canonical(Phone.normalize("+55 11 8765-4321")))
        .isEqualTo(Phone.canonical(Phone.normalize("+55 11 9 8765-4321")));
  }

  @Test
  void brazilLandlinesStayAsTheyAre() {
    assertThat(Phone.canonical("551132345678")).isEqualTo("551132345678");
    assertThat(Phone.canonical("551122345678")).isEqualTo("551122345678");
    assertThat(Phone.canonical("552145678901")).isEqualTo("552145678901");
    assertThat(Phone.canonical("555154321098")).isEqualTo("555154321098");
    assertThat(Phone.canonical("550187654321")).as("no area code 01").isEqualTo("550187654321");
  }

  @Test
  void argentinaAndOthersAreUnchanged() {
    assertThat(Phone.canonical("5491123456789")).isEqualTo("5491123456789");
    assertThat(Phone.canonical("541123456789")).isEqualTo("541123456789");
    assertThat(Phone.canonical("16505551234")).isEqualTo("16505551234");
    assertThat(Phone.canonical("447911123456")).isEqualTo("447911123456");
    assertThat(Phone.canonical("34612345678")).isEqualTo("34612345678");
  }

  @Test
  void canonicalLeavesNonDigitsAlone() {
    assertThat(Phone.canonical(null)).isNull();
    assertThat(Phone.canonical("")).isEqualTo("");
    assertThat(Phone.canonical("abc")).isEqualTo("abc");
    assertThat(Phone.canonical("+5219991234567")).isEqualTo("+5219991234567");
  }
}
