// The baseline a team would otherwise build: one Node process, Socket.IO 4 rooms, fed over HTTP.
// `POST /publish {room, event}` or `{room, events: [...]}` emits each event to the room as "event", in
// the same envelope shape our pipeline delivers. Clients join a room with an acknowledged "join".
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { Server } from 'socket.io';

interface PublishBody {
  room: string;
  event?: Record<string, unknown>;
  events?: Array<Record<string, unknown>>;
}

const port = Number(process.env.PORT ?? 0);
const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/publish') {
    res.writeHead(req.url === '/health' ? 200 : 404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let body: PublishBody;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as PublishBody;
    } catch {
      res.writeHead(400).end();
      return;
    }
    const events = body.events ?? (body.event ? [body.event] : []);
    const timestamp = new Date().toISOString();
    for (const e of events) io.to(body.room).emit('event', { id: randomUUID(), ...e, timestamp });
    res.writeHead(202, { 'content-type': 'application/json' }).end(`{"accepted":${events.length}}`);
  });
});

const io = new Server(server, { transports: ['websocket'], serveClient: false });
io.on('connection', (socket) => {
  socket.on('join', (room: unknown, ack?: () => void) => {
    if (typeof room === 'string') void socket.join(room);
    ack?.();
  });
});

server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : port}`);
});
process.on('SIGTERM', () => {
  void io.close();
  server.close(() => process.exit(0));
});
