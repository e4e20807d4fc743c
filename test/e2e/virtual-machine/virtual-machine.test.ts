import { expect } from 'chai';
import { guestBootedMarker } from '../../support/guest/guest-domain.js';
import { waitForSerialMarker } from '../../support/guest/serial-log.js';
import { until } from '../../support/until.js';
import { APPS, blankDisk, CACHE_DIR, CONSOLE_DIR, VmE2eEnv } from './vm-e2e-env.js';

describe('[REQ-01][REQ-03] VirtualMachines end to end: kubectl, the operator process, two Docker libvirt hosts, virsh as the oracle', function () {
  this.timeout(600_000);
  const env = new VmE2eEnv({ namePrefix: 'vm-e2e' });
  const k = env.k.bind(env);
  const ok = env.ok.bind(env);
  const host = env.host.bind(env);
  const getVm = env.getVm.bind(env);
  const waitStatus = env.waitStatus.bind(env);
  const domstate = env.domstate.bind(env);
  const vmManifest = env.vmManifest.bind(env);
  const hostActions = env.hostActions.bind(env);
  let digest: string;

  before(async function () {
    this.timeout(900_000);
    await env.start();
    digest = env.digest;
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    const warnings = env.recentOperatorLines();
    console.log(`operator warnings and errors (last ${warnings.length}):\n${warnings.join('\n')}`);
  });

  after(async () => {
    await env.stop();
  });

  it('boots a VM applied with kubectl from a qcow2 overlay on the image cache, with its cloud-init seed', async () => {
    const token = `hello-from-e2e-${Date.now()}`;
    await ok(['apply', '-f', '-'], vmManifest('boot', {
      hostName: 'hv0', memory: '128Mi',
      disks: [{ name: 'root', source: { image: { url: 'https://images.example.test/guest.img', digest } } }],
      cloudInit: { userData: `#cloud-config\n# ${token}\n` },
    }));
    const vm = await waitStatus('boot', 'Running', 180_000);
    expect(vm.status?.host).to.equal('hv0');
    expect(vm.status?.domainUUID).to.equal(vm.metadata.uid);
    expect(await domstate(0, `${APPS}_boot`)).to.equal('running');
    const serial = await waitForSerialMarker(host(0), `${CONSOLE_DIR}/${APPS}_boot.log`, `VIRTFLEET-CLOUDINIT: # ${token}`, 240_000);
    expect(serial).to.contain(guestBootedMarker);
    const volumes = (await host(0).virsh(['vol-list', 'default'])).stdout;
    expect(volumes).to.contain(`vf-${vm.metadata.uid}-root.qcow2`);
    const info = await host(0).exec(['qemu-img', 'info', '-U', '--output=json', `/var/lib/libvirt/images/vf-${vm.metadata.uid}-root.qcow2`]);
    expect(JSON.parse(info.stdout)).to.include({ format: 'qcow2', 'backing-filename': `${CACHE_DIR}/${digest.replace(':', '-')}` });
  });

  it('a second apply and a reconcile of the unchanged VM make no state-changing call on the host', async () => {
    await waitStatus('boot', 'Running');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const before = await hostActions();
    await ok(['apply', '-f', '-'], vmManifest('boot', {
      hostName: 'hv0', memory: '128Mi',
      disks: [{ name: 'root', source: { image: { url: 'https://images.example.test/guest.img', digest } } }],
      cloudInit: { userData: (await getVmUserData('boot')) },
    }));
    await ok(['-n', APPS, 'annotate', 'vm', 'boot', 'e2e/poke=1', '--overwrite']);
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(await hostActions()).to.deep.equal(before);
  });

  async function getVmUserData(name: string): Promise<string> {
    const vm = JSON.parse(await ok(['-n', APPS, 'get', 'vm', name, '-o', 'json'])) as { spec: { cloudInit: { userData: string } } };
    return vm.spec.cloudInit.userData;
  }

  it('runStrategy Halted keeps the domain defined and shut off', async () => {
    await ok(['apply', '-f', '-'], vmManifest('halted', { hostName: 'hv1', runStrategy: 'Halted', disks: blankDisk }));
    await waitStatus('halted', 'Stopped');
    expect(await domstate(1, `${APPS}_halted`)).to.equal('shut off');
    // A stopped VM still holds its CPU and memory on the Host (the scheduler counts placed VMs, started or not):
    // hv1 has 2 CPUs, so every hv1 case gives its VM back for the next one.
    await ok(['-n', APPS, 'delete', 'vm', 'halted', '--timeout=60s']);
  });

  it('delete with deletionPolicy Delete removes domain and volumes; Orphan keeps the volumes', async () => {
    await ok(['apply', '-f', '-'], `${vmManifest('gone', { hostName: 'hv1', disks: blankDisk })}---\n${vmManifest('kept', { hostName: 'hv1', disks: blankDisk, deletionPolicy: 'Orphan' })}`);
    const gone = await waitStatus('gone', 'Running');
    const kept = await waitStatus('kept', 'Running');
    await ok(['-n', APPS, 'delete', 'vm', 'gone', 'kept', '--timeout=60s']);
    const domains = (await host(1).virsh(['list', '--all', '--name'])).stdout;
    expect(domains).to.not.contain(`${APPS}_gone`);
    expect(domains).to.not.contain(`${APPS}_kept`);
    const volumes = (await host(1).virsh(['vol-list', 'default'])).stdout;
    expect(volumes).to.not.contain(`vf-${gone.metadata.uid}-`);
    expect(volumes).to.contain(`vf-${kept.metadata.uid}-data.qcow2`);
  });

  it('never touches a foreign domain that has the VM\'s domain name', async () => {
    const foreign = `<domain type='qemu'><name>${APPS}_clash</name><memory unit='MiB'>32</memory><os><type arch='x86_64' machine='pc'>hvm</type></os></domain>`;
    await host(1).exec(['sh', '-c', `cat > /tmp/clash.xml <<'EOF'\n${foreign}\nEOF`]);
    expect((await host(1).virsh(['define', '/tmp/clash.xml'])).code).to.equal(0);
    const before = (await host(1).virsh(['dumpxml', `${APPS}_clash`])).stdout;
    await ok(['apply', '-f', '-'], vmManifest('clash', { hostName: 'hv1', disks: blankDisk }));
    const vm = await until('clash DomainNameTaken', 60_000, async () => {
      const current = await getVm('clash');
      return current.status?.conditions?.some((condition) => condition.reason === 'DomainNameTaken') ? current : undefined;
    });
    expect(vm.status?.conditions?.find((condition) => condition.type === 'Synchronized')?.message).to.contain('does not own');
    expect((await host(1).virsh(['dumpxml', `${APPS}_clash`])).stdout).to.equal(before);
    await ok(['-n', APPS, 'delete', 'vm', 'clash', '--timeout=60s']);
    expect((await host(1).virsh(['dumpxml', `${APPS}_clash`])).stdout, 'deleting the VM leaves the foreign domain alone').to.equal(before);
  });

  it('runStrategy Manual starts only when the virtfleet.io/power annotation asks', async () => {
    await ok(['apply', '-f', '-'], vmManifest('manual', { hostName: 'hv1', runStrategy: 'Manual', disks: blankDisk }));
    await waitStatus('manual', 'Stopped');
    expect(await domstate(1, `${APPS}_manual`)).to.equal('shut off');
    await ok(['-n', APPS, 'annotate', 'vm', 'manual', 'virtfleet.io/power=on@1']);
    await waitStatus('manual', 'Running');
    expect(await domstate(1, `${APPS}_manual`)).to.equal('running');
    await ok(['-n', APPS, 'delete', 'vm', 'manual', '--timeout=60s']);
  });

  it('memory larger than any Host: Unschedulable with InsufficientCapacity naming memory', async () => {
    await ok(['apply', '-f', '-'], vmManifest('huge', { memory: '4Ti', hostSelector: { matchLabels: { 'virtfleet.io/zone': 'e2e' } } }));
    const vm = await waitStatus('huge', 'Unschedulable');
    const scheduled = vm.status?.conditions?.find((condition) => condition.type === 'Scheduled');
    expect(scheduled).to.include({ status: 'False', reason: 'InsufficientCapacity' });
    expect(scheduled?.message).to.match(/hv0: memory \(asks 4194304Mi/);
    expect(await ok(['-n', APPS, 'describe', 'vm', 'huge'])).to.match(/Warning\s+InsufficientCapacity/);
  });

  it('a missing Host is Pending with HostNotFound; an invalid spec is refused naming the field', async () => {
    await ok(['apply', '-f', '-'], vmManifest('lost', { hostName: 'nowhere' }));
    const vm = await waitStatus('lost', 'Pending');
    expect(vm.status?.conditions?.find((condition) => condition.type === 'Scheduled')).to.include({ status: 'False', reason: 'HostNotFound' });
    const invalid = await k(['apply', '-f', '-'], vmManifest('bad', { runStrategy: 'Sometimes' }));
    expect(invalid.code).to.not.equal(0);
    expect(invalid.stderr).to.contain('spec.runStrategy');
  });

  it('runStrategy Always starts the guest again after virsh destroy, with an Event', async () => {
    await ok(['apply', '-f', '-'], vmManifest('always', { hostName: 'hv1', disks: blankDisk }));
    await waitStatus('always', 'Running');
    expect(await domstate(1, `${APPS}_always`)).to.equal('running');
    expect((await host(1).virsh(['destroy', `${APPS}_always`])).code).to.equal(0);
    await until('always running again', 30_000, async () => (await domstate(1, `${APPS}_always`)) === 'running' ? true : undefined);
    const described = await ok(['-n', APPS, 'describe', 'vm', 'always']);
    expect(described).to.match(/Warning\s+DomainStarted\s+.*restarted after a failure/);
  });

});
