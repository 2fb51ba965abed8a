package crm.knowledge;

import crm.storage.Mongo;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;

/**
 * A help article of the business, as stored in {@code knowledge_articles}. {@code source} says who wrote it:
 * {@code "preset"} (installed from {@code conf/presets/<id>-articles.json}, named by {@code presetArticleId}) or
 * {@code "admin"}. {@code customized} is set when an admin changes a preset article: a later load of the preset leaves
 * it as the admin made it.
 */
record Article(String id, String title, String content, List<String> tags, String category, String businessType,
               String language, boolean active, String source, String presetArticleId, boolean customized,
               String createdBy, Instant createdAt, String updatedBy, Instant updatedAt) {
  static final String COLLECTION = "knowledge_articles";
  static final String GENERAL = "general";
  static final String SOURCE_PRESET = "preset";
  static final String SOURCE_ADMIN = "admin";

  /** A stored document (its {@code $date} values, string {@code _id}) as a record; fields it lacks get neutral values. */
  static Article fromDoc(JsonObject doc) {
    JsonArray tags = doc.getValue("tags") instanceof JsonArray a ? a : new JsonArray();
    return new Article(doc.getString("_id"), str(doc, "title", ""), str(doc, "content", ""),
        tags.stream().filter(t -> t instanceof String).map(t -> (String) t).toList(),
        str(doc, "category", null), str(doc, "businessType", GENERAL), str(doc, "language", "es"),
        !Boolean.FALSE.equals(doc.getValue("active")), str(doc, "source", SOURCE_ADMIN), str(doc, "presetArticleId", null),
        Boolean.TRUE.equals(doc.getValue("customized")), str(doc, "createdBy", null), Mongo.instant(doc.getValue("createdAt")),
        str(doc, "updatedBy", null), Mongo.instant(doc.getValue("updatedAt")));
  }

  /** The document to store (dates as {@code $date}); absent optional fields are left out. */
  JsonObject toDoc() {
    JsonObject doc = new JsonObject().put("_id", id).put("title", title).put("content", content)
        .put("tags", new JsonArray(tags)).put("businessType", businessType).put("language", language).put("active", active)
        .put("source", source).put("createdBy", createdBy)
        .put("createdAt", Mongo.date(createdAt)).put("updatedAt", Mongo.date(updatedAt));
    if (category != null) doc.put("category", category);
    if (presetArticleId != null) doc.put("presetArticleId", presetArticleId);
    if (customized) doc.put("customized", true);
    if (updatedBy != null) doc.put("updatedBy", updatedBy);
    return doc;
  }

  /** As the REST API and the bus answer it: {@code _id} and {@code id}, ISO-8601 dates, {@code category} null when none. */
  JsonObject toJson() {
    JsonObject out = new JsonObject().put("_id", id).put("id", id).put("title", title).put("content", content)
        .put("tags", new JsonArray(tags)).put("category", category).put("businessType", businessType)
        .put("language", language).put("active", active).put("source", source);
    if (presetArticleId != null) out.put("presetArticleId", presetArticleId).put("customized", customized);
    out.put("createdBy", createdBy).put("createdAt", createdAt == null ? null : createdAt.toString());
    if (updatedBy != null) out.put("updatedBy", updatedBy);
    out.put("updatedAt", updatedAt == null ? null : updatedAt.toString());
    return out;
  }

  private static String str(JsonObject doc, String field, String otherwise) {
    return doc.getValue(field) instanceof String s ? s : otherwise;
  }
}
