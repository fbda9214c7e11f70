import { useDroppable } from '@dnd-kit/core';
import { Typography } from '@mui/material';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useRef, type ReactNode } from 'react';
import type { MachineInfo, MachineUpdate } from '../../../shared/api';
import type { CardData } from './board-model';
import { CARD_PITCH } from './board-styles';
import { MachineHeader } from './MachineHeader';
import { UnitCard } from './UnitCard';
import { verdictText, type Verdict } from './verdicts';

/**
 * One machine: its facts, what a drag may do here, its units. Memoized on (machine, cards,
 * verdict): a drag re-renders a column twice (verdicts asked, verdicts known), not per frame.
 */
export const MachineColumn = memo(function MachineColumn({
  machine,
  cards,
  verdict,
  left,
  update,
}: {
  machine: MachineInfo;
  cards: CardData[];
  /** Set while a unit is dragged. */
  verdict: Verdict | undefined;
  left: number;
  /** Its update state, for the header's badge. */
  update?: MachineUpdate;
}) {
  return (
    <DropTarget
      machine={machine}
      verdict={verdict}
      left={left}
      header={<MachineHeader machine={machine} unitCount={cards.length} update={update} />}
      list={<CardList cards={cards} hostName={machine.name} />}
    />
  );
});

/**
 * The droppable part. dnd-kit re-renders every droppable when the pointer enters another one;
 * this re-renders alone, the header and cards being the same elements as before.
 */
function DropTarget({
  machine,
  verdict,
  left,
  header,
  list,
}: {
  machine: MachineInfo;
  verdict: Verdict | undefined;
  left: number;
  header: ReactNode;
  list: ReactNode;
}) {
  const { setNodeRef, isOver } = useDroppable({ id: machine.id });
  return (
    <section
      ref={setNodeRef}
      aria-label={`Machine ${machine.name}`}
      className="board-column"
      data-health={machine.health}
      data-verdict={verdict?.kind}
      data-over={isOver || undefined}
      style={{ left }}
    >
      {header}
      {verdict && <p className="board-verdict">{verdictText(verdict)}</p>}
      {list}
    </section>
  );
}

/** Units that want to run but have no machine, each with why; first on the board. */
export const NotPlacedColumn = memo(function NotPlacedColumn({
  cards,
  left,
}: {
  cards: CardData[];
  left: number;
}) {
  return (
    <section aria-label="Not placed" className="board-column" style={{ left }}>
      <header className="board-column-head">
        <Typography variant="subtitle1" component="h2" sx={{ fontWeight: 600 }}>
          Not placed
        </Typography>
        <Typography variant="body2" color="text.secondary">
          {cards.length === 0
            ? 'Every unit that wants to run has a machine.'
            : `${cards.length} ${cards.length === 1 ? 'unit wants' : 'units want'} to run but cannot be placed.`}
        </Typography>
      </header>
      {/* Its cards hold no controls: the list itself takes focus so the keyboard can scroll it. */}
      <CardList cards={cards} hostName={undefined} focusable label="Units not placed" />
    </section>
  );
});

/** A column's cards, virtualized: only those in view (and a few around) are in the page. */
const CardList = memo(function CardList({
  cards,
  hostName,
  focusable,
  label,
}: {
  cards: CardData[];
  hostName: string | undefined;
  focusable?: boolean;
  label?: string;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  // No React Compiler here: the virtualizer re-renders its host on scroll by itself.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: cards.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => CARD_PITCH,
    getItemKey: (index) => cards[index]?.key ?? index,
    paddingStart: 8,
    overscan: 4,
  });
  return (
    <div
      ref={scroller}
      className="board-cards"
      tabIndex={focusable && cards.length > 0 ? 0 : undefined}
      role={focusable ? 'group' : undefined}
      aria-label={focusable ? label : undefined}
    >
      {cards.length === 0 && hostName !== undefined && <p className="board-empty">No units</p>}
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((item) => (
          <UnitCard key={item.key} card={cards[item.index]!} hostName={hostName} top={item.start} />
        ))}
      </div>
    </div>
  );
});
