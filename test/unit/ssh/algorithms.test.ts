import { expect } from 'chai';
import { SshAlgorithmError } from '../../../src/errors/ssh-errors.js';
import { ServerOffer } from '../../../src/ssh/algorithms.js';
import { loadConfig } from '../../../src/config/load-config.js';

const allow = loadConfig('config').ssh.algorithms;

/** What ssh2 logs through its `debug` option while it compares a server's KEXINIT with our lists. */
function offerFrom(lines: string[]): ServerOffer {
  const offer = new ServerOffer();
  for (const line of lines) offer.debug(line);
  return offer;
}

describe('[REQ-05] algorithm negotiation errors name both sides', () => {
  const cases: Array<{ name: string; lines: string[]; failure: string; message: string }> = [
    {
      name: 'a cipher',
      lines: ['Handshake: (local) C->S cipher: aes128-gcm@openssh.com', 'Handshake: (remote) C->S cipher: aes128-ctr,aes256-ctr'],
      failure: 'Handshake failed: no matching C->S cipher',
      message: `ssh h1: no common client-to-server cipher: the server offers aes128-ctr, aes256-ctr; our allowlist (ssh_config.yaml algorithms.ciphers) is ${allow.ciphers.join(', ')}`,
    },
    {
      name: 'a key exchange',
      lines: ['Handshake: (remote) KEX method: diffie-hellman-group14-sha256,kex-strict-s-v00@openssh.com'],
      failure: 'Handshake failed: no matching key exchange algorithm',
      message: `ssh h1: no common key exchange algorithm: the server offers diffie-hellman-group14-sha256, kex-strict-s-v00@openssh.com; our allowlist (ssh_config.yaml algorithms.kex) is ${allow.kex.join(', ')}`,
    },
    {
      name: 'a host-key algorithm',
      lines: ['Handshake: (remote) KEX method: curve25519-sha256', 'Handshake: (remote) Host key format: ssh-dss'],
      failure: 'Handshake failed: no matching host key format',
      message: `ssh h1: no common host-key algorithm: the server offers ssh-dss; our allowlist (ssh_config.yaml algorithms.serverHostKey) is ${allow.serverHostKey.join(', ')}`,
    },
    {
      name: 'a MAC',
      lines: ['Handshake: (remote) S->C MAC: hmac-md5'],
      failure: 'Handshake failed: no matching S->C MAC',
      message: `ssh h1: no common server-to-client MAC: the server offers hmac-md5; our allowlist (ssh_config.yaml algorithms.hmac) is ${allow.hmac.join(', ')}`,
    },
  ];
  for (const { name, lines, failure, message } of cases) {
    it(`names the server's offer and our allowlist for ${name}`, () => {
      const error = offerFrom(lines).noMatchError('h1', new Error(failure), allow);
      expect(error).to.be.instanceOf(SshAlgorithmError);
      expect(error?.message).to.equal(message);
      expect(error?.refusal, 'audited as denied').to.equal(true);
    });
  }

  it('says so when the server offer was not reported', () => {
    const error = offerFrom([]).noMatchError('h1', new Error('Handshake failed: no matching C->S cipher'), allow);
    expect(error?.message).to.match(/the server offers \(not reported\); our allowlist/);
  });

  it('ignores debug lines after the handshake', () => {
    const offer = offerFrom(['Handshake: (remote) C->S cipher: aes128-ctr']);
    offer.stop();
    offer.debug('Handshake: (remote) C->S cipher: 3des-cbc');
    expect(offer.noMatchError('h1', new Error('no matching C->S cipher'), allow)?.mismatch?.serverOffer).to.deep.equal(['aes128-ctr']);
  });

  it('is not an algorithm error when the handshake failed for another reason', () => {
    expect(offerFrom([]).noMatchError('h1', new Error('connect ECONNREFUSED 127.0.0.1:22'), allow)).to.equal(undefined);
  });
});
