// First: configures zod before any schema below is built (see the file).
import './zod-setup';
export * from './tenant';
export * from './channels';
export * from './fields';
export * from './events';
export * from './policy';
export * from './errors';
export * from './api';
export * from './ids';
export * from './requests';
export * from './presence';
export * from './deployment-state';
export * from './operators';
export * from './messages';
export * from './instances';
export * from './responses';
export * from './channel-events';
