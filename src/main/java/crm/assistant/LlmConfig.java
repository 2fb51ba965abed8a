package crm.assistant;

import crm.config.AppConfig;
import crm.config.InvalidConfigException;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The LLM settings (keys AI_*), validated with the rest of {@link AppConfig}: an OpenAI-compatible chat-completions
 * API (OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp server, LM Studio). Values that are present but wrong (a base URL
 * that is not an http(s) URL, a number out of range) fail at start with {@link InvalidConfigException}; missing ones
 * only leave the assistant off, and {@link #notConfiguredReason()} says why.
 *
 * <p>The request goes to {@code AI_BASE_URL + "/chat/completions"}. Azure OpenAI (a base URL with
 * {@code /openai/deployments/<deployment>}, or {@code AI_PROVIDER=azure}) gets {@code ?api-version=AI_API_VERSION}
 * and the key in an {@code api-key} header instead of {@code Authorization: Bearer}.
 */
public record LlmConfig(
    String baseUrl,
    String provider,
    String apiKey,
    String model,
    String apiVersion,
    int connectTimeoutMs,
    int timeoutMs,
    int maxRetries,
    int retryBaseMs,
    int maxTokens,
    double temperature,
    int maxConnections) {

  public static final String AUTO = "auto";
  public static final String OPENAI = "openai";
  public static final String AZURE = "azure";
  public static final String DEFAULT_API_VERSION = "2024-06-01";
  private static final String AZURE_DEPLOYMENTS = "/openai/deployments/";

  public static final List<String> KEYS = List.of(
      "AI_BASE_URL", "AI_PROVIDER", "AI_API_KEY", "AI_MODEL", "AI_API_VERSION", "AI_CONNECT_TIMEOUT_MS",
      "AI_TIMEOUT_MS", "AI_MAX_RETRIES", "AI_RETRY_BASE_MS", "AI_MAX_TOKENS", "AI_TEMPERATURE", "AI_MAX_CONNECTIONS");

  /** Reads (and validates) the settings from a deployment configuration or any JSON with the AI_* keys. */
  public static LlmConfig fromJson(JsonObject config) {
    return from(new AppConfig.Reader(config == null ? new JsonObject() : config));
  }

  public static LlmConfig from(AppConfig.Reader r) {
    String provider = r.oneOf("AI_PROVIDER", AUTO, AUTO, OPENAI, AZURE);
    String apiVersion = r.string("AI_API_VERSION", DEFAULT_API_VERSION).trim();
    if (!apiVersion.isEmpty() && !apiVersion.matches("^[0-9A-Za-z._-]{1,40}$")) {
      throw new InvalidConfigException("AI_API_VERSION", "must look like 2024-06-01, got '" + apiVersion + "'");
    }
    return new LlmConfig(
        baseUrl(r.string("AI_BASE_URL", "")),
        provider,
        r.string("AI_API_KEY", "").trim(),
        r.string("AI_MODEL", "").trim(),
        apiVersion,
        r.integer("AI_CONNECT_TIMEOUT_MS", 5_000, 100, 120_000),
        r.integer("AI_TIMEOUT_MS", 30_000, 100, 600_000),
        r.integer("AI_MAX_RETRIES", 2, 0, 10),
        r.integer("AI_RETRY_BASE_MS", 500, 1, 60_000),
        r.integer("AI_MAX_TOKENS", 500, 1, 1_000_000),
        temperature(r),
        // one per turn waiting on the model: a few hundred conversations answered at once each hold one
        r.integer("AI_MAX_CONNECTIONS", 256, 1, 10_000));
  }

  /** Empty stays empty (assistant off); otherwise an http(s) URL without query, fragment or credentials. */
  private static String baseUrl(String raw) {
    String url = raw.trim().replaceAll("/+$", "");
    if (url.isEmpty()) return "";
    if (url.endsWith("/chat/completions")) { // the whole endpoint pasted: keep its base
      url = url.substring(0, url.length() - "/chat/completions".length()).replaceAll("/+$", "");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new InvalidConfigException("AI_BASE_URL", "is not a URL: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if ((!scheme.equals("http") && !scheme.equals("https")) || uri.getHost() == null) {
      throw new InvalidConfigException("AI_BASE_URL", "must be an http(s) URL like https://api.openai.com/v1, got '" + url + "'");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new InvalidConfigException("AI_BASE_URL", "must not carry a query or fragment (the Azure api-version is AI_API_VERSION)");
    }
    if (uri.getRawUserInfo() != null) {
      throw new InvalidConfigException("AI_BASE_URL", "must not carry credentials (the key is AI_API_KEY)");
    }
    return url;
  }

  private static double temperature(AppConfig.Reader r) {
    String s = r.string("AI_TEMPERATURE", "0.3").trim();
    if (s.isEmpty()) return 0.3;
    double t;
    try {
      t = Double.parseDouble(s);
    } catch (NumberFormatException e) {
      throw new InvalidConfigException("AI_TEMPERATURE", "must be a number between 0 and 2, got '" + s + "'");
    }
    if (!(t >= 0 && t <= 2)) {
      throw new InvalidConfigException("AI_TEMPERATURE", "must be between 0 and 2, got " + s);
    }
    return t;
  }

  /** Azure OpenAI: said so, or (auto) the base URL names a deployment. */
  public boolean azure() {
    return AZURE.equals(provider) || (AUTO.equals(provider) && baseUrl.contains(AZURE_DEPLOYMENTS));
  }

  /** The Azure deployment named in the base URL, or null. */
  public String azureDeployment() {
    int at = baseUrl.indexOf(AZURE_DEPLOYMENTS);
    if (at < 0) return null;
    String rest = baseUrl.substring(at + AZURE_DEPLOYMENTS.length());
    int slash = rest.indexOf('/');
    String deployment = slash < 0 ? rest : rest.substring(0, slash);
    return deployment.isEmpty() ? null : deployment;
  }

  /** The {@code model} sent: AI_MODEL, or for Azure without one the deployment's name (Azure routes by the URL). */
  public String requestModel() {
    if (!model.isEmpty()) return model;
    String deployment = azure() ? azureDeployment() : null;
    return deployment == null ? "" : deployment;
  }

  /** Where the request goes: {@code <base>/chat/completions}, plus {@code ?api-version=} for Azure. */
  public String completionsUrl() {
    String url = baseUrl + "/chat/completions";
    return azure() && !apiVersion.isEmpty() ? url + "?api-version=" + apiVersion : url;
  }

  /** Why the assistant cannot call the LLM (empty when it can): "AI_BASE_URL is not set", "AI_MODEL is not set", ... */
  public Optional<String> notConfiguredReason() {
    if (baseUrl.isEmpty()) return Optional.of("AI_BASE_URL is not set");
    if (requestModel().isEmpty()) return Optional.of("AI_MODEL is not set");
    if (azure() && apiKey.isEmpty()) return Optional.of("AI_API_KEY is not set (Azure OpenAI needs one)");
    return Optional.empty();
  }

  public boolean configured() {
    return notConfiguredReason().isEmpty();
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("AI_BASE_URL", baseUrl).put("AI_PROVIDER", provider).put("AI_API_KEY", apiKey).put("AI_MODEL", model)
        .put("AI_API_VERSION", apiVersion).put("AI_CONNECT_TIMEOUT_MS", connectTimeoutMs).put("AI_TIMEOUT_MS", timeoutMs)
        .put("AI_MAX_RETRIES", maxRetries).put("AI_RETRY_BASE_MS", retryBaseMs).put("AI_MAX_TOKENS", maxTokens)
        .put("AI_TEMPERATURE", temperature).put("AI_MAX_CONNECTIONS", maxConnections);
  }

  /** Without the key, so the record can be logged. */
  @Override
  public String toString() {
    return "LlmConfig[baseUrl=" + baseUrl + ", provider=" + (azure() ? AZURE : OPENAI) + ", model=" + requestModel()
        + ", apiKey=" + (apiKey.isEmpty() ? "none" : "****") + ", timeoutMs=" + timeoutMs + ", maxRetries=" + maxRetries + "]";
  }
}
