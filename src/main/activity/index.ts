export { ActivityLog, type Actor } from './activity-log';
export { summarizeCall } from './summary';
