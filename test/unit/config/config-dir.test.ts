import { expect } from 'chai';
import { DEFAULT_CONFIG_DIR, configDirFromEnvironment } from '../../../src/config/config-dir.js';

describe('[REQ-01] configuration directory', () => {
  it('is /etc/virtfleet unless VIRTFLEET_CONFIG_DIR says otherwise', () => {
    expect(DEFAULT_CONFIG_DIR).to.equal('/etc/virtfleet');
    expect(configDirFromEnvironment({})).to.equal(DEFAULT_CONFIG_DIR);
    expect(configDirFromEnvironment({ VIRTFLEET_CONFIG_DIR: '' })).to.equal(DEFAULT_CONFIG_DIR);
  });

  it('follows VIRTFLEET_CONFIG_DIR when it is set', () => {
    expect(configDirFromEnvironment({ VIRTFLEET_CONFIG_DIR: '/opt/virtfleet/conf' })).to.equal('/opt/virtfleet/conf');
  });
});
