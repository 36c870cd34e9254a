/**
 * Spanish (Mexico), the default and reference dictionary: its keys are the message keys, and every
 * other locale must translate all of them (see `en.ts`). `{name}` marks a parameter.
 */
const esMX = {
  'app.name': 'NEO_STACK Realtime',

  'connection.connected': 'Conectado',
  'connection.connecting': 'Conectando…',
  'connection.disconnected': 'Desconectado',

  'locale.label': 'Idioma',

  'login.title': 'Iniciar sesión',
  'login.subtitle': 'Eventos en tiempo real de tu plataforma NEO_STACK',
  'login.email': 'Correo electrónico',
  'login.password': 'Contraseña',
  'login.submit': 'Entrar',
  'login.failed': 'No se pudo iniciar sesión',
  'login.demoHint': 'Usuarios de demostración: ver README',

  'header.tenant': 'Tenant: {tenant}',
  'header.logout': 'Cerrar sesión',

  'admin.notice': 'Operador de plataforma',
  'admin.noticeDetail': 'Tu cuenta no pertenece a ningún tenant. Las vistas de administración llegarán pronto.',

  'deployments.title': 'Eventos de despliegue',
  'deployments.empty': 'Aún no hay eventos de despliegue',
  'deployments.emptyHint': 'Aparecerán aquí en cuanto se inicie un despliegue en tu tenant.',
  'deployments.column.type': 'Evento',
  'deployments.column.deployment': 'Despliegue',
  'deployments.column.progress': 'Progreso',
  'deployments.column.step': 'Paso actual',
  'deployments.column.time': 'Fecha y hora',

  'event.deployment_start': 'Inicio',
  'event.deployment_progress': 'Progreso',
  'event.deployment_complete': 'Completado',
  'event.deployment_error': 'Error',

  'error.network': 'No se pudo contactar al servicio. Revisa tu conexión.',
} satisfies Record<string, string>;

export default esMX;

/** Every message key; the Spanish dictionary is the reference. */
export type MessageKey = keyof typeof esMX;
/** A full dictionary: one string for every key, no more, no less. */
export type Messages = Record<MessageKey, string>;
