/**
 * [REQ-04][REQ-06] `npm run bench:transfer`: the transfer engine against scp, `ssh host 'cat > f'` and
 * `rsync --sparse` on Docker test hosts, every comparison in the same run and with the same cipher.
 * (a) BENCH_TRANSFER_MIB of random data from a local URL to one host; (b) the same to BENCH_HOSTS hosts vs
 * sequential and parallel scp; (c) a sparse raw image (BENCH_SPARSE_MIB, 10% data) from a URL and from a host
 * file vs scp and rsync --sparse, with bytes on the wire; (e) the share of the time spent verifying (openssl on
 * the destination). The machine's load average is printed with the figures.
 */
import { spawn } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { startTransfer } from '../../src/transfer/transfer-job.js';
import type { TransferDestination, TransferPlan, TransferSource } from '../../src/transfer/transfer-plan.js';
import type { TransferProgress } from '../../src/transfer/transfer-progress.js';
import { startTransferFleet, shippedConfig } from '../../test/integration/transfer/transfer-fleet.js';
import { openSshVirsh, type OpenSshVirsh } from '../libvirt/openssh-virsh.js';
import { ratio, timed } from '../support/stats.js';
import { serveDirectory } from './file-server.js';

const MIB = 1024 * 1024;
const DATA_MIB = Number(process.env.BENCH_TRANSFER_MIB ?? 1024);
const HOSTS = Number(process.env.BENCH_HOSTS ?? 4);
const SPARSE_MIB = Number(process.env.BENCH_SPARSE_MIB ?? 4096);
const REMOTE_DIR = '/var/lib/virtfleet/bench';

function load(): string {
  return loadavg().map((value) => value.toFixed(2)).join(' ');
}

function run(command: string, args: string[], stdinFile?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    void (async () => {
      const input = stdinFile ? await open(stdinFile, 'r') : undefined;
      const child = spawn(command, args, { stdio: [input?.fd ?? 'ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (piece: Buffer) => (stderr += piece.toString()));
      child.once('close', (code) => {
        void input?.close();
        if (code === 0) resolve();
        else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`));
      });
    })();
  });
}

/** Writes `mib` MiB: runs of 16 MiB of random data, one per 16 * dataEvery MiB, the rest holes (dataEvery 1: all random). */
async function writeImage(path: string, mib: number, dataEvery: number): Promise<string> {
  const hash = createHash('sha256');
  const file = await open(path, 'w');
  const block = Buffer.allocUnsafe(MIB);
  const zero = Buffer.alloc(MIB);
  for (let at = 0; at < mib; at++) {
    if (at % (16 * dataEvery) < 16) {
      randomFillSync(block);
      await file.write(block, 0, MIB, at * MIB);
      hash.update(block);
    } else hash.update(zero);
  }
  await file.truncate(mib * MIB);
  await file.close();
  return hash.digest('hex');
}

const fleet = await startTransferFleet(HOSTS, 'vf-bench-transfer');
const work = await mkdtemp(join(tmpdir(), 'vf-bench-transfer-'));
const server = await serveDirectory(work);
const figures: string[] = [];
const say = (line: string): void => {
  figures.push(line);
  console.log(line);
};
try {
  await Promise.all(fleet.sessions.map((session) => session.exec(['mkdir', '-p', REMOTE_DIR], { check: true })));
  const cipher = fleet.sessions[0]!.connectionInfo?.negotiated.cipher ?? 'aes128-gcm@openssh.com';
  const openssh: OpenSshVirsh[] = await Promise.all(fleet.hosts.map((host) => openSshVirsh(host, cipher)));
  const scp = (index: number, file: string, remote: string): Promise<void> => run('scp', ['-q', '-F', openssh[index]!.configFile, file, `${openssh[index]!.hostAlias}:${remote}`]);
  const clean = (): Promise<unknown> => Promise.all(fleet.sessions.map((session) => session.exec(['sh', '-c', `rm -rf ${REMOTE_DIR}/*`])));
  const engine = async (source: TransferSource, digest: string, hosts: number[], name: string): Promise<{ ms: number; result: TransferProgress; verifyMs: number }> => {
    const destinations: TransferDestination[] = hosts.map((index) => ({ host: fleet.transferHosts[index]!, path: `${REMOTE_DIR}/${name}` }));
    const plan: TransferPlan = { source, destinations, sha256: digest, limits: { chunkSizeBytes: shippedConfig.transfer.chunkSizeBytes, bandwidthLimitBytesPerSecond: 0, inactivityTimeoutMs: 120_000, maxAttempts: 1 } };
    const auditedBefore = fleet.auditRecords.length;
    let result: TransferProgress | undefined;
    const ms = await timed(async () => {
      result = await startTransfer(plan, fleet.deps).done;
    });
    if (result?.phase !== 'Succeeded') throw new Error(`engine ${name}: ${JSON.stringify(result)}`);
    const verifyMs = Math.max(0, ...fleet.auditRecords.slice(auditedBefore)
      .filter((r) => r.action === 'ssh.exec' && (r.arguments?.['argv'] as string[] | undefined)?.[0] === 'openssl').map((r) => r.durationMs));
    return { ms, result, verifyMs };
  };
  const mbps = (bytes: number, ms: number): string => `${(bytes / MIB / (ms / 1000)).toFixed(0)} MiB/s`;
  say(`bench:transfer cipher=${cipher} chunk=${shippedConfig.transfer.chunkSizeBytes / MIB} MiB hosts=${HOSTS} load=${load()}`);

  // (a) and (e)
  const randomName = 'random.raw';
  const randomDigest = await writeImage(join(work, randomName), DATA_MIB, 1);
  const bytes = DATA_MIB * MIB;
  const a = await engine({ kind: 'url', url: server.url(randomName) }, randomDigest, [0], 'a.raw');
  const scpMs = await timed(() => scp(0, join(work, randomName), `${REMOTE_DIR}/scp.raw`));
  const catMs = await timed(() => run('ssh', ['-F', openssh[0]!.configFile, openssh[0]!.hostAlias, `cat > ${REMOTE_DIR}/cat.raw`], join(work, randomName)));
  say(`(a) ${DATA_MIB} MiB to 1 host: engine ${a.ms.toFixed(0)} ms (${mbps(bytes, a.ms)}), scp ${scpMs.toFixed(0)} ms (${mbps(bytes, scpMs)}), ssh cat ${catMs.toFixed(0)} ms (${mbps(bytes, catMs)}); engine vs scp ${ratio(scpMs, a.ms)}, vs ssh cat ${ratio(catMs, a.ms)} [load ${load()}]`);
  say(`(e) verification (openssl on the destination) ${a.verifyMs.toFixed(0)} ms = ${((100 * a.verifyMs) / a.ms).toFixed(1)}% of the transfer [load ${load()}]`);
  await clean();

  // (b)
  const all = fleet.hosts.map((_, index) => index);
  const b = await engine({ kind: 'url', url: server.url(randomName) }, randomDigest, all, 'b.raw');
  await clean();
  const sequentialMs = await timed(async () => {
    for (const index of all) await scp(index, join(work, randomName), `${REMOTE_DIR}/seq.raw`);
  });
  await clean();
  const parallelMs = await timed(() => Promise.all(all.map((index) => scp(index, join(work, randomName), `${REMOTE_DIR}/par.raw`))));
  say(`(b) ${DATA_MIB} MiB to ${HOSTS} hosts, unshaped: engine ${b.ms.toFixed(0)} ms, ${HOSTS} sequential scp ${sequentialMs.toFixed(0)} ms, ${HOSTS} parallel scp ${parallelMs.toFixed(0)} ms; engine vs sequential ${ratio(sequentialMs, b.ms)}, vs parallel ${ratio(parallelMs, b.ms)} [load ${load()}]`);
  await clean();
  await rm(join(work, randomName));

  // (c)
  const sparseName = 'sparse.raw';
  const sparseDigest = await writeImage(join(work, sparseName), SPARSE_MIB, 10);
  const dataBytes = Array.from({ length: SPARSE_MIB }, (_, at) => at % 160 < 16).filter(Boolean).length * MIB;
  const cUrl = await engine({ kind: 'url', url: server.url(sparseName) }, sparseDigest, [1], 'c-url.raw');
  await run('scp', ['-q', '-F', openssh[0]!.configFile, join(work, sparseName), `${openssh[0]!.hostAlias}:${REMOTE_DIR}/src.raw`]);
  await fleet.sessions[0]!.exec(['sh', '-c', `cd ${REMOTE_DIR} && cp --sparse=always src.raw sparse.raw && rm src.raw`], { check: true });
  const cHost = await engine({ kind: 'host', host: fleet.transferHosts[0]!, path: `${REMOTE_DIR}/sparse.raw` }, sparseDigest, [2 % HOSTS], 'c-host.raw');
  const scpSparseMs = await timed(() => scp(1, join(work, sparseName), `${REMOTE_DIR}/c-scp.raw`));
  const hasRsync = (await fleet.sessions[1]!.exec(['sh', '-c', 'command -v rsync'])).code === 0;
  let rsyncLine = 'rsync --sparse: not run (no rsync in the host image)';
  if (hasRsync) {
    const rsyncMs = await timed(() => run('rsync', ['--sparse', '-e', `ssh -F ${openssh[1]!.configFile}`, join(work, sparseName), `${openssh[1]!.hostAlias}:${REMOTE_DIR}/c-rsync.raw`]));
    rsyncLine = `rsync --sparse ${rsyncMs.toFixed(0)} ms (engine from URL ${ratio(rsyncMs, cUrl.ms)})`;
  }
  say(`(c) sparse ${SPARSE_MIB} MiB with ${dataBytes / MIB} MiB data: engine from URL ${cUrl.ms.toFixed(0)} ms, wire ${(cUrl.result.destinations[0]!.bytesSent / MIB).toFixed(1)} MiB (${(cUrl.result.destinations[0]!.bytesSent / dataBytes).toFixed(3)}x data); `
    + `engine from host ${cHost.ms.toFixed(0)} ms, wire ${(cHost.result.destinations[0]!.bytesSent / MIB).toFixed(1)} MiB, read ${(cHost.result.source.bytesRead / MIB).toFixed(1)} MiB; `
    + `scp ${scpSparseMs.toFixed(0)} ms, wire ${SPARSE_MIB} MiB (engine URL vs scp ${ratio(scpSparseMs, cUrl.ms)}, host vs scp ${ratio(scpSparseMs, cHost.ms)}); ${rsyncLine}; `
    + `verification ${((100 * cHost.verifyMs) / cHost.ms).toFixed(1)}% of the host copy [load ${load()}]`);
  await clean();
  for (const client of openssh) await client.cleanup();
} finally {
  await server.close();
  await rm(work, { recursive: true, force: true });
  await fleet.stop();
}
console.log(`\nsummary\n${figures.join('\n')}`);
