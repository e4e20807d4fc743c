/**
 * [REQ-01] What the Host's status should say after one observation, as pure functions: the four conditions
 * (Reachable, Authenticated, LibvirtReady, Ready = all three True), the hypervisor facts, the host keys,
 * `lastHeartbeatTime` and the printed `summary` (host-summary.ts). The heartbeat advances only when the status
 * changes anyway or the heartbeat interval has passed, so reconciling an unchanged, healthy host within the
 * interval yields the stored status (no write). Facts are last-known: an observation that does not reach libvirt
 * keeps them as they were at lastHeartbeatTime. `hostKeyFingerprint` is only ever a key that matched a pin: a
 * mismatch clears it and records the key the host presented in `presentedHostKeyFingerprint` instead.
 */
import { isDeepStrictEqual } from 'node:util';
import { HOST_CONDITIONS, HOST_REASONS, type Condition, type ConditionStatus } from '../../api/v1alpha1/condition.js';
import type { HostStatus } from '../../api/v1alpha1/host.js';
import { setCondition, toKubeTime, type ConditionUpdate } from '../../controller/conditions.js';
import type { HostCredentialsError } from '../../errors/host-errors.js';
import { InvalidSpecError } from '../../errors/invalid-spec-error.js';
import type { OperatorError } from '../../errors/operator-error.js';
import { HostKeyMismatchError } from '../../errors/ssh-errors.js';
import { hostSummary } from './host-summary.js';
import type { HypervisorFacts } from './inspect-hypervisor.js';

/** How far the reconcile got, and what stopped it. */
export type HostObservation =
  | { stage: 'credentials'; error: HostCredentialsError }
  | { stage: 'connect'; error: OperatorError }
  | { stage: 'libvirt'; fingerprint: string; error: OperatorError }
  | { stage: 'ready'; fingerprint: string; facts: HypervisorFacts };

export interface StatusTiming {
  now: Date;
  heartbeatIntervalMs: number;
}

type Verdict = Pick<Condition, 'status' | 'reason' | 'message'>;

const NOT_CHECKED = 'not checked: an earlier step failed';

/** What of the Host the status depends on besides the observation. */
export interface ObservedHost {
  generation: number | undefined;
  unschedulable: boolean | undefined;
}

export function desiredHostStatus(previous: HostStatus | undefined, observation: HostObservation, host: ObservedHost, timing: StatusTiming): HostStatus {
  const { generation } = host;
  const [reachable, authenticated, libvirtReady] = verdicts(observation);
  // The step that failed, not the steps it left unchecked.
  const checks = [reachable, authenticated, libvirtReady];
  const blocker = checks.find((verdict) => verdict.status === 'False') ?? checks.find((verdict) => verdict.status !== 'True');
  const ready: Verdict = blocker === undefined
    ? { status: 'True', reason: HOST_REASONS.HostReady, message: 'SSH, authentication and libvirt are working' }
    : { status: 'False', reason: blocker.reason, message: blocker.message };
  const updates: ConditionUpdate[] = [
    { type: HOST_CONDITIONS.Reachable, ...reachable },
    { type: HOST_CONDITIONS.Authenticated, ...authenticated },
    { type: HOST_CONDITIONS.LibvirtReady, ...libvirtReady },
    { type: HOST_CONDITIONS.Ready, ...ready },
  ].map((update) => (generation === undefined ? update : { ...update, observedGeneration: generation }));
  const conditions = updates.reduce<Condition[] | undefined>((current, update) => setCondition(current, update, timing.now), previous?.conditions) ?? [];

  const status: HostStatus = { ...previous, ...observedFacts(observation), conditions };
  hostKeys(status, observation);
  if (generation !== undefined) status.observedGeneration = generation;
  status.summary = hostSummary({ unschedulable: host.unschedulable }, status);
  if (observation.stage === 'ready' && (!isDeepStrictEqual(status, previous) || heartbeatDelayMs(status, timing) === 0)) {
    status.lastHeartbeatTime = toKubeTime(timing.now);
  }
  return status;
}

/** Milliseconds until the next heartbeat is due (0 when due now or never written). */
export function heartbeatDelayMs(status: HostStatus | undefined, timing: StatusTiming): number {
  const last = status?.lastHeartbeatTime === undefined ? Number.NaN : Date.parse(status.lastHeartbeatTime);
  if (Number.isNaN(last)) return 0;
  return Math.max(0, last + timing.heartbeatIntervalMs - timing.now.getTime());
}

/** Reachable, Authenticated and LibvirtReady for an observation. */
function verdicts(observation: HostObservation): [Verdict, Verdict, Verdict] {
  const connected: Verdict = { status: 'True', reason: HOST_REASONS.Connected, message: 'the SSH server answered' };
  switch (observation.stage) {
    case 'credentials':
      return [notChecked(observation.error.reason), verdict('False', observation.error.reason, observation.error.message), notChecked(observation.error.reason)];
    case 'connect': {
      const { error } = observation;
      const failed = verdict('False', error.reason, error.message);
      if (error instanceof InvalidSpecError) return [notChecked(error.reason), failed, notChecked(error.reason)];
      // A refused, dropped or timed-out connection is unreachable; a refused key or host key means it answered.
      if (error.retryable) return [failed, notChecked(error.reason), notChecked(error.reason)];
      return [connected, failed, notChecked(error.reason)];
    }
    case 'libvirt':
      return [connected, authenticatedVerdict(), verdict('False', observation.error.reason, observation.error.message)];
    case 'ready':
      return [connected, authenticatedVerdict(), verdict('True', HOST_REASONS.LibvirtConnected, `libvirt ${observation.facts.libvirtVersion}`)];
  }
}

function authenticatedVerdict(): Verdict {
  return { status: 'True', reason: HOST_REASONS.AuthSucceeded, message: 'pinned host key verified, key accepted' };
}

function notChecked(reason: string): Verdict {
  return verdict('Unknown', reason, NOT_CHECKED);
}

function verdict(status: ConditionStatus, reason: string, message: string): Verdict {
  return { status, reason, message };
}

/** The matched key (a connection got past the host-key check) or the presented one (mismatch); else unchanged. */
function hostKeys(status: HostStatus, observation: HostObservation): void {
  if (observation.stage === 'ready' || observation.stage === 'libvirt') {
    status.hostKeyFingerprint = observation.fingerprint;
    delete status.presentedHostKeyFingerprint;
  } else if (observation.error instanceof HostKeyMismatchError) {
    delete status.hostKeyFingerprint;
    status.presentedHostKeyFingerprint = observation.error.presentedFingerprint;
  }
}

/** Facts an observation establishes; the others keep their last observed values. */
function observedFacts(observation: HostObservation): HostStatus {
  switch (observation.stage) {
    case 'credentials':
    case 'connect':
    case 'libvirt':
      return {};
    case 'ready':
      return { ...observation.facts };
  }
}
