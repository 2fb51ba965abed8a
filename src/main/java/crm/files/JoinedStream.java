package crm.files;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayDeque;
import java.util.function.Function;

/**
 * One stream made of a buffer, a source stream and another buffer, in that order: an upload's first bytes (read for
 * detection) then the rest of it, or a multipart body around a file. The source is pulled as this stream is demanded
 * (pause, fetch and resume are honoured), and each of its buffers may be checked on the way ({@code check} answers the
 * failure, or null). Everything runs on the caller's event loop: every method must be called on it.
 */
final class JoinedStream implements ReadStream<Buffer> {
  private Buffer prefix;
  private final ReadStream<Buffer> source;
  private Buffer suffix;
  private final Function<Buffer, Throwable> check;
  private final ArrayDeque<Buffer> pending = new ArrayDeque<>();

  private boolean sourceEnded;
  private boolean sourceFlowing;
  private boolean sourceAsked;
  private long demand = Long.MAX_VALUE;
  private Handler<Buffer> handler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;
  private Throwable failure;
  private boolean failureTold;
  private boolean endTold;
  private boolean endDelivered;
  private boolean emitting;
  private boolean again;
  private long sourceEvents;
  private Runnable starvedHandler;

  /** {@code source} null: there is none (it ended already); it is paused here and read only on demand. */
  JoinedStream(Buffer prefix, ReadStream<Buffer> source, Buffer suffix, Function<Buffer, Throwable> check) {
    this.prefix = prefix == null || prefix.length() == 0 ? null : prefix;
    this.suffix = suffix == null || suffix.length() == 0 ? null : suffix;
    this.check = check;
    this.source = source;
    this.sourceEnded = source == null;
    if (source != null) {
      source.pause();
      source.handler(this::onSourceData);
      source.endHandler(v -> {
        sourceEvents++;
        sourceEnded = true;
        pump();
      });
      source.exceptionHandler(this::fail);
    }
  }

  /** Fails the stream (its consumer hears it through the exception handler) and stops reading the source. */
  void fail(Throwable err) {
    if (failure != null || endTold) return;
    failure = err;
    pending.clear();
    if (source != null && !sourceEnded) {
      try {
        source.pause();
      } catch (RuntimeException ignored) {
        // the source is gone already
      }
    }
    tellFailure();
  }

  boolean failed() {
    return failure != null;
  }

  /** Why the stream failed, or null. */
  Throwable failure() {
    return failure;
  }

  private void tellFailure() {
    if (failure == null || failureTold || exceptionHandler == null) return;
    failureTold = true;
    exceptionHandler.handle(failure);
  }

  private void onSourceData(Buffer buf) {
    sourceEvents++;
    sourceAsked = false;
    if (failure != null) return;
    Throwable bad = check == null ? null : check.apply(buf);
    if (bad != null) {
      fail(bad);
      return;
    }
    pending.add(buf);
    pump();
  }

  private void pump() {
    if (emitting) {
      again = true;
      return;
    }
    emitting = true;
    try {
      do {
        again = false;
        step();
      } while (again);
    } finally {
      emitting = false;
    }
  }

  private void step() {
    while (handler != null && failure == null && !endTold) {
      Buffer next = null;
      if (prefix != null) {
        next = prefix;
      } else if (!pending.isEmpty()) {
        next = pending.peek();
      } else if (!sourceEnded) {
        askSource();
        return;
      } else if (suffix != null) {
        next = suffix;
      }
      if (next == null) {
        endTold = true;
        tellEnd();
        return;
      }
      if (demand == 0) {
        askSource();
        return;
      }
      if (next == prefix) prefix = null;
      else if (next == suffix) suffix = null;
      else pending.poll();
      if (demand != Long.MAX_VALUE) demand--;
      handler.handle(next);
    }
  }

  /** Keeps the source's flow in line with this stream's demand; pulls one buffer at a time when demand is counted. */
  private void askSource() {
    if (sourceEnded || failure != null) return;
    if (demand == 0 || !pending.isEmpty() || prefix != null) {
      if (sourceFlowing) {
        sourceFlowing = false;
        source.pause();
      }
    } else {
      if (demand == Long.MAX_VALUE) {
        if (!sourceFlowing) {
          sourceFlowing = true;
          source.resume();
        }
      } else if (!sourceAsked) {
        sourceFlowing = false;
        sourceAsked = true;
        source.fetch(1);
      }
      if (starvedHandler != null) starvedHandler.run();
    }
  }

  /**
   * Called each time this stream waits on its source with nothing left to give: whatever the source holds was asked
   * for just before, so a task queued on the event loop after this call runs after the source delivered it.
   */
  void starvedHandler(Runnable handler) {
    this.starvedHandler = handler;
  }

  /** Waiting on the source: demanded, nothing pending, the source neither ended nor failed. */
  boolean starved() {
    return source != null && !sourceEnded && failure == null && !endTold && prefix == null && pending.isEmpty()
        && demand > 0 && handler != null;
  }

  /** How many buffers and ends the source has delivered: a probe's way to see whether anything came. */
  long sourceEvents() {
    return sourceEvents;
  }

  @Override
  public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    this.handler = handler;
    if (handler != null) pump();
    return this;
  }

  @Override
  public ReadStream<Buffer> pause() {
    demand = 0;
    if (!emitting) pump();
    return this;
  }

  @Override
  public ReadStream<Buffer> resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public ReadStream<Buffer> fetch(long amount) {
    if (amount <= 0) return this;
    demand = demand > Long.MAX_VALUE - amount ? Long.MAX_VALUE : demand + amount;
    pump();
    return this;
  }

  private void tellEnd() {
    if (!endTold || endDelivered || endHandler == null) return;
    endDelivered = true;
    endHandler.handle(null);
  }

  @Override
  public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
    this.endHandler = endHandler;
    tellEnd(); // an empty stream may have ended before its end handler was set
    return this;
  }

  @Override
  public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    tellFailure();
    return this;
  }
}
