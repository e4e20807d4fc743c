import { expect } from 'chai';
import { isRetryable } from '../../../src/errors/operator-error.js';
import { SshConnectError } from '../../../src/errors/ssh-errors.js';
import { FakeClock } from '../../support/fake-clock.js';
import { freeLoopbackPort } from '../../support/loopback-port.js';
import { startTestSshd, type TestSshd } from '../../support/sshd/index.js';
import { auditedSession, rejectionOf, targetFor } from './support.js';

/** Gives a refused TCP connect time to come back, so that an attempt made too early would be seen. */
const settleIo = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 100));

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

  it('backs off between failed connection attempts on its clock instead of hammering the host', async () => {
    const closedPort = await freeLoopbackPort();
    const clock = new FakeClock();
    // random 0: equal jitter gives exactly half of the exponential delay (400 ms, then 800 ms)
    const { session, records } = auditedSession(targetFor(sshd, { port: closedPort }), { reconnect: { baseDelayMs: 400, maxDelayMs: 10_000 } }, { clock, random: () => 0 });
    const attempts = (): number => records().filter((record) => record.action === 'ssh.connect').length;
    try {
      await rejectionOf(session.connect());
      expect(attempts()).to.equal(1);
      const second = rejectionOf(session.connect());
      await clock.advance(199);
      await settleIo();
      expect(attempts(), 'no attempt before the backoff delay').to.equal(1);
      await clock.advance(1);
      await second;
      expect(attempts()).to.equal(2);
      const third = rejectionOf(session.connect());
      await clock.advance(399);
      await settleIo();
      expect(attempts(), 'the delay doubled').to.equal(2);
      await clock.advance(1);
      await third;
      expect(attempts()).to.equal(3);
    } finally {
      session.close();
    }
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
