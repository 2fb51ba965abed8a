package crm.assistant;

/**
 * Why a chat completion failed. {@link #kind()} is what a caller branches on; {@link #httpStatus()} is 0 when no HTTP
 * answer came; {@link #attempts()} counts the requests made (0 when none was sent).
 */
public final class LlmException extends RuntimeException {

  public enum Kind {
    /** No answer: could not connect, connect or answer timeout, connection dropped. Retried. */
    TIMEOUT(true),
    /** 429. Retried (honouring Retry-After up to a few seconds), except an exhausted quota. */
    RATE_LIMITED(true),
    /** 5xx. Retried. */
    SERVER(true),
    /** 401 / 403: the key is wrong or lacks access. Not retried. */
    AUTH(false),
    /** Any other 4xx (the message is the server's), or a request that could not be sent. Not retried. */
    BAD_REQUEST(false),
    /** An answer that is not a usable chat completion: not JSON, no choices, empty, too large. Not retried. */
    BAD_RESPONSE(false),
    /** AI_BASE_URL or AI_MODEL missing (the message says which); nothing was sent. */
    NOT_CONFIGURED(false);

    private final boolean retryable;

    Kind(boolean retryable) {
      this.retryable = retryable;
    }

    public boolean retryable() {
      return retryable;
    }
  }

  private final Kind kind;
  private final int httpStatus;
  private final int attempts;

  public LlmException(Kind kind, String message) {
    this(kind, message, 0, 0, null);
  }

  public LlmException(Kind kind, String message, int httpStatus, int attempts, Throwable cause) {
    super(message, cause, false, false);
    this.kind = kind;
    this.httpStatus = httpStatus;
    this.attempts = attempts;
  }

  public Kind kind() { return kind; }

  public int httpStatus() { return httpStatus; }

  public int attempts() { return attempts; }

  /** The same failure, counted after {@code n} attempts. */
  LlmException afterAttempts(int n) {
    return new LlmException(kind, getMessage(), httpStatus, n, getCause());
  }

  @Override
  public String toString() {
    return "LlmException[" + kind + (httpStatus > 0 ? " " + httpStatus : "") + ", attempts=" + attempts + "]: " + getMessage();
  }
}
