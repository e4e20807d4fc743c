/**
 * [REQ-03] Opens libvirt's RPC stream on a host through the operator's SSH session: an exec channel running
 * `virt-ssh-helper <uri>` (exactly what `qemu+ssh://` runs), or, on hosts without it, a relay to libvirtd's
 * UNIX socket with `socat` or `nc -U`. With transport `auto` the choice is probed once per host.
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

export function sshRpcTransportFactory(
  runner: RemoteCommandRunner,
  config: Pick<LibvirtConfig, 'transport' | 'socketPath'>,
  uri: string,
): RpcTransportFactory {
  let relay: Promise<RelayKind> | null = config.transport === 'auto' ? null : Promise.resolve(config.transport);
  return async (signal) => {
    relay ??= probeRelay(runner, signal).catch((error: unknown) => {
      relay = null; // probe again next time: the host may have been unreachable
      throw error;
    });
    const argv = relayArgv(await relay, uri, config.socketPath);
    const lifetime = new AbortController();
    // timeoutMs 0: the channel lives as long as the libvirt connection; closing aborts the remote process.
    const process = await runner.spawn(argv, { timeoutMs: 0, signal: lifetime.signal });
    process.exit.catch(() => undefined); // the RPC connection sees the end through stdout
    process.stderr.resume();
    return {
      readable: process.stdout,
      writable: process.stdin,
      close: () => {
        process.stdin.end();
        lifetime.abort(new LibvirtConnectionError('libvirt RPC transport closed'));
      },
    };
  };
}
