// @vitest-environment jsdom
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useAge, useCountdown } from './clock';

function Age({ since, onRender }: { since: number | undefined; onRender?: () => void }) {
  onRender?.();
  return <span>{useAge(since) ?? 'no time'}</span>;
}

function Left({ at }: { at: number | undefined }) {
  return <span>{useCountdown(at) ?? 'no time'}</span>;
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2025-01-01T12:00:00Z'));
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('useAge', () => {
  it('ticks every second and re-renders only when the text changes', () => {
    const renders = vi.fn();
    render(<Age since={Date.now() - 58_000} onRender={renders} />);
    expect(screen.getByText('58 s')).toBeTruthy();
    act(() => vi.advanceTimersByTime(1000));
    expect(screen.getByText('59 s')).toBeTruthy();
    act(() => vi.advanceTimersByTime(1000));
    expect(screen.getByText('1 m')).toBeTruthy();
    const rendersAtOneMinute = renders.mock.calls.length;
    act(() => vi.advanceTimersByTime(30_000));
    expect(screen.getByText('1 m')).toBeTruthy();
    expect(renders.mock.calls.length).toBe(rendersAtOneMinute);
  });

  it('has no time to show without a start', () => {
    render(<Age since={undefined} />);
    expect(screen.getByText('no time')).toBeTruthy();
  });

  it('stops its timer when nothing shows an age', () => {
    const { unmount } = render(<Age since={Date.now()} />);
    expect(vi.getTimerCount()).toBe(1);
    unmount();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('useCountdown', () => {
  it('counts down to a time once a second and stays at 0 s once it has passed', () => {
    render(<Left at={Date.now() + 2_000} />);
    expect(screen.getByText('2 s')).toBeTruthy();
    act(() => vi.advanceTimersByTime(1000));
    expect(screen.getByText('1 s')).toBeTruthy();
    act(() => vi.advanceTimersByTime(5000));
    expect(screen.getByText('0 s')).toBeTruthy();
  });
});
