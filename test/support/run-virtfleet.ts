/** [REQ-01] Runs the `virtfleet` command line in-process, capturing its exit code, stdout and stderr. */
import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/index.js';

class CapturedStream extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

export async function virtfleet(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new CapturedStream();
  const err = new CapturedStream();
  const code = await runCli(args, out, err);
  return { code, out: out.text, err: err.text };
}
