// bench:ui's page: mounts the Machines board with 100 generated machines and 2,000 units and
// exposes timings on window.bench for bench/ui.ts to read.
import { CssBaseline, ThemeProvider, createTheme } from '@mui/material';
import { StrictMode, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import type { MachineInfo, MoveTarget } from '../../src/shared/api';
import { Board, type MoveRequest } from '../../src/renderer/pages/machines/Board';
import { generateCluster, unitInfos } from './data';

export interface MoveTargetsTiming {
  unit: string;
  /** Inside the worker: the scheduler's own time. */
  computeMs: number;
  /** Asked → answered, as the board sees it. */
  roundTripMs: number;
  /** Asked → every column in the page painted with its verdict. */
  shownMs: number;
}

export interface BenchHandle {
  dataMs: number;
  /** ms since navigation start when React was asked to render the board. */
  renderAt: number;
  /** ms since navigation start when the board was first painted. */
  paintedAt?: number;
  /** The worker has its copy of the cluster and answers at once. */
  schedulerReady: boolean;
  moveTargets: MoveTargetsTiming[];
  drops: { unit: string; to: string; refused?: string }[];
  startFrames(): void;
  /** Intervals between animation frames since startFrames, in ms. */
  stopFrames(): number[];
}

declare global {
  interface Window {
    bench: BenchHandle;
  }
}

const afterPaint = (then: () => void) => requestAnimationFrame(() => setTimeout(then, 0));

const dataStart = performance.now();
const cluster = generateCluster();
const units = unitInfos(cluster, Date.now());
const frames: number[] = [];
// Each recording has its own frame loop; a stopped loop ends at its next frame.
let recording = 0;
const bench: BenchHandle = {
  dataMs: performance.now() - dataStart,
  renderAt: NaN,
  schedulerReady: false,
  moveTargets: [],
  drops: [],
  startFrames() {
    frames.length = 0;
    const mine = ++recording;
    const tick = (t: number) => {
      if (recording !== mine) return;
      frames.push(t);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  },
  stopFrames() {
    recording++;
    return frames.slice(1).map((t, i) => t - frames[i]!);
  },
};
window.bench = bench;

// Started once the board is on screen, so generating its copy of the cluster does not slow the first render.
let worker: Worker | undefined;
function startScheduler(): void {
  worker = new Worker(new URL('./move-targets.worker.ts', import.meta.url), { type: 'module' });
  worker.addEventListener('message', (e: MessageEvent<{ ready?: true }>) => {
    if (e.data.ready) bench.schedulerReady = true;
  });
}

let nextId = 0;
function loadMoveTargets(unit: string): Promise<MoveTarget[]> {
  if (!worker) return Promise.reject(new Error('the scheduler worker has not started'));
  const id = ++nextId;
  const asked = performance.now();
  const w = worker;
  return new Promise((resolve) => {
    const onMessage = (e: MessageEvent<{ id: number; targets: MoveTarget[]; computeMs: number }>) => {
      if (e.data.id !== id) return;
      w.removeEventListener('message', onMessage);
      const timing = {
        unit,
        computeMs: e.data.computeMs,
        roundTripMs: performance.now() - asked,
        shownMs: NaN,
      };
      bench.moveTargets.push(timing);
      resolve(e.data.targets);
      afterPaint(() => (timing.shownMs = performance.now() - asked));
    };
    w.addEventListener('message', onMessage);
    w.postMessage({ id, unit });
  });
}

const noop = () => undefined;
const onMove = ({ unit, to }: MoveRequest) => bench.drops.push({ unit, to: to.name });
const onDropRefused = (unit: string, to: MachineInfo, reason: string) =>
  bench.drops.push({ unit, to: to.name, refused: reason });

function BenchPage() {
  useEffect(() => {
    afterPaint(() => {
      bench.paintedAt = performance.now();
      startScheduler();
    });
  }, []);
  return (
    <div style={{ height: '100vh', display: 'flex', flexDirection: 'column' }}>
      <Board
        machines={cluster.machines}
        units={units}
        loadMoveTargets={loadMoveTargets}
        onMove={onMove}
        onDropRefused={onDropRefused}
        onMoveTo={noop}
        onMachineAction={noop}
        onSelect={noop}
      />
    </div>
  );
}

bench.renderAt = performance.now();
createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <ThemeProvider theme={createTheme()}>
      <CssBaseline />
      <BenchPage />
    </ThemeProvider>
  </StrictMode>,
);
