package crm.auth;

import java.util.List;

/** Permission strings carried in the token ("verb:resource", as in the spec's example). */
public final class Permission {
  private Permission() {}

  public static final String READ_CONVERSATIONS = "read:conversations";
  public static final String WRITE_CONVERSATIONS = "write:conversations";
  public static final String ASSIGN_CONVERSATIONS = "assign:conversations";
  public static final String WRITE_MESSAGES = "write:messages";
  public static final String READ_CUSTOMERS = "read:customers";
  public static final String WRITE_CUSTOMERS = "write:customers";
  public static final String READ_TICKETS = "read:tickets";
  public static final String WRITE_TICKETS = "write:tickets";
  public static final String MANAGE_TICKETS = "manage:tickets";
  public static final String READ_AGENTS = "read:agents";
  public static final String WRITE_AGENTS = "write:agents";
  public static final String READ_ANALYTICS = "read:analytics";
  public static final String READ_CONFIG = "read:config";
  public static final String WRITE_CONFIG = "write:config";
  public static final String UPLOAD_FILES = "upload:files";
  /** WhatsApp operations: dead letters and their retry (admins). */
  public static final String MANAGE_WHATSAPP = "manage:whatsapp";
  /** Any valid token: the route only needs to know who is calling. */
  public static final String AUTHENTICATED = "authenticated";

  public static final List<String> ALL = List.of(READ_CONVERSATIONS, WRITE_CONVERSATIONS, ASSIGN_CONVERSATIONS,
      WRITE_MESSAGES, READ_CUSTOMERS, WRITE_CUSTOMERS, READ_TICKETS, WRITE_TICKETS, MANAGE_TICKETS, READ_AGENTS,
      WRITE_AGENTS, READ_ANALYTICS, READ_CONFIG, WRITE_CONFIG, UPLOAD_FILES, MANAGE_WHATSAPP);
}
