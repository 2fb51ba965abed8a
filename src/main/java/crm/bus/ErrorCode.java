package crm.bus;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The API error codes of spec/angular-api.md (plus the few NOTES.md adds), each with its HTTP status
 * and a stable event-bus failure code. The one mapping between the three.
 */
public enum ErrorCode {
  AUTH_TOKEN_EXPIRED(401, 1001),
  AUTH_TOKEN_INVALID(401, 1002),
  AUTH_CREDENTIALS_INVALID(401, 1003),
  AUTH_INSUFFICIENT_PERMISSIONS(403, 1004),

  VALIDATION_FAILED(400, 1101),
  PHONE_NUMBER_INVALID(400, 1102),
  EMAIL_INVALID(400, 1103),

  RESOURCE_NOT_FOUND(404, 1201),
  CONVERSATION_NOT_FOUND(404, 1202),
  CUSTOMER_NOT_FOUND(404, 1203),
  TICKET_NOT_FOUND(404, 1204),
  AGENT_NOT_FOUND(404, 1205),
  METHOD_NOT_ALLOWED(405, 1206),
  DUPLICATE_RESOURCE(409, 1207),
  PAYLOAD_TOO_LARGE(413, 1208),
  UNSUPPORTED_MEDIA_TYPE(415, 1209),
  URI_TOO_LONG(414, 1210),
  HEADERS_TOO_LARGE(431, 1211),
  ORIGIN_NOT_ALLOWED(403, 1212),
  /** A Range request none of whose bytes the file has (416, with Content-Range: bytes *&#47;length). */
  RANGE_NOT_SATISFIABLE(416, 1213),

  CONVERSATION_ALREADY_ASSIGNED(409, 1301),
  INVALID_STATUS_TRANSITION(409, 1302),
  AGENT_UNAVAILABLE(422, 1303),
  WHATSAPP_WINDOW_CLOSED(422, 1304),
  BUSINESS_RULE_VIOLATION(422, 1305),
  RATE_LIMIT_EXCEEDED(429, 1306),

  INTERNAL_SERVER_ERROR(500, 1501),
  MESSAGE_SEND_FAILED(502, 1502),
  EXTERNAL_API_ERROR(502, 1503),
  DATABASE_ERROR(503, 1504),
  SERVICE_UNAVAILABLE(503, 1505),
  GATEWAY_TIMEOUT(504, 1506);

  private final int httpStatus;
  private final int busCode;

  ErrorCode(int httpStatus, int busCode) {
    this.httpStatus = httpStatus;
    this.busCode = busCode;
  }

  public int httpStatus() { return httpStatus; }

  public int bus() { return busCode; }

  private static final Map<Integer, ErrorCode> BY_BUS =
      Arrays.stream(values()).collect(Collectors.toMap(ErrorCode::bus, Function.identity()));

  /** The code a bus failure code stands for; unknown codes are internal errors. */
  public static ErrorCode ofBus(int failureCode) {
    return BY_BUS.getOrDefault(failureCode, INTERNAL_SERVER_ERROR);
  }
}
