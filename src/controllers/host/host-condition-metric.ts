/**
 * [REQ-01][REQ-06] Exports a Host's conditions as `virtfleet_host_condition{host,condition,status,reason} 1`: one
 * series per host and condition, the previous series of a condition removed when its status or reason changes,
 * and all of a host's series removed when the Host is gone — an alert on Ready="False" pages with the cause.
 */
import type { Gauge } from 'prom-client';
import type { Condition } from '../../api/v1alpha1/condition.js';

export class HostConditionMetric {
  private readonly exported = new Map<string, Map<string, { status: string; reason: string }>>();

  constructor(private readonly gauge: Gauge<'host' | 'condition' | 'status' | 'reason'>) {}

  record(host: string, conditions: readonly Condition[] = []): void {
    const previous = this.exported.get(host) ?? new Map<string, { status: string; reason: string }>();
    const current = new Map(conditions.map((condition) => [condition.type, { status: condition.status, reason: condition.reason }]));
    for (const [condition, labels] of previous) {
      const now = current.get(condition);
      if (now?.status !== labels.status || now.reason !== labels.reason) this.gauge.remove({ host, condition, ...labels });
    }
    for (const [condition, labels] of current) this.gauge.set({ host, condition, ...labels }, 1);
    this.exported.set(host, current);
  }

  forget(host: string): void {
    for (const [condition, labels] of this.exported.get(host) ?? []) this.gauge.remove({ host, condition, ...labels });
    this.exported.delete(host);
  }
}
