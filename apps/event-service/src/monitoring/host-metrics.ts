import { readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import type { EventData } from '@neo/contracts';

interface CpuTimes {
  idle: number;
  total: number;
}
interface NetTotals {
  rx: number;
  tx: number;
  at: number;
}

/**
 * Reads the real figures of the machine running the service: CPU % over the interval since the last
 * read (from `os.cpus()` times), memory % (MemAvailable on Linux, else free memory), disk % of the
 * data folder's file system, network bytes per second in and out (from /proc/net/dev, loopback
 * excluded; 0 where unavailable), and uptime.
 */
export class HostMetricsReader {
  #lastCpu: CpuTimes | null = null;
  #lastNet: NetTotals | null = null;

  constructor(private readonly diskPath: string = '/') {}

  async read(): Promise<EventData<'metrics_update'>> {
    const [memory, disk, net] = await Promise.all([this.#memoryPercent(), this.#diskPercent(), this.#network()]);
    return { cpu: round(this.#cpuPercent()), memory: round(memory), disk: round(disk), networkIn: Math.round(net.in), networkOut: Math.round(net.out), uptime: Math.round(os.uptime()) };
  }

  #cpuPercent(): number {
    const now = os.cpus().reduce<CpuTimes>(
      (acc, cpu) => {
        const t = cpu.times;
        return { idle: acc.idle + t.idle, total: acc.total + t.user + t.nice + t.sys + t.idle + t.irq };
      },
      { idle: 0, total: 0 },
    );
    const last = this.#lastCpu;
    this.#lastCpu = now;
    if (!last || now.total <= last.total) return 0;
    return clamp(100 * (1 - (now.idle - last.idle) / (now.total - last.total)));
  }

  async #memoryPercent(): Promise<number> {
    try {
      const info = await readFile('/proc/meminfo', 'utf8');
      const total = Number(/MemTotal:\s+(\d+)/.exec(info)?.[1]);
      const available = Number(/MemAvailable:\s+(\d+)/.exec(info)?.[1]);
      if (total > 0 && available >= 0) return clamp(100 * (1 - available / total));
    } catch {}
    return clamp(100 * (1 - os.freemem() / os.totalmem()));
  }

  async #diskPercent(): Promise<number> {
    try {
      const s = await statfs(this.diskPath);
      return s.blocks > 0 ? clamp(100 * (1 - s.bavail / s.blocks)) : 0;
    } catch {
      return 0;
    }
  }

  async #network(): Promise<{ in: number; out: number }> {
    let totals: NetTotals;
    try {
      const text = await readFile('/proc/net/dev', 'utf8');
      let rx = 0;
      let tx = 0;
      for (const line of text.split('\n').slice(2)) {
        const m = /^\s*([^:]+):\s*(\d+)(?:\s+\d+){7}\s+(\d+)/.exec(line);
        if (!m || m[1] === 'lo') continue;
        rx += Number(m[2]);
        tx += Number(m[3]);
      }
      totals = { rx, tx, at: Date.now() };
    } catch {
      return { in: 0, out: 0 };
    }
    const last = this.#lastNet;
    this.#lastNet = totals;
    if (!last || totals.at <= last.at) return { in: 0, out: 0 };
    const seconds = (totals.at - last.at) / 1000;
    return { in: Math.max(0, (totals.rx - last.rx) / seconds), out: Math.max(0, (totals.tx - last.tx) / seconds) };
  }
}

const clamp = (v: number) => Math.min(100, Math.max(0, v));
const round = (v: number) => Math.round(v * 10) / 10;
