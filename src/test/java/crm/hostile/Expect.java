package crm.hostile;

import io.vertx.core.json.JsonObject;

/** What one hostile request must get back, beyond the checks every request gets; null when it did. */
@FunctionalInterface
interface Expect {
  String check(Wire.Outcome out);

  /** Only the common checks: no 5xx, an answer in time, the envelope on every refusal. */
  static Expect any() {
    return out -> null;
  }

  /** Refused, with a client error (not accepted). */
  static Expect refused() {
    return out -> out.status() >= 400 && out.status() < 500 ? null : "expected a 4xx refusal";
  }

  static Expect error(int status, String code) {
    return out -> {
      if (out.status() != status) return "expected " + status + " " + code;
      String c = code(out);
      return code.equals(c) ? null : "expected " + status + " " + code + ", got code " + c;
    };
  }

  /** 400 VALIDATION_FAILED, and for an object body error.field naming where (the contract for JSON nested past 32). */
  static Expect tooDeep(boolean objectBody) {
    return out -> {
      if (out.status() != 400) return "JSON nested deeper than 32 levels must be 400 VALIDATION_FAILED";
      JsonObject j = out.json();
      JsonObject err = j == null ? null : j.getJsonObject("error");
      if (err == null || !"VALIDATION_FAILED".equals(err.getValue("code"))) return "expected code VALIDATION_FAILED";
      Object field = err.getValue("field");
      if (objectBody && !(field instanceof String f && !f.isBlank())) return "400 for deep JSON must name error.field";
      return null;
    };
  }

  static String code(Wire.Outcome out) {
    JsonObject j = out.json();
    JsonObject err = j == null ? null : j.getJsonObject("error");
    return err == null ? null : String.valueOf(err.getValue("code"));
  }

  /** The envelope {success:false, error:{code,message}, timestamp, path}; null when the answer is one. */
  static String envelopeProblem(Wire.Outcome out) {
    String ct = out.headers().get("Content-Type");
    if (ct == null || !ct.toLowerCase().startsWith("application/json")) return "refusal without a JSON Content-Type (" + ct + ")";
    JsonObject j = out.json();
    if (j == null) return "refusal whose body is not a JSON object";
    if (!Boolean.FALSE.equals(j.getValue("success"))) return "refusal without success:false";
    Object e = j.getValue("error");
    if (!(e instanceof JsonObject err)) return "refusal without an error object";
    if (!(err.getValue("code") instanceof String c) || c.isBlank()) return "refusal without error.code";
    if (!(err.getValue("message") instanceof String m) || m.isBlank()) return "refusal without error.message";
    if (!(j.getValue("timestamp") instanceof String)) return "refusal without timestamp";
    if (!(j.getValue("path") instanceof String)) return "refusal without path";
    return null;
  }
}
