/**
 * [REQ-04][REQ-06] Shapes a test host's link for `bench:transfer` with `tc tbf` inside the host (the container
 * has NET_ADMIN): egress on eth0 directly, ingress (the direction images travel) through an ifb device that
 * eth0's ingress qdisc redirects to, so links and not the two shared cores set the pace, as on a real fleet.
 */
import type { TestHost } from '../../test/support/hosts/index.js';

const SHAPE = `rate=$1
ip link add ifb0 type ifb 2>/dev/null || true
ip link set ifb0 up
tc qdisc replace dev eth0 root tbf rate "$rate" burst 1mb latency 50ms
tc qdisc add dev eth0 handle ffff: ingress 2>/dev/null || true
tc filter replace dev eth0 parent ffff: protocol all prio 1 u32 match u32 0 0 action mirred egress redirect dev ifb0
tc qdisc replace dev ifb0 root tbf rate "$rate" burst 1mb latency 50ms`;

const UNSHAPE = `tc qdisc del dev eth0 root 2>/dev/null; tc qdisc del dev eth0 ingress 2>/dev/null; tc qdisc del dev ifb0 root 2>/dev/null; true`;

/** Limits the host's link to `bytesPerSecond` in both directions. */
export async function shapeLink(host: TestHost, bytesPerSecond: number): Promise<void> {
  const result = await host.exec(['sh', '-ec', SHAPE, 'sh', `${Math.round((bytesPerSecond * 8) / 1e6)}mbit`]);
  if (result.code !== 0) throw new Error(`tc on ${host.name}: ${result.stderr}`);
}

export async function unshapeLink(host: TestHost): Promise<void> {
  await host.exec(['sh', '-c', UNSHAPE]);
}
