import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { runAudited } from '../../../src/security/audit-action.js';
import { AuditLog, openAuditLog } from '../../../src/security/audit-log.js';
import { verifyAuditLog } from '../../../src/security/audit-verify.js';
import { HostKeyMismatchError, SshConnectError } from '../../../src/errors/ssh-errors.js';

function harness() {
  const stream = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  stream.on('data', (chunk: Buffer) => lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>));
  const audit = new AuditLog(stream, { controller: 'virtfleet-0' });
  let nowMs = 1000;
  const clock = (): number => nowMs;
  const advance = (ms: number): void => { nowMs += ms; };
  return { audit, lines, clock, advance };
}

describe('[REQ-05] runAudited: exactly one record per action', () => {
  it('records success with the elapsed time and returns the result', async () => {
    const { audit, lines, clock, advance } = harness();
    const result = await runAudited(audit, { host: 'h1', action: 'ssh.exec', arguments: { argv: ['true'] } }, async () => {
      advance(42);
      return 'done';
    }, clock);
    expect(result).to.equal('done');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ action: 'ssh.exec', outcome: 'success', durationMs: 42 });
  });

  it('records failure with the error message and rethrows the same error', async () => {
    const { audit, lines, clock, advance } = harness();
    const error = new SshConnectError('h1', 'connection refused');
    const attempt = runAudited(audit, { host: 'h1', action: 'ssh.connect' }, async () => {
      advance(5);
      throw error;
    }, clock);
    await attempt.then(() => expect.fail('should have rejected'), (thrown: unknown) => expect(thrown).to.equal(error));
    expect(lines[0]).to.include({ outcome: 'failure', error: 'ssh h1: connection refused', durationMs: 5 });
  });

  it('records a host key that is not pinned as denied', async () => {
    const { audit, lines, clock } = harness();
    const attempt = runAudited(audit, { host: 'h1', action: 'ssh.connect' }, async () => {
      throw new HostKeyMismatchError('h1', 'SHA256:abc');
    }, clock);
    await attempt.then(() => expect.fail('should have rejected'), () => undefined);
    expect(lines[0]).to.include({ outcome: 'denied' });
  });
});

describe('[REQ-05] runAudited: concurrent actions', () => {
  it('keeps one intact chain when many actions finish in an arbitrary order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'virtfleet-audit-'));
    try {
      const audit = await openAuditLog({ sink: 'file', path: join(dir, 'audit.log') }, { controller: 'virtfleet-0' });
      const finishOrder = Array.from({ length: 200 }, (_, index) => (index * 37) % 200);
      const releases: Array<() => void> = [];
      const actions = finishOrder.map((_, index) => runAudited(audit, { host: `h${index % 4}`, action: 'ssh.exec' },
        () => new Promise<void>((resolve) => { releases[index] = resolve; })));
      for (const index of finishOrder) releases[index]?.();
      await Promise.all(actions);
      audit.close();
      expect(await verifyAuditLog(join(dir, 'audit.log'))).to.deep.include({ ok: true, records: 200 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
