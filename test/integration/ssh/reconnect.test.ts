import { expect } from 'chai';
import { isRetryable } from '../../../src/errors/operator-error.js';
import { SshConnectError } from '../../../src/errors/ssh-errors.js';
import { freeLoopbackPort } from '../../support/loopback-port.js';
import { startTestSshd, type TestSshd } from '../../support/sshd/index.js';
import { auditedSession, rejectionOf, targetFor } from './support.js';

describe('[REQ-02] ssh transport: failures and reconnect (real sshd)', function () {
  this.timeout(60_000);
  let sshd: TestSshd;

  before(async () => {
    sshd = await startTestSshd();
  });
  after(async () => sshd.stop());

  it('turns sshd dying mid-command into a retryable error, and the next call reconnects', async () => {
    const { session } = auditedSession(targetFor(sshd), { reconnect: { baseDelayMs: 10, maxDelayMs: 50 } });
    try {
      const running = session.exec(['sleep', '30']);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await sshd.kill();
      const error = await rejectionOf(running);
      expect(error).to.be.instanceOf(SshConnectError);
      expect(isRetryable(error)).to.equal(true);

      await sshd.start();
      const result = await session.exec(['echo', 'back']);
      expect(result.stdout).to.equal('back\n');
      expect(session.connectionCount).to.equal(2);
    } finally {
      session.close();
    }
  });

  it('reports a host that refuses connections as a retryable SshConnectError', async () => {
    const closedPort = await freeLoopbackPort();
    const { session, records } = auditedSession(targetFor(sshd, { port: closedPort }));
    const error = await rejectionOf(session.connect());
    session.close();
    expect(error).to.be.instanceOf(SshConnectError);
    expect(isRetryable(error)).to.equal(true);
    expect(records().at(-1)).to.include({ action: 'ssh.connect', outcome: 'failure' });
  });

  it('backs off between failed connection attempts instead of hammering the host', async () => {
    const closedPort = await freeLoopbackPort();
    const { session } = auditedSession(targetFor(sshd, { port: closedPort }), { reconnect: { baseDelayMs: 400, maxDelayMs: 400 } });
    await rejectionOf(session.connect());
    const started = Date.now();
    await rejectionOf(session.connect());
    session.close();
    expect(Date.now() - started).to.be.at.least(190); // equal jitter: at least half of 400 ms
  });

  it('detects a host that stops answering through keepalive and fails the command as retryable', async () => {
    const { session } = auditedSession(targetFor(sshd), { keepalive: { intervalMs: 200, countMax: 2 } });
    const stopped: number[] = [];
    try {
      await session.connect();
      const running = session.exec(['sleep', '30'], { timeoutMs: 0 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      stopped.push(...(await sshd.pids()));
      for (const pid of stopped) process.kill(pid, 'SIGSTOP');
      const started = Date.now();
      const error = await rejectionOf(running);
      expect(isRetryable(error)).to.equal(true);
      expect(Date.now() - started).to.be.below(5_000);
    } finally {
      for (const pid of stopped) process.kill(pid, 'SIGCONT');
      session.close();
    }
  });
});
