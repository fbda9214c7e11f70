import { describe, expect, it } from 'vitest';
import {
  NO_TABS,
  activateTab,
  activeTab,
  closeTab,
  hasEnded,
  neighbourId,
  openTab,
  setTabState,
  stateText,
  uniqueTitle,
  type TabsState,
} from './tabs';

const open = (s: TabsState, id: string, target: string, title?: string) =>
  openTab(s, { id, target, cluster: 'demo', title });

describe('terminal tabs', () => {
  it('opens a tab per call, shown, connecting; the same target twice is two tabs', () => {
    let s = open(NO_TABS, 'a', 'core-02');
    s = open(s, 'b', 'core-02', 'core-02');
    s = open(s, 'c', 'core-02');
    expect(s.tabs.map((t) => t.title)).toEqual(['core-02', 'core-02 (2)', 'core-02 (3)']);
    expect(s.activeId).toBe('c');
    expect(s.tabs[0]).toMatchObject({ target: 'core-02', cluster: 'demo', state: { kind: 'connecting' } });
  });

  it('titles with the target when the title is blank, and reuses freed numbers', () => {
    const s = open(NO_TABS, 'a', 'web.service', '  ');
    expect(s.tabs[0]?.title).toBe('web.service');
    expect(
      uniqueTitle(
        [
          { ...s.tabs[0]!, title: 'x' },
          { ...s.tabs[0]!, title: 'x (3)' },
        ],
        'x',
      ),
    ).toBe('x (2)');
  });

  it('closing the shown tab shows its right neighbour, else its left one', () => {
    let s = open(open(open(NO_TABS, 'a', 'core-01'), 'b', 'core-02'), 'c', 'core-03');
    s = activateTab(s, 'b');
    s = closeTab(s, 'b');
    expect(s.activeId).toBe('c');
    s = closeTab(s, 'c');
    expect(s.activeId).toBe('a');
    s = closeTab(s, 'a');
    expect(s).toEqual({ tabs: [], activeId: undefined });
    expect(closeTab(s, 'nope')).toBe(s);
  });

  it('closing another tab keeps the shown one', () => {
    const s = activateTab(open(open(NO_TABS, 'a', 'core-01'), 'b', 'core-02'), 'a');
    expect(closeTab(s, 'b').activeId).toBe('a');
  });

  it('activates only tabs that exist, and tracks each session state', () => {
    let s = open(open(NO_TABS, 'a', 'core-01'), 'b', 'core-02');
    expect(activateTab(s, 'zz')).toBe(s);
    s = setTabState(s, 'a', { kind: 'exited', code: 3 });
    expect(s.tabs[0]?.state).toEqual({ kind: 'exited', code: 3 });
    expect(s.tabs[1]?.state).toEqual({ kind: 'connecting' });
    expect(setTabState(s, 'zz', { kind: 'connecting' })).toBe(s);
    expect(activeTab(s)?.id).toBe('b');
  });

  it('moves between tabs with wrap-around', () => {
    const s = open(open(open(NO_TABS, 'a', 'core-01'), 'b', 'core-02'), 'c', 'core-03');
    expect(neighbourId(s, 'c', 1)).toBe('a');
    expect(neighbourId(s, 'a', -1)).toBe('c');
    expect(neighbourId(s, 'b', 1)).toBe('c');
    expect(neighbourId(s, 'zz', 1)).toBeUndefined();
  });

  it('says how a session is doing, and whether it can be reconnected', () => {
    expect(stateText({ kind: 'connecting' })).toBe('connecting');
    expect(stateText({ kind: 'running', description: 'machine core-01' })).toBe('running');
    expect(stateText({ kind: 'exited', code: 0 })).toBe('exited with code 0');
    expect(stateText({ kind: 'failed', reason: 'Machine core-01 is stopped' })).toBe(
      'failed: Machine core-01 is stopped',
    );
    expect(hasEnded({ kind: 'exited', code: 1 })).toBe(true);
    expect(hasEnded({ kind: 'failed', reason: 'x' })).toBe(true);
    expect(hasEnded({ kind: 'running', description: '' })).toBe(false);
    expect(hasEnded({ kind: 'connecting' })).toBe(false);
  });
});
