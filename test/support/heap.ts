/**
 * [REQ-06] Memory measurement for tests of bounded memory: `retainedBytes` collects garbage first, so that what it
 * reports is what is still held (heap plus Buffers), not what a collection has not reached yet.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

export function retainedBytes(): number {
  collectGarbage();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}
