import http from 'node:http';

/** A request as bytes go on the wire: the path already percent-encoded (or deliberately not). */
export interface RawRequest {
  method: string;
  /** Path and query, e.g. `/v1/history?channel=billing%3Aacme`. */
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export interface RawResponse {
  status: number;
  contentType: string;
  text: string;
  ms: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/**
 * Sends `request` with node:http, which (unlike fetch) neither normalises the path nor re-encodes it,
 * so broken percent-escapes reach the server as a client could send them. Rejects when no answer
 * arrives within `timeoutMs`: bad input must never hang.
 */
export async function sendRaw(baseUrl: string, request: RawRequest, timeoutMs: number): Promise<RawResponse> {
  try {
    return await sendOnce(baseUrl, request, timeoutMs, agent);
  } catch (err) {
    // A kept-alive connection the server closed after an earlier refusal (as it should) fails on reuse;
    // Node's documented remedy is to send again on a new connection.
    if ((err as { reusedSocket?: boolean }).reusedSocket) return sendOnce(baseUrl, request, timeoutMs, false);
    throw err;
  }
}

function sendOnce(baseUrl: string, request: RawRequest, timeoutMs: number, via: http.Agent | false): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method: request.method, path: request.path, headers: request.headers, agent: via, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8'), ms: Date.now() - started }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket && (err as { code?: string }).code === 'ECONNRESET' })));
    req.end(request.body);
  });
}

/**
 * Percent-encodes a path segment or query component byte by byte. A lone surrogate is written as its
 * three-byte WTF-8 form (`%ED%A0%80`), which is not valid UTF-8: what a careless client sends.
 */
export function percentEncode(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    const ch = value[i]!;
    if (/[A-Za-z0-9\-._~]/.test(ch)) {
      out += ch;
      continue;
    }
    const next = value.charCodeAt(i + 1);
    let bytes: Buffer;
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      bytes = Buffer.from(value.slice(i, i + 2), 'utf8');
      i++;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      bytes = Buffer.from([0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]);
    } else {
      bytes = Buffer.from(ch, 'utf8');
    }
    for (const b of bytes) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Keeps only what node:http will put in a header value (it throws on the rest before sending). */
export function headerSafe(value: string): string {
  return value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '');
}
