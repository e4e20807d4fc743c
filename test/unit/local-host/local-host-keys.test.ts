import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { generateLocalHostKey, publicKeyOf } from '../../../src/local-host/local-host-key.js';
import { hostKeyLine, readLocalHostKeys } from '../../../src/local-host/local-host-keys.js';
import { parsePackageList } from '../../../src/local-host/local-services.js';

describe('[REQ-01][REQ-05] local Host keys: host keys read from files, the login key made once and read back', () => {
  it('pins every ssh_host_*_key.pub of the directory, ed25519 first, comments dropped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'virtfleet-hostkeys-'));
    try {
      await writeFile(join(dir, 'ssh_host_rsa_key.pub'), 'ssh-rsa AAAAB3NzaC1yc2E= root@box\n');
      await writeFile(join(dir, 'ssh_host_ed25519_key.pub'), 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 root@box\n');
      await writeFile(join(dir, 'ssh_host_ed25519_key'), 'private, never read\n');
      await writeFile(join(dir, 'ssh_config'), 'Host *\n');
      expect(await readLocalHostKeys(dir)).to.deep.equal(['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5', 'ssh-rsa AAAAB3NzaC1yc2E=']);
      await rm(join(dir, 'ssh_host_rsa_key.pub'));
      await rm(join(dir, 'ssh_host_ed25519_key.pub'));
      let error: unknown;
      await readLocalHostKeys(dir).catch((e: unknown) => (error = e));
      expect(String(error)).to.contain(`no SSH host key in ${dir}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a .pub file that is not a key line, naming the file', () => {
    expect(() => hostKeyLine('-----BEGIN PUBLIC KEY-----', '/etc/ssh/ssh_host_x_key.pub')).to.throw('/etc/ssh/ssh_host_x_key.pub: not an OpenSSH public key line');
  });

  it('makes an ed25519 key in OpenSSH form whose public key is derived again from the stored private key', () => {
    const key = generateLocalHostKey();
    expect(key.privateKey).to.match(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    expect(key.publicKey).to.match(/^ssh-ed25519 [A-Za-z0-9+/]+=*$/);
    expect(publicKeyOf(key.privateKey)).to.equal(key.publicKey);
    const parsed = ssh2.utils.parseKey(key.privateKey);
    expect(parsed).to.not.be.instanceOf(Error);
    expect(generateLocalHostKey().publicKey).to.not.equal(key.publicKey);
    expect(publicKeyOf('not a key')).to.equal(undefined);
  });

  it('reads package lists one a line, without comments and blank lines', () => {
    expect(parsePackageList('# header\nopenssh-server\n\n  qemu-utils  # images\n')).to.deep.equal(['openssh-server', 'qemu-utils']);
  });
});
