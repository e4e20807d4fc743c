/**
 * [REQ-01] `virtfleet run [--config-dir DIR]` runs the operator until SIGTERM or SIGINT, then shuts down
 * gracefully and exits 0 (a second signal exits at once with 1). Configuration problems are printed one per
 * line (`FILE:LINE:COLUMN: key.path: what was expected`) and exit 2; any other start-up failure exits 1.
 * The cluster is reached in-cluster (service account) or through KUBECONFIG / ~/.kube/config.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { Command } from 'commander';
import { configDirFromEnvironment } from '../config/config-dir.js';
import { loadConfig } from '../config/load-config.js';
import { operatorIdentityFromEnvironment } from '../config/operator-identity.js';
import { startOperator, type RunningOperator } from '../main.js';
import type { CliIo } from './index.js';
import { stopOnSignal } from './shutdown.js';
import { reportStartFailure } from './start-failure.js';

export function registerRunCommand(program: Command, io: CliIo): void {
  program
    .command('run')
    .description('Run the operator (the Host, VirtualMachine and ImageTransfer controllers) until SIGTERM')
    .option('--config-dir <dir>', 'directory of controller/ssh/libvirt/transfer_config.yaml', configDirFromEnvironment())
    .action(async (options: { configDir: string }) => {
      let operator: RunningOperator;
      try {
        const kubeConfig = new KubeConfig();
        kubeConfig.loadFromDefault();
        operator = await startOperator({ config: loadConfig(options.configDir), identity: operatorIdentityFromEnvironment(), kubeConfig });
      } catch (error) {
        reportStartFailure(error, io);
        return;
      }
      await stopOnSignal(() => operator.stop());
      io.setExitCode(0);
    });
}
