/**
 * [REQ-01][REQ-03] Wakes VirtualMachines from their hosts instead of polling each VM: per Host, one subscription
 * to libvirt's domain lifecycle events on the Host's existing RPC connection, mapped to VM keys by the domain's
 * UUID (the owning VM's uid, written with the owner mark); plus a relist of the Host's domains every
 * `relistIntervalMs` and whenever the subscription is (re)made, so nothing missed while the connection was down
 * stays missed. A dropped connection errors the event stream: the Host's VMs are requested at once (so they
 * show HostUnreachable without waiting for a timeout of their own) and the stream is resubscribed with backoff
 * (on the injected clock). A Host that goes away ends its subscription. Failures stay inside their Host: they are logged and
 * retried, and never end the controller's other sources.
 */
import { EMPTY, Observable, catchError, concat, defer, throwError, from, map, merge, mergeMap, repeat, retry, type Subscription } from 'rxjs';
import type { Host } from '../../api/v1alpha1/host.js';
import type { VirtualMachine } from '../../api/v1alpha1/virtual-machine.js';
import type { Informer } from '../../controller/informer.js';
import type { ReconcileRequest } from '../../controller/reconciler.js';
import type { RuntimeLogger } from '../../controller/runtime-logger.js';
import { requestFor } from '../../controller/watch-sources.js';
import { ListDomainsFlags } from '../../libvirt/operations/domain-operations.js';
import type { Clock } from '../../time/clock.js';
import type { VmHostAccess } from './vm-host.js';

export const DEFAULT_RELIST_INTERVAL_MS = 60_000;
const RESUBSCRIBE_BASE_MS = 500;
const RESUBSCRIBE_MAX_MS = 30_000;

export interface HostDomainEventsOptions {
  hosts: Pick<Informer<Host>, 'events' | 'store'>;
  vms: { list(): VirtualMachine[] };
  access: VmHostAccess;
  clock: Clock;
  logger: RuntimeLogger;
  relistIntervalMs?: number;
}

function delay(clock: Clock, ms: number): Observable<void> {
  return new Observable<void>((subscriber) => {
    const timer = clock.setTimeout(() => {
      subscriber.next();
      subscriber.complete();
    }, ms);
    return () => timer.cancel();
  });
}

/** VMs placed on `hostName`, and those whose uid is one of `uuids` (a domain's UUID is its VM's uid). */
export function vmsOfHost(vms: readonly VirtualMachine[], hostName: string, uuids: ReadonlySet<string> = new Set()): ReconcileRequest[] {
  return vms.filter((vm) => vm.status?.host === hostName || uuids.has(vm.metadata?.uid ?? '')).map(requestFor);
}

export function vmForDomain(vms: readonly VirtualMachine[], uuid: string): ReconcileRequest[] {
  return vms.filter((vm) => vm.metadata?.uid === uuid).map(requestFor);
}

export function hostDomainEvents(options: HostDomainEventsOptions): Observable<ReconcileRequest> {
  const relistMs = options.relistIntervalMs ?? DEFAULT_RELIST_INTERVAL_MS;

  const relist = (hostName: string, signal: AbortSignal): Observable<ReconcileRequest> => defer(async () => {
    const host = await options.access.open(hostName, signal);
    const domains = await host.libvirt.domains.listAll(ListDomainsFlags.Active | ListDomainsFlags.Inactive);
    return vmsOfHost(options.vms.list(), hostName, new Set(domains.map((domain) => domain.uuid)));
  }).pipe(mergeMap((requests) => from(requests)));

  const watchHost = (hostName: string): Observable<ReconcileRequest> => new Observable<ReconcileRequest>((subscriber) => {
    const lifetime = new AbortController();
    let failures = 0;
    const events = defer(() => from(options.access.open(hostName, lifetime.signal))).pipe(
      mergeMap((host) => merge(relist(hostName, lifetime.signal), host.libvirt.lifecycleEvents().pipe(
        map((event) => { failures = 0; return event; }),
        mergeMap((event) => from(vmForDomain(options.vms.list(), event.uuid))),
      ))),
      // The VMs of a host whose connection dropped look at once (and report HostUnreachable if it stays down).
      catchError((error: unknown) => concat(from(vmsOfHost(options.vms.list(), hostName)), throwError(() => error))),
      retry({
        delay: (error: unknown) => {
          failures += 1;
          options.logger.warn('domain event subscription lost, resubscribing', { host: hostName, error: String(error), failures });
          return delay(options.clock, Math.min(RESUBSCRIBE_MAX_MS, RESUBSCRIBE_BASE_MS * 2 ** (failures - 1)));
        },
      }),
    );
    const periodic = delay(options.clock, relistMs).pipe(
      mergeMap(() => relist(hostName, lifetime.signal).pipe(catchError((error: unknown) => {
        options.logger.warn('periodic domain relist failed', { host: hostName, error: String(error) });
        return EMPTY;
      }))),
      repeat(),
    );
    const subscription = merge(events, periodic).subscribe(subscriber);
    return () => {
      lifetime.abort();
      subscription.unsubscribe();
    };
  });

  return new Observable<ReconcileRequest>((subscriber) => {
    const watched = new Map<string, Subscription>();
    const ensure = (hostName: string): void => {
      if (watched.has(hostName)) return;
      watched.set(hostName, watchHost(hostName).subscribe({ next: (request) => subscriber.next(request) }));
    };
    const forget = (hostName: string): void => {
      watched.get(hostName)?.unsubscribe();
      watched.delete(hostName);
    };
    for (const host of options.hosts.store.list()) ensure(host.metadata?.name ?? '');
    const hostEvents = options.hosts.events().subscribe((event) => {
      const name = event.object.metadata?.name ?? '';
      if (event.type === 'deleted') forget(name);
      else ensure(name);
    });
    return () => {
      hostEvents.unsubscribe();
      for (const name of [...watched.keys()]) forget(name);
    };
  });
}
