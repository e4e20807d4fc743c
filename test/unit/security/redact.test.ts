import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { redact } from '../../../src/security/redact.js';
import { REDACTED, isSensitiveKey, redactString } from '../../../src/security/redact-rules.js';

const privateKeyPem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const keyBody = privateKeyPem.split('\n')[1] ?? '';

describe('[REQ-05] redact: secrets under sensitive key names', () => {
  const cases: Array<{ key: string; sensitive: boolean }> = [
    { key: 'privateKey', sensitive: true },
    { key: 'ssh-privatekey', sensitive: true },
    { key: 'PASSPHRASE', sensitive: true },
    { key: 'password', sensitive: true },
    { key: 'accessToken', sensitive: true },
    { key: 'client_secret', sensitive: true },
    { key: 'Authorization', sensitive: true },
    { key: 'bearer', sensitive: true },
    { key: 'credentialsSecretRef', sensitive: false },
    { key: 'host', sensitive: false },
    { key: 'tokenCount', sensitive: false },
  ];
  for (const { key, sensitive } of cases) {
    it(`treats "${key}" as ${sensitive ? 'sensitive' : 'not sensitive'}`, () => {
      expect(isSensitiveKey(key)).to.equal(sensitive);
    });
  }

  it('replaces sensitive values at any depth, inside arrays too, and keeps the rest', () => {
    const input = { host: 'h1', auth: { user: 'root', passphrase: 'pw-1', keys: [{ privateKey: Buffer.from('k') }] } };
    expect(redact(input)).to.deep.equal({ host: 'h1', auth: { user: 'root', passphrase: REDACTED, keys: [{ privateKey: REDACTED }] } });
  });

  it('leaves its input unmodified', () => {
    const input = { password: 'pw-2', nested: { token: 't-2' } };
    redact(input);
    expect(input).to.deep.equal({ password: 'pw-2', nested: { token: 't-2' } });
  });

  it('turns Errors into plain redacted objects, including their cause and own fields', () => {
    const cause = Object.assign(new Error('inner'), { token: 'tok-3' });
    const error = new Error(`failed with Bearer abc.def`, { cause });
    const result = redact({ error }) as { error: Record<string, unknown> };
    expect(result.error.message).to.equal(`failed with Bearer ${REDACTED}`);
    expect(result.error.name).to.equal('Error');
    expect(result.error.cause).to.include({ message: 'inner', token: REDACTED });
    expect(JSON.stringify(result)).not.to.contain('tok-3');
  });

  it('does not dump binary buffers and survives cycles', () => {
    const looped: Record<string, unknown> = { data: Buffer.from('private bytes') };
    looped.self = looped;
    expect(redact(looped)).to.deep.equal({ data: '[binary 13 bytes]', self: '[Circular]' });
  });
});

describe('[REQ-05] redact: key material inside strings', () => {
  it('masks a whole PEM private key block embedded in text', () => {
    const masked = redactString(`before\n${privateKeyPem}after`);
    expect(masked).not.to.contain(keyBody);
    expect(masked).to.match(/^before\n-----BEGIN PRIVATE KEY----- \[REDACTED\]\nafter$/);
  });

  it('masks a PEM block that was cut off before its END line', () => {
    const masked = redactString(`key: ${privateKeyPem.slice(0, 60)}`);
    expect(masked).not.to.contain(keyBody.slice(0, 20));
  });

  it('masks OpenSSH and RSA style headers as well', () => {
    const openssh = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----';
    expect(redactString(openssh)).not.to.contain('b3BlbnNzaC1rZXktdjEAAAAA');
  });

  it('masks bearer tokens, basic credentials, URL passwords and secret assignments', () => {
    expect(redactString('Authorization: Bearer eyJhbGciOi.x-y')).to.equal(`Authorization: Bearer ${REDACTED}`);
    expect(redactString('basic dXNlcjpwYXNzd29yZA==')).to.equal(`basic ${REDACTED}`);
    expect(redactString('fetch https://user:hunter2@example.test/x')).to.equal(`fetch https://user:${REDACTED}@example.test/x`);
    expect(redactString('run --password=hunter2 now')).to.equal(`run --password=${REDACTED} now`);
    expect(redactString('{"token":"t-9","n":1}')).to.equal(`{"token":"${REDACTED}","n":1}`);
  });

  it('masks a secret assigned after a non-secret one and keeps the non-secret value', () => {
    expect(redactString('mode=fast password=hunter2 user=root')).to.equal(`mode=fast password=${REDACTED} user=root`);
  });

  it('keeps short words after Basic, which are prose rather than credentials', () => {
    expect(redactString('Basic auth is disabled')).to.equal('Basic auth is disabled');
  });

  it('runs in linear time on hostile input', () => {
    const hostile = ['password-'.repeat(20_000), 'a.'.repeat(100_000), 'a-'.repeat(100_000), 'token'.repeat(40_000), 'x://a:'.repeat(30_000)];
    const started = process.hrtime.bigint();
    for (const text of hostile) redactString(text);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect(elapsedMs).to.be.below(1000);
  });

  it('keeps ordinary text unchanged', () => {
    const text = 'virsh define /var/lib/virtfleet/vm-1.xml on host h1';
    expect(redactString(text)).to.equal(text);
  });
});
