/** Random bytes drawn from Web Crypto in blocks: one call per 256 ids instead of one per id (a hot path). */
const POOL = new Uint8Array(16 * 256);
let poolAt = POOL.length;
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/**
 * A UUID v7 (RFC 9562): 48 bits of Unix milliseconds, then random bits, so ids sort by creation time.
 * Uses Web Crypto, present in Node 20 and every browser.
 */
export function uuidv7(now: number = Date.now()): string {
  if (poolAt === POOL.length) {
    crypto.getRandomValues(POOL);
    poolAt = 0;
  }
  const bytes = POOL.subarray(poolAt, poolAt + 16);
  poolAt += 16;
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  let hex = '';
  for (let i = 0; i < 16; i++) hex += HEX[bytes[i]!];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
