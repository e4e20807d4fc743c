/**
 * [REQ-03] Environment testcontainers needs on this kind of machine, set before testcontainers is imported:
 * the Ryuk reaper image cannot be pulled (containers are removed by stopHosts instead), and the Docker host
 * must be reported as loopback rather than the bridge gateway. Values already set by the caller win.
 */
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';

export const testcontainersEnvironmentReady = true;
