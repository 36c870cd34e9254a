import http from 'node:http';

/** One keep-alive agent for every request of the harness: no TCP handshake per request. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export interface JsonResponse<T> {
  status: number;
  body: T;
}

/**
 * POSTs JSON with node:http (cheaper per request than fetch, so the load generator stays lean).
 * Resolves with the status and parsed body (undefined when empty); rejects on network errors.
 */
export function postJson<T = unknown>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<JsonResponse<T>> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers } },
      (res) => readJson<T>(res).then(resolve, reject),
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The status and the parsed body (the text when it is not JSON; undefined when empty). */
function readJson<T>(res: http.IncomingMessage): Promise<JsonResponse<T>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = text;
      }
      resolve({ status: res.statusCode ?? 0, body: parsed as T });
    });
    res.on('error', reject);
  });
}

/** GETs `url` and resolves with the status only (the body is read and dropped): for floods and probes. */
export function getStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'GET', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** GETs with node:http and the shared keep-alive agent; resolves with the status and parsed body. */
export function getJson<T = unknown>(url: string, headers: Record<string, string> = {}): Promise<JsonResponse<T>> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'GET', agent, headers }, (res) => readJson<T>(res).then(resolve, reject));
    req.on('error', reject);
    req.end();
  });
}

/** Throws unless the status is the expected one; the message carries the answer. */
export function expectStatus<T>(res: JsonResponse<T>, status: number, what: string): T {
  if (res.status !== status) throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  return res.body;
}

/** Closes idle keep-alive sockets so the process can exit. */
export function closeHttp(): void {
  agent.destroy();
}
