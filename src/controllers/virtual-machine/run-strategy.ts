/**
 * [REQ-01] KubeVirt's run strategies as a pure decision: given the strategy, the domain's power state and why it
 * last stopped (the shutoff reason libvirt keeps with the domain, the same reason its lifecycle event carried),
 * start it, stop it or leave it.
 * - Always: running, restarted after any stop.
 * - RerunOnFailure: started once, restarted after a failure (crash, emulator failure, destroyed), never after the
 *   guest powered itself off.
 * - Halted: stopped.
 * - Manual: the POWER_ANNOTATION value (`on` / `off`, optionally `@<request id>`) is carried out once each time it
 *   changes; the controller never starts or stops the guest on its own.
 */
import { POWER_ANNOTATION, type RunStrategy } from '../../api/v1alpha1/virtual-machine.js';
import { InvalidSpecError } from '../../errors/invalid-spec-error.js';

export type PowerState = 'running' | 'paused' | 'stopped';
/** Why a stopped domain is stopped: defined and never run, the guest powered off, or anything else (a failure). */
export type StopCause = 'never-started' | 'guest-poweroff' | 'failure';

/** virDomainShutoffReason codes (libvirt's virDomainShutoffReason enum). */
export const ShutoffReason = { Unknown: 0, Shutdown: 1, Destroyed: 2, Crashed: 3, Migrated: 4, Saved: 5, Failed: 6, FromSnapshot: 7, Daemon: 8 } as const;

export function stopCauseOf(shutoffReason: number): StopCause {
  if (shutoffReason === ShutoffReason.Unknown) return 'never-started';
  return shutoffReason === ShutoffReason.Shutdown ? 'guest-poweroff' : 'failure';
}

export interface PowerInput {
  runStrategy: RunStrategy;
  state: PowerState;
  /** Meaningful when stopped. */
  stopCause: StopCause;
  /** metadata.annotations[POWER_ANNOTATION]. */
  powerAnnotation?: string;
  /** status.powerRequest: the annotation value last carried out. */
  powerRequest?: string;
}

export interface PowerDecision {
  action: 'start' | 'stop' | 'none';
  /** Whether the strategy wants the guest running now (for printableStatus). */
  wantsRunning: boolean;
  /** What status.powerRequest should say afterwards. */
  powerRequest?: string;
}

/** `on@2` -> on; throws InvalidSpecError naming the annotation for anything else. */
export function parsePowerRequest(value: string): 'on' | 'off' {
  const verb = value.split('@', 1)[0];
  if (verb === 'on' || verb === 'off') return verb;
  throw new InvalidSpecError(`metadata.annotations['${POWER_ANNOTATION}']`, `'${value}' is not on or off (optionally followed by @<request id>)`);
}

function toward(wantsRunning: boolean, state: PowerState): PowerDecision['action'] {
  if (wantsRunning) return state === 'stopped' ? 'start' : 'none';
  return state === 'stopped' ? 'none' : 'stop';
}

export function decidePower(input: PowerInput): PowerDecision {
  const { state } = input;
  switch (input.runStrategy) {
    case 'Always':
      return { action: toward(true, state), wantsRunning: true };
    case 'Halted':
      return { action: toward(false, state), wantsRunning: false };
    case 'RerunOnFailure': {
      const wantsRunning = state !== 'stopped' || input.stopCause !== 'guest-poweroff';
      return { action: toward(wantsRunning, state), wantsRunning };
    }
    case 'Manual':
      return decideManual(input);
  }
}

function decideManual(input: PowerInput): PowerDecision {
  const keep = { ...(input.powerRequest === undefined ? {} : { powerRequest: input.powerRequest }) };
  const annotation = input.powerAnnotation;
  if (annotation === undefined || annotation === input.powerRequest) {
    return { action: 'none', wantsRunning: input.state !== 'stopped', ...keep };
  }
  const wantsRunning = parsePowerRequest(annotation) === 'on';
  return { action: toward(wantsRunning, input.state), wantsRunning, powerRequest: annotation };
}
