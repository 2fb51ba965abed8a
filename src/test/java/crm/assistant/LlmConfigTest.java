package crm.assistant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import crm.config.AppConfig;
import crm.config.InvalidConfigException;
import io.vertx.core.json.JsonObject;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link LlmConfig}: defaults, validation through {@link AppConfig}, providers, the not-configured reasons. */
class LlmConfigTest {

  @Test
  void defaults_leave_the_assistant_off_because_no_base_url_is_set() {
    LlmConfig cfg = AppConfig.from(new JsonObject()).ai();
    assertThat(cfg.configured()).isFalse();
    assertThat(cfg.notConfiguredReason()).contains("AI_BASE_URL is not set");
    assertThat(cfg.connectTimeoutMs()).isEqualTo(5_000);
    assertThat(cfg.timeoutMs()).isEqualTo(30_000);
    assertThat(cfg.maxRetries()).isEqualTo(2);
    assertThat(cfg.retryBaseMs()).isEqualTo(500);
    assertThat(cfg.maxTokens()).isEqualTo(500);
    assertThat(cfg.temperature()).isEqualTo(0.3);
    assertThat(cfg.apiVersion()).isEqualTo("2024-06-01");
    assertThat(cfg.provider()).isEqualTo("auto");
  }

  @Test
  void a_base_url_without_model_says_AI_MODEL_is_not_set() {
    LlmConfig cfg = LlmConfig.fromJson(new JsonObject().put("AI_BASE_URL", "http://localhost:11434/v1"));
    assertThat(cfg.notConfiguredReason()).contains("AI_MODEL is not set");
  }

  @Test
  void openai_compatible_servers_need_no_key() {
    LlmConfig cfg = LlmConfig.fromJson(new JsonObject().put("AI_BASE_URL", "http://localhost:11434/v1/")
        .put("AI_MODEL", "llama3.1:8b").put("AI_MAX_TOKENS", "800").put("AI_TEMPERATURE", "0"));
    assertThat(cfg.configured()).isTrue();
    assertThat(cfg.azure()).isFalse();
    assertThat(cfg.completionsUrl()).isEqualTo("http://localhost:11434/v1/chat/completions");
    assertThat(cfg.maxTokens()).isEqualTo(800);
    assertThat(cfg.temperature()).isZero();
  }

  @Test
  void a_pasted_endpoint_keeps_its_base() {
    LlmConfig cfg = LlmConfig.fromJson(new JsonObject().put("AI_BASE_URL", "https://api.openai.com/v1/chat/completions"));
    assertThat(cfg.baseUrl()).isEqualTo("https://api.openai.com/v1");
  }

  @Test
  void azure_is_detected_by_the_deployment_path_and_uses_it_as_model() {
    LlmConfig cfg = LlmConfig.fromJson(new JsonObject()
        .put("AI_BASE_URL", "https://contoso.openai.azure.com/openai/deployments/gpt4o-prod").put("AI_API_KEY", "k"));
    assertThat(cfg.azure()).isTrue();
    assertThat(cfg.azureDeployment()).isEqualTo("gpt4o-prod");
    assertThat(cfg.requestModel()).isEqualTo("gpt4o-prod");
    assertThat(cfg.configured()).isTrue();
    assertThat(cfg.completionsUrl())
        .isEqualTo("https://contoso.openai.azure.com/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-06-01");
    assertThat(LlmConfig.fromJson(cfg.toJson().put("AI_API_KEY", "")).notConfiguredReason())
        .contains("AI_API_KEY is not set (Azure OpenAI needs one)");
  }

  @Test
  void the_provider_setting_wins_over_the_path() {
    JsonObject base = new JsonObject().put("AI_BASE_URL", "https://proxy.example/openai/deployments/x").put("AI_MODEL", "m");
    assertThat(LlmConfig.fromJson(base.copy().put("AI_PROVIDER", "openai")).azure()).isFalse();
    assertThat(LlmConfig.fromJson(base.copy().put("AI_PROVIDER", "AZURE").put("AI_BASE_URL", "https://gw.example/v1"))
        .azure()).isTrue();
    assertThat(LlmConfig.fromJson(base.copy().put("AI_API_VERSION", "")).completionsUrl()).doesNotContain("api-version");
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("AI_BASE_URL", "localhost:11434/v1"),
        Arguments.of("AI_BASE_URL", "ftp://models.example/v1"),
        Arguments.of("AI_BASE_URL", "http://exa mple.com/v1"),
        Arguments.of("AI_BASE_URL", "https://res.openai.azure.com/openai/deployments/d?api-version=2024-06-01"),
        Arguments.of("AI_BASE_URL", "https://user:secret@api.example/v1"),
        Arguments.of("AI_PROVIDER", "anthropic"),
        Arguments.of("AI_API_VERSION", "2024 06 01"),
        Arguments.of("AI_CONNECT_TIMEOUT_MS", 0),
        Arguments.of("AI_TIMEOUT_MS", "soon"),
        Arguments.of("AI_MAX_RETRIES", -1),
        Arguments.of("AI_MAX_RETRIES", 11),
        Arguments.of("AI_RETRY_BASE_MS", 0),
        Arguments.of("AI_MAX_TOKENS", 0),
        Arguments.of("AI_TEMPERATURE", "2.5"),
        Arguments.of("AI_TEMPERATURE", "warm"),
        Arguments.of("AI_TEMPERATURE", -0.1));
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("invalid")
  void invalid_values_stop_the_start_naming_the_key(String key, Object value) {
    assertThatThrownBy(() -> AppConfig.from(new JsonObject().put(key, value)))
        .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.key()).isEqualTo(key));
  }

  @Test
  void the_key_is_masked_in_safe_json_and_absent_from_to_string() {
    AppConfig cfg = AppConfig.from(new JsonObject().put("AI_BASE_URL", "https://api.openai.com/v1")
        .put("AI_API_KEY", "sk-live-secret-value").put("AI_MODEL", "gpt-4o-mini"));
    assertThat(cfg.toSafeJson().getString("AI_API_KEY")).isEqualTo("****");
    assertThat(cfg.toJson().getString("AI_API_KEY")).isEqualTo("sk-live-secret-value");
    assertThat(cfg.ai().toString()).doesNotContain("sk-live-secret-value").contains("gpt-4o-mini");
    assertThat(AppConfig.from(cfg.toJson())).isEqualTo(cfg);
  }
}
