export { ClusterHost, type ClusterTiming } from './host';
export { ClusterManager, OS_VERSIONS, defaultMembers, type CreateClusterRequest } from './manager';
export { ClusterStore, ClusterSpec } from './store';
