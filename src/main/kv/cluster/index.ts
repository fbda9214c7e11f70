// Public face of the in-process cluster runner.
export { ClusterRunner, type ClusterOptions } from './runner';
