/**
 * [REQ-01] Rules that relate several keys of one file, checked after the schema accepted each key on its own.
 * Each problem names the key to change.
 */
import type { ControllerConfig, LibvirtConfig, SshConfig, TransferConfig, VirtfleetConfig } from './types.js';
import type { FieldProblem } from './schema-problems.js';

type CrossFieldCheck<T> = (config: T) => FieldProblem[];

const MAX_PORT = 65535;

const checkController: CrossFieldCheck<ControllerConfig> = (config) => {
  const problems: FieldProblem[] = [];
  const election = config.leaderElection;
  if (election.renewDeadlineSeconds >= election.leaseDurationSeconds) {
    problems.push({
      path: ['leaderElection', 'renewDeadlineSeconds'],
      message: `expected less than leaderElection.leaseDurationSeconds (${election.leaseDurationSeconds}), got ${election.renewDeadlineSeconds}`,
    });
  }
  if (election.retryPeriodSeconds >= election.renewDeadlineSeconds) {
    problems.push({
      path: ['leaderElection', 'retryPeriodSeconds'],
      message: `expected less than leaderElection.renewDeadlineSeconds (${election.renewDeadlineSeconds}), got ${election.retryPeriodSeconds}`,
    });
  }
  const port = Number(config.metricsAddress.slice(config.metricsAddress.lastIndexOf(':') + 1));
  if (port > MAX_PORT) problems.push({ path: ['metricsAddress'], message: `expected a port <= ${MAX_PORT}, got ${port}` });
  problems.push(...checkBackoff(config.backoff, ['backoff']));
  return problems;
};

const checkSsh: CrossFieldCheck<SshConfig> = (config) => checkBackoff(config.reconnect, ['reconnect']);

const checkLibvirt: CrossFieldCheck<LibvirtConfig> = () => [];

const checkTransfer: CrossFieldCheck<TransferConfig> = (config) =>
  config.concurrency.perHost > config.concurrency.global
    ? [
        {
          path: ['concurrency', 'perHost'],
          message: `expected at most concurrency.global (${config.concurrency.global}), got ${config.concurrency.perHost}`,
        },
      ]
    : [];

function checkBackoff(backoff: { baseDelayMs: number; maxDelayMs: number }, path: string[]): FieldProblem[] {
  return backoff.maxDelayMs < backoff.baseDelayMs
    ? [{ path: [...path, 'maxDelayMs'], message: `expected at least ${path.join('.')}.baseDelayMs (${backoff.baseDelayMs}), got ${backoff.maxDelayMs}` }]
    : [];
}

export const CROSS_FIELD_CHECKS: { [S in keyof VirtfleetConfig]: CrossFieldCheck<VirtfleetConfig[S]> } = {
  controller: checkController,
  ssh: checkSsh,
  libvirt: checkLibvirt,
  transfer: checkTransfer,
};
