package crm.auth;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The role -> permissions table, in one place. Routes name the permission they need ({@link Permission}). */
public final class Roles {
  private Roles() {}

  public static final String ADMIN = "admin";
  public static final String SUPERVISOR = "supervisor";
  public static final String AGENT = "agent";
  public static final List<String> ALL = List.of(ADMIN, SUPERVISOR, AGENT);

  private static final List<String> AGENT_PERMISSIONS = List.of(
      Permission.READ_CONVERSATIONS, Permission.WRITE_CONVERSATIONS, Permission.WRITE_MESSAGES,
      Permission.READ_CUSTOMERS, Permission.WRITE_CUSTOMERS,
      Permission.READ_TICKETS, Permission.WRITE_TICKETS,
      Permission.READ_CONFIG, Permission.UPLOAD_FILES);

  private static final List<String> SUPERVISOR_EXTRA = List.of(
      Permission.ASSIGN_CONVERSATIONS, Permission.MANAGE_TICKETS, Permission.READ_AGENTS,
      Permission.READ_ANALYTICS);

  private static final List<String> ADMIN_EXTRA = List.of(Permission.WRITE_AGENTS, Permission.WRITE_CONFIG,
      Permission.MANAGE_WHATSAPP);

  private static final Map<String, List<String>> TABLE = Map.of(
      AGENT, AGENT_PERMISSIONS,
      SUPERVISOR, concat(AGENT_PERMISSIONS, SUPERVISOR_EXTRA),
      ADMIN, concat(concat(AGENT_PERMISSIONS, SUPERVISOR_EXTRA), ADMIN_EXTRA));

  /** Every role and permission name, each mapped to its constant. */
  private static final Map<String, String> CANONICAL = canonicalNames();

  private static Map<String, String> canonicalNames() {
    Map<String, String> names = new java.util.HashMap<>();
    for (String role : ALL) names.put(role, role);
    for (List<String> perms : TABLE.values()) for (String p : perms) names.put(p, p);
    names.put(Permission.AUTHENTICATED, Permission.AUTHENTICATED);
    return Map.copyOf(names);
  }

  /**
   * The constant for a role or permission name read from a token, else the name itself: the claims parse into new
   * Strings, and every open socket keeps its principal, so 1,000 sockets held 1,000 copies of each name.
   */
  public static String canonical(String name) {
    return name == null ? null : CANONICAL.getOrDefault(name, name);
  }

  public static boolean isRole(String role) {
    return role != null && TABLE.containsKey(role.toLowerCase(Locale.ROOT));
  }

  /** The permissions a role grants; unknown roles grant nothing. */
  public static List<String> permissionsOf(String role) {
    return role == null ? List.of() : TABLE.getOrDefault(role.toLowerCase(Locale.ROOT), List.of());
  }

  private static List<String> concat(List<String> a, List<String> b) {
    Set<String> all = new LinkedHashSet<>(a);
    all.addAll(b);
    return List.copyOf(all);
  }
}
