/**
 * [REQ-01] The real kubectl 1.32 against the test API server (or a real cluster when KUBECONFIG is set): apply,
 * get with printer columns, describe with Events, wait on a Ready condition, delete blocked by a finalizer,
 * status patches, get -w and schema/CEL errors.
 */
import { expect } from 'chai';
import type { KubectlResult } from '../../support/kubectl.js';
import { openKubectlTarget, type KubectlTarget } from './kubectl-target.js';

function vmManifest(name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): string {
  return JSON.stringify({ apiVersion: 'virtfleet.io/v1alpha1', kind: 'VirtualMachine', metadata: { name, ...metadata }, spec });
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < 200 && Date.now() < deadline; attempt += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('[REQ-01] real kubectl against the virtfleet API', function () {
  this.timeout(120_000);
  let target: KubectlTarget;
  const k = (args: string[], stdin?: string): Promise<KubectlResult> => target.run(args, stdin === undefined ? {} : { stdin });
  const jsonpath = async (name: string, path: string): Promise<string> => (await k(['get', 'vm', name, '-o', `jsonpath={${path}}`])).stdout;
  const patchStatus = (name: string, status: Record<string, unknown>): Promise<KubectlResult> =>
    k(['patch', 'vm', name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);

  before(async () => {
    target = await openKubectlTarget();
  });
  beforeEach(async () => target.newCacheDir());
  after(async () => target?.close());

  it('creates with client-side apply and configures on a second apply that changes a field', async () => {
    const created = await k(['apply', '-f', '-'], vmManifest('csa', { memory: '512Mi' }));
    expect(created.stdout.trim()).to.equal('virtualmachine.virtfleet.io/csa created');
    const unchanged = await k(['apply', '-f', '-'], vmManifest('csa', { memory: '512Mi' }));
    expect(unchanged.stdout.trim()).to.equal('virtualmachine.virtfleet.io/csa unchanged');
    const configured = await k(['apply', '-f', '-'], vmManifest('csa', { memory: '1Gi', runStrategy: 'Halted' }));
    expect(configured.stdout.trim()).to.equal('virtualmachine.virtfleet.io/csa configured');
    expect(await jsonpath('csa', '.spec.memory')).to.equal('1Gi');
    expect(await jsonpath('csa', '.spec.runStrategy')).to.equal('Halted');
    expect(await jsonpath('csa', '.metadata.generation')).to.equal('2');
    expect(await jsonpath('csa', '.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration')).to.contain('"memory":"1Gi"');
  });

  it('applies server-side, records kubectl as the manager, and changes a field on a second apply', async () => {
    const created = await k(['apply', '--server-side', '-f', '-'], vmManifest('ssa', { memory: '512Mi' }));
    expect(created.stdout.trim()).to.equal('virtualmachine.virtfleet.io/ssa serverside-applied');
    const second = await k(['apply', '--server-side', '-f', '-'], vmManifest('ssa', { memory: '2Gi' }));
    expect(second.code).to.equal(0);
    expect(await jsonpath('ssa', '.spec.memory')).to.equal('2Gi');
    expect(await jsonpath('ssa', '.metadata.managedFields[*].manager')).to.equal('kubectl');
    const other = await k(['apply', '--server-side', '--field-manager=someone-else', '-f', '-'], vmManifest('ssa', { memory: '4Gi' }));
    expect(other.code).to.not.equal(0);
    expect(other.stderr).to.contain('conflict with "kubectl": .spec.memory');
  });

  it('prints the printer columns with get, hides IP unless -o wide, and shows a status patch', async () => {
    await k(['apply', '-f', '-'], vmManifest('cols', { memory: '1Gi', cpu: { cores: 2 } }));
    const patched = await patchStatus('cols', { printableStatus: 'Running', host: 'host-a', interfaces: [{ name: 'default', ipAddresses: ['10.0.0.5'] }] });
    expect(patched.stdout.trim()).to.equal('virtualmachine.virtfleet.io/cols patched');
    const plain = (await k(['get', 'vm', 'cols'])).stdout.trim().split('\n');
    expect(plain[0]!.split(/\s+/)).to.deep.equal(['NAME', 'STATUS', 'HOST', 'CPUS', 'MEMORY', 'AGE']);
    expect(plain[1]!.split(/\s+/).slice(0, 5)).to.deep.equal(['cols', 'Running', 'host-a', '2', '1Gi']);
    expect(plain[1]!.split(/\s+/)[5]).to.match(/^\d+s$/);
    const wide = (await k(['get', 'vms', 'cols', '-o', 'wide'])).stdout.trim().split('\n');
    expect(wide[0]!.split(/\s+/)).to.deep.equal(['NAME', 'STATUS', 'HOST', 'CPUS', 'MEMORY', 'AGE', 'IP']);
    expect(wide[1]!.split(/\s+/)[6]).to.equal('10.0.0.5');
  });

  it('changes only status with patch --subresource=status', async () => {
    await k(['apply', '-f', '-'], vmManifest('stat', { memory: '1Gi' }));
    await k(['patch', 'vm', 'stat', '--subresource=status', '--type=merge', '-p', JSON.stringify({ spec: { memory: '8Gi' }, status: { printableStatus: 'Stopped' } })]);
    expect(await jsonpath('stat', '.status.printableStatus')).to.equal('Stopped');
    expect(await jsonpath('stat', '.spec.memory')).to.equal('1Gi');
    expect(await jsonpath('stat', '.metadata.generation')).to.equal('1');
  });

  it('shows the Events of an object in describe', async () => {
    await k(['apply', '-f', '-'], vmManifest('desc', { memory: '1Gi' }));
    const uid = await jsonpath('desc', '.metadata.uid');
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'desc.scheduled' },
      involvedObject: { apiVersion: 'virtfleet.io/v1alpha1', kind: 'VirtualMachine', name: 'desc', namespace: target.namespace, uid },
      reason: 'Scheduled',
      message: 'placed on host-a',
      type: 'Normal',
      source: { component: 'virtfleet' },
      firstTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      lastTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      count: 1,
    };
    expect((await k(['create', '-f', '-'], JSON.stringify(event))).code).to.equal(0);
    const described = await k(['describe', 'vm', 'desc']);
    expect(described.stdout).to.match(/Events:\s*\n\s*Type\s+Reason\s+Age\s+From\s+Message/);
    expect(described.stdout).to.match(/Normal\s+Scheduled\s+\S+\s+virtfleet\s+placed on host-a/);
  });

  it('waits for condition Ready only once its observedGeneration is current', async () => {
    await k(['apply', '-f', '-'], vmManifest('ready', { memory: '1Gi' }));
    await k(['apply', '-f', '-'], vmManifest('ready', { memory: '2Gi' }));
    const condition = (observedGeneration: number): Record<string, unknown> => ({
      conditions: [{ type: 'Ready', status: 'True', reason: 'Running', message: 'ok', lastTransitionTime: '2025-01-01T00:00:00Z', observedGeneration }],
    });
    await patchStatus('ready', condition(1));
    const stale = await k(['wait', '--for=condition=Ready', 'vm/ready', '--timeout=2s']);
    expect(stale.code).to.not.equal(0);
    expect(stale.stderr).to.contain('timed out');
    const waiting = k(['wait', '--for=condition=Ready', 'vm/ready', '--timeout=30s']);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await patchStatus('ready', condition(2));
    const met = await waiting;
    expect(met.code).to.equal(0);
    expect(met.stdout.trim()).to.equal('virtualmachine.virtfleet.io/ready condition met');
  });

  it('blocks delete on a finalizer until the finalizer is removed', async () => {
    await k(['apply', '-f', '-'], vmManifest('fin', { memory: '1Gi' }, { finalizers: ['virtfleet.io/test-cleanup'] }));
    let finished = false;
    const deleting = k(['delete', 'vm', 'fin', '--timeout=60s']).then((result) => {
      finished = true;
      return result;
    });
    await waitFor(async () => (await jsonpath('fin', '.metadata.deletionTimestamp')) !== '', 'deletionTimestamp');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(finished).to.equal(false);
    const removed = await k(['patch', 'vm', 'fin', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    expect(removed.code).to.equal(0);
    const result = await deleting;
    expect(result.code).to.equal(0);
    expect(result.stdout.trim()).to.equal('virtualmachine.virtfleet.io "fin" deleted');
    expect((await k(['get', 'vm', 'fin'])).stderr).to.contain('virtualmachines.virtfleet.io "fin" not found');
  });

  it('prints an update made while get -w is watching', async () => {
    await k(['apply', '-f', '-'], vmManifest('watched', { memory: '1Gi' }));
    await patchStatus('watched', { printableStatus: 'Starting' });
    const abort = new AbortController();
    let output = '';
    const watching = target.run(['get', 'vm', 'watched', '-w'], { signal: abort.signal, onStdout: (chunk) => (output += chunk) });
    await waitFor(async () => output.includes('Starting'), 'the initial row');
    await patchStatus('watched', { printableStatus: 'Running' });
    await waitFor(async () => /watched\s+Running/.test(output), 'the updated row');
    abort.abort();
    await watching;
    expect(output.trim().split('\n')[0]!.split(/\s+/)).to.deep.equal(['NAME', 'STATUS', 'HOST', 'CPUS', 'MEMORY', 'AGE']);
  });

  it('applies a ConfigMap client-side twice (strategic merge patch for core kinds), dropping a removed key', async () => {
    const configMap = (data: Record<string, string>): string => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data });
    expect((await k(['apply', '-f', '-'], configMap({ a: '1', b: '2' }))).stdout.trim()).to.equal('configmap/settings created');
    expect((await k(['apply', '-f', '-'], configMap({ a: '1', c: '3' }))).stdout.trim()).to.equal('configmap/settings configured');
    const data = JSON.parse((await k(['get', 'configmap', 'settings', '-o', 'jsonpath={.data}'])).stdout) as Record<string, string>;
    expect(data).to.deep.equal({ a: '1', c: '3' });
  });

  it('creates core objects with the typed generators (kubectl create configmap|secret)', async () => {
    expect((await k(['create', 'configmap', 'generated', '--from-literal=a=b'])).stdout.trim()).to.equal('configmap/generated created');
    expect((await k(['create', 'secret', 'generic', 'generated', '--from-literal=k=v'])).stdout.trim()).to.equal('secret/generated created');
    expect((await k(['get', 'configmap', 'generated', '-o', 'jsonpath={.data.a}'])).stdout).to.equal('b');
    expect((await k(['get', 'secret', 'generated', '-o', 'jsonpath={.data.k} {.type}'])).stdout).to.equal(`${Buffer.from('v').toString('base64')} Opaque`);
  });

  it('explains the VirtualMachine schema from OpenAPI v3', async () => {
    const explained = await k(['explain', 'vm.spec.runStrategy']);
    expect(explained.code).to.equal(0);
    expect(explained.stdout).to.contain('KIND:       VirtualMachine');
    expect(explained.stdout).to.match(/FIELD:\s+runStrategy <string>/);
    expect(explained.stdout).to.match(/ENUM:\s+Always\s+RerunOnFailure\s+Manual\s+Halted/);
    expect(explained.stdout).to.contain('Always keeps it running');
  });

  it('reports a schema violation and a CEL rule with the field name', async () => {
    const badEnum = await k(['apply', '-f', '-'], vmManifest('bad', { memory: '1Gi', runStrategy: 'Sometimes' }));
    expect(badEnum.code).to.not.equal(0);
    expect(badEnum.stderr).to.contain('spec.runStrategy: Unsupported value: "Sometimes": supported values: "Always", "RerunOnFailure", "Manual", "Halted"');
    const badRule = await k(['apply', '-f', '-'], vmManifest('bad', { memory: '1Gi', hostName: 'a', hostSelector: { matchLabels: { zone: 'x' } } }));
    expect(badRule.code).to.not.equal(0);
    expect(badRule.stderr).to.contain('spec.hostSelector: Forbidden: hostName and hostSelector are mutually exclusive');
    const unknown = await k(['apply', '-f', '-'], vmManifest('bad', { memory: '1Gi', colour: 'blue' }));
    expect(unknown.code).to.not.equal(0);
    expect(unknown.stderr).to.contain('unknown field "spec.colour"');
  });
});
