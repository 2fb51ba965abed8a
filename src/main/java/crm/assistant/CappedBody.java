package crm.assistant;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;
import io.vertx.ext.web.codec.BodyCodec;
import io.vertx.ext.web.codec.spi.BodyStream;

/**
 * A web-client body codec that keeps at most {@code maxBytes}: a longer body fails the response with
 * {@link TooLarge} as soon as it passes the limit, and what arrives after is dropped, not buffered.
 */
final class CappedBody implements BodyCodec<Buffer> {
  private final int maxBytes;

  CappedBody(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  static final class TooLarge extends RuntimeException {
    TooLarge(int maxBytes) {
      super("the answer is larger than " + maxBytes + " bytes", null, false, false);
    }
  }

  @Override
  public BodyStream<Buffer> stream() {
    return new BodyStream<>() {
      private final Buffer buffer = Buffer.buffer();
      private final Promise<Buffer> result = Promise.promise();

      @Override
      public Future<Buffer> result() {
        return result.future();
      }

      @Override
      public void handle(Throwable failure) {
        result.tryFail(failure);
      }

      @Override
      public Future<Void> write(Buffer data) {
        if (!result.future().isComplete()) {
          if (buffer.length() + data.length() > maxBytes) {
            result.tryFail(new TooLarge(maxBytes));
          } else {
            buffer.appendBuffer(data);
          }
        }
        return Future.succeededFuture();
      }

      @Override
      public Future<Void> end() {
        result.tryComplete(buffer);
        return Future.succeededFuture();
      }

      @Override
      public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
        return this;
      }

      @Override
      public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
        return this;
      }

      @Override
      public boolean writeQueueFull() {
        return false;
      }

      @Override
      public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
        return this;
      }
    };
  }
}
