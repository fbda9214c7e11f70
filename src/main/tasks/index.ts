export { TaskManager, type TaskContext, type StartOptions } from './task-manager';
