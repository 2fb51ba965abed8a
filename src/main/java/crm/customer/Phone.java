package crm.customer;

/** Placeholder until the parser branch lands (its Phone replaces this file). */
public final class Phone {
  private Phone() {}

  public static String normalize(String input) {
    if (input == null) return null;
    String d = input.replaceAll("[\\s().-]", "");
    if (d.startsWith("+")) d = d.substring(1);
    return d.matches("\\d{8,15}") ? d : null;
  }

  public static String canonical(String digits) {
    if (digits != null && digits.length() == 13 && digits.startsWith("521")) return "52" + digits.substring(3);
    return digits;
  }
}
