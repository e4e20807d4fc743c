import { expect } from 'chai';
import { virtfleet } from '../../support/run-virtfleet.js';

describe('[REQ-01] virtfleet host add-local: options checked before anything is touched', () => {
  it('exits 1 naming --name when it is not a DNS label', async () => {
    const { code, err } = await virtfleet('host', 'add-local', '--name', 'My_Host', '--kubeconfig', '/nonexistent');
    expect(code).to.equal(1);
    expect(err).to.contain('--name: expected a lowercase DNS label of at most 59 characters (a-z, 0-9, -), got "My_Host"');
  });

  it('exits 1 naming --ssh-port and --image-cache-dir when they are wrong', async () => {
    const port = await virtfleet('host', 'add-local', '--ssh-port', 'ssh', '--kubeconfig', '/nonexistent');
    expect(port.code).to.equal(1);
    expect(port.err).to.contain('--ssh-port: expected a port number 0-65535, got "ssh"');
    const dir = await virtfleet('host', 'add-local', '--image-cache-dir', 'images', '--kubeconfig', '/nonexistent');
    expect(dir.code).to.equal(1);
    expect(dir.err).to.contain('--image-cache-dir: expected an absolute path, got "images"');
  });
});
