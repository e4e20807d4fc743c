/**
 * [REQ-01] `virtfleet standalone [--data-dir DIR] [--address IP] [--port N] [--config-dir DIR]`: the embedded
 * control plane and the operator in one process, for machines without a Kubernetes cluster. Prints the
 * kubeconfig to use, runs until SIGTERM or SIGINT, then stops gracefully; starting again resumes.
 * The standalone module is loaded only when this command runs (its TLS and CEL libraries are not needed by
 * `virtfleet run`).
 */
import type { Command } from 'commander';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { configDirFromEnvironment } from '../config/config-dir.js';
import { loadConfig } from '../config/load-config.js';
import { operatorIdentityFromEnvironment } from '../config/operator-identity.js';
import type { CliIo } from './index.js';
import { stopOnSignal } from './shutdown.js';
import { reportStartFailure } from './start-failure.js';

interface StandaloneCommandOptions {
  dataDir: string;
  address: string;
  port: string;
  configDir: string;
}

/** /var/lib/virtfleet for root, ~/.local/share/virtfleet for anyone else. */
export function defaultDataDir(uid: number = process.getuid?.() ?? 0, home: string = homedir()): string {
  return uid === 0 ? '/var/lib/virtfleet' : join(home, '.local', 'share', 'virtfleet');
}

export function parsePort(text: string, option = '--port'): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${option}: expected a port number 0-65535, got ${JSON.stringify(text)}`);
  return port;
}

export function registerStandaloneCommand(program: Command, io: CliIo): void {
  program
    .command('standalone')
    .description('Run an embedded single-node control plane (persisted, HTTPS, token auth) and the operator, without a Kubernetes cluster')
    .option('--data-dir <dir>', 'where the database, CA, token and kubeconfig are kept', defaultDataDir())
    .option('--address <ip>', 'listen address of the API server', '127.0.0.1')
    .option('--port <port>', 'port of the API server', '6443')
    .option('--config-dir <dir>', 'directory of controller/ssh/libvirt/transfer_config.yaml', configDirFromEnvironment())
    .action(async (options: StandaloneCommandOptions) => {
      let stop: () => Promise<void>;
      try {
        const config = loadConfig(options.configDir);
        const port = parsePort(options.port);
        const { startStandalone } = await import('../standalone/standalone.js');
        const running = await startStandalone({ dataDir: options.dataDir, host: options.address, port, config, identity: operatorIdentityFromEnvironment() });
        io.err.write(
          [
            `virtfleet standalone: API server at ${running.url}, data in ${options.dataDir}`,
            'Use it with:',
            `  export KUBECONFIG=${running.kubeconfigPath}`,
            '  kubectl get hosts,vm',
            '',
          ].join('\n'),
        );
        stop = running.stop;
      } catch (error) {
        reportStartFailure(error, io);
        return;
      }
      await stopOnSignal(stop);
      io.setExitCode(0);
    });
}
