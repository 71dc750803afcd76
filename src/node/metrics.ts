import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { DivergenceError, type SubnetObserver } from '../subnet/index.ts';

export interface NodeMetrics {
  registry: Registry;
  observer: SubnetObserver;
}

/** `watan_log_reachable`: read at each scrape from the subnet, 0 while a cluster replica cannot reach etcd. */
export function addReachabilityGauge(registry: Registry, reachable: () => boolean): void {
  new Gauge({
    name: 'watan_log_reachable',
    help: '1 while this replica reaches the service that orders its log (always, for the embedded log)',
    registers: [registry],
    collect() {
      this.set(reachable() ? 1 : 0);
    },
  });
}

/** Prometheus metrics for one node: the log, the executor, and the process. */
export function createNodeMetrics(onFailure: (error: Error) => void): NodeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'watan_process_' });
  const logHeight = new Gauge({ name: 'watan_log_height', help: 'Commands ordered in the log', registers: [registry] });
  const appliedHeight = new Gauge({ name: 'watan_applied_height', help: 'Commands applied by this replica', registers: [registry] });
  const applied = new Counter({
    name: 'watan_commands_applied_total',
    help: 'Commands applied, by app and outcome',
    labelNames: ['app', 'outcome'],
    registers: [registry],
  });
  const applySeconds = new Histogram({
    name: 'watan_apply_seconds',
    help: 'Time to apply one executor run (one transaction of one or more blocks)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  const certifiedBlock = new Gauge({
    name: 'watan_certified_block',
    help: 'The latest block a quorum of the registry members certified',
    registers: [registry],
  });
  const diverged = new Gauge({
    name: 'watan_replica_diverged',
    help: '1 when this replica stopped serving because a quorum certified other state than its own',
    registers: [registry],
  });
  diverged.set(0);
  return {
    registry,
    observer: {
      failed(error) {
        if (error instanceof DivergenceError) diverged.set(1);
        onFailure(error);
      },
      certified(certificate) {
        certifiedBlock.set(certificate.checkpoint.block);
      },
      applied(blocks, seconds, height) {
        applySeconds.observe(seconds);
        logHeight.set(height);
        for (const { results, checkpoint } of blocks) {
          appliedHeight.set(checkpoint.height);
          for (const result of results) applied.inc({ app: result.app, outcome: result.ok ? 'ok' : 'error' });
        }
      },
    },
  };
}
