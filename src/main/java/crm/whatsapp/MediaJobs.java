package crm.whatsapp;

import crm.bus.Bus;
import crm.storage.Mongo;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Placeholder until the media branch lands: downloads of inbound media. */
final class MediaJobs {
  MediaJobs(Vertx vertx, JsonObject cfg, Bus bus, Mongo mongo) {}

  void start() {}

  void enqueue(JsonArray results) {}
}
