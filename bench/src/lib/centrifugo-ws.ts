import WebSocket from 'ws';
import type { DeliveryTracker } from './deliveries';

/** A channel to subscribe to and its subscription token. */
export interface ChannelGrant {
  channel: string;
  token: string;
}

interface Reply {
  id?: number;
  error?: { code: number; message: string };
}

/**
 * The lean load-generator client: raw `ws` speaking Centrifugo's JSON protocol (connect, subscribe,
 * answer pings), with pushes handed to a DeliveryTracker as text, never parsed. Chosen over the
 * `centrifuge` SDK so that per-delivery client cost is a string search, not SDK bookkeeping.
 */
export class RawCentrifugoClient {
  #ws: WebSocket;
  #nextId = 1;
  #pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  /** Where pushes go; may be swapped between phases. */
  tracker: DeliveryTracker | null = null;
  /** The close code once the connection closed (Centrifugo's 3005: token expired; 3012: no pong; 3008: too slow). */
  closedWith: number | null = null;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (raw: Buffer) => this.#onFrame(raw.toString('utf8')));
    ws.on('close', (code: number) => {
      this.closedWith ??= code;
      this.#failAll(new Error('connection closed'));
    });
    ws.on('error', (err) => this.#failAll(err));
  }

  /** Opens a connection, connects with `token`, subscribes to `grants`; resolves once all are subscribed. */
  static async connect(url: string, token: string, grants: ChannelGrant[], tracker: DeliveryTracker | null = null): Promise<RawCentrifugoClient> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const client = new RawCentrifugoClient(ws);
    client.tracker = tracker;
    await client.#command('connect', { token });
    // Subscribes go in one frame, newline-separated, as the protocol allows.
    await Promise.all(client.#commands(grants.map((g) => ['subscribe', { channel: g.channel, token: g.token }])));
    return client;
  }

  close(): void {
    this.#ws.terminate();
  }

  #command(method: string, params: unknown): Promise<Reply> {
    return this.#commands([[method, params]])[0]!;
  }

  #commands(cmds: Array<[string, unknown]>): Promise<Reply>[] {
    const lines: string[] = [];
    const replies = cmds.map(([method, params]) => {
      const id = this.#nextId++;
      lines.push(JSON.stringify({ id, [method]: params }));
      return new Promise<Reply>((resolve, reject) => {
        this.#pending.set(id, {
          resolve: (r) => (r.error ? reject(new Error(`${method}: ${r.error.code} ${r.error.message}`)) : resolve(r)),
          reject,
        });
      });
    });
    this.#ws.send(lines.join('\n'));
    return replies;
  }

  #onFrame(text: string): void {
    // A server ping is an empty command, `{}`: alone, or one line of a frame that also carries pushes
    // (Centrifugo merges what is queued for a client into one frame). Answered late or not at all, the
    // server closes the connection with 3012 ("no pong") 8 s later.
    if (text === '{}') {
      this.#ws.send('{}');
      return;
    }
    if (text.startsWith('{}\n') || text.endsWith('\n{}') || text.includes('\n{}\n')) this.#ws.send('{}');
    if (this.tracker && text.includes('"push"')) this.tracker.scan(text);
    if (this.#pending.size === 0) return;
    for (const line of text.split('\n')) {
      if (!line.startsWith('{"id"')) continue;
      const reply = JSON.parse(line) as Reply;
      const waiter = reply.id !== undefined ? this.#pending.get(reply.id) : undefined;
      if (waiter) {
        this.#pending.delete(reply.id!);
        waiter.resolve(reply);
      }
    }
  }

  #failAll(err: Error): void {
    for (const w of this.#pending.values()) w.reject(err);
    this.#pending.clear();
  }
}
