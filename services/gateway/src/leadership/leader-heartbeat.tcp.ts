import { connect, createServer, type Server, type Socket } from 'node:net';
import type { HeartbeatLoss, LeaderHeartbeat } from './leadership.ports.js';

/** A standby's connection attempt that has not completed in this long says nothing (the host may be frozen or gone). */
const CONNECT_TIMEOUT_MS = 1_000;

/**
 * The heartbeat as a bare TCP connection, no bytes exchanged: the kernel closes a killed process's sockets, so the
 * standby's connection closes the moment the active dies, and a restarted host refuses it. A frozen process keeps its
 * socket (and its kernel still accepts), so a freeze shows only as a lapsed lease.
 */
export class TcpLeaderHeartbeat implements LeaderHeartbeat {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  async listen(host: string, port: number): Promise<string> {
    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('error', () => undefined); // a standby that went away; its close follows
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', () => undefined);
    this.server = server;
    const address = server.address();
    const bound = typeof address === 'object' && address ? address.port : port;
    return `${host}:${bound}`;
  }

  watchers(): number {
    return this.sockets.size;
  }

  watch(address: string, onLost: (how: HeartbeatLoss) => void): () => void {
    const colon = address.lastIndexOf(':');
    const socket = connect({ host: address.slice(0, colon), port: Number(address.slice(colon + 1)) });
    let open = false;
    let done = false;
    const end = (how: HeartbeatLoss) => {
      if (done) return;
      done = true;
      socket.destroy();
      onLost(how);
    };
    const timer = setTimeout(() => end('unreachable'), CONNECT_TIMEOUT_MS);
    socket.setNoDelay(true);
    socket.on('connect', () => {
      open = true;
      clearTimeout(timer);
      // Across hosts, a peer that vanished without a reset is found by keep-alive probes (the lease covers it anyway).
      socket.setKeepAlive(true, 1_000);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (open) end('closed');
      else end(err.code === 'ECONNREFUSED' ? 'refused' : 'unreachable');
    });
    socket.on('close', () => {
      clearTimeout(timer);
      end(open ? 'closed' : 'unreachable');
    });
    return () => {
      clearTimeout(timer);
      done = true;
      socket.destroy();
    };
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
