import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, spawnService, stopChild, waitForHttp } from '../../../scripts/lib/proc.mjs';
import { postJson } from './http';
import { readProcMemory, type ProcMemory } from './proc-stats';

const SERVER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../baselines/socketio/server.ts');

export interface SocketIoBaseline {
  url: string;
  pid: number;
  /** Emits one event to `room` (HTTP, like our ingest). */
  publish(room: string, event: unknown): Promise<number>;
  memory(): ProcMemory;
  stop(): Promise<void>;
}

/** Starts the Socket.IO 4 baseline server (bench/baselines/socketio) as its own process, on a free port. */
export async function startSocketIoBaseline(): Promise<SocketIoBaseline> {
  const port = await freePort();
  const svc = spawnService('socketio-baseline', process.execPath, ['--import', 'tsx', SERVER], { env: { ...process.env, PORT: String(port) }, quiet: true });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/health`, { child: svc.child, name: 'socketio-baseline', timeoutMs: 20_000 });
  } catch (err) {
    await stopChild(svc.child);
    throw err;
  }
  const pid = svc.child.pid!;
  return {
    url,
    pid,
    publish: async (room, event) => (await postJson(`${url}/publish`, { room, event })).status,
    memory: () => readProcMemory(pid),
    stop: () => stopChild(svc.child),
  };
}
