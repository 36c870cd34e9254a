// Preloaded into the event service with NODE_OPTIONS=--import (Node 20 refuses --cpu-prof in NODE_OPTIONS):
// starts V8's sampling profiler at once and writes a .cpuprofile into BENCH_CPU_PROF_DIR when the process
// exits. The in-process inspector session answers synchronously, so this works inside the 'exit' handler.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  process.on('exit', () => {
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `event-service-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
