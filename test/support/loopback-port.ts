/** [REQ-02][REQ-03] Loopback TCP helpers for test sshd instances and test hosts: a free port, an SSH banner. */
import { createConnection, createServer } from 'node:net';

/** A TCP port on 127.0.0.1 that was free a moment ago (the kernel's choice for port 0). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}

/** Resolves true when 127.0.0.1:port sends an SSH identification line within timeoutMs, else false. */
export function sshBannerSeen(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let received = '';
    const finish = (seen: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(seen);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      received += chunk;
      if (received.includes('\n')) finish(received.startsWith('SSH-2.0-'));
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
  });
}

/**
 * Waits until 127.0.0.1:port answers with an SSH banner. A mapped Docker port accepts TCP even while the
 * container's sshd is down, so only the banner proves the host is up. Bounded by deadlineMs.
 */
export async function waitForSshBanner(port: number, deadlineMs: number): Promise<void> {
  const giveUpAt = Date.now() + deadlineMs;
  while (Date.now() < giveUpAt) {
    if (await sshBannerSeen(port, Math.min(2000, Math.max(1, giveUpAt - Date.now())))) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no SSH banner on 127.0.0.1:${port} within ${deadlineMs} ms`);
}
