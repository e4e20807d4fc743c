/**
 * [REQ-03] Opens libvirt's RPC stream on a host through the operator's SSH session: an exec channel running
 * `virt-ssh-helper <uri>` (exactly what `qemu+ssh://` runs), or, on hosts without it, a relay to libvirtd's
 * UNIX socket with `socat` or `nc -U`. With transport `auto` the choice is probed once per host session and
 * shared by every client on it (probed again only after a probe failed).
 */
import type { LibvirtConfig } from '../config/types.js';
import type { CommandOptions, ExecOptions, ExecResult, RemoteProcess } from '../ssh/remote-process.js';
import { LibvirtConnectionError } from './libvirt-error.js';
import type { RpcTransportFactory } from './rpc/rpc-transport.js';

/** The part of HostSession this adapter needs. */
export interface RemoteCommandRunner {
  spawn(argv: readonly string[], options?: CommandOptions): Promise<RemoteProcess>;
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
}

type RelayKind = Exclude<LibvirtConfig['transport'], 'auto'>;

const PROBE_ORDER: readonly RelayKind[] = ['virt-ssh-helper', 'socat', 'nc'];

/** How long a relay may take to exit after its stdin closed before it is signalled. */
const RELAY_EXIT_GRACE_MS = 2000;

function relayArgv(kind: RelayKind, uri: string, socketPath: string): string[] {
  switch (kind) {
    case 'virt-ssh-helper':
      return ['virt-ssh-helper', uri];
    case 'socat':
      return ['socat', '-', `UNIX-CONNECT:${socketPath}`];
    case 'nc':
      return ['nc', '-U', socketPath];
  }
}

async function probeRelay(runner: RemoteCommandRunner, signal?: AbortSignal): Promise<RelayKind> {
  for (const kind of PROBE_ORDER) {
    const found = await runner.exec(['sh', '-c', `command -v ${kind}`], signal ? { signal } : {});
    if (found.code === 0) return kind;
  }
  throw new LibvirtConnectionError('host has none of virt-ssh-helper, socat or nc to reach libvirtd');
}

/** The relay chosen for each host session (a HostSession is one host). */
const probedRelays = new WeakMap<RemoteCommandRunner, Promise<RelayKind>>();

function relayOf(runner: RemoteCommandRunner, signal?: AbortSignal): Promise<RelayKind> {
  let relay = probedRelays.get(runner);
  if (!relay) {
    relay = probeRelay(runner, signal);
    probedRelays.set(runner, relay);
    // probe again next time: the host may have been unreachable
    relay.catch(() => probedRelays.delete(runner));
  }
  return relay;
}

export function sshRpcTransportFactory(
  runner: RemoteCommandRunner,
  config: Pick<LibvirtConfig, 'transport' | 'socketPath'>,
  uri: string,
): RpcTransportFactory {
  return async (signal) => {
    const relay = config.transport === 'auto' ? await relayOf(runner, signal) : config.transport;
    const argv = relayArgv(relay, uri, config.socketPath);
    const lifetime = new AbortController();
    let closedOnPurpose = false;
    // timeoutMs 0: the channel lives as long as the libvirt connection; closing aborts the remote process.
    // `signal` bounds only the opening: giving up on it ends the process whenever its channel opens.
    const process = await boundedBy(runner.spawn(argv, { timeoutMs: 0, signal: lifetime.signal, endedOnPurpose: () => closedOnPurpose }), signal, lifetime);
    process.exit.catch(() => undefined); // the RPC connection sees the end through stdout
    process.stderr.resume();
    return {
      readable: process.stdout,
      writable: process.stdin,
      // A close on purpose ends stdin, so the relay exits by itself (audited as success, ended by the operator);
      // only a relay that has not exited after the grace period is ended with a signal.
      close: () => {
        closedOnPurpose = true;
        process.stdin.end();
        const force = setTimeout(() => lifetime.abort(new LibvirtConnectionError('libvirt RPC transport closed')), RELAY_EXIT_GRACE_MS);
        void process.exit.catch(() => undefined).finally(() => clearTimeout(force));
      },
    };
  };
}

/** Settles like `opening`, or rejects when `signal` aborts first; either abort also aborts `lifetime`. */
function boundedBy<T>(opening: Promise<T>, signal: AbortSignal | undefined, lifetime: AbortController): Promise<T> {
  if (!signal) return opening;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      lifetime.abort(signal.reason);
      reject(signal.reason instanceof Error ? signal.reason : new LibvirtConnectionError('opening the libvirt transport was aborted'));
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    opening.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
