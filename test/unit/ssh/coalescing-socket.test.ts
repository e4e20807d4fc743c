import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { expect } from 'chai';
import { CoalescingSocket } from '../../../src/ssh/coalescing-socket.js';

describe('[REQ-06] coalescing socket under SSH connections', () => {
  it('corks the writes of one tick, uncorks on the next, and delivers every byte in order', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const accepted = once(server, 'connection') as Promise<[Socket]>;
    const socket = new CoalescingSocket().connectTo((server.address() as AddressInfo).port, '127.0.0.1');
    await once(socket, 'connect');
    const [peer] = await accepted;
    const received: Buffer[] = [];
    peer.on('data', (chunk: Buffer) => received.push(chunk));

    socket.write('one,');
    socket.write(Buffer.from('two,'));
    socket.write('three', 'utf8');
    expect(socket.writableCorked, 'corked while the tick lasts').to.equal(1);
    await new Promise((resolve) => process.nextTick(resolve));
    expect(socket.writableCorked, 'uncorked on the next tick').to.equal(0);

    socket.end();
    await once(peer, 'end');
    expect(Buffer.concat(received).toString()).to.equal('one,two,three');
    server.close();
  });
});
