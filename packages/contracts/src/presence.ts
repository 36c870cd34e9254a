// Presence constants shared by the service and the browser. A module of its own, without zod: the
// portal imports PRESENCE_DEVICE_TTL_MS on every page, and from requests.ts it brought that module's
// schemas, and zod with them, into the portal's first-load JavaScript.

/** A device that has not reported for this long no longer counts towards its user's status, ms. */
export const PRESENCE_DEVICE_TTL_MS = 120_000;
