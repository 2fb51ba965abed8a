package crm.config;

/** Start-up refuses a configuration value; the message names the key. */
public class InvalidConfigException extends RuntimeException {
  private final String key;

  public InvalidConfigException(String key, String problem) {
    super("Invalid configuration " + key + ": " + problem);
    this.key = key;
  }

  public String key() { return key; }
}
