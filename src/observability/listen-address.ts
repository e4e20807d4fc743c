/**
 * [REQ-06] Parses a `host:port` listen address such as ControllerConfig.metricsAddress: `0.0.0.0:8080`,
 * `127.0.0.1:0` (any free port), `[::1]:9090`, or `:8080` (all interfaces).
 */
import { ConfigError } from '../errors/config-error.js';

export interface ListenAddress {
  host: string;
  port: number;
}

const ADDRESS = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]*)):(\d{1,5})$/;

export function parseListenAddress(address: string, keyPath = 'metricsAddress'): ListenAddress {
  const match = ADDRESS.exec(address);
  const port = Number(match?.[3]);
  if (match === null || !Number.isInteger(port) || port > 65535) {
    throw new ConfigError([{ file: 'controller_config.yaml', path: keyPath, message: `expected host:port, got "${address}"` }]);
  }
  const host = match[1] ?? match[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port };
}
