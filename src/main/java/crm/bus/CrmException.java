package crm.bus;

import io.vertx.core.json.JsonObject;

/** A failure with an API error code. Thrown by stores and validators; mapped to the envelope in one place. */
public class CrmException extends RuntimeException {
  private final ErrorCode code;
  private final String field;
  private final Object details;

  public CrmException(ErrorCode code, String message) {
    this(code, message, null, null);
  }

  public CrmException(ErrorCode code, String message, String field, Object details) {
    super(message, null, false, false);
    this.code = code;
    this.field = field;
    this.details = details;
  }

  public static CrmException validation(String field, String message) {
    return new CrmException(ErrorCode.VALIDATION_FAILED, message, field, null);
  }

  public static CrmException notFound(ErrorCode code, String what) {
    return new CrmException(code, what + " not found");
  }

  public ErrorCode code() { return code; }

  public String field() { return field; }

  public Object details() { return details; }

  /** {@code field} and {@code details} as carried in a ServiceException's debugInfo. */
  public JsonObject debugInfo() {
    JsonObject info = new JsonObject();
    if (field != null) info.put("field", field);
    if (details != null) info.put("details", details);
    return info;
  }
}
