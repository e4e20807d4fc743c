/**
 * [REQ-01] Where the configuration files live. The only environment variable virtfleet reads is
 * VIRTFLEET_CONFIG_DIR, here; every other setting comes from the files in that directory.
 */

export const DEFAULT_CONFIG_DIR = '/etc/virtfleet';

export function configDirFromEnvironment(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.VIRTFLEET_CONFIG_DIR;
  return dir === undefined || dir === '' ? DEFAULT_CONFIG_DIR : dir;
}
