// Spanish and English labels; the language follows the active preset's `language` (GET /config/assistant).
const L = {
  es: {
    title: 'Consola de agentes', messages: 'Mensajes', on: 'Activo', off: 'Apagado', pendingTurns: 'en espera', more: 'Ver más', system: 'Sistema', mainNav: 'Principal', close: 'Cerrar', unread: 'sin leer', langAuto: 'Auto (preset)', reaction: 'Reacción del cliente', attachmentPending: 'adjunto descargándose…', email: 'Correo', password: 'Contraseña', login: 'Entrar', logout: 'Salir',
    loginFailed: 'Correo o contraseña incorrectos', expired: 'Tu sesión terminó. Vuelve a entrar.',
    status: 'Mi estado', online: 'En línea', busy: 'Ocupado', away: 'Ausente', offline: 'Desconectado', language: 'Idioma',
    inbox: 'Bandeja', dashboard: 'Panel', scope: 'Mostrar', mine: 'Mías', unassigned: 'Sin asignar', all: 'Todas',
    convStatus: 'Estado', any: 'Cualquiera', open: 'Abierta', assigned: 'Asignada', resolved: 'Resuelta', closed: 'Cerrada',
    noConversations: 'No hay conversaciones', pickConversation: 'Elige una conversación',
    handlerAssistant: 'Asistente', handlerWaiting: 'Esperando a una persona', handledBy: 'Atiende',
    assignMe: 'Asignarme', resolve: 'Resolver', aiOn: 'Activar asistente', aiOff: 'Desactivar asistente', handoff: 'Pasar a una persona',
    reply: 'Respuesta', send: 'Enviar', attach: 'Adjuntar archivo', typing: 'está escribiendo…', olderLoading: 'Cargando mensajes anteriores…',
    windowClosed: 'Pasaron más de 24 h desde el último mensaje del cliente: solo se puede enviar una plantilla.',
    template: 'Plantilla', templateParams: 'Parámetros (separados por |)', sendTemplate: 'Enviar plantilla',
    templateParam: 'Parámetro', templateName: 'Nombre de la plantilla', templateLanguage: 'Idioma (es, en_US)',
    noTemplates: 'No hay plantillas aprobadas en la lista: escribe el nombre de una.', anAgent: 'un agente',
    handoffReason: 'Motivo',
    uploading: 'Subiendo archivo…', turns: 'Turnos del asistente', noTurns: 'Sin turnos registrados', back: 'Volver',
    tickets: 'Tickets', newTicket: 'Nuevo ticket', subject: 'Asunto', category: 'Categoría', description: 'Descripción',
    create: 'Crear', noTickets: 'Sin tickets', note: 'Nota', addNote: 'Agregar nota', internal: 'Interna',
    ticketStatus: 'Estado del ticket', conversations: 'Conversaciones', messagesToday: 'Mensajes hoy',
    avgResponse: 'Respuesta media (min)', responseRate: 'Tasa de respuesta', ticketsOpen: 'Tickets abiertos',
    ticketsResolved: 'Tickets resueltos', agentsOnline: 'Agentes en línea', chartConversations: 'Conversaciones por día', chartTickets: 'Tickets por estado',
    chartResponse: 'Tiempo de respuesta por hora (min)', you: 'Tú', error: 'Error', sent: 'enviado', delivered: 'entregado',
    read: 'leído', failed: 'falló', pending: 'pendiente', resolution: 'Resumen de la solución',
    s_new: 'Nuevo', s_open: 'Abierto', s_in_progress: 'En progreso', s_pending_customer: 'Esperando cliente',
    s_waiting_internal: 'Esperando interno', s_resolved: 'Resuelto', s_closed: 'Cerrado',
  },
  en: {
    title: 'Agent console', messages: 'Messages', on: 'On', off: 'Off', pendingTurns: 'waiting', more: 'Load more', system: 'System', mainNav: 'Main', close: 'Close', unread: 'unread', langAuto: 'Auto (preset)', reaction: 'Customer reaction', attachmentPending: 'attachment downloading…', email: 'Email', password: 'Password', login: 'Log in', logout: 'Log out',
    loginFailed: 'Wrong email or password', expired: 'Your session ended. Please log in again.',
    status: 'My status', online: 'Online', busy: 'Busy', away: 'Away', offline: 'Offline', language: 'Language',
    inbox: 'Inbox', dashboard: 'Dashboard', scope: 'Show', mine: 'Mine', unassigned: 'Unassigned', all: 'All',
    convStatus: 'Status', any: 'Any', open: 'Open', assigned: 'Assigned', resolved: 'Resolved', closed: 'Closed',
    noConversations: 'No conversations', pickConversation: 'Pick a conversation',
    handlerAssistant: 'Assistant', handlerWaiting: 'Waiting for a person', handledBy: 'Handled by',
    assignMe: 'Assign to me', resolve: 'Resolve', aiOn: 'Turn assistant on', aiOff: 'Turn assistant off', handoff: 'Hand to a person',
    reply: 'Reply', send: 'Send', attach: 'Attach a file', typing: 'is typing…', olderLoading: 'Loading older messages…',
    windowClosed: 'More than 24 h since the customer last wrote: only a template can be sent.',
    template: 'Template', templateParams: 'Parameters (separated by |)', sendTemplate: 'Send template',
    templateParam: 'Parameter', templateName: 'Template name', templateLanguage: 'Language (es, en_US)',
    noTemplates: 'No approved templates are listed: type the name of one.', anAgent: 'an agent',
    handoffReason: 'Reason',
    uploading: 'Uploading file…', turns: 'Assistant turns', noTurns: 'No recorded turns', back: 'Back',
    tickets: 'Tickets', newTicket: 'New ticket', subject: 'Subject', category: 'Category', description: 'Description',
    create: 'Create', noTickets: 'No tickets', note: 'Note', addNote: 'Add note', internal: 'Internal',
    ticketStatus: 'Ticket status', conversations: 'Conversations', messagesToday: 'Messages today',
    avgResponse: 'Average response (min)', responseRate: 'Response rate', ticketsOpen: 'Open tickets',
    ticketsResolved: 'Resolved tickets', agentsOnline: 'Agents online', chartConversations: 'Conversations per day', chartTickets: 'Tickets by status',
    chartResponse: 'Response time by hour (min)', you: 'You', error: 'Error', sent: 'sent', delivered: 'delivered',
    read: 'read', failed: 'failed', pending: 'pending', resolution: 'Resolution summary',
    s_new: 'New', s_open: 'Open', s_in_progress: 'In progress', s_pending_customer: 'Pending customer',
    s_waiting_internal: 'Waiting internal', s_resolved: 'Resolved', s_closed: 'Closed',
  },
};

let lang = localStorage.getItem('crm_lang') || (navigator.language || 'es').slice(0, 2);
if (!L[lang]) lang = 'es';

export const t = key => L[lang][key] ?? L.en[key] ?? key;
export const getLang = () => lang;
/** Sets the language (e.g. from the preset's 'es' / 'en_US'); remember=true keeps a manual choice. */
export function setLang(code, remember = false) {
  const c = String(code || '').slice(0, 2).toLowerCase();
  if (!L[c]) return false;
  lang = c;
  document.documentElement.lang = c;
  if (remember) localStorage.setItem('crm_lang', c); else localStorage.removeItem('crm_lang');
  return true;
}
export const chosenLang = () => localStorage.getItem('crm_lang');
export const languages = Object.keys(L);
