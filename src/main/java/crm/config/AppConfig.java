package crm.config;

import crm.assistant.LlmConfig;
import crm.files.FilesConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The validated configuration. Keys are the environment-variable names (see README); every value can
 * come from conf/config.json, the file named by CRM_CONFIG, the environment, or a system property.
 * {@link #from} fails fast with a message naming the offending key.
 */
public record AppConfig(
    int port,
    String host,
    int httpInstances,
    String mongoUri,
    String mongoDb,
    String dataDir,
    String dbBackend,
    int dbCommitIntervalMs,
    boolean dbFsync,
    int storeCacheMb,
    String jwtSecret,
    int jwtExpiresIn,
    int refreshTokenTtlDays,
    List<String> corsOrigins,
    String adminEmail,
    String adminPassword,
    int passwordHashMemoryKb,
    int passwordHashIterations,
    int rateLimitWindowSeconds,
    int rateLimitAuth,
    int rateLimitMessages,
    int rateLimitUpload,
    int rateLimitDefault,
    int jsonBodyLimit,
    int jsonMaxDepth,
    List<String> trustedProxies,
    crm.cluster.ClusterConfig clustering,
    int shutdownGraceSeconds,
    int webhookLeaseSeconds,
    String whatsappApiUrl,
    String whatsappApiVersion,
    String whatsappPhoneNumberId,
    String whatsappBusinessAccountId,
    String whatsappAccessToken,
    String whatsappAppSecret,
    String whatsappVerifyToken,
    int whatsappWebhookBodyLimit,
    List<String> whatsappMediaHosts,
    int whatsappMediaMaxBytes,
    int whatsappSendRate,
    int whatsappSendMaxAttempts,
    int whatsappRetryBaseMs,
    int whatsappHttpTimeoutMs,
    int whatsappSendDeadlineMs,
    int whatsappSandboxDelayMs,
    boolean assignAllowOffline,
    boolean autoAssign,
    int autoAssignMaxPerAgent,
    boolean conversationAiDefault,
    String inboxListIndex,
    int presenceGraceMs,
    SocketConfig socket,
    TicketConfig tickets,
    LlmConfig ai,
    AssistantConfig assistant,
    CommerceConfig commerce,
    FilesConfig files,
    AnalyticsConfig analytics) {

  /** Keys read from the environment and system properties (the env store's allowlist). */
  public static final List<String> KEYS = java.util.stream.Stream.concat(java.util.stream.Stream.of(
      "PORT", "HOST", "HTTP_INSTANCES", "MONGO_URI", "MONGO_DB", "CRM_DATA_DIR", "CRM_DB_BACKEND",
      "DB_COMMIT_INTERVAL_MS", "DB_FSYNC", "STORE_CACHE_MB", "JWT_SECRET", "JWT_EXPIRES_IN", "REFRESH_TOKEN_TTL_DAYS", "CORS_ORIGINS",
      "CRM_ADMIN_EMAIL", "CRM_ADMIN_PASSWORD", "PASSWORD_HASH_MEMORY_KB", "PASSWORD_HASH_ITERATIONS",
      "RATE_LIMIT_WINDOW_SECONDS", "RATE_LIMIT_AUTH", "RATE_LIMIT_MESSAGES", "RATE_LIMIT_UPLOAD",
      "RATE_LIMIT_DEFAULT", "JSON_BODY_LIMIT", "JSON_MAX_DEPTH", "TRUSTED_PROXIES", "SHUTDOWN_GRACE_SECONDS", "WEBHOOK_LEASE_SECONDS",
      "WHATSAPP_API_URL", "WHATSAPP_API_VERSION", "WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_BUSINESS_ACCOUNT_ID", "WHATSAPP_ACCESS_TOKEN",
      "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN", "WHATSAPP_WEBHOOK_BODY_LIMIT", "WHATSAPP_MEDIA_HOSTS",
      "WHATSAPP_MEDIA_MAX_BYTES", "WHATSAPP_SEND_RATE", "WHATSAPP_SEND_MAX_ATTEMPTS", "WHATSAPP_RETRY_BASE_MS",
      "WHATSAPP_HTTP_TIMEOUT_MS", "WHATSAPP_SEND_DEADLINE_MS", "WHATSAPP_SANDBOX_DELAY_MS",
      "ASSIGN_ALLOW_OFFLINE", "AUTO_ASSIGN", "AUTO_ASSIGN_MAX_PER_AGENT", "CONVERSATION_AI_DEFAULT",
      "INBOX_LIST_INDEX", "PRESENCE_GRACE_MS"),
      java.util.stream.Stream.of(crm.cluster.ClusterConfig.KEYS, SocketConfig.KEYS, TicketConfig.KEYS, LlmConfig.KEYS, AssistantConfig.KEYS, CommerceConfig.KEYS,
              FilesConfig.KEYS, AnalyticsConfig.KEYS)
          .flatMap(List::stream)).toList();

  private static final Set<String> SECRET_KEYS = java.util.stream.Stream.concat(java.util.stream.Stream.of(
      "JWT_SECRET", "CRM_ADMIN_PASSWORD", "MONGO_URI", "WHATSAPP_ACCESS_TOKEN", "WHATSAPP_APP_SECRET",
      "WHATSAPP_VERIFY_TOKEN", "AI_API_KEY"),
      java.util.stream.Stream.concat(FilesConfig.SECRET_KEYS.stream(), crm.cluster.ClusterConfig.SECRET_KEYS.stream())).collect(java.util.stream.Collectors.toUnmodifiableSet());

  public static AppConfig from(JsonObject raw) {
    Reader r = new Reader(raw);
    String backend = r.string("CRM_DB_BACKEND", "h2").toLowerCase(Locale.ROOT);
    if (!backend.equals("h2") && !backend.equals("memory")) {
      throw new InvalidConfigException("CRM_DB_BACKEND", "must be h2 or memory, got '" + backend + "'");
    }
    String secret = r.string("JWT_SECRET", "");
    if (!secret.isEmpty() && secret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
      throw new InvalidConfigException("JWT_SECRET", "must be at least 32 bytes for HS256");
    }
    String email = r.string("CRM_ADMIN_EMAIL", "admin@crm.local").trim().toLowerCase(Locale.ROOT);
    if (!email.matches("^[^@\\s]+@[^@\\s]+$")) {
      throw new InvalidConfigException("CRM_ADMIN_EMAIL", "is not an email address");
    }
    List<String> origins = Arrays.stream(r.string("CORS_ORIGINS", "http://localhost:4200").split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).toList();
    for (String origin : origins) {
      if (!origin.equals("*") && !origin.matches("^https?://[^/\\s]+$")) {
        throw new InvalidConfigException("CORS_ORIGINS", "'" + origin + "' is not an origin like http://host:port");
      }
    }
    String apiUrl = r.nonEmpty("WHATSAPP_API_URL", "https://graph.facebook.com").replaceAll("/+$", "");
    if (!apiUrl.matches("^https?://[^/\\s]+(/[^\\s]*)?$")) {
      throw new InvalidConfigException("WHATSAPP_API_URL", "must be an http(s) URL, got '" + apiUrl + "'");
    }
    String version = r.nonEmpty("WHATSAPP_API_VERSION", "v21.0");
    if (!version.matches("^v\\d+\\.\\d+$")) {
      throw new InvalidConfigException("WHATSAPP_API_VERSION", "must look like v21.0, got '" + version + "'");
    }
    String phoneId = r.string("WHATSAPP_PHONE_NUMBER_ID", "").trim();
    if (!phoneId.isEmpty() && !phoneId.matches("^\\d{1,32}$")) {
      throw new InvalidConfigException("WHATSAPP_PHONE_NUMBER_ID", "must be the numeric phone number id");
    }
    String wabaId = r.string("WHATSAPP_BUSINESS_ACCOUNT_ID", "").trim();
    if (!wabaId.isEmpty() && !wabaId.matches("^\\d{1,32}$")) {
      throw new InvalidConfigException("WHATSAPP_BUSINESS_ACCOUNT_ID", "must be the numeric WhatsApp Business Account id");
    }
    List<String> mediaHosts = Arrays.stream(r.string("WHATSAPP_MEDIA_HOSTS",
            "lookaside.fbsbx.com,*.fbsbx.com,*.fbcdn.net,*.whatsapp.net").split(","))
        .map(String::trim).map(h -> h.toLowerCase(Locale.ROOT)).filter(h -> !h.isEmpty()).toList();
    List<String> trusted = Arrays.stream(r.string("TRUSTED_PROXIES", "").split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).toList();
    for (String proxy : trusted) {
      if (!proxy.matches("^[0-9.]{7,15}$") && !proxy.matches("^[0-9A-Fa-f:]{2,39}$")) {
        throw new InvalidConfigException("TRUSTED_PROXIES", "'" + proxy + "' is not an IP address (list each load balancer's address)");
      }
    }
    return new AppConfig(
        r.integer("PORT", 5000, 0, 65535),
        r.string("HOST", "0.0.0.0"),
        r.integer("HTTP_INSTANCES", 0, 0, 256),
        r.string("MONGO_URI", ""),
        r.nonEmpty("MONGO_DB", "crm"),
        r.nonEmpty("CRM_DATA_DIR", "./data"),
        backend,
        r.integer("DB_COMMIT_INTERVAL_MS", 5, 0, 1000),
        r.bool("DB_FSYNC", true),
        r.integer("STORE_CACHE_MB", 256, 16, 65_536),
        secret,
        r.integer("JWT_EXPIRES_IN", 3600, 1, 86_400 * 7),
        r.integer("REFRESH_TOKEN_TTL_DAYS", 30, 1, 365),
        origins,
        email,
        r.string("CRM_ADMIN_PASSWORD", ""),
        r.integer("PASSWORD_HASH_MEMORY_KB", 19_456, 8, 4_194_304),
        r.integer("PASSWORD_HASH_ITERATIONS", 2, 1, 100),
        r.integer("RATE_LIMIT_WINDOW_SECONDS", 60, 1, 86_400),
        r.integer("RATE_LIMIT_AUTH", 5, 1, Integer.MAX_VALUE),
        r.integer("RATE_LIMIT_MESSAGES", 10, 1, Integer.MAX_VALUE),
        r.integer("RATE_LIMIT_UPLOAD", 5, 1, Integer.MAX_VALUE),
        r.integer("RATE_LIMIT_DEFAULT", 100, 1, Integer.MAX_VALUE),
        // at most 15 MiB: anything taken in must fit in one MongoDB document (16 MiB), or storing it could only fail
        r.integer("JSON_BODY_LIMIT", 1_048_576, 1024, 15 * 1_048_576),
        r.integer("JSON_MAX_DEPTH", 32, 2, 90),
        trusted,
        crm.cluster.ClusterConfig.from(r),
        r.integer("SHUTDOWN_GRACE_SECONDS", 10, 0, 600),
        r.integer("WEBHOOK_LEASE_SECONDS", 30, 2, 3600),
        apiUrl,
        version,
        phoneId,
        wabaId,
        r.string("WHATSAPP_ACCESS_TOKEN", "").trim(),
        r.string("WHATSAPP_APP_SECRET", "").trim(),
        r.string("WHATSAPP_VERIFY_TOKEN", ""),
        r.integer("WHATSAPP_WEBHOOK_BODY_LIMIT", 4 * 1_048_576, 3 * 1_048_576, 15 * 1_048_576),
        mediaHosts,
        r.integer("WHATSAPP_MEDIA_MAX_BYTES", 100 * 1_048_576, 1024, Integer.MAX_VALUE),
        r.integer("WHATSAPP_SEND_RATE", 80, 1, 10_000),
        r.integer("WHATSAPP_SEND_MAX_ATTEMPTS", 5, 1, 20),
        r.integer("WHATSAPP_RETRY_BASE_MS", 500, 1, 60_000),
        r.integer("WHATSAPP_HTTP_TIMEOUT_MS", 15_000, 100, 300_000),
        r.integer("WHATSAPP_SEND_DEADLINE_MS", 10_000, 100, 120_000),
        r.integer("WHATSAPP_SANDBOX_DELAY_MS", 300, 0, 60_000),
        r.bool("ASSIGN_ALLOW_OFFLINE", false),
        r.bool("AUTO_ASSIGN", false),
        r.integer("AUTO_ASSIGN_MAX_PER_AGENT", 10, 1, 10_000),
        r.bool("CONVERSATION_AI_DEFAULT", true),
        r.oneOf("INBOX_LIST_INDEX", "auto", "auto", "memory", "database"),
        r.integer("PRESENCE_GRACE_MS", 30_000, 0, 3_600_000),
        SocketConfig.from(r),
        TicketConfig.from(r),
        LlmConfig.from(r),
        AssistantConfig.from(r),
        CommerceConfig.from(r),
        FilesConfig.from(r),
        AnalyticsConfig.from(r));
  }

  /** No Graph API credentials: outbound messages are recorded and their statuses simulated. */
  public boolean whatsappSandbox() {
    return whatsappAccessToken.isEmpty() || whatsappPhoneNumberId.isEmpty();
  }

  /** Whether this node joins a Hazelcast cluster. */
  public boolean cluster() {
    return clustering.enabled();
  }

  public boolean embeddedDb() {
    return mongoUri.isBlank();
  }

  /** The configuration as the JSON every verticle is deployed with (same keys as the inputs). */
  public JsonObject toJson() {
    return new JsonObject()
        .put("PORT", port).put("HOST", host).put("HTTP_INSTANCES", httpInstances)
        .put("MONGO_URI", mongoUri).put("MONGO_DB", mongoDb).put("CRM_DATA_DIR", dataDir)
        .put("CRM_DB_BACKEND", dbBackend).put("DB_COMMIT_INTERVAL_MS", dbCommitIntervalMs)
        .put("DB_FSYNC", dbFsync)
        .put("STORE_CACHE_MB", storeCacheMb)
        .put("JWT_SECRET", jwtSecret).put("JWT_EXPIRES_IN", jwtExpiresIn)
        .put("REFRESH_TOKEN_TTL_DAYS", refreshTokenTtlDays)
        .put("CORS_ORIGINS", String.join(",", corsOrigins))
        .put("CRM_ADMIN_EMAIL", adminEmail).put("CRM_ADMIN_PASSWORD", adminPassword)
        .put("PASSWORD_HASH_MEMORY_KB", passwordHashMemoryKb)
        .put("PASSWORD_HASH_ITERATIONS", passwordHashIterations)
        .put("RATE_LIMIT_WINDOW_SECONDS", rateLimitWindowSeconds).put("RATE_LIMIT_AUTH", rateLimitAuth)
        .put("RATE_LIMIT_MESSAGES", rateLimitMessages).put("RATE_LIMIT_UPLOAD", rateLimitUpload)
        .put("RATE_LIMIT_DEFAULT", rateLimitDefault).put("JSON_BODY_LIMIT", jsonBodyLimit)
        .put("JSON_MAX_DEPTH", jsonMaxDepth).put("TRUSTED_PROXIES", String.join(",", trustedProxies))
        .mergeIn(clustering.toJson())
        .put("SHUTDOWN_GRACE_SECONDS", shutdownGraceSeconds).put("WEBHOOK_LEASE_SECONDS", webhookLeaseSeconds)
        .put("WHATSAPP_API_URL", whatsappApiUrl).put("WHATSAPP_API_VERSION", whatsappApiVersion)
        .put("WHATSAPP_PHONE_NUMBER_ID", whatsappPhoneNumberId).put("WHATSAPP_BUSINESS_ACCOUNT_ID", whatsappBusinessAccountId)
        .put("WHATSAPP_ACCESS_TOKEN", whatsappAccessToken)
        .put("WHATSAPP_APP_SECRET", whatsappAppSecret).put("WHATSAPP_VERIFY_TOKEN", whatsappVerifyToken)
        .put("WHATSAPP_WEBHOOK_BODY_LIMIT", whatsappWebhookBodyLimit)
        .put("WHATSAPP_MEDIA_HOSTS", String.join(",", whatsappMediaHosts))
        .put("WHATSAPP_MEDIA_MAX_BYTES", whatsappMediaMaxBytes).put("WHATSAPP_SEND_RATE", whatsappSendRate)
        .put("WHATSAPP_SEND_MAX_ATTEMPTS", whatsappSendMaxAttempts).put("WHATSAPP_RETRY_BASE_MS", whatsappRetryBaseMs)
        .put("WHATSAPP_HTTP_TIMEOUT_MS", whatsappHttpTimeoutMs).put("WHATSAPP_SEND_DEADLINE_MS", whatsappSendDeadlineMs)
        .put("WHATSAPP_SANDBOX_DELAY_MS", whatsappSandboxDelayMs)
        .put("ASSIGN_ALLOW_OFFLINE", assignAllowOffline).put("AUTO_ASSIGN", autoAssign)
        .put("AUTO_ASSIGN_MAX_PER_AGENT", autoAssignMaxPerAgent).put("CONVERSATION_AI_DEFAULT", conversationAiDefault)
        .put("INBOX_LIST_INDEX", inboxListIndex).put("PRESENCE_GRACE_MS", presenceGraceMs)
        .mergeIn(socket.toJson())
        .mergeIn(tickets.toJson())
        .mergeIn(ai.toJson())
        .mergeIn(assistant.toJson())
        .mergeIn(commerce.toJson())
        .mergeIn(files.toJson())
        .mergeIn(analytics.toJson());
  }

  /** The configuration with secrets masked, for logs and --print-config. */
  public JsonObject toSafeJson() {
    JsonObject json = toJson();
    for (String key : SECRET_KEYS) {
      String value = json.getString(key, "");
      if (!value.isEmpty()) json.put(key, "****");
    }
    return json;
  }

  /**
   * Reads one typed value; strings (environment, raw-data) and JSON values alike. Public for the settings records that
   * live with their package ({@code crm.assistant.LlmConfig}).
   */
  public record Reader(JsonObject raw) {
    public String string(String key, String def) {
      Object v = raw.getValue(key);
      if (v == null) return def;
      if (v instanceof JsonObject || v instanceof JsonArray) {
        throw new InvalidConfigException(key, "must be a string");
      }
      return v.toString();
    }

    public String nonEmpty(String key, String def) {
      String s = string(key, def).trim();
      if (s.isEmpty()) throw new InvalidConfigException(key, "must not be empty");
      return s;
    }

    public int integer(String key, int def, int min, int max) {
      Object v = raw.getValue(key);
      if (v == null || (v instanceof String s && s.isBlank())) return def;
      long n;
      if (v instanceof Number num) {
        if (num.doubleValue() != Math.rint(num.doubleValue())) {
          throw new InvalidConfigException(key, "must be a whole number, got " + v);
        }
        n = num.longValue();
      } else if (v instanceof String s) {
        try {
          n = Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
          throw new InvalidConfigException(key, "must be a whole number, got '" + s + "'");
        }
      } else {
        throw new InvalidConfigException(key, "must be a whole number, got " + v);
      }
      if (n < min || n > max) {
        throw new InvalidConfigException(key, "must be between " + min + " and " + max + ", got " + n);
      }
      return (int) n;
    }

    public String oneOf(String key, String def, String... allowed) {
      String s = string(key, def).trim().toLowerCase(Locale.ROOT);
      if (s.isEmpty()) return def;
      if (!List.of(allowed).contains(s)) {
        throw new InvalidConfigException(key, "must be one of " + String.join(", ", allowed) + ", got '" + s + "'");
      }
      return s;
    }

    public boolean bool(String key, boolean def) {
      Object v = raw.getValue(key);
      if (v == null || (v instanceof String s && s.isBlank())) return def;
      if (v instanceof Boolean b) return b;
      String s = v.toString().trim().toLowerCase(Locale.ROOT);
      return switch (s) {
        case "true", "1", "yes", "on" -> true;
        case "false", "0", "no", "off" -> false;
        default -> throw new InvalidConfigException(key, "must be true or false, got '" + v + "'");
      };
    }
  }
}
