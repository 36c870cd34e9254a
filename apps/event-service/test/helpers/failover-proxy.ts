import net from 'node:net';

/**
 * A TCP stand-in for the load balancer in front of several Centrifugo nodes: each new connection goes
 * to the first target that accepts it, so while the first node lives everything lands there, and once
 * it is gone new connections (WebSocket reconnects, API calls) land on the next. No stickiness, as in
 * production: a reconnecting client may reach any node, and the Redis engine makes that fine.
 */
export interface FailoverProxy {
  port: number;
  close(): Promise<void>;
}

export async function startFailoverProxy(targetPorts: number[], host = '127.0.0.1'): Promise<FailoverProxy> {
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const connectFirst = (i: number): Promise<net.Socket | null> =>
    new Promise((resolve) => {
      if (i >= targetPorts.length) return resolve(null);
      const upstream = net.connect(targetPorts[i]!, host);
      upstream.once('connect', () => {
        upstream.removeAllListeners('error');
        resolve(upstream);
      });
      upstream.once('error', () => {
        upstream.destroy();
        resolve(connectFirst(i + 1));
      });
    });
  const server = net.createServer((client) => {
    track(client);
    client.pause();
    client.on('error', () => client.destroy());
    void connectFirst(0).then((upstream) => {
      if (!upstream || client.destroyed) {
        upstream?.destroy();
        client.destroy();
        return;
      }
      track(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
      };
      upstream.on('error', drop).on('close', drop);
      client.on('close', drop);
      client.pipe(upstream).pipe(client);
      client.resume();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}
