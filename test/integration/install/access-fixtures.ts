/**
 * [REQ-05] Shared by the access tests: a test API server with users, the chart's user roles and admission policy
 * applied by the administrator, and kubectl as each user.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { dump } from 'js-yaml';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';
import { kubectl, type KubectlResult } from '../../support/kubectl.js';
import { REPO, render, type K8sObject } from '../helm/render-chart.js';
import type { AuthorizationMode } from '../../../src/apiserver/access-control.js';

export const TEAM = 'team-a';

export interface AccessFixture {
  server: TestApiServer;
  /** kubectl as `user` ('admin' for the server's administrator). */
  as(user: string, args: string[], stdin?: object | object[]): Promise<KubectlResult>;
  stop(): Promise<void>;
}

export const yamlOf = (objects: object | object[]): string => (Array.isArray(objects) ? objects : [objects]).map((o) => dump(o)).join('---\n');

export async function startAccessFixture(users: Record<string, string[]>, authorization: AuthorizationMode, chartKinds: string[]): Promise<AccessFixture> {
  const server = await startTestApiServer({ crdDir: join(REPO, 'crds'), users, authorization });
  const workDir = await mkdtemp(join(tmpdir(), 'virtfleet-access-'));
  const as = (user: string, args: string[], stdin?: object | object[]): Promise<KubectlResult> =>
    kubectl(args, { kubeconfig: user === 'admin' ? server.kubeconfigPath : server.kubeconfigOf(user), cacheDir: join(workDir, `cache-${user}`), ...(stdin === undefined ? {} : { stdin: yamlOf(stdin) }) });
  const chart: K8sObject[] = (await render()).filter((object) => chartKinds.includes(object.kind));
  const applied = await as('admin', ['apply', '--server-side', '-f', '-'], [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: TEAM } }, ...chart]);
  expect(applied.code, applied.stderr).to.equal(0);
  return {
    server,
    as,
    stop: async () => {
      await server.stop();
      await rm(workDir, { recursive: true, force: true });
    },
  };
}

export const roleBinding = (user: string, clusterRole: string, namespace = TEAM) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name: `${user}-${clusterRole}`, namespace },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
  subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
});

export const clusterRoleBinding = (user: string, clusterRole: string) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name: `${user}-${clusterRole}` },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
  subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
});

const DIGEST = 'sha256:0f3d2b1c9a8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170f6e5d';

export const virtualMachine = (name: string, annotations?: Record<string, string>) => ({
  apiVersion: 'virtfleet.io/v1alpha1',
  kind: 'VirtualMachine',
  metadata: { name, namespace: TEAM, ...(annotations === undefined ? {} : { annotations }) },
  spec: { runStrategy: 'Halted', memory: '64Mi', disks: [{ name: 'root', source: { blank: { size: '1Gi' } } }] },
});

export const imageTransfer = (name: string, source: object, destinations: object[]) => ({
  apiVersion: 'virtfleet.io/v1alpha1',
  kind: 'ImageTransfer',
  metadata: { name, namespace: TEAM },
  spec: { source, digest: DIGEST, destinations },
});
