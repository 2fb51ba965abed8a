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
  /** {ids:[...]} -> {agents:{id: {_id, firstName, lastName, avatar, status, isActive, role}}}: for populating lists. */
  public static final String AGENT_SUMMARIES = "crm.agent.summaries";
  /**
   * {agentId, status, from?:[statuses], lastSeen?, announced?} -> {changed, agentId, status, lastSeen}: sets an agent's
   * status (online, offline, busy, away) and lastSeen (the given ISO instant, or now) if the status is one of
   * {@code from}; publishes {@link #EVT_AGENT_STATUS_CHANGED} when it changed. {@code announced: true} (never with
   * {@code from}) says the caller has published that event already, before the write: nothing is published then, unless
   * the write fails (the status the agent really has is published) or this node published another status of the agent
   * after that announcement (the announced one is published again once stored). A node stores one agent's changes in
   * the order they were asked for; the announcing caller asks its own node.
   */
  public static final String AGENT_SET_STATUS = "crm.agent.set_status";
  /** {} -> {ids:[...]}: agents whose status is online, busy or away (for the presence sweep). */
  public static final String AGENT_PRESENT = "crm.agent.present";
  /** {} -> {agents:[summaries]}: active agents and supervisors whose status is online (for auto-assignment). */
  public static final String AGENT_ONLINE = "crm.agent.online";
  /** {} -> {agents:[{_id, firstName, lastName, role, status, isActive}]}: every agent, for analytics (presence counts, per-agent rows). */
  public static final String AGENT_ROSTER = "crm.agent.roster";

  // customers (the inbox domain's verticle serves them)
  public static final String CUSTOMER_LIST = "crm.customer.list";
  public static final String CUSTOMER_GET = "crm.customer.get";
  public static final String CUSTOMER_CREATE = "crm.customer.create";
  public static final String CUSTOMER_UPDATE = "crm.customer.update";

  // conversations as agents see them; every request carries the caller ({agentId, role}) for visibility
  public static final String CONVERSATION_LIST = "crm.conversation.list";
  public static final String CONVERSATION_GET = "crm.conversation.get";
  public static final String CONVERSATION_MESSAGES = "crm.conversation.messages";
  public static final String CONVERSATION_ASSIGN = "crm.conversation.assign";
  public static final String CONVERSATION_SET_STATUS = "crm.conversation.set_status";
  public static final String CONVERSATION_MARK_READ = "crm.conversation.mark_read";
  public static final String CONVERSATION_SET_AI = "crm.conversation.set_ai";
  /**
   * Node-local: {ids:[...]} reads these conversations again into the in-memory list index, {} reloads it all; for
   * whoever changes conversations in the database behind the inbox's back (an operator, a test's setup).
   */
  public static final String CONVERSATION_REINDEX = "crm.conversation.reindex";
  /**
   * {caller, conversationId, isTyping} -> {sent}: an agent types in a conversation they may see; while typing, the
   * customer's WhatsApp shows the typing indicator (best effort; the Cloud API has no "stopped typing").
   */
  public static final String CONVERSATION_AGENT_TYPING = "crm.conversation.agent_typing";
  /**
   * {caller, conversationId, isTyping} -> {conversationId, customerPhone, isTyping}: says that the customer of a
   * conversation the caller may see is (or stopped) typing: publishes {@link #EVT_CUSTOMER_TYPING}. WhatsApp's Cloud API
   * reports no customer typing, so only the sandbox's "play the customer" route asks (POST /whatsapp/sandbox/typing).
   */
  public static final String CONVERSATION_CUSTOMER_TYPING = "crm.conversation.customer_typing";
  /** {conversationId, agentId, role} -> {visible}: the visibility rule, for the socket bridge. */
  public static final String CONVERSATION_VISIBLE = "crm.conversation.visible";
  /**
   * {conversationId, limit} -> {conversation:{_id, customerId, status, isAIEnabled, assignedAgentId, messageSeq},
   * customer:{_id, name, phoneNumber, email, waId}, messages:[{seq, direction, type, content, timestamp, sentBy}]}:
   * what one turn of the assistant reads (the last {@code limit} messages, oldest first).
   */
  public static final String CONVERSATION_ASSISTANT_CONTEXT = "crm.conversation.assistant_context";
  /**
   * {conversationId, reason?, caller?} -> {conversation, assignedAgentId}: AI off with {@code handoff: {at, reason, by?}},
   * then auto-assigned when AUTO_ASSIGN is on; a no-op when the assistant is already off. The assistant asks without a
   * caller; a person (REST) with one, who must see the conversation.
   */
  public static final String CONVERSATION_HANDOFF = "crm.conversation.handoff";
  /**
   * {limit} -> {conversations:[{conversationId, seq}]}: open or assigned conversations with the assistant on whose last
   * message is the customer's (seq: the conversation's newest message number); the assistant's to-do list at start.
   */
  public static final String CONVERSATION_AWAITING_ASSISTANT = "crm.conversation.awaiting_assistant";

  // whatsapp
  /** Durably store one raw webhook body (the HTTP route's only bus call); reply once it is on disk. */
  public static final String WHATSAPP_INTAKE = "crm.whatsapp.intake";
  /** Send a message to a customer through the Graph API (or the sandbox). */
  public static final String WHATSAPP_SEND = "crm.whatsapp.send";
  /**
   * {} -> {templates:[{name, language, category, status, parameters (how many {{n}} the body has), body}], source
   * ("whatsapp" | "sandbox" | "unconfigured"), message?}: the templates agents may send (crm.whatsapp.TemplateCatalog);
   * a Graph API error fails with EXTERNAL_API_ERROR.
   */
  public static final String WHATSAPP_TEMPLATES = "crm.whatsapp.templates";
  /** Webhook backlog and message counts, for operations and the ingest benchmark. */
  public static final String WHATSAPP_STATS = "crm.whatsapp.stats";
  /** {page, limit} -> {deadLetters, pagination}: messages, statuses and bodies set aside because they cannot be recorded. */
  public static final String WHATSAPP_DEAD_LETTERS = "crm.whatsapp.dead_letters";
  /** {id} -> {deadLetter} with its whole payload. */
  public static final String WHATSAPP_DEAD_LETTER_GET = "crm.whatsapp.dead_letter.get";
  /** {id} -> {retried, id, kind}: records a dead letter again; it is removed once that worked. */
  public static final String WHATSAPP_DEAD_LETTER_RETRY = "crm.whatsapp.dead_letter.retry";

  // conversations, customers and messages (the inbox domain)
  /** A batch of parsed inbound messages: customers upserted, conversations found or opened, messages stored once. */
  public static final String CONVERSATION_RECORD_INBOUND = "crm.conversation.record_inbound";
  /** A batch of delivery statuses for outbound messages (monotonic; unknown ids kept for later). */
  public static final String CONVERSATION_RECORD_STATUSES = "crm.conversation.record_statuses";
  /** A media attachment of a stored message became available (or finally failed). */
  public static final String CONVERSATION_ATTACHMENT_READY = "crm.conversation.attachment_ready";
  /** Store an outbound message as pending (24 h window, idempotency key) before it is sent. */
  public static final String CONVERSATION_PREPARE_OUTBOUND = "crm.conversation.prepare_outbound";
  /** The Graph API's answer for a pending outbound message: its wamid, or the final error. */
  public static final String CONVERSATION_OUTBOUND_RESULT = "crm.conversation.outbound_result";
  public static final String CONVERSATION_STATS = "crm.conversation.stats";
  /**
   * For analytics (crm.analytics): {items:[{id, after, limit}]} -> {conversations:[{_id, status, assignedAgentId,
   * createdAt (epoch ms), messageSeq, messages:[{s: seq, d: "i"|"o", t: epoch ms, a?: agentId, b?: metadata.sentBy,
   * w?: metadata.waType}]}]}: each conversation as it is now and its messages numbered after {@code after} (up to
   * {@code limit}, in number order; a number with no message is left out). Unknown conversations are left out.
   */
  public static final String CONVERSATION_ANALYTICS_FACTS = "crm.conversation.analytics_facts";
  /** For the analytics recount: {} -> {ids:[every conversation id]}. */
  public static final String CONVERSATION_ANALYTICS_IDS = "crm.conversation.analytics_ids";

  // tickets (crm.ticket.TicketVerticle); every request carries the caller ({agentId, role, permissions})
  /** {caller, skip, limit, status, priority, category, assignedAgent, customerId, search, dateFrom, dateTo, businessType} -> {tickets, total}. */
  public static final String TICKET_LIST = "crm.ticket.list";
  /** {caller, customer (id or phone), status?, limit?, businessType?} -> {tickets, total}: one customer's tickets. */
  public static final String TICKET_LIST_FOR_CUSTOMER = "crm.ticket.list_for_customer";
  /** {caller, conversationId, businessType?} -> {tickets, total}: the tickets of a conversation the caller may see. */
  public static final String TICKET_LIST_FOR_CONVERSATION = "crm.ticket.list_for_conversation";
  /** {caller, id (ObjectId or human ticketId)} -> {ticket}. */
  public static final String TICKET_GET = "crm.ticket.get";
  /** {caller, customerId, conversationId?, subject, description, category, priority?, assignedAgent?, location?, attachments?} -> {ticket}. */
  public static final String TICKET_CREATE = "crm.ticket.create";
  /** {caller, id, status, reason?, resolutionSummary?} -> {ticket, notificationSent?}. */
  public static final String TICKET_SET_STATUS = "crm.ticket.set_status";
  /** {caller, id, resolutionSummary | resolution:{summary, steps, category}, sendNotification?} -> {ticket, notificationSent}. */
  public static final String TICKET_RESOLVE = "crm.ticket.resolve";
  /** {caller, id, agentId, note?} -> {ticket}. */
  public static final String TICKET_ASSIGN = "crm.ticket.assign";
  /** {caller, id, content, isInternal} -> {note, ticket, notificationSent}. */
  public static final String TICKET_ADD_NOTE = "crm.ticket.add_note";
  /** {caller, id, reason, targetAgent?} -> {ticket}. */
  public static final String TICKET_ESCALATE = "crm.ticket.escalate";
  /** {caller, the list's filters} -> the spec's TicketStatistics (+ sla). */
  public static final String TICKET_STATISTICS = "crm.ticket.statistics";
  /**
   * Node-local: {ids:[...]} reads these tickets again into the in-memory ticket index, {} reloads it all; for whoever
   * writes tickets behind the ticket verticle's back (an operator, a test's setup). Answers {indexed: n} or fails
   * when no index is in use.
   */
  public static final String TICKET_REINDEX = "crm.ticket.reindex";
  /**
   * For analytics (crm.analytics): {ids?:[...]} -> {tickets:[{_id, createdAt (epoch ms), status, assignedAgentId,
   * resolutionMs}]}, these tickets (unknown ones left out) or, without ids, every ticket (the recount).
   */
  public static final String TICKET_ANALYTICS_FACTS = "crm.ticket.analytics_facts";

  // analytics (crm.analytics.AnalyticsVerticle)
  /** {caller, dateFrom?, dateTo?, tz?, agentId?} -> the spec's DashboardStats (+ scope, period). */
  public static final String ANALYTICS_DASHBOARD = "crm.analytics.dashboard";
  /** {caller, dateFrom?, dateTo?, tz?} -> {agents:[{agentId, name, conversationsHandled, averageFirstResponseTime, ...}], period}. */
  public static final String ANALYTICS_AGENTS = "crm.analytics.agents";
  /**
   * {conversations?:[ids], tickets?:[ids], gaps?:{conversationId:[seq...]}} -> {marked}: the writers' notice that these
   * conversations or tickets change (asked before the change is written, or, for messages, once their numbers are
   * reserved), and which reserved message numbers will never hold a message. Durable once answered.
   */
  public static final String ANALYTICS_MARK = "crm.analytics.mark";
  /** {timeoutMs?} -> {caughtUp, passes}: folds the marks until every marked conversation and ticket is counted (tests, tools). */
  public static final String ANALYTICS_FLUSH = "crm.analytics.flush";
  /**
   * {apply?} -> {conversations, messages, tickets, differences:[...], matches}: counts everything again from the
   * conversations, messages and tickets and compares with the kept rollups; {@code apply: true} replaces them.
   */
  public static final String ANALYTICS_RECOUNT = "crm.analytics.recount";
  /** Served by the inbox verticle (crm.conversation.CustomerApi), for populating ticket lists: {ids:[...]} -> {customers:{id: customer}}. */
  public static final String CUSTOMER_SUMMARIES = "crm.customer.summaries";

  // storage (node-local: the embedded database's group commit)
  public static final String STORAGE_SYNC = "crm.storage.sync";
  /**
   * Cluster-wide twin of {@link #STORAGE_SYNC}, served by the node that owns the embedded database when clustered: the
   * other nodes of {@code scripts/cluster} write to it over MONGO_URI and ask it here to commit what they wrote.
   */
  public static final String STORAGE_SYNC_SHARED = "crm.storage.sync.shared";
  public static final String STORAGE_PING = "crm.storage.ping";

  // business configuration and industry presets (crm.config.BusinessConfigVerticle)
  /**
   * {} -> the active business configuration: {presetId (null when none), businessType (the preset id or
   * "general"), categories:[{id,label,labelEn,icon,color,description}], terminology:{ticketNoun,ticketNounPlural},
   * ticketIdFormat:{prefix,includeYear,padding}, initialTicketStatus ("open" or "new"), assistant:{assistantName,
   * companyName,primaryServiceIssue,serviceType,ticketNoun,ticketNounPlural,language}, notifications:{ticketResolved,
   * ticketNote}, version}. Served from a cache every node keeps current through {@link #EVT_CONFIG_CHANGED}.
   */
  public static final String CONFIG_ACTIVE = "crm.config.active";
  /** {} -> {categories}. */
  public static final String CONFIG_CATEGORIES_GET = "crm.config.categories.get";
  /** {categories, updatedBy?} -> {message, categories}: replaces the ticket categories (validated). */
  public static final String CONFIG_CATEGORIES_SET = "crm.config.categories.set";
  /** {} -> {config:{the 7 assistant keys}}. */
  public static final String CONFIG_ASSISTANT_GET = "crm.config.assistant.get";
  /** {config:{some of the 7 keys}, updatedBy?} -> {message, config}: a partial update (validated). */
  public static final String CONFIG_ASSISTANT_SET = "crm.config.assistant.set";
  /** {} -> {presets:[{id,name,description,industry}]}. */
  public static final String CONFIG_PRESETS_LIST = "crm.config.presets.list";
  /**
   * {presetId, updatedBy?} -> {message, appliedConfig:{categories,terminology,ticketIdFormat,assistantConfig},
   * knowledgeArticles (the reply of KNOWLEDGE_INSTALL_PRESET, asked first)}.
   */
  public static final String CONFIG_PRESETS_LOAD = "crm.config.presets.load";
  /** Published after any configuration change; payload: the new {@link #CONFIG_ACTIVE} reply. */
  public static final String EVT_CONFIG_CHANGED = "crm.events.config.changed";

  // domain events (publish)
  public static final String EVT_AGENT_CREATED = "crm.events.agent.created";
  public static final String EVT_AGENT_UPDATED = "crm.events.agent.updated";
  /**
   * Payload as the spec's socket event {@code agent:status_change}: agentId, status, lastSeen; and {@code origin} when a
   * node's socket bridge announced it itself (that bridge has delivered it to its own sockets already).
   */
  public static final String EVT_AGENT_STATUS_CHANGED = "crm.events.agent.status_changed";
  /** Payload as the spec's socket event {@code conversation:new_message}: conversationId, message, customer. */
  public static final String EVT_CONVERSATION_NEW_MESSAGE = "crm.events.conversation.new_message";
  /** A stored message changed (attachment ready, reaction added): conversationId, message. */
  public static final String EVT_MESSAGE_UPDATED = "crm.events.message.updated";
  /** Payload as the spec's socket event {@code message:status_update}: messageId, status, timestamp (+ conversationId, error). */
  public static final String EVT_MESSAGE_STATUS_UPDATED = "crm.events.message.status_updated";
  public static final String EVT_CUSTOMER_CREATED = "crm.events.customer.created";
  /** A customer was changed by someone other than the inbound path: customerId. */
  public static final String EVT_CUSTOMER_UPDATED = "crm.events.customer.updated";
  /**
   * A conversation's status, assignee or assistant changed (published by every such change, after it is stored):
   * {conversationId, customerId, status, assignedAgentId (null when none), isAIEnabled, handoff? ({at, reason, by?}),
   * updatedAt (ISO)}, and for routing: previousAgentId (null when none), previousStatus, wasOpenToAll (it was open and
   * unassigned before: every agent saw it). Socket.IO {@code conversation:updated} (crm.socket.Delivery).
   */
  public static final String EVT_CONVERSATION_UPDATED = "crm.events.conversation.updated";
  public static final String EVT_CONVERSATION_CREATED = "crm.events.conversation.created";
  /** Payload as the spec's socket event {@code conversation:assigned}: conversationId, assignedAgent, assignedBy. */
  public static final String EVT_CONVERSATION_ASSIGNED = "crm.events.conversation.assigned";

  /** Payload as the spec's socket event {@code customer:typing}: conversationId, customerPhone, isTyping (+ assignedAgentId). */
  public static final String EVT_CUSTOMER_TYPING = "crm.events.customer.typing";
  /** {}: a webhook of Meta's said a message template changed (approved, rejected, paused...): nodes forget their list. */
  public static final String EVT_WHATSAPP_TEMPLATES_CHANGED = "crm.events.whatsapp.templates_changed";
  /** Payloads as the spec's socket events for tickets (ticket_created, ...), published by the ticket verticle. */
  public static final String EVT_TICKET_CREATED = "crm.events.ticket.created";
  public static final String EVT_TICKET_STATUS_CHANGED = "crm.events.ticket.status_changed";
  public static final String EVT_TICKET_ASSIGNED = "crm.events.ticket.assigned";
  public static final String EVT_TICKET_NOTE_ADDED = "crm.events.ticket.note_added";
  public static final String EVT_TICKET_RESOLVED = "crm.events.ticket.resolved";
  public static final String EVT_TICKET_REOPENED = "crm.events.ticket.reopened";

  /** An agent was deactivated or a session (refresh-token family) revoked: access tokens carrying it stop working. */
  public static final String EVT_AUTH_REVOKED = "crm.events.auth.revoked";

  // knowledge base: the business's help articles, searched by the assistant (crm.knowledge.KnowledgeVerticle). Every
  // node serves these on its own (local consumers) from its own in-memory index: a node's writes are in its index
  // before they are answered, and other nodes take them from EVT_KNOWLEDGE_CHANGED. An article as answered ("article"):
  // {_id, id, title, content, tags:[string], category (null when none), businessType ("general" or a preset id),
  // language, active, source ("preset" | "admin"), presetArticleId? and customized? (preset articles), createdBy,
  // createdAt, updatedBy?, updatedAt}. Failures: VALIDATION_FAILED with field, RESOURCE_NOT_FOUND.
  /**
   * {query (string, 1-2000 chars), limit? (1-10, default 3), businessType? ("general" or a preset id; default the
   * active one)} -> {success, articles:[{id, title, excerpt (~500 chars of the content around the matched words), tags,
   * score}], total (how many articles matched)}: active articles of that business type and of "general", best first.
   * Words are matched with accents folded and stop words ignored; a query word of 4+ letters also matches the words it
   * begins ("devolucion" -> "devoluciones"), and a plural one its singular. A query with no searchable word matches
   * nothing (total 0).
   */
  public static final String KNOWLEDGE_SEARCH = "crm.knowledge.search";
  /**
   * {search? (string, up to 200 chars: the same word matching as KNOWLEDGE_SEARCH, inactive articles included),
   * businessType? (a type: that one only; "all": every article; absent: the active type and "general"), skip (0..),
   * limit (1-100)} -> {articles:[article], total}: newest change first, or best match first with a search.
   */
  public static final String KNOWLEDGE_LIST = "crm.knowledge.list";
  /** {id} -> {article}. */
  public static final String KNOWLEDGE_GET = "crm.knowledge.get";
  /**
   * {article:{title (3-200 chars), content (1-20000 chars), tags? ([string], up to 20 of 1-50 chars), category?,
   * businessType? (default: the active one), language? (default: the assistant's), active? (default true)}, by?
   * (agent id)} -> {article} with source "admin"; publishes EVT_KNOWLEDGE_CHANGED.
   */
  public static final String KNOWLEDGE_CREATE = "crm.knowledge.create";
  /**
   * {id, changes:{any of title, content, tags, category (null clears), businessType, language, active}, by?} ->
   * {article}: a partial update; changing a preset article marks it customized (a preset load no longer overwrites
   * it). Publishes EVT_KNOWLEDGE_CHANGED.
   */
  public static final String KNOWLEDGE_UPDATE = "crm.knowledge.update";
  /** {id, by?} -> {message, id}: removes the article; publishes EVT_KNOWLEDGE_CHANGED. */
  public static final String KNOWLEDGE_DELETE = "crm.knowledge.delete";
  /**
   * {presetId, by?} -> {presetId, installed, updated, kept, unchanged}: installs the preset's articles
   * (conf/presets/&lt;presetId&gt;-articles.json) with source "preset" and businessType = presetId. Idempotent: an
   * article already there is updated to the file's text unless an admin customized it (then kept); one an admin deleted
   * is installed again. Asked by the config verticle when a preset is loaded. Publishes EVT_KNOWLEDGE_CHANGED.
   */
  public static final String KNOWLEDGE_INSTALL_PRESET = "crm.knowledge.install_preset";
  /**
   * Published after every write of knowledge articles: {ids:[article ids], action ("created" | "updated" | "deleted"
   * | "preset_installed"), origin (the writing verticle instance)}. Every node reads those articles again into its
   * index.
   */
  public static final String EVT_KNOWLEDGE_CHANGED = "crm.events.knowledge.changed";
  // the AI assistant (crm.assistant.AssistantVerticle)
  /** {conversationId?, page, limit} -> {turns:[recorded turns, newest first], pagination}. */
  public static final String ASSISTANT_TURNS = "crm.assistant.turns";
  /** {} -> {enabled, reason (why not, when off), model}. */
  public static final String ASSISTANT_STATUS = "crm.assistant.status";
  // e-commerce (crm.commerce.CommerceVerticle). Amounts are decimals of COMMERCE_CURRENCY outside, minor units inside.
  // The four functions of the AI assistant answer the spec's snake_case shapes and refuse with BUSINESS_RULE_VIOLATION
  // "e-commerce is not active" unless the ecommerce preset is; {@code owner_phone} is the phone of the conversation's
  // customer, set by the caller (never by the model): only that customer's orders are ever read or written.
  /**
   * {query?, limit? (1-50, default 10)} -> {success, products:[{product_id, name, price, currency, stock, description,
   * image_url}], total}: active products whose name, description or tags hold every word of the query (a word's
   * beginning is enough; case and accents ignored), in stock first, then by name; total counts every match. An empty
   * query lists the catalog.
   */
  public static final String COMMERCE_SEARCH_PRODUCTS = "crm.commerce.search_products";
  /**
   * {owner_phone, conversation_id?, customer_name, customer_email?, items:[{product_id, quantity (1-100), product_name?,
   * unit_price?}], shipping_address:{street, city, state?, postal_code, country}, payment_method (cash_on_delivery |
   * card | transfer), notes?} -> {success, order:{order_id (ORD-YYYY-NNNNN), order_number (PREFIX-YYYYMMDD-NNNNN),
   * status: "pending", total, estimated_delivery (yyyy-MM-dd), tracking_url, items:[{product_name, quantity,
   * unit_price, subtotal}], shipping_cost, tax, subtotal, currency}, duplicate?: true, price_adjustments?:[{product_id,
   * product_name, requested_unit_price, unit_price}]}. Prices are always the catalog's; stock is taken atomically (never
   * oversold). The same order (owner_phone, conversation_id, products and quantities) asked again within
   * COMMERCE_DUPLICATE_WINDOW_MINUTES answers the first order with {@code duplicate: true}. Unknown product:
   * RESOURCE_NOT_FOUND naming it; inactive or short of stock: BUSINESS_RULE_VIOLATION.
   */
  public static final String COMMERCE_CREATE_ORDER = "crm.commerce.create_order";
  /**
   * {owner_phone, search_type: order_id | phone | email, search_value, include_items? (default true)} -> {success, found,
   * orders:[{order_id, order_number, status, total, order_date (yyyy-MM-dd), estimated_delivery, tracking_number?,
   * tracking_url, items?:[{product_name, quantity, unit_price}], timeline:[{status, timestamp}]}]}. Only orders of
   * owner_phone: another customer's order id answers {found: false}; a phone other than owner_phone, or an email on
   * none of its orders, fails with BUSINESS_RULE_VIOLATION.
   */
  public static final String COMMERCE_GET_ORDERS = "crm.commerce.get_orders";
  /**
   * {owner_phone, customer_phone?} -> {success, orders:[{order_id, status, total, order_date, item_count}], total}:
   * owner_phone's orders of the last 90 days, newest first, at most 20; customer_phone other than owner_phone fails
   * with BUSINESS_RULE_VIOLATION.
   */
  public static final String COMMERCE_ACTIVE_ORDERS = "crm.commerce.active_orders";
  /**
   * Admin: {products:[{sku, name, description?, price (decimal) | priceMinor, currency?, stock, tags?, image_url?,
   * active?}] (1-1000)} -> {imported, created, updated, errors:[{index, field, message}], products:[{index, id, sku,
   * created}]}: upserts by sku; a bad row is reported and the others imported (no valid row at all: VALIDATION_FAILED,
   * the rows' errors in details.errors).
   */
  public static final String COMMERCE_IMPORT_PRODUCTS = "crm.commerce.import_products";
  /** Admin: {query?, page?, limit?} -> {products:[product], total}: the catalog by name, inactive products included. */
  public static final String COMMERCE_LIST_PRODUCTS = "crm.commerce.list_products";
  /** Admin: {id (ObjectId) | sku} -> {product}; RESOURCE_NOT_FOUND otherwise. */
  public static final String COMMERCE_GET_PRODUCT = "crm.commerce.get_product";
  /** Admin: {status?, phone?, page?, limit?} -> {orders:[order], total}: newest first. */
  public static final String COMMERCE_LIST_ORDERS = "crm.commerce.list_orders";
  /**
   * Admin: {id (order_id, order_number or ObjectId), status, tracking_number?, note?, by} -> {order}: forward along
   * pending, confirmed, processing, shipped, in_transit, delivered; cancelled from pending, confirmed or processing
   * (the stock is given back); anything else INVALID_STATUS_TRANSITION. Publishes {@link #EVT_ORDER_STATUS_CHANGED}.
   */
  public static final String COMMERCE_SET_ORDER_STATUS = "crm.commerce.set_order_status";
  /**
   * Node-local: {} -> {rolledBack, released, restocked, claimsDropped}: gives back the stock of orders abandoned while
   * reserving it (older than a minute), finishes interrupted cancellations and drops expired duplicate claims. Runs at
   * start and every 30 s; for operators and tests.
   */
  public static final String COMMERCE_SWEEP = "crm.commerce.sweep";
  /**
   * Published after every order status change: {order_id, status, previousStatus, phone, conversationId, timestamp};
   * Socket.IO {@code order_status_changed} to supervisors and admins.
   */
  public static final String EVT_ORDER_STATUS_CHANGED = "crm.events.commerce.order_status_changed";

  // uploaded files (crm.files.FilesVerticle; the bytes themselves go through POST /upload, never the bus)
  /**
   * {publicId (as POST /upload answered it)} -> {publicId, url (absolute: for a GridFS file a link to GET
   * /api/v2/files/:id signed just now, valid FILE_LINK_TTL_SECONDS, that needs no token; for a Cloudinary file its
   * secure_url), expiresAt (ISO instant the signed link stops working; null for Cloudinary), contentType (as detected
   * from the bytes: image/jpeg, image/png, image/gif, image/webp, application/pdf, application/msword,
   * application/vnd.openxmlformats-officedocument.wordprocessingml.document, text/plain, audio/mpeg, audio/mp4,
   * audio/ogg), filename, size (bytes), kind (image | document | audio), format (jpg, png, gif, webp, pdf, doc, docx,
   * txt, mp3, m4a, ogg), store (gridfs | cloudinary)}: what a media message to WhatsApp needs (its link, type and
   * document filename). VALIDATION_FAILED (field publicId) when absent or not a string; RESOURCE_NOT_FOUND when no
   * upload has it.
   */
  public static final String FILES_LINK = "crm.files.link";
}
