export * from './tenant';
export * from './channels';
export * from './events';
export * from './policy';
export * from './errors';
export * from './api';
export * from './ids';
export * from './deployment-state';
