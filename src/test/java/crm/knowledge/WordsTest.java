package crm.knowledge;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Word folding, stop words, matching, ranking and excerpts, without the application. */
class WordsTest {

  @Test
  void words_are_folded_to_lower_case_without_accents() {
    assertThat(Words.fold("Políticas")).isEqualTo("politicas");
    assertThat(Words.fold("ENVÍO")).isEqualTo("envio");
    assertThat(Words.fold("Año")).isEqualTo("ano");
    assertThat(Words.fold("Atención")).isEqualTo("atencion");
    // already decomposed input (e + combining acute) folds the same
    assertThat(Words.tokens("Atencio\u0301n").get(0).word()).isEqualTo("atencion");
    assertThat(Words.tokens("¿Cuál es el horario de atención?").stream().map(Words.Token::word).toList())
        .containsExactly("cual", "es", "el", "horario", "de", "atencion");
  }

  @Test
  void tokens_keep_their_place_in_the_original_text() {
    String text = "Envíos: tiempos";
    List<Words.Token> tokens = Words.tokens(text);
    assertThat(tokens).hasSize(2);
    assertThat(text.substring(tokens.get(0).start(), tokens.get(0).end())).isEqualTo("Envíos");
    assertThat(text.substring(tokens.get(1).start(), tokens.get(1).end())).isEqualTo("tiempos");
  }

  @Test
  void query_words_drop_spanish_and_english_stop_words_and_operators() {
    assertThat(Words.queryWords("¿Cuál es la política de devoluciones?")).containsExactly("politica", "devoluciones");
    assertThat(Words.queryWords("What is the return policy for my order")).containsExactly("return", "policy", "order");
    assertThat(Words.queryWords("de la que el")).isEmpty();
    assertThat(Words.queryWords("{\"$ne\": null}")).containsExactly("ne", "null");
    assertThat(Words.queryWords(".* ^$ [a-z]+ (((")).isEmpty();
    assertThat(Words.queryWords("envío ENVÍO Envio")).containsExactly("envio");
  }

  @Test
  void a_query_word_matches_itself_the_longer_words_it_begins_and_its_singular() {
    assertThat(Words.match("devolucion", "devolucion")).isEqualTo(Words.EXACT);
    assertThat(Words.match("devolucion", "devoluciones")).isEqualTo(Words.LOOSE);
    assertThat(Words.match("horario", "horarios")).isEqualTo(Words.LOOSE);
    assertThat(Words.match("envios", "envio")).isEqualTo(Words.LOOSE);
    assertThat(Words.match("devoluciones", "devolucion")).isEqualTo(Words.LOOSE);
    // a short word matches only itself: "pa" is no prefix of "pago"
    assertThat(Words.match("pa", "pago")).isEqualTo(Words.NONE);
    assertThat(Words.match("pago", "pagos")).isEqualTo(Words.LOOSE);
    assertThat(Words.match("devoluciones", "devol")).isEqualTo(Words.NONE);
  }

  static Article article(String id, String title, List<String> tags, String content, String type, boolean active) {
    Instant now = Instant.now();
    return new Article(id, title, content, tags, null, type, "es", active, Article.SOURCE_ADMIN, null, false, "t", now, null, now);
  }

  @Test
  void the_index_ranks_title_over_tags_over_content_and_filters_by_scope() {
    KnowledgeIndex index = new KnowledgeIndex();
    index.put(article("c", "Otro tema", List.of(), "La garantía cubre la garantía y otra garantía más, garantía.", "general", true));
    index.put(article("t", "Garantía de productos", List.of(), "Texto sin relación.", "general", true));
    index.put(article("g", "Preguntas", List.of("garantías"), "Nada.", "general", true));
    index.put(article("x", "Garantía de otro negocio", List.of(), "Nada.", "restaurant", true));
    index.put(article("i", "Garantía inactiva", List.of(), "Nada.", "general", false));
    List<KnowledgeIndex.Hit> hits = index.search(List.of("garantia"), e -> e.active() && e.businessType().equals("general"));
    assertThat(hits.stream().map(KnowledgeIndex.Hit::id).toList()).containsExactly("t", "g", "c");
    assertThat(hits.get(0).score()).isGreaterThan(hits.get(1).score());
    // replaced and removed articles are no longer found by their old words
    index.put(article("t", "Envíos", List.of(), "Texto.", "general", true));
    index.remove("g");
    List<String> after = index.search(List.of("garantia"), e -> true).stream().map(KnowledgeIndex.Hit::id).toList();
    assertThat(after).containsExactlyInAnyOrder("c", "x", "i");
    assertThat(after.get(2)).as("the content-only match last").isEqualTo("c");
  }

  @Test
  void an_article_matching_more_query_words_ranks_higher() {
    KnowledgeIndex index = new KnowledgeIndex();
    index.put(article("one", "Costos de envío", List.of(), "Tarifas.", "general", true));
    index.put(article("both", "Costos y tiempos de envío", List.of(), "Tarifas.", "general", true));
    assertThat(index.search(Words.queryWords("tiempos de envío"), e -> true).stream().map(KnowledgeIndex.Hit::id).toList())
        .containsExactly("both", "one");
  }

  @Test
  void the_excerpt_is_the_part_of_the_content_around_the_matched_words() {
    String filler = "Texto de relleno sin nada que ver con la pregunta del cliente. ".repeat(20);
    String answer = "Los reembolsos se hacen al mismo método de pago en 5 a 10 días hábiles.";
    String content = filler + answer + " " + filler;
    String excerpt = Excerpts.of(content, Words.queryWords("reembolso"), Excerpts.SIZE);
    assertThat(excerpt).contains(answer);
    assertThat(excerpt.length()).isLessThanOrEqualTo(Excerpts.SIZE + 2);
    assertThat(excerpt).startsWith("…").endsWith("…");
    // the window with most distinct query words wins over a lone early match
    String two = "pago " + filler + "reembolso por el pago " + filler;
    assertThat(Excerpts.of(two, Words.queryWords("pago reembolso"), Excerpts.SIZE)).contains("reembolso por el pago");
    // short content whole; no match in the content: its start
    assertThat(Excerpts.of("Corto.", List.of("nada"), Excerpts.SIZE)).isEqualTo("Corto.");
    assertThat(Excerpts.of(filler, List.of("zzzz"), Excerpts.SIZE)).startsWith("Texto de relleno").endsWith("…");
  }
}
