import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { redact } from '../../../src/security/redact.js';
import { REDACTED, isSensitiveKey, redactString } from '../../../src/security/redact-rules.js';

/** Base64 wrapped at `width` characters, as armoured keys are. */
function wrapped(data: Buffer, width = 64): string[] {
  return data.toString('base64').match(new RegExp(`.{1,${width}}`, 'g')) ?? [];
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed25519 = generateKeyPairSync('ed25519');
const pkcs8Der = rsa.privateKey.export({ format: 'der', type: 'pkcs8' });
const pkcs8Pem = rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const pkcs1Der = rsa.privateKey.export({ format: 'der', type: 'pkcs1' });
const sec1Der = ec.privateKey.export({ format: 'der', type: 'sec1' });
const ed25519Der = ed25519.privateKey.export({ format: 'der', type: 'pkcs8' });
const encryptedDer = rsa.privateKey.export({ format: 'der', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'pw' });
const opensshBody = Buffer.concat([Buffer.from('openssh-key-v1\0none\0', 'latin1'), randomBytes(400)]);
const opensshLines = ['-----BEGIN OPENSSH PRIVATE KEY-----', ...wrapped(opensshBody, 70), '-----END OPENSSH PRIVATE KEY-----'];
const sshComBody = Buffer.concat([Buffer.from([0x3f, 0x6f, 0xf9, 0xeb]), randomBytes(600)]);
const sshComLines = ['---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----', 'Comment: "2048-bit rsa, root@h1"', ...wrapped(sshComBody, 70), '---- END SSH2 ENCRYPTED PRIVATE KEY ----'];
const puttyPublic = wrapped(randomBytes(51));
const puttyPrivate = wrapped(randomBytes(48));
const puttyLines = [
  'PuTTY-User-Key-File-3: ssh-ed25519', 'Encryption: none', 'Comment: eddsa-key-20250101',
  `Public-Lines: ${puttyPublic.length}`, ...puttyPublic, `Private-Lines: ${puttyPrivate.length}`, ...puttyPrivate,
  `Private-MAC: ${randomBytes(32).toString('hex')}`,
];
const pemBodyLines = wrapped(pkcs8Der);
const secretDataPem = Buffer.from(pkcs8Pem).toString('base64');
const secretDataOpenssh = Buffer.from(`${opensshLines.join('\n')}\n`).toString('base64');

interface LeakCase {
  name: string;
  input: unknown;
  /** Fragments of key material that must not survive redaction. */
  secrets: string[];
}

const leakCases: LeakCase[] = [
  { name: 'a PKCS#8 PEM split across array elements', input: { argv: ['write-key', ...pkcs8Pem.trim().split('\n'), 'done'] }, secrets: pemBodyLines },
  { name: 'an OpenSSH key split across array elements', input: { lines: opensshLines }, secrets: wrapped(opensshBody, 70) },
  { name: 'an ssh.com key split across array elements', input: [...sshComLines], secrets: wrapped(sshComBody, 70) },
  { name: 'a PuTTY key split across array elements', input: [...puttyLines], secrets: puttyPrivate },
  { name: 'a base64-encoded PEM, as in a Secret\'s .data, under a harmless key', input: { data: { 'id.key': secretDataPem } }, secrets: [secretDataPem.slice(0, 40), secretDataPem.slice(-60, -20)] },
  { name: 'a base64-encoded OpenSSH key inside text', input: `kubectl said: data: ${secretDataOpenssh} (end)`, secrets: [secretDataOpenssh.slice(10, 60)] },
  { name: 'a base64-encoded PEM at an odd offset, wrapped at 76', input: `x${Buffer.from(`ab${pkcs8Pem}`).toString('base64').match(/.{1,76}/g)?.join('\n')}`, secrets: [Buffer.from(`ab${pkcs8Pem}`).toString('base64').slice(100, 150)] },
  { name: 'a PKCS#8 key body without its header', input: `stderr: ${pemBodyLines.join('\n')}\n`, secrets: pemBodyLines },
  { name: 'an OpenSSH key body without its header', input: wrapped(opensshBody, 70).join('\n'), secrets: wrapped(opensshBody, 70) },
  { name: 'a PKCS#1 RSA key body without its header', input: wrapped(pkcs1Der).join('\n'), secrets: wrapped(pkcs1Der) },
  { name: 'a SEC1 EC key body without its header', input: `key ${sec1Der.toString('base64')}`, secrets: [sec1Der.toString('base64').slice(20, 60)] },
  { name: 'an ed25519 PKCS#8 body on one line', input: { note: ed25519Der.toString('base64') }, secrets: [ed25519Der.toString('base64').slice(20)] },
  { name: 'an encrypted PKCS#8 body without its header', input: wrapped(encryptedDer).join('\n'), secrets: wrapped(encryptedDer) },
  { name: 'an ssh.com key body without its header', input: wrapped(sshComBody, 70).join('\r\n'), secrets: wrapped(sshComBody, 70) },
  { name: 'a PuTTY PPK file in text', input: `read ${puttyLines.join('\n')}\nthen`, secrets: [...puttyPrivate, ...puttyPublic] },
  { name: 'a PuTTY PPK file cut off before its MAC', input: puttyLines.slice(0, -2).join('\n'), secrets: puttyPrivate.slice(0, -1) },
  { name: 'an ssh.com key in text', input: `got ${sshComLines.join('\n')}`, secrets: wrapped(sshComBody, 70) },
  { name: 'plural field names', input: { privateKeys: ['k-1', 'k-2'], passphrases: ['p-1'], tokens: { a: 't-1' }, secrets: 's-1', passwords: 'w-1', apiKeys: ['a-1'] }, secrets: ['k-1', 'k-2', 'p-1', 't-1', 's-1', 'w-1', 'a-1'] },
];

describe('[REQ-05] redact: key material in every form leaks nothing (table)', () => {
  for (const { name, input, secrets } of leakCases) {
    it(`masks ${name}`, () => {
      const output = JSON.stringify(redact(input));
      expect(output).to.contain(REDACTED);
      for (const secret of secrets) expect(output, secret).to.not.contain(secret);
    });
  }
});

describe('[REQ-05] redact: what is not a secret stays (table)', () => {
  const spki = rsa.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const keptCases: Array<{ name: string; input: unknown }> = [
    { name: 'an SPKI public key', input: `public key ${spki}` },
    { name: 'an OpenSSH public key line', input: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDcn0b30WxISV/8n8jBJKat8C/NtpNMEYyMydtRsBuGe root@vm` },
    { name: 'a SHA-256 hex digest and a host key fingerprint', input: `prev ${'0f'.repeat(32)} SHA256:${randomBytes(32).toString('base64').replace(/=+$/, '')}` },
    { name: 'a long ordinary path', input: '/var/lib/virtfleet/images/sha256-0123456789abcdef0123456789abcdef0123456789abcdef/disk.qcow2' },
    { name: 'names that merely mention secrets', input: { credentialsSecretRef: { name: 'h1-ssh' }, tokenCount: 3, hostKeys: ['SHA256:x'] } },
  ];
  for (const { name, input } of keptCases) {
    it(`keeps ${name}`, () => {
      expect(redact(input)).to.deep.equal(input);
    });
  }

  it('keeps the array elements after a split key has closed', () => {
    const input = ['-----BEGIN PRIVATE KEY-----', 'AAAA', '-----END PRIVATE KEY-----', 'virsh', 'start', 'vm-1'];
    expect(redact(input)).to.deep.equal([`-----BEGIN PRIVATE KEY----- ${REDACTED}`, REDACTED, REDACTED, 'virsh', 'start', 'vm-1']);
  });

  it('treats plural names as sensitive and keeps their look-alikes', () => {
    const table: Array<[string, boolean]> = [['privateKeys', true], ['passphrases', true], ['tokens', true], ['secrets', true], ['cookies', true], ['hostKeys', false], ['status', false], ['tokenCounts', false]];
    expect(table.map(([key]) => [key, isSensitiveKey(key)])).to.deep.equal(table);
  });

  it('runs in linear time on hostile input for the new key forms', () => {
    const hostile = [
      'PuTTY-User-Key-File-1:'.repeat(20_000), '---- BEGIN SSH2 PRIVATE KEY ----'.repeat(10_000), 'A'.repeat(1_000_000),
      'Aa0+/\n'.repeat(100_000), `${'a'.repeat(39)} `.repeat(20_000),
    ];
    const started = process.hrtime.bigint();
    for (const text of hostile) redactString(text);
    expect(Number(process.hrtime.bigint() - started) / 1e6, 'quadratic work would take minutes').to.be.below(5000);
  });
});
