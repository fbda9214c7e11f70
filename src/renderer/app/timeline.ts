import type { ActivityEntry, Decision } from '../../shared/api';

/** One line of the activity timeline: something a person did, or something the scheduler decided. */
export interface TimelineItem {
  key: string;
  at: number;
  source: 'person' | 'scheduler';
  /** desktop / browser / flotctl, or "scheduler". */
  who: string;
  text: string;
  /** Why (the scheduler's reason) or what went wrong. */
  detail?: string;
  failed: boolean;
}

const VERB: Record<Decision['action'], string> = {
  schedule: 'Placed',
  unschedule: 'Took',
  blocked: 'Could not place',
};

/** Both sources as one list, newest first, at most `limit` items. */
export function mergeTimeline(
  activity: ActivityEntry[],
  decisions: Decision[],
  hostOf: (machineId: string) => string,
  limit = 300,
): TimelineItem[] {
  const people: TimelineItem[] = activity.map((e) => ({
    key: `a:${e.id}`,
    at: e.at,
    source: 'person',
    who: e.actor,
    text: e.summary,
    ...(e.error ? { detail: e.error } : {}),
    failed: e.outcome === 'failed',
  }));
  const engine: TimelineItem[] = decisions.map((d, i) => ({
    key: `d:${d.at}:${d.unit}:${d.action}:${i}`,
    at: d.at,
    source: 'scheduler',
    who: 'scheduler',
    text:
      d.action === 'schedule'
        ? `${VERB.schedule} ${d.unit} on ${d.machineId ? hostOf(d.machineId) : '?'}`
        : d.action === 'unschedule'
          ? `${VERB.unschedule} ${d.unit} off ${d.machineId ? hostOf(d.machineId) : '?'}`
          : `${VERB.blocked} ${d.unit}`,
    detail: d.reason,
    failed: d.action === 'blocked',
  }));
  return [...people, ...engine].sort((a, b) => b.at - a.at).slice(0, limit);
}
