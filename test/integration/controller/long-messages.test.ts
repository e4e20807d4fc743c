import { expect } from 'chai';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Condition } from '../../../src/api/v1alpha1/condition.js';
import { setCondition } from '../../../src/controller/conditions.js';
import { CustomResourceClient } from '../../../src/controller/custom-resource-client.js';
import { EventRecorder } from '../../../src/controller/event-recorder.js';
import { StatusWriter } from '../../../src/controller/status-writer.js';
import type { TestApiServer } from '../../support/apiserver/index.js';
import { VIRTUAL_MACHINES, startServerWithNamespaces, virtualMachine, type VirtualMachineLike } from './support.js';

type VmStatus = { conditions?: Condition[]; observedGeneration?: number };
type Vm = VirtualMachineLike & { status?: VmStatus };

describe('[REQ-01] a 1 MiB message from a host still reaches the user, truncated, in a condition and an Event', function () {
  this.timeout(30_000);
  let server: TestApiServer;
  let kubeConfig: KubeConfig;

  beforeEach(async () => {
    ({ server, kubeConfig } = await startServerWithNamespaces('vms'));
  });
  afterEach(async () => {
    await server.stop();
  });

  it('writes the status (the CRD allows 32768 characters) and the Event, both starting with the original text', async () => {
    const huge = `internal error: ${'x'.repeat(1024 * 1024)}`;
    const client = new CustomResourceClient<Vm>(kubeConfig, VIRTUAL_MACHINES);
    const vm = await client.create(virtualMachine('vms', 'loud'));
    const conditions = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'LibvirtError', message: huge }, new Date());
    const written = await new StatusWriter<VmStatus, Vm>(client).update(vm, { conditions });
    const message = written?.status?.conditions?.[0]?.message ?? '';
    expect(message.length).to.be.within(100, 32768);
    expect(message.startsWith('internal error: xxx')).to.equal(true);
    expect(message).to.match(/truncated/);

    await new EventRecorder(kubeConfig, { component: 'virtfleet-test' }).event(vm, 'Warning', 'LibvirtError', huge);
    const events = (await kubeConfig.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: 'vms' })).items.filter((e) => e.involvedObject.name === 'loud');
    expect(events.map((e) => [e.message?.slice(0, 19), (e.message?.length ?? 0) <= 32768])).to.deep.equal([['internal error: xxx', true]]);
  });
});
