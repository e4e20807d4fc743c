/**
 * [REQ-06] Benchmark workload, run in a child process per variant: create `count` VirtualMachines with a fixed
 * creation concurrency while a status-only reconciler runs, then report throughput, create-to-status latency and
 * RSS growth. Variant `runtime` uses src/controller (Manager, informer, workqueue, StatusWriter); `baseline` uses
 * client-node's makeInformer and a direct status PUT per added object.
 */
import { CoreV1Api, CustomObjectsApi, KubeConfig, makeInformer, type KubernetesListObject } from '@kubernetes/client-node';
import { performance } from 'node:perf_hooks';
import { Manager } from '../../src/controller/manager.js';
import type { ResourceKind } from '../../src/controller/resource-kind.js';
import { StatusWriter, type ObjectWithStatus } from '../../src/controller/status-writer.js';
import { CustomResourceClient } from '../../src/controller/custom-resource-client.js';
import { watchOwnKind } from '../../src/controller/watch-sources.js';
import { percentile } from '../support/stats.js';

type Vm = ObjectWithStatus<{ printableStatus?: string; observedGeneration?: number }>;
const VMS: ResourceKind = { group: 'virtfleet.io', version: 'v1alpha1', plural: 'virtualmachines', kind: 'VirtualMachine', namespaced: true };
const NAMESPACE = 'bench';
const CREATE_CONCURRENCY = 16;
const WORKERS = 16;

const [variant, kubeconfigPath, countArg] = process.argv.slice(2);
const count = Number(countArg);
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(kubeconfigPath as string);
const createdAt = new Map<string, number>();
const statusAt = new Map<string, number>();
let reconcileCalls = 0;
let statusWrites = 0;

function rssAfterGc(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss;
}

async function startRuntime(): Promise<() => Promise<void>> {
  const manager = new Manager({
    kubeConfig,
    identity: 'bench',
    config: {
      resyncPeriodSeconds: 0,
      leaderElection: { enabled: false, leaseName: 'x', leaseNamespace: 'x', leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 },
      backoff: { baseDelayMs: 5, maxDelayMs: 1_000_000, globalQps: 10, globalBurst: 100 },
    },
  });
  const informer = manager.informerFor<Vm>(VMS);
  const statusWriter = new StatusWriter<NonNullable<Vm['status']>, Vm>(new CustomResourceClient<Vm>(kubeConfig, VMS));
  manager.addController({
    name: 'bench',
    workers: WORKERS,
    sources: [watchOwnKind(informer)],
    reconciler: {
      async reconcile(request) {
        reconcileCalls += 1;
        const vm = informer.store.get(request.namespace, request.name);
        if (vm === undefined) return {};
        const written = await statusWriter.update(vm, { printableStatus: 'Stopped' });
        if (written !== vm) {
          statusWrites += 1;
          if (!statusAt.has(request.name)) statusAt.set(request.name, performance.now());
        }
        return {};
      },
    },
  });
  manager.start();
  await informer.synced;
  return () => manager.stop();
}

async function startBaseline(): Promise<() => Promise<void>> {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const list = async (): Promise<KubernetesListObject<Vm>> =>
    (await api.listClusterCustomObject({ group: VMS.group, version: VMS.version, plural: VMS.plural })) as KubernetesListObject<Vm>;
  const informer = makeInformer<Vm>(kubeConfig, `/apis/${VMS.group}/${VMS.version}/${VMS.plural}`, list);
  informer.on('add', (vm) => {
    reconcileCalls += 1;
    if (vm.status?.observedGeneration === vm.metadata?.generation) return;
    const name = vm.metadata?.name ?? '';
    const body = { ...vm, status: { printableStatus: 'Stopped', observedGeneration: vm.metadata?.generation } };
    api.replaceNamespacedCustomObjectStatus({ ...VMS, namespace: NAMESPACE, name, body }).then(
      () => { statusWrites += 1; statusAt.set(name, performance.now()); },
      (error: unknown) => console.error('baseline status write failed', name, String(error)),
    );
  });
  await informer.start();
  return () => informer.stop();
}

async function createAll(): Promise<void> {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  let next = 0;
  const creator = async (): Promise<void> => {
    while (next < count) {
      const name = `vm-${next++}`;
      createdAt.set(name, performance.now());
      await api.createNamespacedCustomObject({
        ...VMS,
        namespace: NAMESPACE,
        body: { apiVersion: 'virtfleet.io/v1alpha1', kind: 'VirtualMachine', metadata: { name, namespace: NAMESPACE }, spec: { runStrategy: 'Halted', cpu: { cores: 1 }, memory: '64Mi' } },
      });
    }
  };
  await Promise.all(Array.from({ length: CREATE_CONCURRENCY }, creator));
}

await kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NAMESPACE } } });
const stop = variant === 'runtime' ? await startRuntime() : await startBaseline();
const rssBefore = rssAfterGc();
const startedAt = performance.now();
await createAll();
const createdAllAt = performance.now();
const deadline = Date.now() + 600_000;
while (statusAt.size < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
const finishedAt = Math.max(...statusAt.values());
await new Promise((resolve) => setTimeout(resolve, 500));
const rssAfter = rssAfterGc();
const latencies = [...statusAt].map(([name, at]) => at - (createdAt.get(name) ?? at));
const result = {
  variant,
  objects: count,
  completed: statusAt.size,
  reconcileCalls,
  statusWrites,
  createPerSecond: count / ((createdAllAt - startedAt) / 1000),
  statusPerSecond: statusAt.size / ((finishedAt - startedAt) / 1000),
  latencyP50Ms: percentile(latencies, 0.5),
  latencyP99Ms: percentile(latencies, 0.99),
  rssPer1000MiB: (rssAfter - rssBefore) / (count / 1000) / 2 ** 20,
  rssAfterMiB: rssAfter / 2 ** 20,
};
await stop();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
