import {
  DndContext,
  DragOverlay,
  KeyboardSensor,
  PointerSensor,
  pointerWithin,
  rectIntersection,
  useSensor,
  useSensors,
  type Announcements,
  type CollisionDetection,
  type DragEndEvent,
  type DragStartEvent,
  type KeyboardCoordinateGetter,
  type ScreenReaderInstructions,
} from '@dnd-kit/core';
import { defaultRangeExtractor, useVirtualizer, type Range } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useMemo, useRef, useState, type FocusEvent } from 'react';
import type { MachineInfo, MoveTarget, UnitInfo } from '../../../shared/api';
import { describeError } from '../../app/notify';
import { updateOf, type MachineUpdates } from '../updates/useUpdatesView';
import { BoardHandlersContext, type BoardHandlers, type UnitRef } from './board-context';
import { buildBoard, type BoardModel, type CardData } from './board-model';
import { BoardStyles, COLUMN_PITCH } from './board-styles';
import { MachineColumn, NotPlacedColumn } from './MachineColumn';
import type { MachineAction } from './machine-actions';
import { CardFace } from './UnitCard';
import {
  CHECKING,
  HERE,
  acceptsDrop,
  hostNames,
  hostOf,
  verdictText,
  verdictsFrom,
  type HostNames,
  type Verdict,
} from './verdicts';

export interface MoveRequest {
  unit: string;
  /** Where it runs now. */
  from: string | undefined;
  to: MachineInfo;
}

export interface BoardProps {
  machines: MachineInfo[];
  units: UnitInfo[];
  /** Asked once when a drag starts: may the unit move to each machine. */
  loadMoveTargets(unit: string): Promise<MoveTarget[]>;
  /** A unit dropped on a machine that may take it: show the plan. */
  onMove(request: MoveRequest): void;
  /** A unit dropped on a machine that refused it, and why. */
  onDropRefused(unit: string, to: MachineInfo, reason: string): void;
  /** A card's "Move to…" button. */
  onMoveTo(ref: UnitRef): void;
  onMachineAction(machine: MachineInfo, action: MachineAction): void;
  /** The card that has the focus (clicked or tabbed to), for keyboard actions; undefined when none. */
  onSelect(ref: UnitRef | undefined): void;
  /** Each machine's update state, for the headers' badges. */
  updates?: MachineUpdates;
}

interface DragState {
  card: CardData;
  /** Per machine once the scheduler answered; one verdict for all before that. */
  verdicts: Map<string, Verdict> | Verdict;
}

const NOT_ANSWERED: Verdict = { kind: 'unchecked', reason: 'the scheduler did not answer for this machine' };
const NOT_PLACED_KEY = 'not-placed';

function verdictOf(drag: DragState | undefined, machineId: string): Verdict | undefined {
  if (!drag) return undefined;
  if (machineId === drag.card.machineId) return HERE;
  return drag.verdicts instanceof Map ? (drag.verdicts.get(machineId) ?? NOT_ANSWERED) : drag.verdicts;
}

// Module constants: new sensor options on a render would rebuild every draggable's listeners.
const POINTER_OPTIONS = { activationConstraint: { distance: 6 } };
/** The keyboard moves a dragged card one column at a time. */
const columnByColumn: KeyboardCoordinateGetter = (event, { currentCoordinates }) => {
  if (event.code === 'ArrowRight') return { ...currentCoordinates, x: currentCoordinates.x + COLUMN_PITCH };
  if (event.code === 'ArrowLeft') return { ...currentCoordinates, x: currentCoordinates.x - COLUMN_PITCH };
  return undefined;
};
const KEYBOARD_OPTIONS = { coordinateGetter: columnByColumn };
/** The column under the pointer; for the keyboard, the column the card overlaps most. */
const columnUnderPointer: CollisionDetection = (args) =>
  args.pointerCoordinates ? pointerWithin(args) : rectIntersection(args);
const INSTRUCTIONS: ScreenReaderInstructions = {
  draggable:
    'To move this unit to another machine, press Space, then the left and right arrow keys to go from machine to machine, and Space again to drop it there. Escape cancels.',
};

/**
 * The board: a "Not placed" column, then one column per machine with its units as cards; drag a
 * card to another machine. Presentational: data and API calls come in as props. Columns are
 * virtualized horizontally and cards vertically, so 100 machines × 2,000 units render what is in view.
 */
const NO_UPDATES: MachineUpdates = new Map();

export const Board = memo(function Board(props: BoardProps) {
  const { machines, units } = props;
  const model = useBoardModel(machines, units);
  const names = useMemo(() => hostNames(machines), [machines]);
  const machinesById = useMemo(() => new Map(machines.map((m) => [m.id, m])), [machines]);
  const updates = props.updates ?? NO_UPDATES;

  // Callbacks reach cards through a context that never changes, so cards never re-render for them.
  const latest = useRef(props);
  useEffect(() => {
    latest.current = props;
  });
  const handlers = useMemo<BoardHandlers>(
    () => ({
      moveTo: (ref) => latest.current.onMoveTo(ref),
      machineAction: (machine, action) => latest.current.onMachineAction(machine, action),
    }),
    [],
  );

  const [drag, setDrag] = useState<DragState>();
  const dragSeq = useRef(0);
  const onDragStart = useCallback(
    ({ active }: DragStartEvent) => {
      const card = active.data.current as CardData;
      const seq = ++dragSeq.current;
      setDrag({ card, verdicts: CHECKING });
      // A drag that ended meanwhile, or a newer one, must not get these answers.
      const answer = (verdicts: DragState['verdicts']) => {
        if (dragSeq.current === seq) setDrag({ card, verdicts });
      };
      latest.current.loadMoveTargets(card.unit.name).then(
        (targets) => answer(verdictsFrom(targets, names)),
        (err: unknown) => answer({ kind: 'unchecked', reason: describeError(err).message }),
      );
    },
    [names],
  );
  const endDrag = useCallback(() => {
    dragSeq.current++;
    setDrag(undefined);
  }, []);
  const onDragEnd = useCallback(
    ({ over }: DragEndEvent) => {
      endDrag();
      const to = over ? machinesById.get(String(over.id)) : undefined;
      const verdict = to && verdictOf(drag, to.id);
      if (!drag || !to || !verdict) return;
      const unit = drag.card.unit.name;
      if (verdict.kind === 'refused') latest.current.onDropRefused(unit, to, verdict.reason);
      else if (acceptsDrop(verdict)) latest.current.onMove({ unit, from: drag.card.machineId, to });
    },
    [drag, endDrag, machinesById],
  );
  const announcements = useMemo(() => dragAnnouncements(drag, names), [drag, names]);
  const sensors = useSensors(
    useSensor(PointerSensor, POINTER_OPTIONS),
    useSensor(KeyboardSensor, KEYBOARD_OPTIONS),
  );

  const scroller = useRef<HTMLDivElement>(null);
  const from = drag?.card.machineId;
  const sourceIndex = useMemo(
    () => (from ? model.columns.findIndex((c) => c.machine.id === from) + 1 : -1),
    [from, model],
  );
  // No React Compiler here: the virtualizer re-renders its host on scroll by itself.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    horizontal: true,
    count: model.columns.length + 1,
    getScrollElement: () => scroller.current,
    estimateSize: () => COLUMN_PITCH,
    getItemKey: (index) => (index === 0 ? NOT_PLACED_KEY : (model.columns[index - 1]?.machine.id ?? index)),
    paddingStart: 4,
    overscan: 2,
    // The dragged card's column stays in the page while the board scrolls away from it.
    rangeExtractor: useCallback(
      (range: Range) => {
        const indexes = defaultRangeExtractor(range);
        return sourceIndex > 0 && !indexes.includes(sourceIndex)
          ? [...indexes, sourceIndex].sort((a, b) => a - b)
          : indexes;
      },
      [sourceIndex],
    ),
  });

  const onSelect = useSelection(props.onSelect);
  return (
    <BoardHandlersContext.Provider value={handlers}>
      <BoardStyles />
      <DndContext
        sensors={sensors}
        collisionDetection={columnUnderPointer}
        onDragStart={onDragStart}
        onDragEnd={onDragEnd}
        onDragCancel={endDrag}
        accessibility={{ announcements, screenReaderInstructions: INSTRUCTIONS }}
      >
        <div ref={scroller} className="machines-board" onFocus={onSelect} onBlur={onSelect}>
          <div className="machines-board-track" style={{ width: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((item) => {
              if (item.index === 0)
                return <NotPlacedColumn key={item.key} cards={model.notPlaced} left={item.start} />;
              const column = model.columns[item.index - 1]!;
              return (
                <MachineColumn
                  key={item.key}
                  machine={column.machine}
                  cards={column.cards}
                  verdict={verdictOf(drag, column.machine.id)}
                  left={item.start}
                  update={updateOf(updates, column.machine)}
                />
              );
            })}
          </div>
        </div>
        <DragOverlay dropAnimation={null}>
          {drag && (
            <div className="board-card board-card-overlay">
              <CardFace card={drag.card} />
            </div>
          )}
        </DragOverlay>
      </DndContext>
    </BoardHandlersContext.Provider>
  );
});

/**
 * The board model, rebuilt when machines or units change, keeping unchanged columns and cards
 * as the same objects (React's "adjust state while rendering" pattern keeps the previous one).
 */
function useBoardModel(machines: MachineInfo[], units: UnitInfo[]): BoardModel {
  const [state, setState] = useState(() => ({ machines, units, model: buildBoard(machines, units) }));
  if (state.machines !== machines || state.units !== units) {
    const next = { machines, units, model: buildBoard(machines, units, state.model) };
    setState(next);
    return next.model;
  }
  return state.model;
}

/** Focus entering or leaving a card tells the page which unit keyboard actions are about. */
function useSelection(onSelect: BoardProps['onSelect']): (e: FocusEvent) => void {
  const selected = useRef<string | undefined>(undefined);
  return useCallback(
    (e: FocusEvent) => {
      const focused = e.type === 'focus' ? e.target : e.relatedTarget;
      const card = focused instanceof Element ? focused.closest<HTMLElement>('[data-unit]') : null;
      const ref: UnitRef | undefined = card
        ? { unit: card.dataset.unit!, ...(card.dataset.machine ? { from: card.dataset.machine } : {}) }
        : undefined;
      const key = ref && `${ref.unit}|${ref.from ?? ''}`;
      if (key === selected.current) return;
      selected.current = key;
      onSelect(ref);
    },
    [onSelect],
  );
}

/** What a screen reader hears during a drag: host names and the column's verdict. */
function dragAnnouncements(drag: DragState | undefined, names: HostNames): Announcements {
  const unitOf = (id: string | number) => String(id).split('|')[0] ?? String(id);
  const hostAt = (id: string | number) => hostOf(names, String(id));
  return {
    onDragStart: ({ active }) => {
      const from = (active.data.current as CardData | undefined)?.machineId;
      return `Picked up ${unitOf(active.id)}${from ? ` from ${hostOf(names, from)}` : ''}.`;
    },
    onDragOver: ({ active, over }) => {
      if (!over) return `${unitOf(active.id)} is not over a machine.`;
      const verdict = verdictOf(drag, String(over.id));
      return `${unitOf(active.id)} is over ${hostAt(over.id)}${verdict ? `: ${verdictText(verdict)}` : ''}.`;
    },
    onDragEnd: ({ active, over }) =>
      over ? `${unitOf(active.id)} dropped on ${hostAt(over.id)}.` : `${unitOf(active.id)} was not moved.`,
    onDragCancel: ({ active }) => `Moving ${unitOf(active.id)} was cancelled.`,
  };
}
