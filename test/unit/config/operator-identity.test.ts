import { expect } from 'chai';
import { operatorIdentityFromEnvironment } from '../../../src/config/operator-identity.js';

describe('[REQ-01] operator identity', () => {
  it('is the pod name from POD_NAME when the Deployment sets it', () => {
    expect(operatorIdentityFromEnvironment({ POD_NAME: 'virtfleet-7d9c-abcde' }, () => 'machine')).to.equal('virtfleet-7d9c-abcde');
  });

  it('falls back to the hostname when POD_NAME is unset or empty', () => {
    expect(operatorIdentityFromEnvironment({}, () => 'machine')).to.equal('machine');
    expect(operatorIdentityFromEnvironment({ POD_NAME: '' }, () => 'machine')).to.equal('machine');
  });
});
