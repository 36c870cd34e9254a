import type { Messages } from './es-MX';

// Typed as `Messages` so that a key added to es-MX without an English text fails the type check.
const en: Messages = {
  'app.name': 'NEO_STACK Realtime',

  'connection.connected': 'Connected',
  'connection.connecting': 'Connecting…',
  'connection.disconnected': 'Disconnected',

  'locale.label': 'Language',

  'login.title': 'Sign in',
  'login.subtitle': 'Real-time events of your NEO_STACK platform',
  'login.email': 'Email',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.failed': 'Could not sign in',
  'login.demoHint': 'Demo users: see the README',

  'header.tenant': 'Tenant: {tenant}',
  'header.logout': 'Sign out',

  'admin.notice': 'Platform operator',
  'admin.noticeDetail': 'Your account does not belong to a tenant. Admin views are coming soon.',

  'deployments.title': 'Deployment events',
  'deployments.empty': 'No deployment events yet',
  'deployments.emptyHint': 'They show up here as soon as a deployment starts in your tenant.',
  'deployments.column.type': 'Event',
  'deployments.column.deployment': 'Deployment',
  'deployments.column.progress': 'Progress',
  'deployments.column.step': 'Current step',
  'deployments.column.time': 'Date and time',

  'event.deployment_start': 'Started',
  'event.deployment_progress': 'Progress',
  'event.deployment_complete': 'Completed',
  'event.deployment_error': 'Error',

  'error.network': 'Could not reach the service. Check your connection.',
};

export default en;
