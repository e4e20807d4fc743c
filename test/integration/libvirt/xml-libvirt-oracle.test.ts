/**
 * [REQ-03] libvirt itself as the oracle for the pure XML code, without a daemon: `virt-xml-validate` checks the
 * built XML against libvirt's RelaxNG schemas, and `virsh -c test:///default` (libvirt's in-process test driver,
 * the same XML parser and formatter libvirtd uses) defines, starts and dumps it, and the reader must read that back.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DomainSpec } from '../../../src/libvirt/domain-spec.js';
import { buildDomainXml } from '../../../src/libvirt/domain-xml.js';
import { isOwnedByVirtfleet } from '../../../src/libvirt/ownership.js';
import { parseDomainXml } from '../../../src/libvirt/parse-domain-xml.js';
import { buildDirPoolXml, buildVolumeXml, parsePoolXml, parseVolumeXml } from '../../../src/libvirt/storage-xml.js';
import { fullSpec, HOSTILE, minimalSpec } from '../../unit/libvirt/domain-spec-fixtures.js';

const run = promisify(execFile);
const COMMAND_TIMEOUT_MS = 20_000;
const TEST_DRIVER = 'test:///default';

/** Runs several virsh commands in one process, so the test driver's in-memory state lives across them. */
async function virsh(commands: string[]): Promise<string> {
  const { stdout } = await run('virsh', ['-q', '-c', TEST_DRIVER, commands.join(' ; ')], { timeout: COMMAND_TIMEOUT_MS });
  return stdout;
}

/** The `index`-th document with root `root` in virsh's output. */
function document(output: string, root: string, index = 0): string {
  const documents = output.match(new RegExp(`<${root}[\\s>][\\s\\S]*?</${root}>`, 'g')) ?? [];
  const found = documents[index];
  if (found === undefined) throw new Error(`virsh printed no <${root}> #${index}: ${output}`);
  return found;
}

describe('[REQ-03] domain and storage xml accepted and read back by libvirt (schemas and test driver)', () => {
  let workDir = '';

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'virtfleet-xml-'));
  });

  after(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  async function save(fileName: string, xml: string): Promise<string> {
    const path = join(workDir, fileName);
    await writeFile(path, xml);
    return path;
  }

  const schemaCases: Array<{ name: string; schema: string; xml: () => string }> = [
    { name: 'a minimal kvm domain', schema: 'domain', xml: () => buildDomainXml(minimalSpec()) },
    { name: 'a domain using every feature', schema: 'domain', xml: () => buildDomainXml(fullSpec()) },
    { name: 'a domain with hostile names', schema: 'domain', xml: () => buildDomainXml(fullSpec({ name: HOSTILE })) },
    { name: 'a host-model uefi domain', schema: 'domain', xml: () => buildDomainXml(minimalSpec({ cpu: { mode: 'host-model' }, firmware: 'uefi' })) },
    { name: 'a dir pool', schema: 'storagepool', xml: () => buildDirPoolXml({ name: 'virtfleet', path: '/var/lib/virtfleet/images' }) },
    {
      name: 'a qcow2 overlay volume',
      schema: 'storagevol',
      xml: () => buildVolumeXml({ name: 'root.qcow2', capacityBytes: 1024 ** 3, format: 'qcow2', backingStore: { path: '/img/base', format: 'raw' } }),
    },
  ];
  for (const [index, { name, schema, xml }] of schemaCases.entries()) {
    it(`validates ${name} against libvirt's ${schema} schema`, async () => {
      const path = await save(`schema-${index}.xml`, xml());
      // Exits non-zero (and execFile rejects) on any schema violation; reports success on stderr.
      const { stderr } = await run('virt-xml-validate', [path, schema], { timeout: COMMAND_TIMEOUT_MS });
      expect(stderr).to.include(`${path} validates`);
    });
  }

  const defineCases: Array<{ name: string; spec: DomainSpec }> = [
    { name: 'every feature', spec: fullSpec({ uuid: '0a1b2c3d-0000-4000-8000-00000000000a' }) },
    { name: 'a hostile name', spec: minimalSpec({ name: HOSTILE, uuid: '0a1b2c3d-0000-4000-8000-00000000000b', type: 'qemu' }) },
  ];
  for (const { name, spec } of defineCases) {
    it(`defines and starts a domain with ${name} and reads libvirt's normalised dump back`, async () => {
      const path = await save(`define-${spec.uuid}.xml`, buildDomainXml(spec));
      const uuid = spec.uuid ?? '';
      const output = await virsh([`define ${path}`, `dumpxml --domain ${uuid}`, `start --domain ${uuid}`, `dumpxml --domain ${uuid}`]);
      for (const dumped of [document(output, 'domain', 0), document(output, 'domain', 1)]) {
        const parsed = parseDomainXml(dumped);
        expect(parsed.name).to.equal(spec.name);
        expect(parsed.uuid).to.equal(spec.uuid);
        expect(parsed.memoryBytes).to.equal(spec.memoryBytes);
        expect(parsed.firmware).to.equal(spec.firmware);
        expect(parsed.disks.map((disk) => [disk.source, disk.bus, disk.bootOrder])).to.deep.equal(
          spec.disks.map((disk) => [disk.path, disk.bus, disk.bootOrder]),
        );
        expect(parsed.disks[0]?.backingChain).to.deep.equal(spec.disks[0]?.kind === 'overlay' ? [spec.disks[0].backingStore] : []);
        expect(parsed.interfaces.map((nic) => [nic.type, nic.source])).to.deep.equal(spec.interfaces.map((nic) => [nic.type, nic.source]));
        expect(parsed.interfaces.every((nic) => /^52:54:00(:[0-9a-f]{2}){3}$/.test(nic.mac ?? ''))).to.equal(true);
        expect(parsed.owner).to.deep.equal(spec.owner);
        expect(isOwnedByVirtfleet(dumped)).to.equal(true);
      }
      expect(parseDomainXml(document(output, 'domain', 1)).id).to.be.a('number');
    });
  }

  it("leaves the test driver's own domain, which has no virtfleet mark, alone", async () => {
    const dumped = document(await virsh(['dumpxml test']), 'domain');
    expect(parseDomainXml(dumped).name).to.equal('test');
    expect(isOwnedByVirtfleet(dumped)).to.equal(false);
  });

  it('creates a pool and an overlay volume from built XML and reads their dumps back', async () => {
    const poolPath = await save('pool.xml', buildDirPoolXml({ name: 'virtfleet', path: '/var/lib/virtfleet/images' }));
    const basePath = await save('base.xml', buildVolumeXml({ name: 'base.raw', capacityBytes: 2 * 1024 ** 3, format: 'raw' }));
    const overlay = buildVolumeXml({ name: 'root.qcow2', capacityBytes: 10 * 1024 ** 3, format: 'qcow2', backingStore: { path: '/default-pool/base.raw', format: 'raw' } });
    const overlayPath = await save('overlay.xml', overlay);
    const output = await virsh([
      `pool-define ${poolPath}`,
      'pool-dumpxml virtfleet',
      `vol-create default-pool ${basePath}`,
      `vol-create default-pool ${overlayPath}`,
      'vol-dumpxml --pool default-pool root.qcow2',
    ]);
    expect(parsePoolXml(document(output, 'pool'))).to.include({ name: 'virtfleet', type: 'dir', targetPath: '/var/lib/virtfleet/images' });
    expect(parseVolumeXml(document(output, 'volume'))).to.deep.include({
      name: 'root.qcow2',
      path: '/default-pool/root.qcow2',
      capacityBytes: 10 * 1024 ** 3,
      format: 'qcow2',
      backingStore: { path: '/default-pool/base.raw', format: 'raw' },
    });
  });
});
