import { expect } from 'chai';
import type { LibvirtConfig } from '../../../../src/config/types.js';
import { configDrift, restartRequired } from '../../../../src/controllers/virtual-machine/domain-drift.js';
import { vmResources } from '../../../../src/controllers/virtual-machine/schedule-vm.js';
import { vmDomainSpec, type DiskPlacement } from '../../../../src/controllers/virtual-machine/vm-domain-spec.js';
import { diskVolumeName, domainNameOf, imageCachePath, seedVolumeName } from '../../../../src/controllers/virtual-machine/vm-names.js';
import { InvalidSpecError } from '../../../../src/errors/invalid-spec-error.js';
import { buildDomainXml } from '../../../../src/libvirt/domain-xml.js';
import { parseDomainXml } from '../../../../src/libvirt/parse-domain-xml.js';
import { vmObject } from './vm-fixtures.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const libvirtConfig = {
  storagePool: { name: 'virtfleet', path: '/var/lib/virtfleet/images' },
  domainDefaults: { type: 'qemu', machine: 'pc', cpuMode: 'host-passthrough', consoleLogDir: '/var/log/virtfleet/console/' },
} as LibvirtConfig;

const vm = vmObject('web', {
  memory: '512Mi', cpu: { cores: 2 },
  disks: [{ name: 'root', source: { image: { url: 'https://example.test/img', digest: DIGEST } } }, { name: 'data', source: { blank: { size: '1Gi' } }, bus: 'scsi' }],
  networks: [{ name: 'nic0', type: 'user', mac: '52:54:00:00:00:01' }],
  cloudInit: { userData: '#cloud-config\n' },
});
const uid = vm.metadata?.uid ?? '';
const placement: DiskPlacement = {
  paths: { root: `/pool/${diskVolumeName(uid, 'root')}`, data: `/pool/${diskVolumeName(uid, 'data')}` },
  backing: { root: { path: imageCachePath('/cache/', DIGEST), format: 'raw' } },
  seedPath: `/pool/${seedVolumeName(uid, 'h1')}`,
};

describe('[REQ-01][REQ-03] a VirtualMachine becomes a DomainSpec', () => {
  const spec = vmDomainSpec(vm, vmResources(vm), placement, libvirtConfig);

  it('names the domain <namespace>_<name>, uses the uid as UUID and marks the owner', () => {
    expect(spec).to.include({ name: 'apps_web', uuid: uid, type: 'qemu', machine: 'pc', vcpus: 2, memoryBytes: 512 * 2 ** 20 });
    expect(spec.owner).to.deep.equal({ namespace: 'apps', name: 'web', uid, generation: 1 });
    expect(domainNameOf(vm)).to.equal('apps_web');
  });

  it('volume names come from the uid; the cache path from the digest', () => {
    expect(diskVolumeName(uid, 'root')).to.equal(`vf-${uid}-root.qcow2`);
    expect(imageCachePath('/cache/', DIGEST)).to.equal(`/cache/sha256-${'ab'.repeat(32)}`);
  });

  it('disks in spec order: overlay on the cache file, blank qcow2, then the seed cdrom on sata', () => {
    expect(spec.disks).to.deep.equal([
      { kind: 'overlay', path: placement.paths['root'], backingStore: placement.backing['root'], bus: 'virtio' },
      { kind: 'blank', path: placement.paths['data'], format: 'qcow2', bus: 'scsi' },
      { kind: 'cloud-init-seed', path: placement.seedPath, bus: 'sata' },
    ]);
  });

  it('software emulation drops host-passthrough; the console goes to a file per domain', () => {
    expect(spec.cpu).to.equal(undefined);
    expect(spec.serial).to.deep.equal({ type: 'file', path: '/var/log/virtfleet/console/apps_web.log' });
    const kvm = vmDomainSpec(vm, vmResources(vm), placement, { ...libvirtConfig, domainDefaults: { ...libvirtConfig.domainDefaults, type: 'kvm' } });
    expect(kvm.cpu).to.deep.equal({ mode: 'host-passthrough' });
  });

  it('an ide disk is an InvalidSpecError naming the field', () => {
    const ide = vmObject('x', { disks: [{ name: 'root', source: { blank: { size: '1Gi' } }, bus: 'ide' }] });
    expect(() => vmDomainSpec(ide, vmResources(ide), { paths: { root: '/p/x' }, backing: {} }, libvirtConfig)).to.throw(InvalidSpecError, 'spec.disks[0].bus');
  });

  it('no drift between the spec and the XML built from it', () => {
    const parsed = parseDomainXml(buildDomainXml(spec));
    expect(configDrift(spec, parsed)).to.deep.equal([]);
    expect(restartRequired(spec, parsed)).to.deep.equal([]);
  });

  it('drift names memory, vcpus and disks that differ', () => {
    const other = vmDomainSpec(vm, { cpus: 1, memoryBytes: 256 * 2 ** 20 }, { ...placement, seedPath: '/pool/other.iso' }, libvirtConfig);
    const parsed = parseDomainXml(buildDomainXml(other));
    expect(configDrift(spec, parsed)).to.deep.equal([
      'memory 256Mi -> 512Mi', 'vcpus 1 -> 2', `disks [${placement.paths['root']}, ${placement.paths['data']}, /pool/other.iso] -> [${placement.paths['root']}, ${placement.paths['data']}, ${placement.seedPath}]`,
    ]);
    expect(restartRequired(spec, parsed)).to.deep.equal(['memory 256Mi -> 512Mi', 'vcpus 1 -> 2']);
  });
});
