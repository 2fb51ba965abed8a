package crm.files;

import crm.auth.Permission;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.http.ApiRouter;
import crm.http.RateLimiter.Bucket;
import crm.storage.MediaStore;
import crm.storage.Mongo;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * The file routes: {@code POST /upload} (agents' uploads, streamed to the configured store: {@link Upload}),
 * {@code GET /files/:id} (an uploaded file in GridFS, for a token or a signed link) and {@code GET /media/:id}
 * (WhatsApp's inbound media, for a token), both served by {@link FileServing}. The routes that read or write a
 * store directly instead of asking the bus: bytes stream between the socket and the store, never whole in memory
 * or on the bus.
 */
public final class FileRoutes {
  private FileRoutes() {}

  public static void mount(ApiRouter api, Vertx vertx, JsonObject config, Mongo mongo) {
    MediaStore media = new MediaStore(vertx, mongo);
    FilesConfig files = FilesConfig.fromJson(config);
    FileBackend backend = files.cloudinary() ? new CloudinaryBackend(vertx, files) : new GridFsBackend(media);
    FileStore records = new FileStore(mongo);
    FileLinks links = FileLinks.create(vertx, config);
    vertx.executeBlocking(() -> {
      FileTypes.load(); // Tika's type table, before the first upload needs it
      return null;
    }, false);

    api.stream(HttpMethod.POST, "/upload", Permission.UPLOAD_FILES, Bucket.UPLOAD,
        ctx -> Upload.handle(ctx, backend, records, links));
    api.route(HttpMethod.GET, "/files/:id", Permission.READ_CONVERSATIONS, Bucket.DEFAULT, new SignedLink(links),
        ctx -> FileServing.serve(ctx, media));
    api.get("/media/:id", Permission.READ_CONVERSATIONS, ctx -> FileServing.serve(ctx, media));
  }

  /** {@code ?exp=&sig=} on {@code /files/:id}: a link signed by {@link FileLinks}, instead of a token. */
  private record SignedLink(FileLinks links) implements ApiRouter.Credential {
    @Override
    public boolean presented(RoutingContext ctx) {
      return ctx.request().getParam("sig") != null || ctx.request().getParam("exp") != null;
    }

    @Override
    public void verify(RoutingContext ctx) throws CrmException {
      if (ctx.request().params().getAll("sig").size() > 1 || ctx.request().params().getAll("exp").size() > 1) {
        throw new CrmException(ErrorCode.AUTH_INSUFFICIENT_PERMISSIONS, "The link is malformed");
      }
      links.verify(ctx.pathParam("id"), ctx.request().getParam("exp"), ctx.request().getParam("sig"),
          System.currentTimeMillis() / 1000);
    }
  }
}
