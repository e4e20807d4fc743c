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
import { ConfigError, formatProblem } from '../errors/config-error.js';
import { startOperator, type RunningOperator } from '../main.js';
import type { CliIo } from './index.js';

const INVALID_CONFIG_EXIT_CODE = 2;
const START_FAILED_EXIT_CODE = 1;
const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export function registerRunCommand(program: Command, io: CliIo): void {
  program
    .command('run')
    .description('Run the operator (the Host and VirtualMachine controllers) until SIGTERM')
    .option('--config-dir <dir>', 'directory of controller/ssh/libvirt/transfer_config.yaml', configDirFromEnvironment())
    .action(async (options: { configDir: string }) => {
      let operator: RunningOperator;
      try {
        const kubeConfig = new KubeConfig();
        kubeConfig.loadFromDefault();
        operator = await startOperator({ config: loadConfig(options.configDir), identity: operatorIdentityFromEnvironment(), kubeConfig });
      } catch (error) {
        if (error instanceof ConfigError) {
          for (const problem of error.problems) io.err.write(`${formatProblem(problem)}\n`);
          io.setExitCode(INVALID_CONFIG_EXIT_CODE);
          return;
        }
        io.err.write(`virtfleet: cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
        io.setExitCode(START_FAILED_EXIT_CODE);
        return;
      }
      await shutdownSignal();
      const forceExit = (): never => process.exit(START_FAILED_EXIT_CODE);
      for (const signal of SHUTDOWN_SIGNALS) process.once(signal, forceExit);
      await operator.stop();
      for (const signal of SHUTDOWN_SIGNALS) process.off(signal, forceExit);
      io.setExitCode(0);
    });
}

/** Resolves on the first SIGTERM or SIGINT. */
function shutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      for (const name of SHUTDOWN_SIGNALS) process.off(name, onSignal);
      resolve(signal);
    };
    for (const name of SHUTDOWN_SIGNALS) process.once(name, onSignal);
  });
}
