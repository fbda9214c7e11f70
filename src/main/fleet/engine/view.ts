import type { RegistryModel } from '../registry';
import type { ClusterView } from './schedule';

/** The scheduler's input, read off the registry. */
export function viewOf(model: RegistryModel): ClusterView {
  return {
    units: model.units().map((job) => {
      const u: ClusterView['units'][number] = {
        name: job.name,
        desired: job.desired ?? 'inactive',
        options: model.parse(job).options,
      };
      if (job.target) u.machineId = job.target;
      return u;
    }),
    machines: [...model.machines.values()].map((m) => ({ id: m.id, metadata: m.metadata, name: m.name })),
  };
}
