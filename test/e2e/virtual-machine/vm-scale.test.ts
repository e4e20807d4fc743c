import { expect } from 'chai';
import { until } from '../../support/until.js';
import { APPS, blankDisk, VmE2eEnv, type VmJson } from './vm-e2e-env.js';

interface AuditLine {
  time: string;
  durationMs: number;
  host?: string;
  action: string;
}

/** The largest number of the host's state-changing libvirt calls that ran at the same moment (from their audit records). */
function peakConcurrency(lines: string[], host: string): number {
  const spans = lines.map((line) => JSON.parse(line) as AuditLine)
    .filter((record) => record.host === host && record.action.startsWith('libvirt.'))
    .map((record) => ({ end: Date.parse(record.time), start: Date.parse(record.time) - record.durationMs }));
  // Audit times have millisecond resolution: a call that ended in the millisecond another began does not overlap it.
  const edges = spans.flatMap((span) => [{ at: span.start + 1, delta: 1 }, { at: span.end, delta: -1 }]).sort((a, b) => a.at - b.at || a.delta - b.delta);
  let running = 0;
  let peak = 0;
  for (const edge of edges) {
    running += edge.delta;
    peak = Math.max(peak, running);
  }
  return peak;
}

describe('[REQ-01][REQ-06] VirtualMachines at scale end to end: 20 at once over two hosts, maxConcurrentOperations, an operator killed mid-creation', function () {
  this.timeout(900_000);
  // Two 2-CPU container hosts at ratio 16 hold 32 one-core VMs each; hv0 allows 2 concurrent operations.
  const env = new VmE2eEnv({ namePrefix: 'vm-scale', hostSpec: (index) => ({ cpuAllocationRatio: 16, ...(index === 0 ? { maxConcurrentOperations: 2 } : {}) }) });
  const spread = { hostSelector: { matchLabels: { 'virtfleet.io/zone': 'e2e' } } };

  before(async function () {
    this.timeout(900_000);
    await env.start();
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    const lines = env.recentOperatorLines();
    console.log(`operator warnings and errors (last ${lines.length}):\n${lines.join('\n')}`);
  });

  after(async () => {
    await env.stop();
  });

  const allRunning = (prefix: string, count: number, timeoutMs: number): Promise<VmJson[]> => until(`${count} ${prefix}* VMs Running`, timeoutMs, async () => {
    const vms = (await env.listVms()).filter((vm) => vm.metadata.name.startsWith(prefix));
    return vms.length === count && vms.every((vm) => vm.status?.printableStatus === 'Running') ? vms : undefined;
  }, 1000);

  it('20 VMs applied at once over two hosts all run, each domain on its own host only; hv0 never runs more than 2 operations at once', async () => {
    const manifests = Array.from({ length: 20 }, (_, index) => env.vmManifest(`many-${index}`, spread));
    await env.ok(['apply', '-f', '-'], manifests.join('---\n'));
    const vms = await allRunning('many-', 20, 300_000);
    const byHost = [0, 1].map((index) => vms.filter((vm) => vm.status?.host === `hv${index}`).map((vm) => `${APPS}_${vm.metadata.name}`).sort());
    expect(byHost[0]?.length, 'both hosts used').to.be.greaterThan(0);
    expect(byHost[1]?.length, 'both hosts used').to.be.greaterThan(0);
    for (const index of [0, 1]) {
      const running = (await env.host(index).virsh(['list', '--name', '--state-running'])).stdout.split('\n').map((line) => line.trim()).filter((line) => line.startsWith(`${APPS}_many-`)).sort();
      expect(running, `running domains on hv${index}`).to.deep.equal(byHost[index]);
    }
    const actions = await env.hostActions();
    expect(peakConcurrency(actions, 'hv0'), 'hv0 maxConcurrentOperations 2').to.be.at.most(2);
    expect(actions.filter((line) => line.includes('"host":"hv0"') && line.includes('"libvirt.domain.create"')).length).to.equal(byHost[0]?.length);
    await env.ok(['-n', APPS, 'delete', 'vm', ...vms.map((vm) => vm.metadata.name), '--timeout=180s']);
    for (const index of [0, 1]) expect((await env.domains(index)).filter((name) => name.startsWith(`${APPS}_many-`))).to.deep.equal([]);
  });

  it('kill -9 of the operator while 10 VMs are being created, then a restart: all Running, no duplicate domain, no leaked volume', async () => {
    const before = (await env.hostActions()).length;
    const manifests = Array.from({ length: 10 }, (_, index) => env.vmManifest(`crash-${index}`, { ...spread, disks: blankDisk }));
    await env.ok(['apply', '-f', '-'], manifests.join('---\n'));
    // Kill once the hosts have seen the first volumes, before every VM got its domain.
    await until('first crash-* volumes created', 120_000, async () => {
      const actions = (await env.hostActions()).slice(before);
      return actions.filter((line) => line.includes('"libvirt.volume.create"')).length >= 2 ? true : undefined;
    }, 50);
    await env.operator?.stop('SIGKILL');
    const startedBeforeKill = (await env.hostActions()).slice(before).filter((line) => line.includes('"libvirt.domain.create"')).length;
    expect(startedBeforeKill, 'the kill came while VMs were still being created').to.be.lessThan(10);
    await env.startOperator();
    const vms = await allRunning('crash-', 10, 300_000);
    const domains = await Promise.all([0, 1].map(async (index) => (await env.domains(index)).filter((name) => name.startsWith(`${APPS}_crash-`))));
    const volumes = await Promise.all([0, 1].map(async (index) => (await env.volumes(index)).filter((name) => name.startsWith('vf-'))));
    for (const vm of vms) {
      const on = vm.status?.host === 'hv0' ? 0 : 1;
      const domain = `${APPS}_${vm.metadata.name}`;
      expect(domains[on], `${domain} on its host`).to.include(domain);
      expect(domains[1 - on], `${domain} not on the other host`).to.not.include(domain);
      expect(volumes[on]?.filter((name) => name.startsWith(`vf-${vm.metadata.uid}-`)), `${vm.metadata.name} volumes`).to.deep.equal([`vf-${vm.metadata.uid}-data.qcow2`]);
      expect(volumes[1 - on]?.filter((name) => name.startsWith(`vf-${vm.metadata.uid}-`))).to.deep.equal([]);
    }
    expect((domains[0]?.length ?? 0) + (domains[1]?.length ?? 0), 'one domain per VM').to.equal(10);
    const uids = new Set(vms.map((vm) => vm.metadata.uid));
    const leaked = [...(volumes[0] ?? []), ...(volumes[1] ?? [])].filter((name) => ![...uids].some((uid) => name.startsWith(`vf-${uid}-`)));
    expect(leaked, 'volumes of no VM').to.deep.equal([]);
  });
});
