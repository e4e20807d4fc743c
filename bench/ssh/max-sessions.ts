/**
 * [REQ-02][REQ-06] Case (c) of `npm run bench:ssh`: bursts of BENCH_BURST (100) concurrent round trips of `true`
 * through one pooled HostSession (maxSessionsPerHost from the shipped config, 8) to an sshd with `MaxSessions 2`
 * and to one with `MaxSessions 64`, BENCH_BURSTS (5) bursts each. Every command must succeed; reported: p50 and
 * p99 of the per-command latency (call to exit, queueing included), the median time of a whole burst, the
 * adapted channel cap and the channel opens the server refused.
 */
import { loadConfig } from '../../src/config/load-config.js';
import { createMetricsRegistry, createOperatorMetrics } from '../../src/observability/metrics.js';
import { AuditLog } from '../../src/security/audit-log.js';
import { pinHostKeys } from '../../src/security/host-key-policy.js';
import { HostSession } from '../../src/ssh/host-session.js';
import { startTestSshd } from '../../test/support/sshd/index.js';
import { median, percentile, ratio, timed } from '../support/stats.js';

const BURST = Number(process.env.BENCH_BURST ?? 100);
const BURSTS = Number(process.env.BENCH_BURSTS ?? 5);

interface BurstFigures {
  p50: number;
  p99: number;
  burstMs: number;
  limit: number;
  refusals: number;
}

async function measure(maxSessions: number, cipher: string): Promise<BurstFigures> {
  const sshd = await startTestSshd({ extraConfig: [`MaxSessions ${maxSessions}`] });
  const config = loadConfig('config').ssh;
  const registry = createMetricsRegistry();
  const session = new HostSession(
    { host: 'bench', address: '127.0.0.1', port: sshd.port, user: sshd.user, privateKey: sshd.clientKey.privateKey, hostKeys: pinHostKeys([sshd.hostKey.publicKey]) },
    { ...config, algorithms: { ...config.algorithms, ciphers: [cipher as (typeof config.algorithms.ciphers)[number]] } },
    { audit: new AuditLog({ write: () => true }, { controller: 'bench' }), metrics: createOperatorMetrics(registry), logger: { warn: () => undefined } as never },
  );
  try {
    for (let i = 0; i < 20; i += 1) await session.exec(['true']); // warm-up
    const latencies: number[] = [];
    const bursts: number[] = [];
    for (let burst = 0; burst < BURSTS; burst += 1) {
      bursts.push(await timed(() => Promise.all(Array.from({ length: BURST }, async () => {
        const ms = await timed(async () => {
          const result = await session.exec(['true']);
          if (result.code !== 0) throw new Error(`round trip failed: exit ${result.code}`);
        });
        latencies.push(ms);
      }))));
    }
    const refusals = (await registry.getSingleMetric('virtfleet_ssh_channel_refusals_total')?.get())?.values[0]?.value ?? 0;
    return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), burstMs: median(bursts), limit: session.channels.limit, refusals };
  } finally {
    session.close();
    await sshd.stop();
  }
}

export async function benchMaxSessions(cipher: string, maxSessionsPerHost: number): Promise<void> {
  const low = await measure(2, cipher);
  const high = await measure(64, cipher);
  console.log(`\n(c) ${BURSTS} bursts of ${BURST} concurrent round trips \`true\`, maxSessionsPerHost ${maxSessionsPerHost}, all succeeded (${cipher})`);
  for (const [unit, a, b] of [['p50 ms', low.p50, high.p50], ['p99 ms', low.p99, high.p99], ['burst median ms', low.burstMs, high.burstMs]] as const) {
    console.log(`  ${unit}: MaxSessions 2 ${a.toFixed(2)}  MaxSessions 64 ${b.toFixed(2)}  ratio ${ratio(a, b)}`);
  }
  console.log(`  channel cap at the end: MaxSessions 2 -> ${low.limit}, MaxSessions 64 -> ${high.limit}; refused channel opens: ${low.refusals} and ${high.refusals}`);
}
