/**
 * [REQ-01] The VirtualMachine reconciler. Top to bottom: get the VM (gone -> done); being deleted -> finalize
 * (finalize-vm.ts) and remove the finalizer only after cleanup; ensure the finalizer; check the spec; schedule (placement-book.ts: its own placements count until the cache shows them);
 * reach the Host (its Reachable condition or the connection failing -> HostUnreachable, without a per-VM timeout);
 * disks; cloud-init seed; domain; power (run strategy); interfaces; write the status once; Events for what
 * changed; return when to look again.
 *
 * Requeue policy: unschedulable or waiting for an image -> a slow re-check (`recheckIntervalMs`) besides the Host
 * watch; host unreachable or a libvirt failure (retryable) -> status written, error thrown, per-key backoff;
 * invalid spec or a foreign domain holding the name (terminal) -> condition and Warning Event, no requeue; a
 * stopping guest or a crash-loop backoff -> the step's own delay. A second pass over an unchanged VM makes no
 * state-changing call on the host and no API write.
 */
import { FINALIZERS } from '../../api/v1alpha1/finalizers.js';
import { HOST_CONDITIONS, VIRTUAL_MACHINE_REASONS as R } from '../../api/v1alpha1/condition.js';
import type { Host } from '../../api/v1alpha1/host.js';
import type { VirtualMachine, VirtualMachineStatus } from '../../api/v1alpha1/virtual-machine.js';
import type { Clock } from '../../time/clock.js';
import { findCondition } from '../../controller/conditions.js';
import type { CustomResourceClient } from '../../controller/custom-resource-client.js';
import { ensureFinalizer, runFinalizer } from '../../controller/finalizers.js';
import type { ReconcileContext, ReconcileRequest, Reconciler, Result } from '../../controller/reconciler.js';
import { StatusWriter } from '../../controller/status-writer.js';
import type { LibvirtConfig } from '../../config/types.js';
import { InvalidSpecError } from '../../errors/invalid-spec-error.js';
import { isRetryable, OperatorError } from '../../errors/operator-error.js';
import type { AuditedCallOptions } from '../../libvirt/libvirt-audit.js';
import { DomainNotOwnedError, LibvirtConnectionError } from '../../libvirt/libvirt-error.js';
import { SshConnectError } from '../../errors/ssh-errors.js';
import type { AuditResourceRef } from '../../security/audit-record.js';
import type { AuditSink } from '../../security/audit-log.js';
import { ensureSeed, type SecretValueReader } from './cloud-init-seed.js';
import { ensureDisks } from './ensure-disks.js';
import { ensureDomain } from './ensure-domain.js';
import { PowerStep } from './ensure-power.js';
import { finalizeVm } from './finalize-vm.js';
import { ImageCache } from './image-cache.js';
import type { ImageTransferRequests } from './image-transfer-request.js';
import { readInterfaces } from './read-interfaces.js';
import { PlacementBook } from './placement-book.js';
import { vmResources } from './schedule-vm.js';
import { vmDomainSpec } from './vm-domain-spec.js';
import type { VmHost, VmHostAccess } from './vm-host.js';
import { recordVmEvents, type VmEventSink } from './vm-events.js';
import type { VmMetrics } from './vm-metrics.js';
import { desiredVmStatus, type VmObservation } from './vm-status.js';

export const DEFAULT_VM_RECHECK_INTERVAL_MS = 30_000;

export interface VmReconcilerOptions {
  vms: CustomResourceClient<VirtualMachine>;
  /** Every VirtualMachine (informer cache): what is already placed counts when scheduling. */
  vmCache: { list(): VirtualMachine[] };
  hostCache: { get(namespace: undefined, name: string): Host | undefined; list(): Host[] };
  access: VmHostAccess;
  readSecret: SecretValueReader;
  events: VmEventSink;
  audit: AuditSink;
  clock: Clock;
  libvirt: LibvirtConfig;
  /** transfer_config cacheDir: the image cache of Hosts without spec.imageCacheDir. */
  imageCacheDir: string;
  metrics?: VmMetrics;
  /** Brings missing images through ImageTransfers owned by the VM. */
  images?: ImageTransferRequests;
  recheckIntervalMs?: number;
  stopGraceMs?: number;
}

function auditRef(vm: VirtualMachine): AuditResourceRef {
  const { namespace, name = '', uid, generation } = vm.metadata ?? {};
  return { kind: 'VirtualMachine', name, ...(namespace === undefined ? {} : { namespace }), ...(uid === undefined ? {} : { uid }), ...(generation === undefined ? {} : { generation }) };
}

export class VirtualMachineReconciler implements Reconciler {
  private readonly statusWriter: StatusWriter<VirtualMachineStatus, VirtualMachine>;
  private readonly imageCache = new ImageCache();
  private readonly placements = new PlacementBook();
  private readonly power: PowerStep;
  private readonly recheckMs: number;

  constructor(private readonly options: VmReconcilerOptions) {
    this.statusWriter = new StatusWriter<VirtualMachineStatus, VirtualMachine>(options.vms);
    this.power = new PowerStep(options.stopGraceMs);
    this.recheckMs = options.recheckIntervalMs ?? DEFAULT_VM_RECHECK_INTERVAL_MS;
  }

  async reconcile(request: ReconcileRequest, ctx: ReconcileContext): Promise<Result> {
    const found = await this.options.vms.get(request.namespace, request.name);
    if (found === undefined) return {};
    if (found.metadata?.deletionTimestamp !== undefined) return this.finalize(found, ctx);
    const finalized = await ensureFinalizer(this.options.vms, found, FINALIZERS.virtualMachineCleanup);

    const { vm, observation, result, error } = await this.observe(finalized, ctx);
    if (vm === undefined) return {};
    const now = new Date(this.options.clock.now());
    const stored = await this.statusWriter.update(vm, desiredVmStatus(vm, observation, now));
    if (stored === undefined) return {};
    await recordVmEvents(this.options.events, stored, vm.status, observation);
    this.options.metrics?.observe(stored, now.getTime());
    if (error !== undefined) {
      if (isRetryable(error)) throw error;
      ctx.logger.warn('virtual machine cannot be reconciled as written', { reason: error instanceof OperatorError ? error.reason : 'Error', error: error.message });
    }
    return result;
  }

  /**
   * Runs the steps as far as they get; what they found becomes the status. A new placement is written (status.host,
   * Scheduled) before anything happens on the Host, so that an operator killed halfway resumes on the same Host and
   * never leaves a second domain or volumes elsewhere. Returns the VM as last stored (undefined: deleted meanwhile).
   */
  private async observe(observed: VirtualMachine, ctx: ReconcileContext): Promise<{ vm: VirtualMachine | undefined; observation: VmObservation; result: Result; error?: Error }> {
    let vm = observed;
    const observation: VmObservation = {};
    const recheck = { requeueAfterMs: this.recheckMs };
    let resources;
    try {
      resources = vmResources(vm);
      observation.placement = this.placements.place(vm, this.options.hostCache.list(), this.options.vmCache.list());
    } catch (error) {
      if (!(error instanceof InvalidSpecError)) throw error;
      observation.invalid = { message: error.message };
      return { vm, observation, result: {}, error };
    }
    const placement = observation.placement;
    if (!placement.placed) return { vm, observation, result: recheck };
    if (placement.kept !== true) {
      const bound = await this.statusWriter.update(vm, desiredVmStatus(vm, observation, new Date(this.options.clock.now())));
      if (bound === undefined) return { vm: undefined, observation, result: {} };
      vm = bound;
    }
    return { vm, ...(await this.onPlacedHost(vm, placement.host, resources, observation, ctx)) };
  }

  private async onPlacedHost(
    vm: VirtualMachine, placedOn: string, resources: ReturnType<typeof vmResources>, observation: VmObservation, ctx: ReconcileContext,
  ): Promise<{ observation: VmObservation; result: Result; error?: Error }> {
    const recheck = { requeueAfterMs: this.recheckMs };
    const placement = { host: placedOn };

    const hostObject = this.options.hostCache.get(undefined, placement.host);
    const reachable = findCondition(hostObject?.status?.conditions, HOST_CONDITIONS.Reachable);
    if (reachable?.status === 'False') {
      observation.hostUnreachable = { message: `Host ${placement.host} is unreachable: ${reachable.message}` };
      return { observation, result: recheck };
    }
    let host: VmHost;
    try {
      host = await this.options.access.open(placement.host, ctx.signal);
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      observation.hostUnreachable = { message: `Host ${placement.host}: ${(error as Error).message}` };
      return { observation, result: recheck, error: error as Error };
    }
    try {
      return await this.onHost(vm, host, resources, hostObject, observation, ctx);
    } catch (error) {
      if (ctx.signal.aborted || !(error instanceof OperatorError)) throw error;
      if (error instanceof InvalidSpecError) {
        observation.invalid = { message: error.message };
        return { observation, result: {}, error };
      }
      if (error instanceof LibvirtConnectionError || error instanceof SshConnectError) {
        observation.hostUnreachable = { message: `Host ${host.name}: ${error.message}` };
        return { observation, result: { requeueAfterMs: this.recheckMs }, error };
      }
      const reason = error instanceof DomainNotOwnedError ? R.DomainNameTaken : error.reason;
      const message = error instanceof DomainNotOwnedError
        ? `a domain named ${error.domainName} that virtfleet does not own exists on Host ${host.name}; it is left alone`
        : error.message;
      observation.syncError = { reason, message };
      return { observation, result: {}, error };
    }
  }

  private async onHost(
    vm: VirtualMachine, host: VmHost, resources: ReturnType<typeof vmResources>, hostObject: Host | undefined, observation: VmObservation, ctx: ReconcileContext,
  ): Promise<{ observation: VmObservation; result: Result }> {
    const options: AuditedCallOptions = { audit: { resource: auditRef(vm) } };
    const imageCacheDir = hostObject?.spec.imageCacheDir ?? this.options.imageCacheDir;
    const disks = await ensureDisks(host, vm, { pool: this.options.libvirt.storagePool, imageCacheDir, ...(this.options.images === undefined ? {} : { images: this.options.images }) }, this.imageCache, ctx.signal, options);
    observation.disks = disks;
    if (!disks.ready) return { observation, result: { requeueAfterMs: this.recheckMs } };
    const seedPath = await ensureSeed(host, vm, disks.pool, this.options.readSecret, options);
    const placement = { ...disks.placement, ...(seedPath === undefined ? {} : { seedPath }) };
    const desired = vmDomainSpec(vm, resources, placement, this.options.libvirt);
    const domain = await ensureDomain(host, vm, desired, vm.status?.domainUUID !== undefined, ctx.signal, options);
    observation.domain = domain;
    const power = await this.power.ensure(host, vm, domain, this.options.clock.now(), options);
    observation.power = power;
    observation.interfaces = await readInterfaces(host, vm, domain, power);
    return { observation, result: power.requeueAfterMs === undefined ? {} : { requeueAfterMs: power.requeueAfterMs } };
  }

  private async finalize(vm: VirtualMachine, ctx: ReconcileContext): Promise<Result> {
    let outcome;
    try {
      await runFinalizer(this.options.vms, vm, FINALIZERS.virtualMachineCleanup, async () => {
        outcome = await finalizeVm(this.options.access, vm, this.options.libvirt.storagePool.name, this.options.audit, auditRef(vm), ctx.signal);
      });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      const message = `cleanup on Host ${vm.status?.host ?? '?'} failed, finalizer kept (retrying; annotate ${'virtfleet.io/force-delete'}=true to release): ${(error as Error).message}`;
      await this.statusWriter.update(vm, desiredVmStatus(vm, { deleting: true, syncError: { reason: R.DeleteFailed, message } }, new Date(this.options.clock.now())));
      await this.options.events.event(vm, 'Warning', R.DeleteFailed, message);
      throw error;
    }
    if (outcome !== undefined) {
      const { forced, message } = outcome as { forced: boolean; message: string };
      await this.options.events.event(vm, forced ? 'Warning' : 'Normal', forced ? 'ForceDeleted' : R.Deleted, message);
      this.options.metrics?.deleted(vm, this.options.clock.now());
      ctx.logger.info('virtual machine finalized', { forced, message });
    }
    return {};
  }
}
