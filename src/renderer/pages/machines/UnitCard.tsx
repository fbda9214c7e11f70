import { useDraggable } from '@dnd-kit/core';
import { Tooltip } from '@mui/material';
import { memo, type ReactNode } from 'react';
import type { UnitMachineState } from '../../../shared/api';
import { useBoardHandlers } from './board-context';
import type { CardData } from './board-model';
import { useAge } from './clock';
import { stateLabel, stateTone } from './unit-state';

// Material icons (DragIndicator, Public, DriveFileMoveOutlined) as plain SVG elements created
// once: MUI's SvgIcon and IconButton are styled components, too much work per card when a
// scrolling board mounts a column of them in a frame.
function icon(path: string, size: number) {
  return (
    <svg viewBox="0 0 24 24" width={size} height={size} fill="currentColor" aria-hidden focusable="false">
      <path d={path} />
    </svg>
  );
}
const HANDLE_ICON = icon(
  'M11 18c0 1.1-.9 2-2 2s-2-.9-2-2 .9-2 2-2 2 .9 2 2m-2-8c-1.1 0-2 .9-2 2s.9 2 2 2 2-.9 2-2-.9-2-2-2m0-6c-1.1 0-2 .9-2 2s.9 2 2 2 2-.9 2-2-.9-2-2-2m6 4c1.1 0 2-.9 2-2s-.9-2-2-2-2 .9-2 2 .9 2 2 2m0 2c-1.1 0-2 .9-2 2s.9 2 2 2 2-.9 2-2-.9-2-2-2m0 6c-1.1 0-2 .9-2 2s.9 2 2 2 2-.9 2-2-.9-2-2-2',
  20,
);
const GLOBAL_ICON = icon(
  'M12 2C6.48 2 2 6.48 2 12s4.48 10 10 10 10-4.48 10-10S17.52 2 12 2m-1 17.93c-3.95-.49-7-3.85-7-7.93 0-.62.08-1.21.21-1.79L9 15v1c0 1.1.9 2 2 2zm6.9-2.54c-.26-.81-1-1.39-1.9-1.39h-1v-3c0-.55-.45-1-1-1H8v-2h2c.55 0 1-.45 1-1V7h2c1.1 0 2-.9 2-2v-.41c2.93 1.19 5 4.06 5 7.41 0 2.08-.8 3.97-2.1 5.39',
  14,
);
const MOVE_ICON = icon(
  'M20 6h-8l-2-2H4c-1.1 0-2 .9-2 2v12c0 1.1.9 2 2 2h16c1.1 0 2-.9 2-2V8c0-1.1-.9-2-2-2m0 12H4V6h5.17l1.41 1.41.59.59H20zm-7.84-6H8v2h4.16l-1.59 1.59L11.99 17 16 13.01 11.99 9l-1.41 1.41z',
  20,
);

/** What a card is called: "hello@1.service on core-01, active running" (tests and screen readers find it by this). */
export function cardLabel(card: CardData, hostName: string | undefined): string {
  const { unit, state } = card;
  if (card.notPlacedReason !== undefined) return `${unit.name}, not placed: ${card.notPlacedReason}`;
  const where = hostName ? ` on ${hostName}` : '';
  const what = state ? `${state.active} ${state.sub}` : 'not reported yet';
  return `${unit.name}${where}, ${what}${unit.global ? ', global unit' : ''}${state?.reason ? `: ${state.reason}` : ''}`;
}

/**
 * A unit on a machine (or not placed). Memoized: it re-renders only when its unit or state
 * changes; while a unit is dragged only the dragged card's wrapper follows the pointer.
 */
export const UnitCard = memo(function UnitCard({
  card,
  hostName,
  top,
}: {
  card: CardData;
  hostName: string | undefined;
  /** Position in its virtualized column. */
  top: number;
}) {
  const label = cardLabel(card, hostName);
  const face = <CardFace card={card} />;
  if (card.machineId === undefined)
    return (
      <div role="group" aria-label={label} className="board-card" data-tone="unknown" style={{ top }}>
        {face}
      </div>
    );
  return (
    <DraggableCard card={card} label={label} top={top} moveButton={<MoveToButton card={card} />}>
      {face}
    </DraggableCard>
  );
});

/**
 * The drag wiring, apart from the card's contents: dnd-kit re-renders every draggable when the
 * drag target changes, and this wrapper then re-renders alone (its children are the same elements).
 * The pointer drags from anywhere on the card; the keyboard from the handle (Space, arrows, Space).
 */
function DraggableCard({
  card,
  label,
  top,
  moveButton,
  children,
}: {
  card: CardData;
  label: string;
  top: number;
  moveButton: ReactNode;
  children: ReactNode;
}) {
  const { setNodeRef, setActivatorNodeRef, listeners, attributes, isDragging } = useDraggable({
    id: card.key,
    data: card,
  });
  return (
    <div
      ref={setNodeRef}
      role="group"
      aria-label={label}
      // Focusable by click so "Move selected unit to…" knows which card was picked; not a tab stop.
      tabIndex={-1}
      className="board-card"
      data-tone={stateTone(card.state)}
      data-unit={card.unit.name}
      data-machine={card.machineId}
      data-dragging={isDragging || undefined}
      style={{ top }}
      {...listeners}
    >
      <button
        type="button"
        ref={setActivatorNodeRef}
        className="board-card-handle"
        {...attributes}
        aria-label={`Drag ${card.unit.name}`}
      >
        {HANDLE_ICON}
      </button>
      {children}
      {moveButton}
    </div>
  );
}

const MoveToButton = memo(function MoveToButton({ card }: { card: CardData }) {
  const handlers = useBoardHandlers();
  return (
    <button
      type="button"
      className="board-card-button"
      aria-label={`Move ${card.unit.name} to…`}
      title={`Move ${card.unit.name} to…`}
      onClick={() => handlers.moveTo({ unit: card.unit.name, from: card.machineId })}
    >
      {MOVE_ICON}
    </button>
  );
});

/** Name, global mark, ACTIVE/SUB with its colour, time in state; also the drag overlay's face. */
export const CardFace = memo(function CardFace({ card }: { card: CardData }) {
  return (
    <div className="board-card-body">
      <div className="board-card-title">
        <span className="board-card-name" title={card.unit.name}>
          {card.unit.name}
        </span>
        {card.unit.global && <span className="board-card-global">{GLOBAL_ICON}global</span>}
      </div>
      <div className="board-card-status">
        {card.notPlacedReason !== undefined ? (
          <span className="board-card-reason" title={card.notPlacedReason}>
            {card.notPlacedReason}
          </span>
        ) : (
          <>
            <StateText state={card.state} />
            <Age since={card.state?.since} />
          </>
        )}
      </div>
    </div>
  );
});

function StateText({ state }: { state: UnitMachineState | undefined }) {
  const text = (
    <span className="board-state" data-tone={stateTone(state)}>
      <span className="board-dot" aria-hidden />
      {stateLabel(state)}
    </span>
  );
  // Why it failed shows on hover; the card's accessible name carries it for everyone else.
  return state?.reason ? (
    <Tooltip title={state.reason} describeChild>
      {text}
    </Tooltip>
  ) : (
    text
  );
}

function Age({ since }: { since: number | undefined }) {
  const age = useAge(since);
  return age === undefined ? null : <span title="Time in this state">{age}</span>;
}
