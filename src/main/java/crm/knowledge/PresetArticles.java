package crm.knowledge;

import crm.bus.CrmException;
import crm.config.Presets;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The help articles each industry preset ships, read once at start from {@code conf/presets/<id>-articles.json} with
 * Vert.x's asynchronous file system (the working directory's file, else the jar's copy, as {@link Presets} does), and
 * validated as an admin's article is: a broken file stops the start naming the file, the article and the field.
 *
 * <p>File shape: {@code {presetId, language, articles:[{id, title, content, tags?, category?}]}}; {@code id} is a slug
 * unique in the file, and {@code presetId + "/" + id} names the article in the database ({@code presetArticleId}).
 */
final class PresetArticles {
  static final String SUFFIX = "-articles.json";
  static final int MAX_ARTICLES = 50;
  private static final Pattern SLUG = Pattern.compile("^[a-z0-9][a-z0-9-]{1,62}$");

  /** One article of a preset, validated. */
  record PresetArticle(String presetArticleId, String title, String content, List<String> tags, String category,
                       String language) {}

  private final Map<String, List<PresetArticle>> byPreset;

  private PresetArticles(Map<String, List<PresetArticle>> byPreset) {
    this.byPreset = byPreset;
  }

  static String path(String presetId) {
    return Presets.DIR + presetId + SUFFIX;
  }

  static Future<PresetArticles> load(Vertx vertx) {
    List<Future<List<PresetArticle>>> reads = Presets.IDS.stream().map(id -> read(vertx, id)).toList();
    return Future.all(reads).map(all -> {
      Map<String, List<PresetArticle>> map = new LinkedHashMap<>();
      for (int i = 0; i < reads.size(); i++) map.put(Presets.IDS.get(i), reads.get(i).result());
      return new PresetArticles(map);
    });
  }

  private static Future<List<PresetArticle>> read(Vertx vertx, String presetId) {
    String path = path(presetId);
    return vertx.fileSystem().readFile(path)
        .recover(err -> Future.failedFuture(new IllegalStateException("Preset article file " + path + " cannot be read: " + err.getMessage(), err)))
        .map(buf -> parse(presetId, path, buf));
  }

  static List<PresetArticle> parse(String presetId, String path, Buffer buf) {
    JsonObject json;
    try {
      json = new JsonObject(buf);
    } catch (DecodeException | ClassCastException e) {
      throw new IllegalStateException("Preset article file " + path + " is not a JSON object: " + e.getMessage(), e);
    }
    String where = "";
    try {
      if (!presetId.equals(json.getValue("presetId"))) throw CrmException.validation("presetId", "presetId must be '" + presetId + "'");
      String language = ArticleInput.language(json);
      if (language == null) throw CrmException.validation("language", "language is required");
      if (!(json.getValue("articles") instanceof JsonArray articles) || articles.isEmpty() || articles.size() > MAX_ARTICLES) {
        throw CrmException.validation("articles", "articles must be an array of 1 to " + MAX_ARTICLES + " articles");
      }
      Set<String> ids = new HashSet<>();
      List<PresetArticle> out = new java.util.ArrayList<>();
      for (int i = 0; i < articles.size(); i++) {
        where = "articles[" + i + "].";
        if (!(articles.getValue(i) instanceof JsonObject a)) throw CrmException.validation("", "must be an object");
        if (!(a.getValue("id") instanceof String slug) || !SLUG.matcher(slug).matches()) {
          throw CrmException.validation("id", "id must be a slug (a-z, 0-9, -)");
        }
        if (!ids.add(slug)) throw CrmException.validation("id", "id '" + slug + "' appears twice");
        ArticleInput.NewArticle valid = ArticleInput.create(a);
        out.add(new PresetArticle(presetId + "/" + slug, valid.title(), valid.content(), valid.tags(), valid.category(),
            valid.language() != null ? valid.language() : language));
      }
      return List.copyOf(out);
    } catch (CrmException e) {
      throw new IllegalStateException("Preset article file " + path + " is invalid: " + where + e.field() + ": " + e.getMessage(), e);
    }
  }

  /** The preset's articles, or null when there is no such preset. */
  List<PresetArticle> of(String presetId) {
    return presetId == null ? null : byPreset.get(presetId);
  }
}
