import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import {
  domainArguments, LibvirtAuditor, volumeArguments, xmlArguments, type AuditArguments,
} from '../../../src/libvirt/libvirt-audit.js';
import { DomainNotOwnedError, LibvirtError } from '../../../src/libvirt/libvirt-error.js';
import { AuditLog } from '../../../src/security/audit-log.js';
import type { AuditRecord } from '../../../src/security/audit-record.js';
import { sha256Hex } from '../../../src/security/audit-record.js';

const DOMAIN = { name: 'vm-1', uuid: '6f1d2c3b-0000-4000-8000-000000000001', id: -1 };
const RESOURCE = { kind: 'VirtualMachine', namespace: 'default', name: 'vm-1', uid: 'uid-1', generation: 3 };

/** A real AuditLog writing into memory, and an auditor for host h1 whose clock the test advances. */
function harness() {
  const stream = new PassThrough();
  const records: AuditRecord[] = [];
  stream.on('data', (chunk: Buffer) => records.push(JSON.parse(chunk.toString('utf8')) as AuditRecord));
  let nowMs = 0;
  const auditor = new LibvirtAuditor({ sink: new AuditLog(stream, { controller: 'virtfleet-0' }), host: 'h1', clock: () => nowMs });
  return { auditor, records, advance: (ms: number) => { nowMs += ms; } };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => expect.fail('should have rejected'), (error: unknown) => error);
}

describe('[REQ-05] LibvirtAuditor: one audit record per state-changing libvirt call', () => {
  it('records a successful call as libvirt.<action> on the host, for the resource, with its arguments and duration', async () => {
    const { auditor, records, advance } = harness();
    const result = await auditor.run('domain.create', domainArguments(DOMAIN), { audit: { resource: RESOURCE } }, async () => {
      advance(12);
      return 'started';
    });
    expect(result).to.equal('started');
    expect(records).to.have.length(1);
    expect(records[0]).to.deep.include({
      action: 'libvirt.domain.create', host: 'h1', resource: RESOURCE, outcome: 'success', durationMs: 12,
      arguments: { domain: 'vm-1', uuid: DOMAIN.uuid },
    });
  });

  it('leaves the resource out when the caller names none', async () => {
    const { auditor, records } = harness();
    await auditor.run('pool.refresh', { pool: 'images' }, {}, async () => undefined);
    expect(records[0]).to.not.have.property('resource');
  });

  it('records a libvirt error as a failure with its message and rethrows it', async () => {
    const { auditor, records } = harness();
    const error = new LibvirtError('DomainCreate', { code: 55, domain: 10, message: 'Requested operation is not valid: domain is already running', level: 2 });
    expect(await rejection(auditor.run('domain.create', domainArguments(DOMAIN), {}, async () => { throw error; }))).to.equal(error);
    expect(records).to.have.length(1);
    expect(records[0]).to.include({ outcome: 'failure', error: error.message });
  });

  it('records the refusal to change a foreign domain as denied', async () => {
    const { auditor, records } = harness();
    const error = await rejection(auditor.run('domain.destroy', domainArguments(DOMAIN), {}, async () => { throw new DomainNotOwnedError('vm-1'); }));
    expect(error).to.be.instanceOf(DomainNotOwnedError);
    expect(records.map((record) => [record.action, record.outcome])).to.deep.equal([['libvirt.domain.destroy', 'denied']]);
  });

  it('writes what the call adds to its arguments while running, on success and on failure', async () => {
    const { auditor, records } = harness();
    const volume = { pool: 'images', name: 'base.raw', key: '/var/lib/libvirt/images/base.raw' };
    const succeeded: AuditArguments = { ...volumeArguments(volume), bytes: 0 };
    await auditor.run('volume.upload', succeeded, {}, async () => { succeeded['bytes'] = 4096; });
    const failed: AuditArguments = { ...volumeArguments(volume), bytes: 0 };
    await rejection(auditor.run('volume.upload', failed, {}, async () => {
      failed['bytes'] = 1024;
      throw new Error('stream aborted');
    }));
    expect(records.map((record) => [record.outcome, record.arguments?.['bytes']])).to.deep.equal([['success', 4096], ['failure', 1024]]);
    expect(records[0]?.arguments).to.include({ pool: 'images', volume: 'base.raw', volumeKey: volume.key });
  });
});

describe('[REQ-05] xmlArguments: an XML document identified without recording it', () => {
  it('gives the SHA-256 and UTF-8 length of the document and never its text', () => {
    const xml = '<domain type="kvm"><name>vm-ü</name><description>secret-ish text</description></domain>';
    const args = xmlArguments(xml);
    expect(args).to.deep.equal({ xmlSha256: sha256Hex(xml), xmlBytes: Buffer.byteLength(xml, 'utf8') });
    expect(args['xmlBytes']).to.equal(xml.length + 1);
    expect(JSON.stringify(args)).to.not.contain('description');
  });
});
