/**
 * [REQ-03] Domain lifecycle events (VIR_DOMAIN_EVENT_ID_LIFECYCLE) as an rxjs Observable. Subscribing registers
 * a callback with libvirtd (CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY); events arrive as MESSAGE packets and are
 * matched by callback id; unsubscribing deregisters. When the connection drops the Observable errors with the
 * retryable LibvirtConnectionError: resubscribe (e.g. rxjs `retry` with a delay) and relist to catch up.
 * Events that arrive before the REGISTER reply (which carries the callback id) are queued up to EARLY_EVENTS_MAX;
 * past that the Observable errors with the retryable LibvirtEventOverflowError, so a flooding host cannot grow
 * the queue without bound.
 */
import { Observable } from 'rxjs';
import { LibvirtEventOverflowError } from '../libvirt-error.js';
import { RemoteProcedure } from '../rpc/protocol-constants.js';
import { readDomain } from '../rpc/remote-types.js';
import type { RpcSession } from '../rpc/rpc-session.js';
import { XdrReader } from '../rpc/xdr-reader.js';

/** virDomainEventType. */
export const LIFECYCLE_EVENTS = [
  'defined', 'undefined', 'started', 'suspended', 'resumed', 'stopped', 'shutdown', 'pmsuspended', 'crashed',
] as const;
export type LifecycleEventName = (typeof LIFECYCLE_EVENTS)[number] | 'unknown';

export interface DomainLifecycleEvent {
  domainName: string;
  uuid: string;
  event: LifecycleEventName;
  /** The event's detail code (virDomainEventStartedDetailType, virDomainEventStoppedDetailType, ...). */
  detail: number;
}

const EVENT_ID_LIFECYCLE = 0;
/** Events queued while REGISTER is in flight; a round trip sees a handful, a flood is cut off here. */
const EARLY_EVENTS_MAX = 1000;

/** Decodes one DOMAIN_EVENT_CALLBACK_LIFECYCLE message; bytes of another layout are an XdrDecodeError. */
export function decodeLifecycle(payload: Buffer): { callbackId: number; event: DomainLifecycleEvent } {
  const reader = new XdrReader(payload);
  const callbackId = reader.int();
  const domain = readDomain(reader);
  const event = reader.int();
  const detail = reader.int();
  reader.end();
  return { callbackId, event: { domainName: domain.name, uuid: domain.uuid, event: LIFECYCLE_EVENTS[event] ?? 'unknown', detail } };
}

export function domainLifecycleEvents(session: RpcSession): Observable<DomainLifecycleEvent> {
  return new Observable<DomainLifecycleEvent>((subscriber) => {
    let callbackId: number | null = null;
    let closed = false;
    let stopListening: (() => void) | null = null;
    let overflowed = false;
    const early: Array<{ callbackId: number; event: DomainLifecycleEvent }> = [];
    const overflow = (): void => {
      overflowed = true;
      closed = true; // setup deregisters once REGISTER has answered
      early.length = 0;
      stopListening?.();
      subscriber.error(new LibvirtEventOverflowError(`libvirt sent more than ${EARLY_EVENTS_MAX} domain events before the subscription was registered`));
    };

    const setup = async (): Promise<void> => {
      stopListening = await session.listen({
        onEvent: (procedure, payload) => {
          if (procedure !== RemoteProcedure.DomainEventCallbackLifecycle) return;
          if (overflowed) return;
          const decoded = decodeLifecycle(payload);
          if (callbackId === null && early.length >= EARLY_EVENTS_MAX) overflow();
          else if (callbackId === null) early.push(decoded);
          else if (decoded.callbackId === callbackId) subscriber.next(decoded.event);
        },
        onConnectionLost: (error) => {
          callbackId = null; // the registration died with the connection: nothing to deregister
          subscriber.error(error);
        },
      });
      callbackId = await session.call(RemoteProcedure.ConnectDomainEventCallbackRegisterAny, (writer) => {
        writer.int(EVENT_ID_LIFECYCLE);
        writer.bool(false); // no domain filter: events of every domain
      }, (reader) => reader.int());
      for (const decoded of early.splice(0)) if (decoded.callbackId === callbackId) subscriber.next(decoded.event);
      if (closed) await deregister();
    };

    const deregister = async (): Promise<void> => {
      stopListening?.();
      if (callbackId === null) return;
      const id = callbackId;
      callbackId = null;
      await session.call(RemoteProcedure.ConnectDomainEventCallbackDeregisterAny, (writer) => writer.int(id)).catch(() => undefined);
    };

    setup().catch((error: unknown) => subscriber.error(error));
    return () => {
      closed = true;
      void deregister();
    };
  });
}
