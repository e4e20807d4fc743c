/**
 * [REQ-01] Step "power": carries out the run strategy's decision (run-strategy.ts) on the domain. A restart after
 * a failure goes through the crash-loop backoff (start-backoff.ts); a start that libvirt refuses counts as a
 * failure too. Stopping asks the guest first (ACPI shutdown) and powers it off after `stopGraceMs`, measured from
 * the first request (kept in memory: after an operator restart the grace starts again).
 */
import type { StartFailure, VirtualMachine } from '../../api/v1alpha1/virtual-machine.js';
import { POWER_ANNOTATION } from '../../api/v1alpha1/virtual-machine.js';
import { OperatorError } from '../../errors/operator-error.js';
import type { AuditedCallOptions } from '../../libvirt/libvirt-audit.js';
import type { DomainState } from '../../libvirt/operations/domain-operations.js';
import type { DomainResult } from './ensure-domain.js';
import { decidePower, stopCauseOf, type PowerState, type StopCause } from './run-strategy.js';
import { afterRestart, waitBeforeRestartMs, whileRunning } from './start-backoff.js';
import type { VmHost } from './vm-host.js';
import { uidOf } from './vm-names.js';

export const DEFAULT_STOP_GRACE_MS = 30_000;
const STOP_POLL_MS = 1000;

export interface PowerResult {
  power: PowerState;
  wantsRunning: boolean;
  backingOff: boolean;
  startFailure?: StartFailure;
  powerRequest?: string;
  requeueAfterMs?: number;
  /** What this pass did, for an Event. */
  acted?: { reason: string; message: string; warning: boolean };
}

export function powerStateOf(state: DomainState): PowerState {
  if (state.state === 'running' || state.state === 'blocked' || state.state === 'shutdown') return 'running';
  if (state.state === 'paused' || state.state === 'pmsuspended') return 'paused';
  return 'stopped';
}

function stopCause(state: DomainState): StopCause {
  return state.state === 'crashed' ? 'failure' : stopCauseOf(state.reason);
}

export class PowerStep {
  /** uid -> when the first shutdown request of the current stop was sent. */
  private readonly stopping = new Map<string, number>();

  constructor(private readonly stopGraceMs = DEFAULT_STOP_GRACE_MS) {}

  async ensure(host: VmHost, vm: VirtualMachine, domain: DomainResult, nowMs: number, options: AuditedCallOptions): Promise<PowerResult> {
    const power = powerStateOf(domain.state);
    const cause = stopCause(domain.state);
    const annotation = vm.metadata?.annotations?.[POWER_ANNOTATION];
    const decision = decidePower({
      runStrategy: vm.spec.runStrategy ?? 'Always', state: power, stopCause: cause,
      ...(annotation === undefined ? {} : { powerAnnotation: annotation }),
      ...(vm.status?.powerRequest === undefined ? {} : { powerRequest: vm.status.powerRequest }),
    });
    const base = {
      power, wantsRunning: decision.wantsRunning, backingOff: false,
      ...(decision.powerRequest === undefined ? {} : { powerRequest: decision.powerRequest }),
    };
    const failure = vm.status?.startFailure;
    if (decision.action !== 'stop') this.stopping.delete(uidOf(vm));
    if (decision.action === 'none') {
      const kept = power === 'running' ? whileRunning(failure, nowMs) : failure;
      return { ...base, ...(kept === undefined ? {} : { startFailure: kept, requeueAfterMs: waitBeforeRestartMs(kept, nowMs) || undefined }) };
    }
    if (decision.action === 'stop') return this.stop(host, vm, domain, nowMs, base, options);
    return this.start(host, domain, cause, failure, nowMs, base, options);
  }

  private async start(
    host: VmHost, domain: DomainResult, cause: StopCause, failure: StartFailure | undefined, nowMs: number,
    base: PowerResult, options: AuditedCallOptions,
  ): Promise<PowerResult> {
    const afterFailure = cause === 'failure';
    const waitMs = afterFailure ? waitBeforeRestartMs(failure, nowMs) : 0;
    if (waitMs > 0) return { ...base, backingOff: true, ...(failure === undefined ? {} : { startFailure: failure }), requeueAfterMs: waitMs };
    const next = afterFailure ? afterRestart(failure, nowMs) : failure;
    try {
      await host.libvirt.domains.create(domain.ref, options);
    } catch (error) {
      if (!(error instanceof OperatorError) || error.reason === 'DomainNotOwned') throw error;
      const counted = afterRestart(failure, nowMs);
      return {
        ...base, backingOff: true, startFailure: counted, requeueAfterMs: waitBeforeRestartMs(counted, nowMs),
        acted: { reason: 'DomainStartFailed', message: `start failed (attempt ${counted.consecutiveFailCount}): ${error.message}`, warning: true },
      };
    }
    const message = afterFailure ? `restarted after a failure (restart ${next?.consecutiveFailCount ?? 1})` : 'started';
    return { ...base, power: 'running', ...(next === undefined ? {} : { startFailure: next }), acted: { reason: 'DomainStarted', message, warning: afterFailure } };
  }

  private async stop(host: VmHost, vm: VirtualMachine, domain: DomainResult, nowMs: number, base: PowerResult, options: AuditedCallOptions): Promise<PowerResult> {
    const uid = uidOf(vm);
    const since = this.stopping.get(uid);
    if (since === undefined) {
      this.stopping.set(uid, nowMs);
      await host.libvirt.domains.shutdown(domain.ref, options);
      return { ...base, requeueAfterMs: STOP_POLL_MS, acted: { reason: 'DomainStopping', message: 'asked the guest to shut down (ACPI)', warning: false } };
    }
    if (nowMs - since < this.stopGraceMs) return { ...base, requeueAfterMs: STOP_POLL_MS };
    this.stopping.delete(uid);
    await host.libvirt.domains.destroy(domain.ref, options);
    return { ...base, power: 'stopped', acted: { reason: 'DomainPoweredOff', message: `powered off: the guest did not shut down within ${this.stopGraceMs} ms`, warning: true } };
  }
}
