import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { guestBootedMarker, guestPowerOffMarker } from '../../support/guest/guest-domain.js';
import { waitForSerialMarker } from '../../support/guest/serial-log.js';
import { until } from '../../support/until.js';
import { APPS, blankDisk, CONSOLE_DIR, VmE2eEnv } from './vm-e2e-env.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('[REQ-01][REQ-03] VirtualMachine lifecycle end to end: run strategies after poweroff and crash, restart-required edits, drift, host outages, force-delete', function () {
  this.timeout(600_000);
  // Two 2-CPU container hosts; a ratio of 8 lets the suite's small VMs share them.
  const env = new VmE2eEnv({ namePrefix: 'vm-life', hostSpec: () => ({ cpuAllocationRatio: 8 }) });
  const domainXml = async (index: number, name: string): Promise<string> => (await env.host(index).virsh(['dumpxml', `${APPS}_${name}`])).stdout;
  const domReason = async (index: number, name: string): Promise<string> => (await env.host(index).virsh(['domstate', '--reason', `${APPS}_${name}`])).stdout.trim();

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

  it('RerunOnFailure: a guest that powers itself off stays off', async () => {
    await env.ok(['apply', '-f', '-'], env.vmManifest('poweroff', {
      hostName: 'hv0', runStrategy: 'RerunOnFailure', memory: '128Mi',
      disks: [{ name: 'root', source: { image: { url: 'https://images.example.test/guest.img', digest: env.digest } } }],
    }));
    await env.waitStatus('poweroff', 'Running', 180_000);
    const serialLog = `${CONSOLE_DIR}/${APPS}_poweroff.log`;
    await waitForSerialMarker(env.host(0), serialLog, guestBootedMarker, 240_000);
    // The ACPI power button: the guest's acpid powers it off, so libvirt records a guest shutdown, not a failure.
    expect((await env.host(0).virsh(['shutdown', `${APPS}_poweroff`])).code).to.equal(0);
    await waitForSerialMarker(env.host(0), serialLog, guestPowerOffMarker, 60_000);
    await env.waitStatus('poweroff', 'Stopped', 60_000);
    expect(await domReason(0, 'poweroff')).to.equal('shut off (shutdown)');
    await sleep(5000);
    expect(await env.domstate(0, `${APPS}_poweroff`)).to.equal('shut off');
    expect((await env.getVm('poweroff')).status?.printableStatus).to.equal('Stopped');
    await env.ok(['-n', APPS, 'delete', 'vm', 'poweroff', '--timeout=60s']);
  });

  it('RerunOnFailure: restarted after QEMU crashes and after virsh destroy (neither is a guest poweroff)', async () => {
    await env.ok(['apply', '-f', '-'], env.vmManifest('rerun', { hostName: 'hv1', runStrategy: 'RerunOnFailure', disks: blankDisk }));
    await env.waitStatus('rerun', 'Running');
    const pid = (await env.host(1).exec(['pgrep', '-f', `guest=${APPS}_rerun,`])).stdout.trim();
    expect(pid).to.match(/^\d+$/);
    await env.host(1).exec(['kill', '-9', pid]);
    await until('rerun restarted after the crash', 30_000, async () => (await env.domstate(1, `${APPS}_rerun`)) === 'running' ? true : undefined);
    const after = (await env.host(1).exec(['pgrep', '-f', `guest=${APPS}_rerun,`])).stdout.trim();
    expect(after).to.match(/^\d+$/);
    expect(after).to.not.equal(pid);
    expect(await env.ok(['-n', APPS, 'describe', 'vm', 'rerun'])).to.match(/Warning\s+DomainStarted\s+.*restarted after a failure/);
    expect((await env.host(1).virsh(['destroy', `${APPS}_rerun`])).code).to.equal(0);
    await until('rerun restarted after virsh destroy', 30_000, async () => {
      const pidNow = (await env.host(1).exec(['pgrep', '-f', `guest=${APPS}_rerun,`])).stdout.trim();
      return pidNow !== '' && pidNow !== after && (await env.domstate(1, `${APPS}_rerun`)) === 'running' ? true : undefined;
    });
    await env.ok(['-n', APPS, 'delete', 'vm', 'rerun', '--timeout=60s']);
  });

  it('memory edited while running: RestartRequired, the domain unchanged until its next start, then the new size', async () => {
    await env.ok(['apply', '-f', '-'], env.vmManifest('resize', { hostName: 'hv1', memory: '64Mi', disks: blankDisk }));
    await env.waitStatus('resize', 'Running');
    expect(await domainXml(1, 'resize')).to.contain("<memory unit='KiB'>65536</memory>");
    await env.ok(['-n', APPS, 'patch', 'vm', 'resize', '--type=merge', '-p', '{"spec":{"memory":"96Mi"}}']);
    const pending = await env.waitCondition('resize', 'RestartRequired', 'RestartRequired');
    expect(pending.status?.conditions?.find((condition) => condition.type === 'Synchronized')).to.include({ status: 'False', reason: 'RestartRequired' });
    expect(pending.status?.printableStatus).to.equal('Running');
    await sleep(3000);
    expect(await domainXml(1, 'resize'), 'the running domain is left alone').to.contain("<memory unit='KiB'>65536</memory>");
    expect(await env.domstate(1, `${APPS}_resize`)).to.equal('running');
    // The next start (Always restarts a destroyed guest) applies the new size.
    expect((await env.host(1).virsh(['destroy', `${APPS}_resize`])).code).to.equal(0);
    await until('resize running with 96Mi', 60_000, async () =>
      (await env.domstate(1, `${APPS}_resize`)) === 'running' && (await domainXml(1, 'resize')).includes("<memory unit='KiB'>98304</memory>") ? true : undefined);
    await until('RestartRequired cleared', 30_000, async () => {
      const vm = await env.getVm('resize');
      return vm.status?.conditions?.some((condition) => condition.type === 'RestartRequired') === false ? true : undefined;
    });
  });

  it('a domain undefined out of band is defined again, with a DriftRepaired Event', async () => {
    await env.ok(['apply', '-f', '-'], env.vmManifest('redefine', { hostName: 'hv1', runStrategy: 'Halted', disks: blankDisk }));
    const vm = await env.waitStatus('redefine', 'Stopped');
    const defines = async (): Promise<number> => (await env.hostActions()).filter((line) => line.includes('"libvirt.domain.define"') && line.includes(`"domain":"${APPS}_redefine"`)).length;
    const definedBefore = await defines();
    expect((await env.host(1).virsh(['undefine', `${APPS}_redefine`])).code).to.equal(0);
    // The undefine event wakes the controller at once: the domain may be back before virsh returns to us.
    await until('redefine defined again', 30_000, async () => (await defines()) > definedBefore && (await env.domains(1)).includes(`${APPS}_redefine`) ? true : undefined);
    expect(await defines()).to.equal(definedBefore + 1);
    expect(await domainXml(1, 'redefine')).to.contain(`<uuid>${vm.metadata.uid}</uuid>`);
    expect(await env.domstate(1, `${APPS}_redefine`)).to.equal('shut off');
    await until('DriftRepaired Event', 30_000, async () => /Normal\s+DriftRepaired|Warning\s+DriftRepaired/.test(await env.ok(['-n', APPS, 'describe', 'vm', 'redefine'])) ? true : undefined);
  });

  it('a stopped host: its VMs HostUnreachable; a delete holds its finalizer with a condition until force-delete releases it (audited); Running again when the host is back', async () => {
    await env.waitStatus('resize', 'Running');
    const doomed = await env.getVm('redefine');
    await env.host(1).stop();
    await env.waitStatus('resize', 'HostUnreachable', 60_000);
    const ready = (await env.getVm('resize')).status?.conditions?.find((condition) => condition.type === 'Ready');
    expect(ready).to.include({ status: 'False', reason: 'HostUnreachable' });

    await env.ok(['-n', APPS, 'delete', 'vm', 'redefine', '--wait=false']);
    const held = await env.waitCondition('redefine', 'Synchronized', 'DeleteFailed', 60_000);
    expect(held.metadata.finalizers).to.deep.equal(['virtfleet.io/vm-cleanup']);
    expect(held.status?.conditions?.find((condition) => condition.type === 'Synchronized')?.message).to.contain('virtfleet.io/force-delete');
    await sleep(2000);
    expect((await env.k(['-n', APPS, 'get', 'vm', 'redefine'])).code, 'the finalizer still holds').to.equal(0);
    await env.ok(['-n', APPS, 'annotate', 'vm', 'redefine', 'virtfleet.io/force-delete=true']);
    await until('redefine gone', 60_000, async () => (await env.k(['-n', APPS, 'get', 'vm', 'redefine'])).code !== 0 ? true : undefined);
    const audit = (await readFile(env.auditPath, 'utf8')).split('\n').filter((line) => line.includes('"virtualmachine.force-delete"'));
    expect(audit).to.have.length(1);
    const record = JSON.parse(audit[0] as string) as { host: string; resource: { uid: string }; arguments: { mayRemainOnHost: string } };
    expect(record).to.deep.include({ host: 'hv1' });
    expect(record.resource.uid).to.equal(doomed.metadata.uid);
    expect(record.arguments.mayRemainOnHost).to.contain(`${APPS}_redefine`);

    await env.host(1).start();
    await env.waitStatus('resize', 'Running', 120_000);
    expect(await env.domstate(1, `${APPS}_resize`)).to.equal('running');
  });
});
