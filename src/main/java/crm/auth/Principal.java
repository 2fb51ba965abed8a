package crm.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;

/** Who is calling, as the access token says. {@code sessionId} is the refresh-token family the token belongs to. */
public record Principal(String agentId, String email, String role, Set<String> permissions, String sessionId,
                        long issuedAt, long expiresAt) {

  public boolean can(String permission) {
    return Permission.AUTHENTICATED.equals(permission) || permissions.contains(permission);
  }

  public boolean isAdmin() {
    return Roles.ADMIN.equals(role);
  }

  public JsonObject toJson() {
    return new JsonObject().put("agentId", agentId).put("email", email).put("role", role)
        .put("permissions", new JsonArray(List.copyOf(permissions))).put("sessionId", sessionId)
        .put("issuedAt", issuedAt).put("expiresAt", expiresAt);
  }

  public static Principal fromJson(JsonObject json) {
    JsonArray perms = json.getJsonArray("permissions", new JsonArray());
    Set<String> set = new java.util.LinkedHashSet<>();
    for (Object p : perms) if (p instanceof String s) set.add(s);
    return new Principal(json.getString("agentId"), json.getString("email"), json.getString("role"),
        Set.copyOf(set), json.getString("sessionId"), json.getLong("issuedAt", 0L), json.getLong("expiresAt", 0L));
  }
}
