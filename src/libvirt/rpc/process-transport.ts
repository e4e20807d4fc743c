/**
 * [REQ-03] An RpcTransportFactory that runs a local process speaking libvirt RPC on stdin/stdout, such as
 * `virt-ssh-helper qemu:///system` (the very program `qemu+ssh://` runs on the far side). Used where libvirtd
 * is on this machine: development, tests and benchmarks.
 */
import { spawn } from 'node:child_process';
import { LibvirtConnectionError } from '../libvirt-error.js';
import type { RpcTransportFactory } from './rpc-transport.js';

export function processTransportFactory(argv: readonly string[]): RpcTransportFactory {
  const [command, ...args] = argv;
  if (command === undefined) throw new RangeError('processTransportFactory needs a command');
  return (signal) => new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'ignore'], signal });
    child.once('error', (error) => reject(new LibvirtConnectionError(`cannot start ${command}: ${error.message}`, { cause: error })));
    child.once('spawn', () => resolve({
      readable: child.stdout,
      writable: child.stdin,
      close: () => {
        child.stdin.destroy();
        child.stdout.destroy();
        child.kill();
      },
    }));
  });
}
