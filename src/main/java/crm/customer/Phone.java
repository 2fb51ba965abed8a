package crm.customer;

/**
 * Phone numbers as the CRM keeps them: E.164 digits without the {@code +} ({@code 529991234567}).
 *
 * <p>{@link #normalize} turns what a person types into those digits; {@link #canonical} maps the
 * several forms WhatsApp and people use for one subscriber to one identity key:
 * <ul>
 *   <li>Mexico: {@code 521} + 10 digits (the old mobile prefix WhatsApp still reports) and {@code 52} + 10
 *       digits are one person; the key is {@code 52} + 10 digits.</li>
 *   <li>Brazil: {@code 55} + area + 8 digits and {@code 55} + area + {@code 9} + 8 digits are one mobile
 *       (WhatsApp often reports the old 8-digit form); the key is the 13-digit form with the 9. Only mobiles
 *       (subscriber part starting 6-9) get the 9; landlines (2-5) stay as they are.</li>
 *   <li>Argentina: left as it is. WhatsApp reports mobiles as {@code 549} + 10 digits, but {@code 54} + 10
 *       digits may be a landline with the same digits, so the two cannot be merged safely.</li>
 * </ul>
 * Everything else is its own key.
 */
public final class Phone {
  private Phone() {}

  private static final int MIN_DIGITS = 8;
  private static final int MAX_DIGITS = 15;

  /**
   * E.164 digits without {@code +}, or null when the input is not a phone number: separators (spaces,
   * {@code - . ( )}) are dropped, a leading {@code +} or {@code 00} (international prefix) is removed;
   * letters or other characters, a {@code +} elsewhere, a leading 0 left over (a national trunk prefix,
   * not E.164) or fewer than 8 / more than 15 digits give null.
   */
  public static String normalize(String input) {
    if (input == null) return null;
    String s = input.strip();
    boolean plus = s.startsWith("+");
    if (plus) s = s.substring(1);
    StringBuilder digits = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') digits.append(c);
      else if (!isSeparator(c)) return null;
    }
    if (!plus && digits.length() > 2 && digits.charAt(0) == '0' && digits.charAt(1) == '0') digits.delete(0, 2);
    int n = digits.length();
    if (n < MIN_DIGITS || n > MAX_DIGITS || digits.charAt(0) == '0') return null;
    return digits.toString();
  }

  /**
   * The identity key of a normalised number (see the class comment). Input that is not plain digits is
   * returned unchanged, null stays null.
   */
  public static String canonical(String digits) {
    if (digits == null || !allDigits(digits)) return digits;
    int n = digits.length();
    if (n == 13 && digits.startsWith("521")) return "52" + digits.substring(3);
    if (n == 12 && digits.startsWith("55") && brazilArea(digits) && "6789".indexOf(digits.charAt(4)) >= 0) {
      return digits.substring(0, 4) + "9" + digits.substring(4);
    }
    return digits;
  }

  /** Brazilian area codes (DDD) are two digits 1-9, 11 to 99. */
  private static boolean brazilArea(String digits) {
    return digits.charAt(2) != '0' && digits.charAt(3) != '0';
  }

  private static boolean isSeparator(char c) {
    return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '\u00A0' || c == '\t';
  }

  private static boolean allDigits(String s) {
    if (s.isEmpty()) return false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') return false;
    }
    return true;
  }
}
