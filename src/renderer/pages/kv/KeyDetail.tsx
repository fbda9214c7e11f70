import { Alert, Box, Button, Chip, LinearProgress, Tab, Tabs, Tooltip, Typography } from '@mui/material';
import DeleteIcon from '@mui/icons-material/Delete';
import EditIcon from '@mui/icons-material/Edit';
import { useState } from 'react';
import { ApiError, KvConflict, type KvEntry } from '../../../shared/api';
import { useApi } from '../../api/hooks';
import { errorText, useNotify } from '../../app/notify';
import { CodeEditor } from '../../components/CodeEditor';
import { ConflictPanel, type Conflict } from './ConflictPanel';
import { DeleteKeyDialog } from './DeleteKeyDialog';
import { EtcdctlCopy } from './EtcdctlCopy';
import { etcdctlGet, etcdctlPut, leaseHex, type EtcdctlTarget } from './etcdctl';
import type { ExplorerStore, Selected } from './explorer-store';
import { HistoryPanel } from './HistoryPanel';
import { parseJsonDocument, prettyIfJson } from './json-model';
import { ValueView, monoSx } from './ValueView';

interface Edit {
  /** The key as it was when the edit started: its value and the revision a save expects. */
  base: KvEntry;
  text: string;
  saving: boolean;
  /** What a save's CONFLICT said the key holds now. */
  conflict?: Conflict;
  error?: string;
}

/** A CONFLICT's details as a Conflict, when they are a KvConflict. */
function conflictOf(err: unknown): Conflict | undefined {
  if (!(err instanceof ApiError) || err.code !== 'CONFLICT') return undefined;
  const parsed = KvConflict.safeParse(err.details);
  if (!parsed.success) return undefined;
  const current = parsed.data.current;
  // A deleted key carries no revision of its own; the one expected is the last we know.
  return current
    ? { theirs: current, revision: current.modRevision }
    : { revision: parsed.data.expectedModRevision };
}

/**
 * The conflict to show while editing: a save's, or a newer change the watch brought (someone
 * wrote while this edit was open). None while a save is in flight: its own write comes back
 * through the watch too.
 */
export function editConflict(edit: Edit, selected: Selected): Conflict | undefined {
  if (edit.saving) return edit.conflict;
  const expected = edit.conflict?.revision ?? edit.base.modRevision;
  const liveRev = selected.deletedAt ?? selected.entry?.modRevision;
  if (liveRev !== undefined && liveRev > expected)
    return selected.deletedAt !== undefined
      ? { revision: liveRev }
      : { theirs: selected.entry, revision: liveRev };
  return edit.conflict;
}

/** The revision an overwrite expects: theirs, or 0 (must not exist) when they deleted it. */
const expectedFor = (c: Conflict) => (c.theirs ? c.theirs.modRevision : 0);

function isBase64(s: string): boolean {
  return /^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(s) && s.replace(/\s/g, '').length % 4 === 0;
}

/** The selected key: its revisions, its value (live), editing with a mod_revision check, delete, history. */
export function KeyDetail({
  selected,
  cluster,
  etcdctl,
  store,
  onDeleted,
}: {
  selected: Selected;
  cluster: string;
  etcdctl: EtcdctlTarget;
  store: ExplorerStore;
  onDeleted(): void;
}) {
  const api = useApi();
  const notify = useNotify();
  const [view, setView] = useState<'value' | 'history'>('value');
  // The edit belongs to one key: selecting another leaves it behind.
  const [editState, setEdit] = useState<{ key: string; edit: Edit }>();
  const edit = editState?.key === selected.key ? editState.edit : undefined;
  const [deleting, setDeleting] = useState(false);
  const { key, entry } = selected;

  const update = (f: (e: Edit) => Edit) =>
    setEdit((s) => (s && s.key === key ? { key, edit: f(s.edit) } : s));

  const write = (e: Edit, expect: number) => {
    update((x) => ({ ...x, saving: true, error: undefined }));
    api
      .call('kv.put', {
        cluster,
        key,
        value: e.base.binary ? e.text.replace(/\s/g, '') : e.text,
        binary: e.base.binary,
        expectModRevision: expect,
        // etcd's put without a lease detaches the key from its lease: keep the one it had.
        ...(e.base.lease ? { lease: e.base.lease } : {}),
      })
      .then(
        ({ revision }) => {
          setEdit(undefined);
          store.refreshSelected();
          notify.success(`Saved ${key} at revision ${revision}`);
        },
        (err: unknown) => {
          const conflict = conflictOf(err);
          update((x) => ({ ...x, saving: false, ...(conflict ? { conflict } : { error: errorText(err) }) }));
        },
      );
  };

  const startEdit = () => {
    if (!entry) return;
    setView('value');
    setEdit({ key, edit: { base: entry, text: entry.value, saving: false } });
  };

  const conflict = edit ? editConflict(edit, selected) : undefined;
  const jsonProblem =
    edit && !edit.base.binary && parseJsonDocument(edit.base.value) !== undefined
      ? jsonError(edit.text)
      : undefined;

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.5, minWidth: 0 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap' }}>
        <Typography variant="h6" component="h2" sx={{ ...monoSx, fontSize: 16, wordBreak: 'break-all' }}>
          {key}
        </Typography>
        <EtcdctlCopy command={etcdctlGet(etcdctl, key)} />
      </Box>
      {selected.loading && !entry && <LinearProgress aria-label={`Loading ${key}`} />}
      {selected.error && (
        <Alert severity="error">
          Could not read {key}: {selected.error}
        </Alert>
      )}
      {selected.missing && !entry && <Alert severity="info">{key} does not exist (any more).</Alert>}
      {selected.deletedAt !== undefined && !edit && (
        <Alert severity="info">Deleted at revision {selected.deletedAt}.</Alert>
      )}
      {entry && <Revisions entry={entry} />}
      {entry && !edit && (
        <Box sx={{ display: 'flex', gap: 1 }}>
          <Button variant="outlined" size="small" startIcon={<EditIcon />} onClick={startEdit}>
            Edit
          </Button>
          <Button
            variant="outlined"
            size="small"
            startIcon={<DeleteIcon />}
            onClick={() => setDeleting(true)}
          >
            Delete
          </Button>
        </Box>
      )}
      <Tabs
        value={view}
        onChange={(_e, v: 'value' | 'history') => setView(v)}
        aria-label={`What to show of ${key}`}
        sx={{ minHeight: 36, '& .MuiTab-root': { minHeight: 36, py: 0 } }}
      >
        <Tab value="value" label="Value" id={`kv-value-tab`} aria-controls="kv-value-panel" />
        <Tab value="history" label="History" id={`kv-history-tab`} aria-controls="kv-history-panel" />
      </Tabs>
      {view === 'value' && (
        <Box
          role="tabpanel"
          id="kv-value-panel"
          aria-labelledby="kv-value-tab"
          sx={{ display: 'flex', flexDirection: 'column', gap: 1 }}
        >
          {edit ? (
            <>
              {conflict && (
                <ConflictPanel
                  conflict={conflict}
                  yours={edit.text}
                  busy={edit.saving}
                  onTakeTheirs={() => {
                    setEdit(undefined);
                    store.refreshSelected();
                  }}
                  onOverwrite={() => write({ ...edit, conflict }, expectedFor(conflict))}
                />
              )}
              <Typography variant="body2" color="text.secondary">
                Editing revision {edit.base.modRevision}
                {edit.base.binary ? ' (binary: edit the base64)' : ''}. Saving checks that the key is still at
                that revision.
              </Typography>
              <CodeEditor
                label={`Value of ${key}`}
                value={edit.text}
                onChange={(text) => update((x) => ({ ...x, text }))}
                language={edit.base.binary ? 'plain' : 'json'}
                height={280}
              />
              {jsonProblem && <Alert severity="warning">Not valid JSON any more: {jsonProblem}</Alert>}
              {edit.base.binary && !isBase64(edit.text) && (
                <Alert severity="error">Not valid base64: a binary value is edited as base64.</Alert>
              )}
              {edit.error && <Alert severity="error">Save failed: {edit.error}</Alert>}
              <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
                <Button
                  variant="contained"
                  disabled={
                    edit.saving ||
                    conflict !== undefined ||
                    edit.text === edit.base.value ||
                    (edit.base.binary && !isBase64(edit.text))
                  }
                  onClick={() => write(edit, edit.base.modRevision)}
                >
                  Save
                </Button>
                <Button onClick={() => setEdit(undefined)} disabled={edit.saving}>
                  Cancel
                </Button>
                {!edit.base.binary && parseJsonDocument(edit.text) !== undefined && (
                  <Button onClick={() => update((x) => ({ ...x, text: prettyIfJson(x.text) }))}>
                    Format JSON
                  </Button>
                )}
                <EtcdctlCopy
                  command={etcdctlPut(etcdctl, key, edit.text, {
                    binary: edit.base.binary,
                    ...(edit.base.lease ? { lease: edit.base.lease } : {}),
                  })}
                />
              </Box>
            </>
          ) : (
            entry && <ValueView value={entry.value} binary={entry.binary} label={`Value of ${key}`} />
          )}
        </Box>
      )}
      {view === 'history' && (
        <Box role="tabpanel" id="kv-history-panel" aria-labelledby="kv-history-tab">
          <HistoryPanel
            cluster={cluster}
            keyName={key}
            current={selected.deletedAt ?? entry?.modRevision ?? 0}
          />
        </Box>
      )}
      {deleting && entry && (
        <DeleteKeyDialog
          cluster={cluster}
          entry={entry}
          etcdctl={etcdctl}
          onClose={() => setDeleting(false)}
          onDeleted={(revision) => {
            setDeleting(false);
            notify.success(`Deleted ${key} at revision ${revision}`);
            onDeleted();
          }}
        />
      )}
    </Box>
  );
}

function jsonError(text: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** etcd's revisions of a key, as chips with what each means on hover. */
function Revisions({ entry }: { entry: KvEntry }) {
  const facts: [string, string][] = [
    [`Created rev ${entry.createRevision}`, 'create_revision: the revision that created the key'],
    [`Modified rev ${entry.modRevision}`, 'mod_revision: the revision of the last write; edits check it'],
    [`Version ${entry.version}`, 'version: writes since the key was created'],
    [`${entry.size} B`, 'bytes of the value'],
  ];
  if (entry.lease)
    facts.push([
      `Lease ${leaseHex(entry.lease)}`,
      `the key goes when lease ${entry.lease} (hex ${leaseHex(entry.lease)}) expires`,
    ]);
  return (
    <Box role="group" aria-label="Revisions" sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
      {facts.map(([label, help]) => (
        <Tooltip key={label} title={help}>
          <Chip size="small" variant="outlined" label={label} />
        </Tooltip>
      ))}
    </Box>
  );
}
