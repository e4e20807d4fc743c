/** [REQ-01] Writes a kubeconfig for the API server: its CA, its URL and a bearer-token user. */
import { writeFile } from 'node:fs/promises';
import yaml from 'js-yaml';

export async function writeKubeconfig(path: string, server: string, caPem: string, token: string): Promise<void> {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'virtfleet-test', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: 'virtfleet-test-admin', user: { token } }],
    contexts: [{ name: 'virtfleet-test', context: { cluster: 'virtfleet-test', user: 'virtfleet-test-admin', namespace: 'default' } }],
    'current-context': 'virtfleet-test',
    preferences: {},
  };
  await writeFile(path, yaml.dump(config), { mode: 0o600 });
}
