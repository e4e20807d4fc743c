import { expect } from 'chai';
import { HostTransferSlots } from '../../../../src/hosts/host-transfer-slots.js';

describe('[REQ-04][REQ-06] transfer slots: per-host and global concurrency, one writer per file', () => {
  const cases: Array<[string, { perHost: number; global: number }, Array<[string, Array<[string, string]>]>, boolean[]]> = [
    ['per host', { perHost: 1, global: 8 }, [['a', [['hv1', '/a']]], ['b', [['hv1', '/b']]], ['c', [['hv2', '/c']]]], [true, false, true]],
    ['global', { perHost: 4, global: 2 }, [['a', [['hv1', '/a']]], ['b', [['hv2', '/b']]], ['c', [['hv3', '/c']]]], [true, true, false]],
    ['same file', { perHost: 4, global: 8 }, [['a', [['hv1', '/x']]], ['b', [['hv1', '/x']]], ['c', [['hv2', '/x']]]], [true, false, true]],
    ['all or none', { perHost: 1, global: 8 }, [['a', [['hv2', '/a']]], ['b', [['hv1', '/b'], ['hv2', '/b']]], ['c', [['hv1', '/c']]]], [true, false, true]],
  ];
  for (const [title, limits, requests, expected] of cases) {
    it(`${title}: ${expected.join(', ')}`, () => {
      const slots = new HostTransferSlots(limits);
      expect(requests.map(([owner, targets]) => slots.tryAcquire(owner, targets.map(([host, path]) => ({ host, path }))))).to.deep.equal(expected);
    });
  }

  it('a release names the transfers that waited, and a holder asking again keeps its slot', () => {
    const slots = new HostTransferSlots({ perHost: 1, global: 8 });
    const woken: string[] = [];
    slots.released().subscribe((key) => woken.push(key));
    expect(slots.tryAcquire('a', [{ host: 'hv1', path: '/a' }])).to.equal(true);
    expect(slots.tryAcquire('a', [{ host: 'hv1', path: '/a' }])).to.equal(true);
    expect(slots.tryAcquire('b', [{ host: 'hv1', path: '/b' }])).to.equal(false);
    slots.release('a');
    expect(woken).to.deep.equal(['b']);
    expect(slots.tryAcquire('b', [{ host: 'hv1', path: '/b' }])).to.equal(true);
    slots.release('nobody');
    expect(woken).to.deep.equal(['b']);
  });
});
