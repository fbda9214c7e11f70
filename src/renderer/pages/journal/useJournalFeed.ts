import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { JournalFeed, type FeedApi, type FeedStatus, type StreamQuery } from './feed';
import type { JournalModel } from './model';

/** The current feed, for React to read its status and for the page to nudge it. */
class FeedHolder {
  private feed: JournalFeed | undefined;
  private off: (() => void) | undefined;
  private readonly listeners = new Set<() => void>();

  set(feed: JournalFeed | undefined): void {
    this.off?.();
    this.feed = feed;
    this.off = feed?.onStatus(() => this.notify());
    this.notify();
  }
  get current(): JournalFeed | undefined {
    return this.feed;
  }
  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
  status = (): FeedStatus | undefined => this.feed?.status;
  private notify(): void {
    for (const l of this.listeners) l();
  }
}

/**
 * Follows `queries` into the model's store while mounted: a new set of queries starts over with
 * an empty store. When the cluster starts running again the streams are resumed after their
 * cursors (the server ends its followers without a word when a cluster stops).
 */
export function useJournalFeed(
  api: FeedApi,
  model: JournalModel,
  queries: StreamQuery[] | undefined,
  clusterRunning: boolean,
): FeedStatus | undefined {
  const [holder] = useState(() => new FeedHolder());
  const key = queries ? JSON.stringify(queries) : '';
  useEffect(() => {
    if (!key) return undefined;
    const store = model.store;
    store.clear();
    const feed = new JournalFeed(api, JSON.parse(key) as StreamQuery[], (entries, notices) => {
      store.add(entries);
      for (const n of notices) store.addNotice(Date.now(), n);
    });
    holder.set(feed);
    feed.start();
    return () => {
      feed.stop();
      holder.set(undefined);
    };
  }, [api, model, holder, key]);

  const wasRunning = useRef(clusterRunning);
  useEffect(() => {
    if (clusterRunning && !wasRunning.current) holder.current?.resume();
    wasRunning.current = clusterRunning;
  }, [clusterRunning, holder]);

  return useSyncExternalStore(holder.subscribe, holder.status);
}
