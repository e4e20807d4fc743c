/**
 * [REQ-04] The image transfer engine's entry point: `startTransfer(plan)` returns a job at once, whose
 * `progress$` reports every change and whose `done` settles when every destination has succeeded or failed for
 * good. Attempts repeat with exponential backoff for destinations that failed in a retryable way (stalled,
 * unreachable, source gone for a while); each attempt resumes from what the host's manifest proves is there.
 * `cancel()` stops the job and removes the staged files and manifests it left; `stop()` keeps them for a resume.
 * A plan without a digest (a host or volume source) has it computed on the source host before the first attempt.
 */
import { BehaviorSubject, type Observable } from 'rxjs';
import { sleep, type Clock } from '../time/clock.js';
import { isRetryable, OperatorError } from '../errors/operator-error.js';
import type { AuditSink } from '../security/audit-log.js';
import type { AuditContext } from '../ssh/remote-process.js';
import { resumeOffset, type ManifestHeader } from './chunk-manifest.js';
import { DestinationStage } from './destination-stage.js';
import { fanOut, type FanOutTarget } from './fan-out.js';
import { openHostSource } from './host-source.js';
import { openHttpSource } from './http-source.js';
import { openVolumeSource } from './volume-source.js';
import { sourceDigest } from './source-digest.js';
import type { OpenedSource } from './source-chunks.js';
import { TransferCancelledError } from './transfer-errors.js';
import { overallBytes, overallPhase, type DestinationProgress, type TransferProgress } from './transfer-progress.js';
import { checkSourceAllowed, describeSource, type TransferPlan } from './transfer-plan.js';

export interface TransferEngineDeps {
  audit: AuditSink;
  allowedUrlSchemes: readonly string[];
  clock: Clock;
}

export interface TransferJob {
  readonly progress$: Observable<TransferProgress>;
  readonly progress: TransferProgress;
  /** Settles with the final progress (phase Succeeded or Failed); never rejects. */
  readonly done: Promise<TransferProgress>;
  /** Stops the job and removes its `.part` files and manifests. */
  cancel(): Promise<void>;
  /** Stops the job and keeps its `.part` files and manifests, so that a later job resumes from them (operator shutdown). */
  stop(): Promise<void>;
}

const RETRY_INITIAL_MS = 1000;
const RETRY_MAX_MS = 30_000;

export function startTransfer(plan: TransferPlan, deps: TransferEngineDeps): TransferJob {
  const stop = new AbortController();
  const destinations: DestinationProgress[] = plan.destinations.map((d) => ({
    host: d.host.name, path: d.path, phase: 'Pending', bytesTransferred: 0, bytesSent: 0, attempts: 0, resumedFromBytes: 0, verified: false, alreadyPresent: false,
  }));
  let sourceStats = { bytesRead: 0, rangedReads: 0 };
  let bytesTotal = 0;
  let sha256 = plan.sha256;
  const snapshot = (): TransferProgress => ({
    phase: overallPhase(destinations), bytesTotal, bytesTransferred: overallBytes(destinations), destinations: destinations.map((d) => ({ ...d })),
    ...(sha256 === undefined ? {} : { sha256 }), source: { ...sourceStats },
  });
  const subject = new BehaviorSubject<TransferProgress>(snapshot());
  const publish = (): void => subject.next(snapshot());
  const stages: DestinationStage[] = [];
  const commandTimeoutMs = plan.limits.inactivityTimeoutMs;

  const fail = (index: number, error: unknown, final: boolean): void => {
    const progress = destinations[index]!;
    progress.phase = final ? 'Failed' : 'Retrying';
    progress.reason = error instanceof OperatorError ? error.reason : 'TransferFailed';
    progress.message = (error as Error).message;
  };

  const attempt = async (pending: number[]): Promise<void> => {
    let source: OpenedSource;
    let digest: string;
    try {
      digest = sha256 ??= await sourceDigest(plan.source, auditOf(plan), stop.signal);
      source = await openSource(plan, stop.signal);
    } catch (error) {
      for (const index of pending) {
        destinations[index]!.attempts += 1;
        fail(index, error, !isRetryable(error) || destinations[index]!.attempts >= plan.limits.maxAttempts);
      }
      return;
    }
    bytesTotal = source.sizeBytes;
    const header: ManifestHeader = { sizeBytes: source.sizeBytes, chunkSizeBytes: plan.limits.chunkSizeBytes, sha256: digest };
    const needed = (resumeIndex: number): number => Math.max(0, (source.dataBytes ?? source.sizeBytes) - resumeOffset(resumeIndex, header));
    const targets: FanOutTarget[] = [];
    const fanOutTarget = (index: number, resumeIndex: number): FanOutTarget => {
      const progress = destinations[index]!;
      return {
        stage: stages[index]!,
        resumeIndex,
        onChunk: (placed, sent) => {
          progress.resumedFromBytes = Math.min(progress.resumedFromBytes, stages[index]!.resumedFromBytes);
          progress.bytesTransferred = Math.max(progress.bytesTransferred, placed);
          progress.bytesSent += sent;
          sourceStats = { ...source.stats };
          publish();
        },
        onDrop: (error) => {
          fail(index, error, !isRetryable(error) || progress.attempts >= plan.limits.maxAttempts);
          publish();
        },
        onVerifying: () => {
          progress.phase = 'Verifying';
          publish();
        },
        onDone: () => {
          Object.assign(progress, { phase: 'Succeeded', verified: true, bytesTransferred: source.sizeBytes, reason: undefined, message: undefined });
          publish();
        },
      };
    };
    await Promise.all(pending.map(async (index) => {
      const progress = destinations[index]!;
      progress.attempts += 1;
      const stage = new DestinationStage(plan.destinations[index]!, header, { audit: deps.audit, commandTimeoutMs, ...(plan.resource ? { resource: plan.resource } : {}), ...(plan.format ? { format: plan.format } : {}) });
      stages[index] = stage;
      try {
        const prepared = await stage.prepare(needed, stop.signal);
        if (prepared.present) {
          Object.assign(progress, { phase: 'Succeeded', verified: true, alreadyPresent: true, bytesTransferred: source.sizeBytes });
          return;
        }
        const from = prepared.resumeBytes;
        Object.assign(progress, { phase: 'Transferring', resumedFromBytes: from, bytesTransferred: from });
        targets.push(fanOutTarget(index, prepared.resumeIndex));
      } catch (error) {
        fail(index, error, !isRetryable(error) || progress.attempts >= plan.limits.maxAttempts);
      }
    }));
    publish();
    if (targets.length === 0) return;
    await fanOut(source, targets, { ...plan.limits, clock: deps.clock, signal: stop.signal }).catch(() => undefined);
    sourceStats = { ...source.stats };
  };

  const run = async (): Promise<TransferProgress> => {
    try {
      checkSourceAllowed(plan.source, deps.allowedUrlSchemes);
    } catch (error) {
      destinations.forEach((_, index) => fail(index, error, true));
      publish();
      return finish();
    }
    for (let round = 1; !stop.signal.aborted; round++) {
      const pending = destinations.flatMap((d, index) => (d.phase === 'Succeeded' || d.phase === 'Failed' ? [] : [index]));
      if (pending.length === 0) break;
      await attempt(pending);
      publish();
      if (destinations.some((d) => d.phase === 'Retrying')) {
        await sleep(deps.clock, Math.min(RETRY_INITIAL_MS * 2 ** (round - 1), RETRY_MAX_MS), stop.signal).catch(() => undefined);
      }
    }
    return finish();
  };

  const finish = (): TransferProgress => {
    if (stop.signal.aborted) {
      destinations.forEach((d, index) => d.phase !== 'Succeeded' && fail(index, stop.signal.reason, true));
    }
    const last = snapshot();
    subject.next(last);
    subject.complete();
    return last;
  };

  const done = run().catch((error: unknown) => {
    destinations.forEach((d, index) => d.phase !== 'Succeeded' && fail(index, error, true));
    return finish();
  });

  return {
    progress$: subject.asObservable(),
    get progress() {
      return subject.getValue();
    },
    done,
    stop: async () => {
      stop.abort(new TransferCancelledError());
      await done;
    },
    cancel: async () => {
      stop.abort(new TransferCancelledError());
      await done;
      const cleanup = AbortSignal.timeout(commandTimeoutMs);
      await Promise.all(stages.map((stage, index) => (destinations[index]?.phase === 'Succeeded' ? undefined : stage?.discard(cleanup).catch(() => undefined))));
    },
  };
}

/** What the audit records of the source's commands name as the resource. */
function auditOf(plan: TransferPlan): AuditContext {
  return plan.resource ? { resource: plan.resource } : {};
}

function openSource(plan: TransferPlan, signal: AbortSignal): Promise<OpenedSource> {
  const source = plan.source;
  if (source.kind === 'url') {
    return openHttpSource({ url: source.url, label: describeSource(source), ...(source.headers ? { headers: source.headers } : {}) }, signal);
  }
  return source.kind === 'host' ? openHostSource(source.host, source.path, auditOf(plan), signal) : openVolumeSource(source, auditOf(plan), signal);
}
