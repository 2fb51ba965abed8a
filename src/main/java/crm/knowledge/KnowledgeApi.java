package crm.knowledge;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.Check;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The knowledge requests on the bus (see {@link Addresses#KNOWLEDGE_SEARCH} and the block around it), and this node's
 * index kept current. Every change of the index is a read of the changed articles from the database, and the reads
 * run one after the other (the start-up load first): each read starts after the write it follows is stored, so the
 * index ends as the database is, whatever order the change events of several nodes arrive in.
 */
final class KnowledgeApi {
  private static final Logger log = LoggerFactory.getLogger(KnowledgeApi.class);
  private static final long RETRY_MS = 2_000;

  private final Vertx vertx;
  private final Bus bus;
  private final KnowledgeStore store;
  private final KnowledgeIndex index;
  private final ActiveBusiness active;
  private final PresetArticles presets;
  /** Names this verticle instance in the change events it publishes, so it does not read its own writes twice. */
  private final String origin;
  /** The last queued index change; the next one starts when it is done. */
  private Future<Void> indexed = Future.succeededFuture();

  KnowledgeApi(Vertx vertx, Bus bus, KnowledgeStore store, KnowledgeIndex index, ActiveBusiness active,
               PresetArticles presets, String origin) {
    this.vertx = vertx;
    this.bus = bus;
    this.store = store;
    this.index = index;
    this.active = active;
    this.presets = presets;
    this.origin = origin;
  }

  /**
   * Registers every knowledge address as a local consumer: each node answers from its own index (a search needs no
   * other node), and the node that makes a write has it in its index before it answers.
   */
  Future<Void> serve() {
    return Future.all(List.of(
        bus.serveLocal(Addresses.KNOWLEDGE_SEARCH, this::search).completion(),
        bus.serveLocal(Addresses.KNOWLEDGE_LIST, this::list).completion(),
        bus.serveLocal(Addresses.KNOWLEDGE_GET, this::get).completion(),
        bus.serveLocal(Addresses.KNOWLEDGE_CREATE, this::create).completion(),
        bus.serveLocal(Addresses.KNOWLEDGE_UPDATE, this::update).completion(),
        bus.serveLocal(Addresses.KNOWLEDGE_DELETE, this::delete).completion(),
        bus.serveLocal(Addresses.KNOWLEDGE_INSTALL_PRESET, this::installPreset).completion())).mapEmpty();
  }

  // ---- the index

  /** Reads every article into the index (at start, before anything is served). */
  Future<Void> load() {
    return queue(() -> {
      index.clear();
      return store.each(doc -> index.put(Article.fromDoc(doc))).onSuccess(v -> log.info("Knowledge index: {} articles", index.size()));
    });
  }

  /** A change event: another node's writes are read into this node's index. */
  void changed(JsonObject event) {
    if (event == null || origin.equals(event.getValue("origin")) || !(event.getValue("ids") instanceof JsonArray ids)) return;
    List<String> valid = ids.stream().filter(id -> id instanceof String s && Mongo.isObjectId(s)).map(id -> (String) id).toList();
    if (!valid.isEmpty()) refresh(valid, true);
  }

  /** Reads these articles again into the index: present ones are (re)indexed, missing ones dropped. */
  private Future<Void> refresh(Collection<String> ids, boolean retry) {
    Set<String> wanted = new LinkedHashSet<>(ids);
    return queue(() -> store.byIds(wanted).map(docs -> {
      for (JsonObject doc : docs) {
        index.put(Article.fromDoc(doc));
        wanted.remove(doc.getString("_id"));
      }
      wanted.forEach(index::remove);
      return (Void) null;
    })).onFailure(err -> {
      if (!retry) {
        log.error("Knowledge index: articles {} not read again ({}); searches on this node may miss their change until restart", ids, err.toString());
        return;
      }
      log.warn("Knowledge index: articles {} not read again ({}); retrying", ids, err.toString());
      vertx.setTimer(RETRY_MS, t -> refresh(ids, false));
    });
  }

  private Future<Void> queue(java.util.function.Supplier<Future<Void>> step) {
    Future<Void> next = indexed.transform(ar -> step.get());
    indexed = next.recover(err -> Future.succeededFuture());
    return next;
  }

  /** After a write: this node's index has it, then every other node is told. */
  private Future<Void> written(List<String> ids, String action) {
    return refresh(ids, true).onComplete(ar -> bus.publish(Addresses.EVT_KNOWLEDGE_CHANGED,
        new JsonObject().put("ids", new JsonArray(ids)).put("action", action).put("origin", origin)));
  }

  // ---- search and reading

  private Future<JsonObject> search(JsonObject body) {
    String query = Check.requiredString(body, "query", ArticleInput.QUERY_MAX);
    Integer given = Check.optionalInt(body, "limit", 1, ArticleInput.SEARCH_LIMIT_MAX);
    int limit = given == null ? ArticleInput.SEARCH_LIMIT_DEFAULT : given;
    String type = ArticleInput.businessType(body, "businessType");
    List<String> words = Words.queryWords(query);
    return scope(type).compose(types -> {
      List<KnowledgeIndex.Hit> hits = words.isEmpty() ? List.of()
          : index.search(words, e -> e.active() && types.contains(e.businessType()));
      List<KnowledgeIndex.Hit> top = hits.subList(0, Math.min(limit, hits.size()));
      return byIdsInOrder(top.stream().map(KnowledgeIndex.Hit::id).toList()).map(found -> {
        JsonArray out = new JsonArray();
        for (int i = 0; i < top.size(); i++) {
          Article a = found.get(top.get(i).id());
          if (a == null || !a.active()) continue; // changed since the index saw it
          out.add(new JsonObject().put("id", a.id()).put("title", a.title())
              .put("excerpt", Excerpts.of(a.content(), words, Excerpts.SIZE))
              .put("tags", new JsonArray(a.tags())).put("score", top.get(i).score()));
        }
        return new JsonObject().put("success", true).put("articles", out).put("total", hits.size());
      });
    });
  }

  /** The business types a search or list covers: the given one, or the active one, and "general". */
  private Future<Set<String>> scope(String type) {
    Future<String> which = type != null ? Future.succeededFuture(type) : active.get().map(ActiveBusiness.Active::businessType);
    return which.map(t -> t.equals(Article.GENERAL) ? Set.of(t) : Set.of(t, Article.GENERAL));
  }

  private Future<JsonObject> list(JsonObject body) {
    String search = Check.optionalString(body, "search", ArticleInput.LIST_SEARCH_MAX);
    Integer skipGiven = Check.optionalInt(body, "skip", 0, 100_000_000);
    Integer limitGiven = Check.optionalInt(body, "limit", 1, 100);
    int skip = skipGiven == null ? 0 : skipGiven;
    int limit = limitGiven == null ? 20 : limitGiven;
    String typeParam = Check.optionalString(body, "businessType", 64);
    boolean all = typeParam != null && typeParam.strip().equalsIgnoreCase(ArticleInput.ALL);
    String type = all ? null : ArticleInput.businessType(body, "businessType");
    Future<Predicate<KnowledgeIndex.Entry>> scope;
    if (all) scope = Future.succeededFuture(e -> true);
    else if (type != null) scope = Future.succeededFuture(e -> e.businessType().equals(type));
    else scope = scope(null).map(types -> e -> types.contains(e.businessType()));
    return scope.compose(filter -> {
      List<String> ids;
      if (search == null || search.isBlank()) {
        ids = index.list(filter);
      } else {
        ids = index.search(Words.queryWords(search), filter).stream().map(KnowledgeIndex.Hit::id).toList();
      }
      List<String> page = ids.subList(Math.min(skip, ids.size()), (int) Math.min(ids.size(), (long) skip + limit));
      return byIdsInOrder(page).map(found -> {
        JsonArray out = new JsonArray();
        for (String id : page) {
          Article a = found.get(id);
          if (a != null) out.add(a.toJson());
        }
        return new JsonObject().put("articles", out).put("total", ids.size());
      });
    });
  }

  private Future<Map<String, Article>> byIdsInOrder(List<String> ids) {
    return store.byIds(ids).map(docs -> {
      Map<String, Article> found = new HashMap<>();
      for (JsonObject d : docs) found.put(d.getString("_id"), Article.fromDoc(d));
      return found;
    });
  }

  private Future<JsonObject> get(JsonObject body) {
    String id = ArticleInput.id(body);
    return existing(id).map(a -> new JsonObject().put("article", a.toJson()));
  }

  private Future<Article> existing(String id) {
    return store.byId(id).map(doc -> {
      if (doc == null) throw ArticleInput.notFound();
      return Article.fromDoc(doc);
    });
  }

  // ---- changes

  private Future<JsonObject> create(JsonObject body) {
    ArticleInput.NewArticle in = ArticleInput.create(ArticleInput.object(body, "article"));
    String by = ArticleInput.by(body);
    return active.get().compose(now -> {
      Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
      Article a = new Article(Mongo.newId(), in.title(), in.content(), in.tags(), in.category(),
          in.businessType() != null ? in.businessType() : now.businessType(),
          in.language() != null ? in.language() : now.language(), in.active(), Article.SOURCE_ADMIN, null, false,
          by, at, null, at);
      return store.insert(a.toDoc())
          .compose(v -> written(List.of(a.id()), "created").recover(err -> Future.succeededFuture()))
          .map(v -> {
            log.info("Knowledge article {} created by {} ({})", a.id(), by, a.businessType());
            return new JsonObject().put("article", a.toJson());
          });
    });
  }

  private Future<JsonObject> update(JsonObject body) {
    String id = ArticleInput.id(body);
    Map<String, Object> changes = ArticleInput.changes(ArticleInput.object(body, "changes"));
    String by = ArticleInput.by(body);
    return existing(id).compose(before -> {
      JsonObject set = new JsonObject();
      JsonObject unset = new JsonObject();
      changes.forEach((field, value) -> {
        if (value == null) unset.put(field, "");
        else set.put(field, value instanceof List<?> l ? new JsonArray(new ArrayList<>(l)) : value);
      });
      if (Article.SOURCE_PRESET.equals(before.source())) set.put("customized", true);
      set.put("updatedAt", Mongo.now()).put("updatedBy", by);
      JsonObject update = new JsonObject().put("$set", set);
      if (!unset.isEmpty()) update.put("$unset", unset);
      return store.update(id, update);
    }).compose(doc -> {
      if (doc == null) throw ArticleInput.notFound(); // deleted meanwhile
      Article a = Article.fromDoc(doc);
      return written(List.of(id), "updated").recover(err -> Future.succeededFuture())
          .map(v -> new JsonObject().put("article", a.toJson()));
    });
  }

  private Future<JsonObject> delete(JsonObject body) {
    String id = ArticleInput.id(body);
    String by = ArticleInput.by(body);
    return store.delete(id).compose(removed -> {
      if (!removed) throw ArticleInput.notFound();
      log.info("Knowledge article {} deleted by {}", id, by);
      return written(List.of(id), "deleted").recover(err -> Future.succeededFuture())
          .map(v -> new JsonObject().put("message", "Knowledge article deleted").put("id", id));
    });
  }

  /**
   * Installs a preset's articles (see {@link Addresses#KNOWLEDGE_INSTALL_PRESET}): missing ones are inserted (an
   * insert another node made first is skipped by the unique presetArticleId), untouched ones take the file's text, the
   * ones an admin customized are kept.
   */
  private Future<JsonObject> installPreset(JsonObject body) {
    String presetId = Check.requiredString(body, "presetId", 64);
    List<PresetArticles.PresetArticle> articles = presets.of(presetId);
    if (articles == null) {
      throw new CrmException(ErrorCode.VALIDATION_FAILED, "Unknown preset '" + presetId + "'", "presetId",
          new JsonObject().put("allowed", new JsonArray(ArticleInput.BUSINESS_TYPES.subList(1, ArticleInput.BUSINESS_TYPES.size()))));
    }
    String by = ArticleInput.by(body);
    List<String> keys = articles.stream().map(PresetArticles.PresetArticle::presetArticleId).toList();
    return store.byPresetArticleIds(keys).compose(docs -> {
      Map<String, Article> existing = new HashMap<>();
      for (JsonObject d : docs) existing.put(d.getString("presetArticleId"), Article.fromDoc(d));
      Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
      List<JsonObject> inserts = new ArrayList<>();
      List<Future<Boolean>> updates = new ArrayList<>();
      List<String> touched = new ArrayList<>();
      int kept = 0;
      int unchanged = 0;
      for (PresetArticles.PresetArticle p : articles) {
        Article now = existing.get(p.presetArticleId());
        if (now == null) {
          Article a = new Article(Mongo.newId(), p.title(), p.content(), p.tags(), p.category(), presetId, p.language(), true,
              Article.SOURCE_PRESET, p.presetArticleId(), false, by, at, null, at);
          inserts.add(a.toDoc());
          touched.add(a.id());
        } else if (now.customized()) {
          kept++;
        } else if (sameText(now, p)) {
          unchanged++;
        } else {
          JsonObject set = new JsonObject().put("title", p.title()).put("content", p.content()).put("tags", new JsonArray(p.tags()))
              .put("category", p.category()).put("language", p.language()).put("updatedAt", Mongo.date(at)).put("updatedBy", by);
          updates.add(store.updateUnlessCustomized(now.id(), set));
          touched.add(now.id());
        }
      }
      int keptFinal = kept;
      int unchangedFinal = unchanged;
      Future<Integer> inserted = store.insertNew(inserts);
      return Future.all(inserted, Future.all(updates)).compose(all -> {
        int updated = (int) updates.stream().filter(Future::result).count();
        int raced = updates.size() - updated; // customized between the read and the write
        JsonObject result = new JsonObject().put("presetId", presetId).put("installed", inserted.result())
            .put("updated", updated).put("kept", keptFinal + raced).put("unchanged", unchangedFinal
                + inserts.size() - inserted.result());
        log.info("Knowledge articles of preset {}: {}", presetId, result.encode());
        if (touched.isEmpty()) return Future.succeededFuture(result);
        return written(touched, "preset_installed").recover(err -> Future.succeededFuture()).map(v -> result);
      });
    });
  }

  private static boolean sameText(Article a, PresetArticles.PresetArticle p) {
    return a.title().equals(p.title()) && a.content().equals(p.content()) && a.tags().equals(p.tags())
        && java.util.Objects.equals(a.category(), p.category()) && a.language().equals(p.language());
  }
}
