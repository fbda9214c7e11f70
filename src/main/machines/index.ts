export {
  DockerMachines,
  MACHINE_INIT,
  type DockerMachinesOptions,
  type MachineRuntime,
  type MachineSpec,
} from './docker-machines';
export { DEFAULT_UPDATE_SERVER } from './files';
export {
  assertClusterName,
  assertHostname,
  CHANNELS,
  CLUSTER_NAME_RE,
  containerName,
  HOSTNAME_RE,
  LABEL_CLUSTER,
  LABEL_HOSTNAME,
  LABEL_MACHINE,
  LABEL_MACHINE_IMAGE,
  LABEL_OS_VERSION,
  LABEL_ROLE,
  machineImageTag,
  networkName,
  newMachineId,
  ROLE_MACHINE,
  type Channel,
} from './names';
