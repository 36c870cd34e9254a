export * from './client';
export * from './deployment-publisher';
export * from './billing-publisher';
export * from './metrics-publisher';
