package crm.support;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;

/** A write stream that keeps everything written, for reading streamed bytes back in tests. */
public final class BufferSink implements WriteStream<Buffer> {
  private final Buffer data = Buffer.buffer();
  private final Promise<Void> ended = Promise.promise();

  public synchronized Buffer buffer() { return data.copy(); }

  public Future<Void> ended() { return ended.future(); }

  @Override
  public synchronized Future<Void> write(Buffer chunk) {
    data.appendBuffer(chunk);
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> end() {
    ended.tryComplete();
    return Future.succeededFuture();
  }

  @Override
  public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) { return this; }

  @Override
  public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) { return this; }

  @Override
  public boolean writeQueueFull() { return false; }

  @Override
  public WriteStream<Buffer> drainHandler(Handler<Void> handler) { return this; }
}
