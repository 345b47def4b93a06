export * from './codec.js';
export * from './errors.js';
export * from './framing.js';
export * from './limits.js';
export * from './text.js';
export type * from './types.js';
export { STATUSES } from './types.js';
