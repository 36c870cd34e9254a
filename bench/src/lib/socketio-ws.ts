import WebSocket from 'ws';
import type { DeliveryTracker } from './deliveries';

/**
 * The same lean client for the Socket.IO baseline: raw `ws` speaking Engine.IO v4 / Socket.IO v5
 * (`40` connect, `2`→`3` ping/pong, `42[...]` events, `43<id>[...]` acks), so both systems are measured
 * with equally cheap receivers.
 */
export class RawSocketIoClient {
  #ws: WebSocket;
  #ackId = 0;
  #acks = new Map<number, () => void>();
  #connected: (() => void) | null = null;
  tracker: DeliveryTracker | null = null;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (raw: Buffer) => this.#onFrame(raw.toString('utf8')));
  }

  /** Connects to the default namespace and joins `room` (acknowledged by the server). */
  static async connect(baseUrl: string, room: string, tracker: DeliveryTracker | null = null): Promise<RawSocketIoClient> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false });
    const client = new RawSocketIoClient(ws);
    client.tracker = tracker;
    const connected = new Promise<void>((resolve) => (client.#connected = resolve));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await connected;
    await client.#emitWithAck('join', room);
    return client;
  }

  close(): void {
    this.#ws.terminate();
  }

  #emitWithAck(event: string, arg: unknown): Promise<void> {
    const id = this.#ackId++;
    return new Promise((resolve) => {
      this.#acks.set(id, resolve);
      this.#ws.send(`42${id}${JSON.stringify([event, arg])}`);
    });
  }

  #onFrame(text: string): void {
    switch (text.charCodeAt(0)) {
      case 0x34: // '4' message
        if (text.charCodeAt(1) === 0x32) this.tracker?.scan(text); // "42": event
        else if (text.charCodeAt(1) === 0x30) this.#connected?.(); // "40": namespace connected
        else if (text.charCodeAt(1) === 0x33) {
          const id = Number(/^43(\d+)/.exec(text)?.[1]);
          this.#acks.get(id)?.();
          this.#acks.delete(id);
        }
        break;
      case 0x30: // '0' open: ask for the default namespace
        this.#ws.send('40');
        break;
      case 0x32: // '2' ping
        this.#ws.send('3');
        break;
    }
  }
}
