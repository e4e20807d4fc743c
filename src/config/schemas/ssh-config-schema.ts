/** [REQ-01] Schema of ssh_config.yaml (REQ-02 transport settings); defaults equal config/ssh_config.yaml. */
import type { JSONSchemaType } from 'ajv';
import type { CipherName, SshConfig } from '../types.js';
import { enumItemSchema, fileSchema, integerSchema, listSchema, mappingSchema } from './schema-builders.js';

/** AEAD ciphers only (DESIGN.md): nothing else may ever be negotiated. */
export const AEAD_CIPHERS: readonly CipherName[] = ['aes256-gcm@openssh.com', 'aes128-gcm@openssh.com', 'chacha20-poly1305@openssh.com'];

/** aes128-gcm first: the fastest measured on loopback (DESIGN.md facts). */
const DEFAULT_CIPHERS: CipherName[] = ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'chacha20-poly1305@openssh.com'];

const algorithmName = { type: 'string', minLength: 1 } as const;

export const sshConfigSchema: JSONSchemaType<SshConfig> = fileSchema({
  connectTimeoutMs: integerSchema(10000, 1),
  commandTimeoutMs: integerSchema(300000, 1),
  keepalive: mappingSchema({
    intervalMs: integerSchema(10000, 1),
    countMax: integerSchema(3, 1),
  }),
  maxSessionsPerHost: integerSchema(8, 1),
  reconnect: mappingSchema({
    baseDelayMs: integerSchema(200, 1),
    maxDelayMs: integerSchema(30000, 1),
  }),
  algorithms: mappingSchema({
    ciphers: listSchema(enumItemSchema(AEAD_CIPHERS), DEFAULT_CIPHERS, 1),
    kex: listSchema(algorithmName, ['curve25519-sha256', 'curve25519-sha256@libssh.org', 'ecdh-sha2-nistp256', 'ecdh-sha2-nistp384', 'ecdh-sha2-nistp521'], 1),
    serverHostKey: listSchema(
      algorithmName,
      ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256'],
      1,
    ),
    hmac: listSchema(algorithmName, ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com'], 1),
  }),
});
