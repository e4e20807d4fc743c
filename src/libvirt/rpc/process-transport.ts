/**
 * [REQ-03] An RpcTransportFactory that runs a local process speaking libvirt RPC on stdin/stdout, such as
 * `virt-ssh-helper qemu:///system` (the very program `qemu+ssh://` runs on the far side). Used where libvirtd
 * is on this machine: development, tests and benchmarks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { LibvirtConnectionError } from '../libvirt-error.js';
import type { RpcTransportFactory } from './rpc-transport.js';

export interface ProcessTransportOptions {
  /** Called with every process started (tests use it to kill the transport under a live connection). */
  onSpawn?: (child: ChildProcess) => void;
}

export function processTransportFactory(argv: readonly string[], options: ProcessTransportOptions = {}): RpcTransportFactory {
  const [command, ...args] = argv;
  if (command === undefined) throw new RangeError('processTransportFactory needs a command');
  return (signal) => new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    // No `signal` for spawn: it only bounds opening, while the process must outlive it as the connection.
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'ignore'] });
    child.once('error', (error) => reject(new LibvirtConnectionError(`cannot start ${command}: ${error.message}`, { cause: error })));
    child.once('spawn', () => {
      options.onSpawn?.(child);
      resolve({
        readable: child.stdout,
        writable: child.stdin,
        close: () => {
          child.stdin.destroy();
          child.stdout.destroy();
          child.kill();
        },
      });
    });
  });
}
