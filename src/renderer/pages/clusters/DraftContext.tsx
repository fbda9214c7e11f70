import {
  createContext,
  useContext,
  useMemo,
  useState,
  type Dispatch,
  type ReactNode,
  type SetStateAction,
} from 'react';
import { EMPTY_DRAFT, type Draft } from './draft';

interface DraftStore {
  draft: Draft;
  setDraft: Dispatch<SetStateAction<Draft>>;
  resetDraft(): void;
}

const DraftContext = createContext<DraftStore | null>(null);

/**
 * Holds the wizard's draft for the Clusters page, so that the import page can fill it in before
 * opening the wizard, and so that leaving the wizard for the list and coming back keeps it.
 */
export function DraftProvider({ children, initial = EMPTY_DRAFT }: { children: ReactNode; initial?: Draft }) {
  const [draft, setDraft] = useState(initial);
  const store = useMemo(() => ({ draft, setDraft, resetDraft: () => setDraft(EMPTY_DRAFT) }), [draft]);
  return <DraftContext.Provider value={store}>{children}</DraftContext.Provider>;
}

export function useDraft(): DraftStore {
  const store = useContext(DraftContext);
  if (!store) throw new Error('useDraft outside <DraftProvider>');
  return store;
}
