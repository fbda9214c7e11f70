export { SILENT_TASK, TaskManager, type TaskContext, type StartOptions } from './task-manager';
