import { expect } from 'chai';
import { startTestSshd, type TestSshd } from '../../support/sshd/index.js';
import { auditedSession, targetFor } from './support.js';

const COMMANDS = 20;

/** Concurrent commands through one pooled session; each appends its number to a file, so a run twice shows. */
async function runConcurrently(sshd: TestSshd, maxSessionsPerHost: number) {
  const warnings: Array<Record<string, unknown>> = [];
  const logger = { warn: (_message: string, meta: Record<string, unknown>) => warnings.push(meta) };
  const ctx = auditedSession(targetFor(sshd), { maxSessionsPerHost }, { logger: logger as never });
  const file = `/tmp/virtfleet-max-sessions-${process.pid}-${sshd.port}-${maxSessionsPerHost}`;
  try {
    await ctx.session.exec(['rm', '-f', file]);
    const results = await Promise.all(
      Array.from({ length: COMMANDS }, (_, i) => ctx.session.exec(['sh', '-c', `sleep 0.05; echo ${i} >> ${file}; echo ${i}`])),
    );
    const ran = await ctx.session.exec(['sort', '-n', file]);
    await ctx.session.exec(['rm', '-f', file]);
    return { results, ran: ran.stdout, warnings, channels: ctx.session.channels, metrics: await ctx.metrics.metrics() };
  } finally {
    ctx.session.close();
  }
}

describe('[REQ-02][REQ-06] ssh transport: hosts whose sshd MaxSessions is below our channel cap (real sshd)', function () {
  this.timeout(120_000);
  const everyNumber = Array.from({ length: COMMANDS }, (_, i) => `${i}\n`);

  for (const maxSessions of [1, 2]) {
    describe(`sshd MaxSessions ${maxSessions}`, () => {
      let sshd: TestSshd;
      before(async () => {
        sshd = await startTestSshd({ extraConfig: [`MaxSessions ${maxSessions}`] });
      });
      after(async () => sshd.stop());

      for (const cap of [8, 2]) {
        it(`runs ${COMMANDS} concurrent commands at maxSessionsPerHost ${cap}: all succeed, each exactly once`, async () => {
          const { results, ran } = await runConcurrently(sshd, cap);
          expect(results.map((r) => r.code)).to.deep.equal(Array(COMMANDS).fill(0));
          expect(results.map((r) => r.stdout)).to.deep.equal(everyNumber);
          expect(ran).to.equal(everyNumber.join(''));
        });
      }

      it('lowers the cap to what the server accepts, exports it, and warns once', async () => {
        const { channels, metrics, warnings } = await runConcurrently(sshd, 8);
        expect(channels.limit).to.be.at.most(maxSessions);
        expect(metrics).to.include(`virtfleet_ssh_channel_limit{host="test-host"} ${channels.limit}`);
        expect(metrics).to.match(/virtfleet_ssh_channel_refusals_total\{host="test-host"\} [1-9]\d*/);
        expect(warnings).to.have.length(1);
        expect(warnings[0]).to.include({ host: 'test-host', maxSessionsPerHost: 8 });
        expect(warnings[0]?.['acceptedSessions']).to.be.at.most(maxSessions);
      });
    });
  }

  it('keeps the configured cap on a host that accepts it', async () => {
    const sshd = await startTestSshd();
    try {
      const { results, channels, warnings } = await runConcurrently(sshd, 8);
      expect(results.every((r) => r.code === 0)).to.equal(true);
      expect(channels).to.include({ limit: 8, peak: 8 });
      expect(warnings).to.deep.equal([]);
    } finally {
      await sshd.stop();
    }
  });
});
