import { readdirSync, readFileSync } from 'node:fs';

/** Resident set size of a process, from /proc/<pid>/status. */
export interface ProcMemory {
  /** Current resident set size, MB. */
  rssMb: number;
  /** Peak resident set size (VmHWM), MB. */
  peakMb: number;
}

export function readProcMemory(pid: number): ProcMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** CPU time (user + system) a process has used so far, seconds, from /proc/<pid>/stat. */
export function readProcCpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** /proc/<pid>/stat's fields after the command name (which may hold spaces), so index 0 is `state`. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * CPU time of the local PostgreSQL server so far, seconds: its postmaster, every live child (backends,
 * walwriter, checkpointer…) and the children that already exited (the postmaster's cutime/cstime). The
 * server is the machine's, so anything else using it at the same time is counted too. 0 without one.
 */
export function readPostgresCpuSeconds(): number {
  const procs: Array<{ pid: number; ppid: number; comm: string }> = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const raw = readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = raw.slice(raw.indexOf('(') + 1, raw.lastIndexOf(')'));
      procs.push({ pid: Number(name), ppid: Number(raw.slice(raw.lastIndexOf(')') + 2).split(' ')[1]), comm });
    } catch {
      // gone between the listing and the read
    }
  }
  const postmaster = procs.find((p) => p.comm === 'postgres' && !procs.some((q) => q.pid === p.ppid && q.comm === 'postgres'));
  if (!postmaster) return 0;
  let ticks = 0;
  for (const p of procs) {
    if (p.pid !== postmaster.pid && p.ppid !== postmaster.pid) continue;
    try {
      const f = statFields(p.pid);
      ticks += Number(f[11]) + Number(f[12]);
      if (p.pid === postmaster.pid) ticks += Number(f[13]) + Number(f[14]);
    } catch {
      // exited meanwhile: its time moves to the postmaster's cutime, read next time
    }
  }
  return ticks / 100;
}
