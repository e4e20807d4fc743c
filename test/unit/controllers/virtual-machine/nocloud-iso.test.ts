import { expect } from 'chai';
import { buildNoCloudSeed } from '../../../../src/controllers/virtual-machine/nocloud-iso.js';

/** An independent reader of the root directory of an ISO 9660 image: name -> content. */
function readRoot(image: Buffer): Map<string, string> {
  const pvd = image.subarray(16 * 2048);
  const rootSector = pvd.readUInt32LE(156 + 2);
  const rootSize = pvd.readUInt32LE(156 + 10);
  const files = new Map<string, string>();
  for (let offset = rootSector * 2048; offset < rootSector * 2048 + rootSize;) {
    const length = image.readUInt8(offset);
    if (length === 0) break;
    const nameLength = image.readUInt8(offset + 32);
    const name = image.subarray(offset + 33, offset + 33 + nameLength).toString('latin1');
    const sector = image.readUInt32LE(offset + 2);
    const size = image.readUInt32LE(offset + 10);
    if (image.readUInt8(offset + 25) === 0) files.set(name, image.subarray(sector * 2048, sector * 2048 + size).toString('utf8'));
    offset += length;
  }
  return files;
}

describe('[REQ-01] the cloud-init NoCloud seed is an ISO 9660 image labelled cidata', () => {
  const data = { metaData: 'instance-id: u1\nlocal-hostname: web\n', userData: '#cloud-config\nruncmd: [echo hi]\n', networkConfig: 'version: 2\n' };

  it('carries the CD001 descriptors, the label and a size that matches its sectors', () => {
    const image = buildNoCloudSeed(data);
    expect(image.subarray(16 * 2048 + 1, 16 * 2048 + 6).toString('ascii')).to.equal('CD001');
    expect(image.subarray(32808, 32814).toString('ascii')).to.equal('CIDATA');
    expect(image.readUInt8(17 * 2048)).to.equal(255);
    expect(image.readUInt32LE(16 * 2048 + 80) * 2048).to.equal(image.length);
  });

  it('holds meta-data, user-data and network-config under their ISO names, content intact', () => {
    expect(Object.fromEntries(readRoot(buildNoCloudSeed(data)))).to.deep.equal({
      'META-DATA;1': data.metaData, 'NETWORK-CONFIG;1': data.networkConfig, 'USER-DATA;1': data.userData,
    });
  });

  it('leaves network-config out when there is none, and large user data spans sectors', () => {
    const userData = `#cloud-config\n${'x'.repeat(5000)}\n`;
    const files = readRoot(buildNoCloudSeed({ metaData: 'instance-id: u1\n', userData }));
    expect([...files.keys()]).to.deep.equal(['META-DATA;1', 'USER-DATA;1']);
    expect(files.get('USER-DATA;1')).to.equal(userData);
  });

  it('is deterministic: the same data gives the same bytes, other data other bytes', () => {
    expect(buildNoCloudSeed(data).equals(buildNoCloudSeed(data))).to.equal(true);
    expect(buildNoCloudSeed(data).equals(buildNoCloudSeed({ ...data, userData: '#cloud-config\n' }))).to.equal(false);
  });
});
