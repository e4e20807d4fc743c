import { generateKeyPairSync } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { createRootLogger } from '../../../src/observability/logger.js';
import { AuditLog } from '../../../src/security/audit-log.js';
import type { LogLevel } from '../../../src/config/types.js';

const privateKeyPem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const keyBody = privateKeyPem.split('\n')[1] ?? '';
const passphrase = 'correct-horse-battery-staple';
const token = 'tok-4f1d2c9a8b7e';
const secrets = [keyBody, passphrase, token];

/** A logger writing into a PassThrough, and a function that returns the parsed lines written so far. */
function capturedLogger(level: LogLevel = 'debug') {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const logger = createRootLogger({ level, destination: stream });
  const text = (): string => chunks.join('');
  const lines = (): Array<Record<string, unknown>> =>
    text().split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, text, lines };
}

function expectNoSecret(output: string): void {
  for (const secret of secrets) expect(output, `output leaks ${secret.slice(0, 8)}...`).not.to.contain(secret);
}

describe('[REQ-06] logger: JSON lines with log, time and level', () => {
  it('writes one JSON object per line starting with log "operator", time, level and message, then the fields', () => {
    const { logger, lines } = capturedLogger('info');
    logger.info('host connected', { host: 'h1', port: 22 });
    const [line] = lines();
    expect(Object.keys(line ?? {})).to.deep.equal(['log', 'time', 'level', 'message', 'host', 'port']);
    expect(line).to.include({ log: 'operator', level: 'info', message: 'host connected', host: 'h1', port: 22 });
    expect(Number.isNaN(Date.parse(String(line?.time)))).to.equal(false);
  });

  it('shares log and time with audit records, so one stream of both is told apart by log; controller and instance differ', () => {
    const { logger, lines } = capturedLogger('info');
    logger.child({ controller: 'host' }).info('host ready');
    const chunks: string[] = [];
    new AuditLog({ write: (chunk: string) => chunks.push(chunk) }, { controller: 'virtfleet-0' }).record({ action: 'ssh.connect', outcome: 'success', durationMs: 1 });
    const record = JSON.parse(chunks[0] ?? '') as Record<string, unknown>;
    const [line] = lines();
    expect([line?.log, record.log]).to.deep.equal(['operator', 'audit']);
    expect(Number.isNaN(Date.parse(String(record.time)))).to.equal(false);
    expect(line).to.include({ controller: 'host' });
    expect(record).to.include({ instance: 'virtfleet-0' });
    expect(record).not.to.have.property('controller');
  });

  it('drops entries below the configured level', () => {
    const { logger, lines } = capturedLogger('warn');
    logger.info('quiet');
    logger.debug('quieter');
    logger.warn('loud');
    expect(lines().map((line) => line.message)).to.deep.equal(['loud']);
  });

  it('adds the child metadata of a reconcile to every line of that child', () => {
    const { logger, lines } = capturedLogger();
    const reconcileLogger = logger.child({ controller: 'vm', namespace: 'ns1', name: 'vm-a', reconcileId: 'r-1' });
    reconcileLogger.info('reconcile started');
    logger.info('unrelated');
    const [childLine, rootLine] = lines();
    expect(childLine).to.include({ controller: 'vm', namespace: 'ns1', name: 'vm-a', reconcileId: 'r-1' });
    expect(rootLine).not.to.have.property('reconcileId');
  });
});

describe('[REQ-05] logger: secrets never reach the output', () => {
  it('redacts a private key, a passphrase and a token given in the message', () => {
    const { logger, text } = capturedLogger();
    logger.info(`loaded ${privateKeyPem} with passphrase=${passphrase} and Bearer ${token}`);
    expectNoSecret(text());
    expect(text()).to.contain('[REDACTED]');
  });

  it('redacts them given as metadata fields', () => {
    const { logger, text, lines } = capturedLogger();
    logger.info('credentials loaded', { privateKey: privateKeyPem, passphrase, token, host: 'h1' });
    expectNoSecret(text());
    expect(lines()[0]).to.include({ privateKey: '[REDACTED]', host: 'h1' });
  });

  it('redacts them in nested metadata and arrays', () => {
    const { logger, text } = capturedLogger();
    logger.warn('secret refreshed', {
      secret: { metadata: { name: 's1' }, data: { 'ssh-privatekey': privateKeyPem } },
      attempts: [{ headers: { authorization: `Bearer ${token}` } }, { note: 'retry', passphrase }],
      detail: { text: `key was ${privateKeyPem}` },
    });
    expectNoSecret(text());
  });

  it('redacts them in child metadata', () => {
    const { logger, text } = capturedLogger();
    logger.child({ token, auth: { passphrase } }).info('child', { key: privateKeyPem });
    expectNoSecret(text());
  });

  it('redacts them in an Error logged alone, as metadata and nested with a cause', () => {
    const { logger, text, lines } = capturedLogger();
    const error = Object.assign(new Error(`auth failed for Bearer ${token}`), { passphrase });
    logger.error(error);
    logger.error('connect failed', error);
    logger.error('wrapped', { error: new Error('outer', { cause: new Error(`bad key ${privateKeyPem}`) }) });
    expectNoSecret(text());
    expect(lines()).to.have.length(3);
    expect(String(lines()[0]?.stack)).to.contain('auth failed for Bearer [REDACTED]');
  });

  it('logs extra arguments winston does not merge, redacted', () => {
    const { logger, text, lines } = capturedLogger();
    logger.info('extra', { host: 'h1' }, `passphrase: ${passphrase}`, { token });
    expectNoSecret(text());
    expect(lines()[0]?.splat).to.have.length(2);
  });
});
