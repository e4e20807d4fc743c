import { expect } from 'chai';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authorizedEntry, ensureAuthorizedEntry, withAuthorizedEntry, withoutAuthorizedEntry } from '../../../src/local-host/authorized-entry.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBTmOjoS/I52X221coh6BJgOkrADVOvCYHPDQ4Ah6uDK';
const OTHER = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherOtherOtherOtherOtherOtherOtherOther ada@laptop';

describe('[REQ-01][REQ-05] local Host authorized_keys entry: loopback only, restricted, tagged, replaced in place', () => {
  it('allows only loopback and commands, and carries the Host name as its tag', () => {
    expect(authorizedEntry(KEY, 'local')).to.equal(`from="127.0.0.1,::1",restrict ${KEY} virtfleet-local:local`);
  });

  it('appends to a file without the entry and keeps every other line byte for byte', () => {
    const content = `# mine\n${OTHER}\n`;
    expect(withAuthorizedEntry(content, authorizedEntry(KEY, 'local'), 'local')).to.equal(`# mine\n${OTHER}\n${authorizedEntry(KEY, 'local')}\n`);
    expect(withAuthorizedEntry(OTHER, 'x', 'local')).to.equal(`${OTHER}\nx\n`);
    expect(withAuthorizedEntry('', 'x', 'local')).to.equal('x\n');
  });

  it('replaces the entry of the same Host, leaves other Hosts\' entries alone, and removes only its own', () => {
    const first = withAuthorizedEntry(`${OTHER}\n`, authorizedEntry(KEY, 'local'), 'local');
    const both = withAuthorizedEntry(first, authorizedEntry(KEY, 'local2'), 'local2');
    const replaced = withAuthorizedEntry(both, 'from="127.0.0.1,::1",restrict ssh-ed25519 AAAANEW virtfleet-local:local', 'local');
    expect(replaced.split('\n')).to.deep.equal([OTHER, authorizedEntry(KEY, 'local2'), 'from="127.0.0.1,::1",restrict ssh-ed25519 AAAANEW virtfleet-local:local', '']);
    expect(withoutAuthorizedEntry(replaced, 'local')).to.equal(`${OTHER}\n${authorizedEntry(KEY, 'local2')}\n`);
    expect(withoutAuthorizedEntry(authorizedEntry(KEY, 'local'), 'local')).to.equal('');
  });

  it('does not take a Host whose name extends another one for it (local vs local2)', () => {
    expect(withoutAuthorizedEntry(`${authorizedEntry(KEY, 'local2')}\n`, 'local')).to.equal(`${authorizedEntry(KEY, 'local2')}\n`);
  });

  it('writes the file 0600 only when it changes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'virtfleet-authorized-'));
    try {
      const path = join(dir, '.ssh', 'authorized_keys');
      expect(await ensureAuthorizedEntry(path, authorizedEntry(KEY, 'local'), 'local')).to.equal(true);
      expect(((await stat(path)).mode & 0o777).toString(8)).to.equal('600');
      expect(((await stat(join(dir, '.ssh'))).mode & 0o777).toString(8)).to.equal('700');
      const mtime = (await stat(path)).mtimeMs;
      expect(await ensureAuthorizedEntry(path, authorizedEntry(KEY, 'local'), 'local')).to.equal(false);
      expect((await stat(path)).mtimeMs).to.equal(mtime);
      await writeFile(path, `${OTHER}\n${authorizedEntry(KEY, 'local')}\n`);
      expect(await ensureAuthorizedEntry(path, authorizedEntry(KEY, 'local'), 'local')).to.equal(false);
      expect(await readFile(path, 'utf8')).to.equal(`${OTHER}\n${authorizedEntry(KEY, 'local')}\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
