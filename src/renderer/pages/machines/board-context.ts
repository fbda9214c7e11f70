import { createContext, useContext } from 'react';
import type { MachineInfo } from '../../../shared/api';
import type { MachineAction } from './machine-actions';

/** A unit as the board shows it: its name and the machine whose column holds it. */
export interface UnitRef {
  unit: string;
  /** Absent for a unit in "Not placed". */
  from?: string;
}

/** What cards and column headers ask of the page; stable for the board's life. */
export interface BoardHandlers {
  moveTo(ref: UnitRef): void;
  machineAction(machine: MachineInfo, action: MachineAction): void;
}

export const BoardHandlersContext = createContext<BoardHandlers | null>(null);

export function useBoardHandlers(): BoardHandlers {
  const handlers = useContext(BoardHandlersContext);
  if (!handlers) throw new Error('useBoardHandlers outside <BoardHandlersContext.Provider>');
  return handlers;
}
