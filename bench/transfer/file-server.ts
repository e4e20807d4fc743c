/**
 * [REQ-04][REQ-06] A static file server on 127.0.0.1 for `bench:transfer` (HEAD, GET and `Range: bytes=N-`), run in
 * a child process (file-server-process.ts) so that it does not compete with the engine for its event loop.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export interface FileServer {
  url(name: string): string;
  close(): Promise<void>;
}

export async function serveDirectory(dir: string): Promise<FileServer> {
  const child = fork(fileURLToPath(new URL('./file-server-process.ts', import.meta.url)), [dir], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const [message] = (await once(child, 'message')) as [{ port: number }];
  return {
    url: (name) => `http://127.0.0.1:${message.port}/${name}`,
    close: async () => {
      const exited = once(child, 'exit');
      child.disconnect();
      await exited;
    },
  };
}
