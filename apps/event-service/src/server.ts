import { buildApp } from './app';
import { ConfigError, loadConfig } from './config';

/** Starts the event service: parse config, build, listen; SIGTERM/SIGINT drain and close. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`event-service: configuration error: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  const app = await buildApp(config);
  // Loud on purpose: a stack started with the demo override (deploy/compose.demo.yaml) must not pass for production.
  if (config.demoLogin) app.log.warn('DEMO_LOGIN=on: demo users with a published password can log in; never expose this service');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      app.log.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    app.log.info(`${signal}: draining`);
    app.startDraining();
    const timer = setTimeout(() => {
      app.log.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdown.timeoutMs);
    timer.unref();
    // Keep serving while /readyz says 503, long enough for a load balancer to take us out of rotation.
    if (config.shutdown.delayMs > 0) await new Promise((r) => setTimeout(r, config.shutdown.delayMs));
    // Stops the listener, lets in-flight requests finish, drains the relay, closes the database.
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') {
      process.stderr.write(`event-service: port ${config.port} is busy (set PORT to another port)\n`);
      process.exit(98);
    }
    throw err;
  }
}

void main();
