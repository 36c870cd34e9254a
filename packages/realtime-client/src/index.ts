export type { SequencedEvent, SeqAnchor, OffsetAnchor } from './anchor';
export { retryWithBackoff, DEFAULT_BACKOFF, type BackoffOptions, type RetryOptions } from './backoff';
export { SeqStream, type SeqStreamOptions, type SubscribedInfo } from './seq-stream';
export { OffsetStream, type OffsetStreamOptions } from './offset-stream';
export { LiveStream, type LiveStreamOptions, type LiveAnchor, type SeqModeOptions, type OffsetModeOptions } from './live-stream';
export { SubscriptionPool, type SubscriptionSource, type SubscriptionPoolOptions } from './subscription-pool';
export { historyCatchUp, CATCH_UP_PAGE_SIZE, type GetJson } from './history';
