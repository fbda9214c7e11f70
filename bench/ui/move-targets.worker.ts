// The scheduler's answer to a drag, computed off the page's main thread as the app computes it
// in its main process: the real, pure moveTargets over the same generated cluster.
import { moveTargets } from '../../src/main/fleet/engine/plan';
import { generateCluster } from './data';

const cluster = generateCluster();
const scope = self as unknown as Worker;
scope.postMessage({ ready: true });

scope.onmessage = (e: MessageEvent<{ id: number; unit: string }>) => {
  const started = performance.now();
  const targets = moveTargets(cluster.view, e.data.unit, cluster.machines);
  scope.postMessage({ id: e.data.id, targets, computeMs: performance.now() - started });
};
