/** [REQ-01][REQ-05] Writes a kubeconfig (mode 0600) for the API server: its CA, its URL and a bearer-token user. */
import { chmod, writeFile } from 'node:fs/promises';
import yaml from 'js-yaml';

export async function writeKubeconfig(path: string, server: string, caPem: string, token: string, name = 'virtfleet'): Promise<void> {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: `${name}-admin`, user: { token } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: 'default' } }],
    'current-context': name,
    preferences: {},
  };
  await writeFile(path, yaml.dump(config), { mode: 0o600 });
  await chmod(path, 0o600);
}
