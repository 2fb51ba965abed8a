package crm.config;

import crm.bus.CrmException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The industry presets, read once at start from {@code conf/presets/<id>.json} with Vert.x's asynchronous file
 * system (never on the event loop): the file in the working directory when there is one, otherwise the copy the
 * build packs into the jar under the same path (the pom copies {@code conf/} onto the classpath), so the fat jar
 * finds them from any directory and an operator can still override one by placing a file in {@code ./conf/presets/}.
 */
public final class Presets {
  /** The presets the spec names ({@code LoadPresetRequest.presetId}), in the order they are listed. */
  public static final List<String> IDS = List.of("luxfree", "restaurant", "ecommerce", "healthcare");
  public static final String DIR = "conf/presets/";

  private final Map<String, Preset> byId;

  private Presets(Map<String, Preset> byId) {
    this.byId = byId;
  }

  /** Reads and validates every preset; fails (naming the file and the field) when one is missing or invalid. */
  public static Future<Presets> load(Vertx vertx) {
    List<Future<Preset>> reads = IDS.stream().map(id -> read(vertx, id)).toList();
    return Future.all(reads).map(all -> {
      Map<String, Preset> map = new LinkedHashMap<>();
      for (Future<Preset> f : reads) map.put(f.result().id(), f.result());
      return new Presets(map);
    });
  }

  private static Future<Preset> read(Vertx vertx, String id) {
    String path = DIR + id + ".json";
    return vertx.fileSystem().readFile(path)
        .recover(err -> Future.failedFuture(new IllegalStateException("Preset file " + path + " cannot be read: " + err.getMessage(), err)))
        .map(buf -> {
          try {
            Preset p = Preset.fromJson(new JsonObject(buf));
            if (!p.id().equals(id)) throw new IllegalStateException("Preset file " + path + " has id '" + p.id() + "', expected '" + id + "'");
            return p;
          } catch (DecodeException | ClassCastException e) {
            throw new IllegalStateException("Preset file " + path + " is not a JSON object: " + e.getMessage(), e);
          } catch (CrmException e) {
            throw new IllegalStateException("Preset file " + path + " is invalid: " + e.getMessage(), e);
          }
        });
  }

  /** The preset, or null when there is none with that id. */
  public Preset get(String id) {
    return id == null ? null : byId.get(id);
  }

  public List<String> ids() {
    return List.copyOf(byId.keySet());
  }

  /** [{id, name, description, industry}]. */
  public JsonArray summaries() {
    JsonArray out = new JsonArray();
    byId.values().forEach(p -> out.add(p.summary()));
    return out;
  }
}
