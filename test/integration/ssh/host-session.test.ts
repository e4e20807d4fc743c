import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { expect } from 'chai';
import { CommandFailedError } from '../../../src/errors/command-failed-error.js';
import { SshTimeoutError } from '../../../src/errors/ssh-errors.js';
import { HostSessionPool } from '../../../src/ssh/host-session-pool.js';
import { AuditLog } from '../../../src/security/audit-log.js';
import { pinHostKeys } from '../../../src/security/host-key-policy.js';
import { startTestSshd, type TestSshd } from '../../support/sshd/index.js';
import { auditedSession, rejectionOf, shippedSshConfig, targetFor, type AuditedSession } from './support.js';

const MiB = 1024 * 1024;

async function acceptedConnections(sshd: TestSshd): Promise<number> {
  return (await sshd.log()).split('\n').filter((line) => line.startsWith('Accepted publickey')).length;
}

describe('[REQ-02] ssh transport: commands over one pooled connection (real sshd)', function () {
  this.timeout(120_000);
  let sshd: TestSshd;
  let ctx: AuditedSession;

  before(async () => {
    sshd = await startTestSshd();
    ctx = auditedSession(targetFor(sshd), { maxSessionsPerHost: 3 });
  });
  after(async () => {
    ctx.session.close();
    await sshd.stop();
  });

  it('returns exit codes, stdout and stderr', async () => {
    const result = await ctx.session.exec(['sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect(result).to.deep.equal({ code: 7, stdout: 'out\n', stderr: 'err\n' });
  });

  it('throws CommandFailedError with the exit code and stderr tail when asked to check', async () => {
    const error = await rejectionOf(ctx.session.exec(['sh', '-c', 'echo "disk full" >&2; exit 28'], { check: true }));
    expect(error).to.be.instanceOf(CommandFailedError);
    expect((error as CommandFailedError).exitCode).to.equal(28);
    expect((error as CommandFailedError).stderrTail).to.equal('disk full\n');
    expect((error as CommandFailedError).retryable).to.equal(false);
  });

  it('streams 256 MiB through stdin and back through stdout byte-identical', async () => {
    const remote = await ctx.session.spawn(['cat'], { timeoutMs: 0 });
    const sent = createHash('sha256');
    const received = createHash('sha256');
    let receivedBytes = 0;
    remote.stdout.on('data', (chunk: Buffer) => {
      received.update(chunk);
      receivedBytes += chunk.length;
    });
    const seed = randomBytes(MiB);
    async function* source(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 256; i += 1) {
        const chunk = Buffer.from(seed);
        chunk.writeUInt32BE(i, 0);
        sent.update(chunk);
        yield chunk;
      }
    }
    await pipeline(Readable.from(source()), remote.stdin);
    expect(await remote.exit).to.deep.equal({ code: 0 });
    expect(receivedBytes).to.equal(256 * MiB);
    expect(received.digest('hex')).to.equal(sent.digest('hex'));
  });

  it('queues commands beyond the channel cap instead of failing them', async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => ctx.session.exec(['sh', '-c', `sleep 0.2; echo ${i}`])),
    );
    expect(results.map((r) => r.stdout)).to.deep.equal(Array.from({ length: 12 }, (_, i) => `${i}\n`));
    expect(results.every((r) => r.code === 0)).to.equal(true);
    expect(ctx.session.channels.peak).to.equal(3);
    expect(ctx.session.channels.active).to.equal(0);
  });

  it("reuses one TCP connection for many commands (counted in sshd's own log)", async () => {
    for (let i = 0; i < 50; i += 1) await ctx.session.exec(['true']);
    expect(ctx.session.connectionCount).to.equal(1);
    expect(await acceptedConnections(sshd)).to.equal(1);
  });

  it('passes shell metacharacters literally and executes nothing', async () => {
    const marker = `/tmp/virtfleet-pwned-${process.pid}`;
    const args = [`'; touch ${marker}'`, '$(touch ' + marker + ')', '`touch ' + marker + '`', 'two\nlines', '"quoted"', '* ~ ${HOME}'];
    const result = await ctx.session.exec(['printf', '%s\\0', ...args]);
    expect(result.stdout.split('\0').slice(0, -1)).to.deep.equal(args);
    expect(existsSync(marker)).to.equal(false);
  });

  // The sleep durations carry this process's PID so that leftovers of another run cannot be mistaken for ours.
  it('ends the remote process when a command times out', async () => {
    const error = await rejectionOf(ctx.session.exec(['sleep', `1234.${process.pid}`], { timeoutMs: 300 }));
    expect(error).to.be.instanceOf(SshTimeoutError);
    const left = await ctx.session.exec(['sh', '-c', `pgrep -f "slee[p] 1234.${process.pid}" || true`]);
    expect(left.stdout.trim()).to.equal('');
  });

  it('ends the remote process when the caller aborts', async () => {
    const controller = new AbortController();
    const running = ctx.session.exec(['sleep', `2345.${process.pid}`], { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const beforeAbort = await ctx.session.exec(['sh', '-c', `pgrep -f "slee[p] 2345.${process.pid}" || true`]);
    expect(beforeAbort.stdout.trim(), 'the command runs before the abort').to.match(/^\d+(\n\d+)*$/);
    controller.abort(new Error('reconcile cancelled'));
    const error = await rejectionOf(running);
    expect(error.message).to.equal('reconcile cancelled');
    const left = await ctx.session.exec(['sh', '-c', `pgrep -f "slee[p] 2345.${process.pid}" || true`]);
    expect(left.stdout.trim()).to.equal('');
  });

  it('writes one audit record per command with its argv and outcome', async () => {
    const before = ctx.records().length;
    await ctx.session.exec(['echo', 'audited'], { audit: { resource: { kind: 'Host', name: 'test-host', uid: 'u-1', generation: 3 } } });
    await ctx.session.exec(['false']);
    const [ok, failed] = ctx.records().slice(before);
    expect(ok).to.include({ action: 'ssh.exec', host: 'test-host', outcome: 'success' });
    expect(ok?.arguments).to.deep.equal({ argv: ['echo', 'audited'] });
    expect(ok?.resource).to.deep.equal({ kind: 'Host', name: 'test-host', uid: 'u-1', generation: 3 });
    expect(failed).to.include({ action: 'ssh.exec', outcome: 'failure', error: 'exit 1' });
  });

  it('exports sessions, channels in use and command outcomes as Prometheus metrics', async () => {
    const text = await ctx.metrics.metrics();
    expect(text).to.include('virtfleet_ssh_sessions{host="test-host"} 1');
    expect(text).to.include('virtfleet_ssh_channels_in_use{host="test-host"} 0');
    expect(text).to.match(/virtfleet_ssh_commands_total\{host="test-host",outcome="timeout"\} 1/);
    expect(text).to.match(/virtfleet_ssh_commands_total\{host="test-host",outcome="success"\} [1-9]\d*/);
  });

  it('offers SFTP on the same connection', async () => {
    const sftp = await ctx.session.sftp();
    const path = `/tmp/virtfleet-sftp-${process.pid}`;
    await new Promise<void>((resolve, reject) => sftp.writeFile(path, 'via sftp', (error) => (error ? reject(error) : resolve())));
    sftp.end();
    const read = await ctx.session.exec(['cat', path]);
    await ctx.session.exec(['rm', '-f', path]);
    expect(read.stdout).to.equal('via sftp');
    expect(ctx.session.connectionCount).to.equal(1);
  });
});

describe('[REQ-02] ssh transport: session pool', () => {
  it('hands out one session per host and replaces it when the target changes', () => {
    const audit = new AuditLog({ write: () => true }, { controller: 'test' });
    const pool = new HostSessionPool(shippedSshConfig, { audit });
    const target = { host: 'h', address: '127.0.0.1', port: 22, user: 'u', privateKey: 'k', hostKeys: pinHostKeys(['SHA256:' + 'A'.repeat(43)]) };
    const first = pool.session(target);
    expect(pool.session({ ...target })).to.equal(first);
    const moved = pool.session({ ...target, port: 2222 });
    expect(moved).to.not.equal(first);
    expect(pool.size).to.equal(1);
    pool.forget('h');
    expect(pool.size).to.equal(0);
  });
});
