package crm.knowledge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import crm.config.Presets;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The help articles each preset ships (conf/presets/<id>-articles.json): valid, in the preset's language, in the jar. */
class PresetArticleFilesTest {
  static String text(String id) throws IOException {
    return Files.readString(Path.of(PresetArticles.path(id)), StandardCharsets.UTF_8);
  }

  static Set<String> categories(String id) throws IOException {
    JsonObject preset = new JsonObject(Files.readString(Path.of(Presets.DIR + id + ".json"), StandardCharsets.UTF_8));
    return preset.getJsonArray("categories").stream().map(c -> ((JsonObject) c).getString("id")).collect(Collectors.toSet());
  }

  @ParameterizedTest
  @ValueSource(strings = {"luxfree", "restaurant", "ecommerce", "healthcare"})
  void each_preset_ships_three_to_five_valid_spanish_articles(String id) throws IOException {
    List<PresetArticles.PresetArticle> articles = PresetArticles.parse(id, PresetArticles.path(id), Buffer.buffer(text(id)));
    assertThat(articles).hasSizeBetween(3, 5);
    Set<String> categories = categories(id);
    for (PresetArticles.PresetArticle a : articles) {
      assertThat(a.presetArticleId()).startsWith(id + "/");
      assertThat(a.language()).isEqualTo("es");
      assertThat(a.content().length()).as(a.title()).isBetween(300, 5_000);
      assertThat(a.tags()).as(a.title()).isNotEmpty();
      assertThat(a.category()).as("a category of the %s preset", id).isIn(categories);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"luxfree", "restaurant", "ecommerce", "healthcare"})
  void the_jar_carries_the_same_file(String id) throws IOException {
    try (InputStream in = getClass().getResourceAsStream("/" + PresetArticles.path(id))) {
      assertThat(in).as("classpath copy of %s", id).isNotNull();
      assertThat(new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8))).isEqualTo(new JsonObject(text(id)));
    }
  }

  @Test
  void the_articles_cover_what_each_business_is_asked() throws IOException {
    assertThat(titles("ecommerce")).contains("Política de devoluciones y reembolsos", "Envíos: tiempos de entrega y costos",
        "Métodos de pago aceptados", "Cómo rastrear tu pedido");
    assertThat(titles("restaurant")).contains("Horarios de atención", "Alérgenos y dietas especiales");
    assertThat(titles("healthcare")).contains("Citas: cómo agendar, cambiar o cancelar", "Qué llevar a tu cita",
        "Urgencias: qué hacer en una emergencia");
    assertThat(titles("luxfree")).contains("Qué hacer si te quedas sin luz (corte de luz)",
        "Instalación de paneles solares: el proceso paso a paso", "Reportar un problema con el medidor");
  }

  static List<String> titles(String id) throws IOException {
    return PresetArticles.parse(id, "x", Buffer.buffer(text(id))).stream().map(PresetArticles.PresetArticle::title).toList();
  }

  @Test
  void a_broken_file_is_refused_naming_the_article_and_field() throws IOException {
    JsonObject json = new JsonObject(text("restaurant"));
    json.getJsonArray("articles").getJsonObject(1).put("title", "x");
    assertThatThrownBy(() -> PresetArticles.parse("restaurant", "f.json", json.toBuffer()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("f.json").hasMessageContaining("articles[1].title");
    JsonObject twice = new JsonObject(text("restaurant"));
    twice.getJsonArray("articles").getJsonObject(2).put("id", twice.getJsonArray("articles").getJsonObject(0).getString("id"));
    assertThatThrownBy(() -> PresetArticles.parse("restaurant", "f.json", twice.toBuffer())).hasMessageContaining("appears twice");
    assertThatThrownBy(() -> PresetArticles.parse("ecommerce", "f.json", Buffer.buffer(text("restaurant"))))
        .hasMessageContaining("presetId");
    assertThatThrownBy(() -> PresetArticles.parse("ecommerce", "f.json", Buffer.buffer("[]"))).hasMessageContaining("not a JSON object");
  }
}
