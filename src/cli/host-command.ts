/**
 * [REQ-01][REQ-05] `virtfleet host add-local [--kubeconfig FILE] [--name local] [--namespace virtfleet-system]
 * [--ssh-port 22] [--image-cache-dir DIR] [--install]`: makes this machine a Host of the cluster in the kubeconfig
 * (standalone mode's by default, see src/local-host/). Root only: it edits root's authorized_keys and starts
 * system daemons. Prints what it created or found unchanged and how to wait for the Host.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import type { CliIo } from './index.js';
import { defaultDataDir, parsePort } from './standalone-command.js';

interface AddLocalOptions {
  kubeconfig: string;
  name: string;
  namespace: string;
  sshPort: string;
  imageCacheDir?: string;
  install?: boolean;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function checkName(option: string, value: string, maxLength: number): void {
  if (value.length > maxLength || !DNS_LABEL.test(value)) {
    throw new Error(`${option}: expected a lowercase DNS label of at most ${maxLength} characters (a-z, 0-9, -), got ${JSON.stringify(value)}`);
  }
}

export function registerHostCommands(program: Command, io: CliIo): void {
  const host = program.command('host').description('Manage Hosts');
  host
    .command('add-local')
    .description('Make this machine a Host: sshd and libvirtd running, a login key in a Secret, its host keys pinned')
    .option('--kubeconfig <file>', 'kubeconfig of the cluster to add the Host to', join(defaultDataDir(), 'kubeconfig'))
    .option('--name <name>', 'name of the Host (its Secret is <name>-ssh)', 'local')
    .option('--namespace <namespace>', 'namespace of the Secret', 'virtfleet-system')
    .option('--ssh-port <port>', 'port of the local sshd', '22')
    .option('--image-cache-dir <dir>', "the Host's image cache directory (default: the transfer config's cacheDir)")
    .option('--install', 'install (apt-get) and start sshd and libvirtd with QEMU when they are missing')
    .action(async (options: AddLocalOptions) => {
      try {
        checkName('--name', options.name, 59);
        checkName('--namespace', options.namespace, 63);
        const sshPort = parsePort(options.sshPort, '--ssh-port');
        if (options.imageCacheDir !== undefined && !options.imageCacheDir.startsWith('/')) throw new Error(`--image-cache-dir: expected an absolute path, got ${JSON.stringify(options.imageCacheDir)}`);
        if (process.getuid?.() !== 0) throw new Error('host add-local must run as root: it edits /root/.ssh/authorized_keys and starts sshd and libvirtd');
        const [{ KubeConfig }, { addLocalHost }] = await Promise.all([import('@kubernetes/client-node'), import('../local-host/add-local-host.js')]);
        const kubeConfig = new KubeConfig();
        kubeConfig.loadFromFile(options.kubeconfig);
        const result = await addLocalHost({
          kubeConfig,
          hostName: options.name,
          secretNamespace: options.namespace,
          sshPort,
          install: options.install === true,
          ...(options.imageCacheDir === undefined ? {} : { imageCacheDir: options.imageCacheDir }),
          log: (line) => io.err.write(`virtfleet host add-local: ${line}\n`),
        });
        io.out.write(
          [
            `Host ${options.name}: ${result.host}; Secret ${options.namespace}/${options.name}-ssh: ${result.secret}; authorized_keys: ${result.authorizedKeysChanged ? 'updated' : 'unchanged'}`,
            `pinned host keys: ${result.hostKeys.map((key) => key.split(' ')[0]).join(', ')}`,
            `wait for it: KUBECONFIG=${options.kubeconfig} kubectl wait --for=condition=Ready host/${options.name}`,
            '',
          ].join('\n'),
        );
        io.setExitCode(0);
      } catch (error) {
        io.err.write(`virtfleet host add-local: ${error instanceof Error ? error.message : String(error)}\n`);
        io.setExitCode(1);
      }
    });
}
