package crm.bus;

/** Every event-bus address of the system, in one place. Requests are imperative, events past tense. */
public final class Addresses {
  private Addresses() {}

  // auth (served by the agent verticle)
  public static final String AUTH_LOGIN = "crm.auth.login";
  public static final String AUTH_REFRESH = "crm.auth.refresh";
  public static final String AUTH_LOGOUT = "crm.auth.logout";
  public static final String AUTH_REVOCATIONS = "crm.auth.revocations";

  // agents
  public static final String AGENT_LIST = "crm.agent.list";
  public static final String AGENT_GET = "crm.agent.get";
  public static final String AGENT_CREATE = "crm.agent.create";
  public static final String AGENT_UPDATE = "crm.agent.update";
  public static final String AGENT_SET_ACTIVE = "crm.agent.set_active";

  // storage (node-local: the embedded database's group commit)
  public static final String STORAGE_SYNC = "crm.storage.sync";
  public static final String STORAGE_PING = "crm.storage.ping";

  // domain events (publish)
  public static final String EVT_AGENT_CREATED = "crm.events.agent.created";
  public static final String EVT_AGENT_UPDATED = "crm.events.agent.updated";
  /** An agent was deactivated or a session (refresh-token family) revoked: access tokens carrying it stop working. */
  public static final String EVT_AUTH_REVOKED = "crm.events.auth.revoked";
}
