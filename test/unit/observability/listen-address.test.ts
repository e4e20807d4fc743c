import { expect } from 'chai';
import { parseListenAddress } from '../../../src/observability/listen-address.js';
import { ConfigError } from '../../../src/errors/config-error.js';

describe('[REQ-06] parseListenAddress', () => {
  const valid: Array<[string, { host: string; port: number }]> = [
    ['0.0.0.0:8080', { host: '0.0.0.0', port: 8080 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['[::1]:9090', { host: '::1', port: 9090 }],
    [':8080', { host: '0.0.0.0', port: 8080 }],
    ['localhost:80', { host: 'localhost', port: 80 }],
  ];
  for (const [address, expected] of valid) {
    it(`reads "${address}" as ${expected.host} port ${expected.port}`, () => {
      expect(parseListenAddress(address)).to.deep.equal(expected);
    });
  }

  for (const address of ['8080', 'host:', 'host:70000', '::1:80', 'host:8o']) {
    it(`rejects "${address}" with a ConfigError naming metricsAddress`, () => {
      expect(() => parseListenAddress(address)).to.throw(ConfigError, /metricsAddress: expected host:port/);
    });
  }
});
