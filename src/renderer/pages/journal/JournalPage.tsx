import {
  Alert,
  Box,
  IconButton,
  MenuItem,
  TextField,
  ToggleButton,
  Tooltip,
  Typography,
  useTheme,
  type SxProps,
  type Theme,
} from '@mui/material';
import WrapTextIcon from '@mui/icons-material/WrapText';
import ScheduleIcon from '@mui/icons-material/Schedule';
import DownloadIcon from '@mui/icons-material/Download';
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import type { MachineInfo, UnitInfo } from '../../../shared/api';
import { flotctl } from '../../actions/flotctl';
import { useRegisterActions, type AppAction } from '../../actions/registry';
import { useApi } from '../../api/hooks';
import { useCurrentCluster, useMachines, useUnits } from '../../api/live';
import { CopyCommand } from '../../components/CopyCommand';
import { attachBenchHook, benchHook } from './bench-hook';
import { downloadName, downloadParts, saveText } from './download';
import { laneColor, sourceLabel } from './lanes';
import { compileMatcher } from './matcher';
import { JournalModel } from './model';
import { MoveTracker, moveText } from './moves';
import { JournalView, type CurrentMatch, type JournalViewHandle } from './JournalView';
import { SearchBar } from './SearchBar';
import {
  journalCommand,
  pickSelection,
  resolveMachine,
  selectionFromParams,
  selectionToParams,
  streamQueries,
  type Selection,
} from './selection';
import { HISTORY_CHOICES, loadSettings, saveSettings, type Settings } from './settings';
import { SourcePicker } from './SourcePicker';
import { StatusChip } from './StatusChip';
import { useJournalFeed } from './useJournalFeed';
import { useModelVersion } from './useModelVersion';

/** The counters beside the view update a few times a second, not every frame. */
const COUNTER_MS = 250;

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** "N lines", and when the cap dropped older ones, says so. */
function LineCount({ model }: { model: JournalModel }) {
  useModelVersion(model, COUNTER_MS);
  const { store } = model;
  return (
    <>
      <Typography component="span" color="text.secondary" data-testid="journal-line-count">
        {plural(store.length, 'line')}
        {model.filtering && ` · ${plural(model.count, 'shown', 'shown')}`}
      </Typography>
      {store.dropped > 0 && (
        <Typography component="span" color="warning.main" variant="body2">
          {plural(store.dropped, 'older line')} dropped (the viewer keeps the newest{' '}
          {store.cap.toLocaleString()})
        </Typography>
      )}
    </>
  );
}

/** The match count and position, current with every batch. */
function MatchCount({ model, current }: { model: JournalModel; current: CurrentMatch | undefined }) {
  useModelVersion(model, COUNTER_MS);
  const index = model.index;
  if (!index) return null;
  if (index.total === 0) return <>No matches</>;
  const pos = current ? positionOf(model, current) : undefined;
  return pos === undefined ? (
    <>{plural(index.total, 'match', 'matches')}</>
  ) : (
    <>{`${pos} of ${index.total.toLocaleString()}`}</>
  );
}

/** 1-based position of a match among all, or undefined when its line is gone or no longer matches. */
function positionOf(model: JournalModel, m: CurrentMatch): number | undefined {
  const index = model.index;
  if (!index) return undefined;
  const i = m.abs - model.store.dropped;
  const k = index.firstAtOrAfter(i);
  if (k >= index.size || index.storeIndex(k) !== i || m.occ >= index.countAt(k)) return undefined;
  return index.matchesBefore(k) + m.occ + 1;
}

/** The sources on screen with their colours: the key to the lanes. */
function Legend({ model }: { model: JournalModel }) {
  useModelVersion(model, COUNTER_MS);
  const mode = useTheme().palette.mode;
  const sources = model.store.sources.filter((s) => s.key !== 'notice');
  if (sources.length === 0) return null;
  return (
    <Box
      component="ul"
      aria-label="Sources"
      sx={{ display: 'flex', flexWrap: 'wrap', gap: 1.5, m: 0, p: 0, listStyle: 'none', fontSize: 13 }}
    >
      {sources.map((s) => (
        <Box component="li" key={s.key} sx={{ display: 'flex', alignItems: 'center', gap: 0.5 }}>
          <Box
            aria-hidden
            sx={{ width: 10, height: 10, borderRadius: '2px', bgcolor: laneColor(s.index, mode) }}
          />
          <Box component="span" sx={{ color: laneColor(s.index, mode), fontFamily: 'monospace' }}>
            {sourceLabel(s)}
          </Box>
          <Box component="span" sx={{ color: 'text.secondary' }}>
            ({s.count.toLocaleString()})
          </Box>
        </Box>
      ))}
      <Box component="li" sx={{ color: 'text.secondary' }}>
        <b>ERR</b> stderr · <b>SYS</b> systemd and agent
      </Box>
    </Box>
  );
}

/** Notices at the time they were seen. */
function addNotices(model: JournalModel, texts: string[]): void {
  const now = Date.now();
  for (const t of texts) model.store.addNotice(now, t);
}

const hostsOf = (machines: readonly MachineInfo[]) => new Map(machines.map((m) => [m.id, m.name]));

/**
 * The Journal page: one merged, live stream of the chosen machines' and units' journals, with
 * follow and pause, search, filter, download, and resumption where it stopped.
 */
export function JournalPage() {
  const api = useApi();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const { cluster } = useCurrentCluster();
  const machines = useMachines(cluster);
  const units = useUnits(cluster);
  const clusterName = cluster?.name;
  const running = cluster?.state === 'running';

  const [settings, setSettings] = useState<Settings>(() => loadSettings());
  const update = (patch: Partial<Settings>) =>
    setSettings((s) => {
      const next = { ...s, ...patch };
      saveSettings(next);
      return next;
    });

  // The URL wins (links from other pages), else what was followed here last in this cluster.
  const fromUrl = selectionFromParams(params);
  const selection: Selection = pickSelection(
    fromUrl,
    clusterName ? settings.sources[clusterName] : undefined,
  );
  const selectionKey = JSON.stringify(selection);
  const choose = (next: Selection) => {
    setParams(selectionToParams(next), { replace: true });
    if (clusterName) update({ sources: { ...settings.sources, [clusterName]: next } });
  };

  const [model] = useState(() => new JournalModel());

  // Machines are named by host name; a name the cluster does not have is said, not followed.
  const unknownMachines = machines.loaded
    ? selection.machines.filter((m) => !resolveMachine(m, machines.items))
    : [];
  const ready = !!clusterName && (selection.machines.length === 0 || machines.loaded);
  // Rebuilt every render; useJournalFeed starts over only when their JSON changes.
  const known = selection.machines.filter((m) => !unknownMachines.includes(m));
  const queries =
    ready && clusterName && (selection.machines.length === 0 || known.length > 0)
      ? streamQueries({ ...selection, machines: known }, clusterName, settings.history)
      : undefined;
  const status = useJournalFeed(api, model, queries, running);

  // Search: compiled on every keystroke for the error message, applied to the store after a pause.
  const [query, setQuery] = useState('');
  const searchOptions = useMemo(
    () => ({ regex: settings.regex, caseSensitive: settings.caseSensitive }),
    [settings.regex, settings.caseSensitive],
  );
  const preview = useMemo(() => compileMatcher(query, searchOptions), [query, searchOptions]);
  useEffect(() => {
    const t = setTimeout(() => model.setSearch(query, searchOptions), query ? 150 : 0);
    return () => clearTimeout(t);
  }, [model, query, searchOptions]);
  useEffect(() => model.setFilter(settings.filter), [model, settings.filter]);
  const searchKey = `${query}\u0000${searchOptions.regex}${searchOptions.caseSensitive}`;
  const [currentState, setCurrentState] = useState<{ key: string; match: CurrentMatch } | undefined>();
  const current = currentState?.key === searchKey ? currentState.match : undefined;

  const [follow, setFollow] = useState({ following: true, pausedAt: 0 });
  const onPause = useCallback(
    () => setFollow((f) => (f.following ? { following: false, pausedAt: model.absEnd } : f)),
    [model],
  );
  const onFollow = useCallback(() => setFollow({ following: true, pausedAt: 0 }), []);
  const view = useRef<JournalViewHandle>(null);
  const searchInput = useRef<HTMLInputElement>(null);

  const step = (dir: 1 | -1) => {
    const index = model.index;
    if (!index || index.size === 0) return;
    let k: number;
    let occ: number;
    const pos = current ? positionOf(model, current) : undefined;
    if (current && pos !== undefined) {
      k = index.firstAtOrAfter(current.abs - model.store.dropped);
      occ = current.occ + dir;
      if (occ < 0 || occ >= index.countAt(k)) {
        k = (k + dir + index.size) % index.size;
        occ = dir === 1 ? 0 : index.countAt(k) - 1;
      }
    } else if (follow.following) {
      // Following: the newest match first, then older ones.
      k = index.size - 1;
      occ = index.countAt(k) - 1;
    } else {
      k = dir === 1 ? 0 : index.size - 1;
      occ = dir === 1 ? 0 : index.countAt(k) - 1;
    }
    const storeIndex = index.storeIndex(k);
    setCurrentState({ key: searchKey, match: { abs: model.store.dropped + storeIndex, occ } });
    view.current?.revealViewIndex(model.viewIndexOf(storeIndex));
  };

  // "hello.service moved from core-01 to core-02", at the time it was seen.
  const [tracker] = useState(() => new MoveTracker());
  const hosts = useMemo(() => hostsOf(machines.items), [machines.items]);
  useEffect(() => {
    const sel = JSON.parse(selectionKey) as Selection;
    const selectedIds = new Set(
      sel.machines.map((m) => resolveMachine(m, machines.items)?.id).filter((id): id is string => !!id),
    );
    const moves = tracker.update(units.items, (u) => sel.units.length === 0 || sel.units.includes(u));
    const shown = moves.filter((m) => !selectedIds.size || selectedIds.has(m.from) || selectedIds.has(m.to));
    addNotices(
      model,
      shown.map((m) => moveText(m, (id) => hosts.get(id) ?? id.slice(0, 8))),
    );
  }, [units.items, tracker, model, hosts, machines.items, selectionKey]);

  // bench:journal's probe (absent unless the bench asked for it before the page loaded).
  const followingRef = useRef(follow.following);
  useEffect(() => {
    followingRef.current = follow.following;
  });
  const hook = benchHook();
  useEffect(() => {
    if (hook) attachBenchHook(hook, model, () => followingRef.current);
  }, [hook, model]);
  const lastProbed = useRef(-1);
  const onRendered = useMemo(
    () =>
      hook
        ? (first: number, last: number) => {
            if (!followingRef.current || last < 0) return;
            const now = Date.now();
            const { store } = model;
            for (let k = Math.max(first, 0); k <= last; k++) {
              const i = model.storeIndex(k);
              const abs = store.dropped + i;
              if (abs <= lastProbed.current || store.stream(i) !== 'stdout') continue;
              hook.delays?.push(now - store.time(i));
              lastProbed.current = abs;
            }
          }
        : undefined,
    [hook, model],
  );

  const download = () => {
    const n = model.count;
    const parts = downloadParts(n, (k) => model.store.line(model.storeIndex(k)), { utc: settings.utc });
    saveText(parts, downloadName(clusterName ?? 'journal', selection.units, new Date()));
  };

  const command = journalCommand(selection, {
    cluster: clusterName,
    active: cluster?.active ?? false,
    lines: settings.history,
  });
  useJournalActions({
    units: units.items,
    machines: machines.items,
    clusterArgs: cluster && !cluster.active ? ['--cluster', cluster.name] : [],
    go: (sel) =>
      navigate({ pathname: '/journal', search: new URLSearchParams(selectionToParams(sel)).toString() }),
    toggleWrap: () => update({ wrap: !settings.wrap }),
    toggleTimestamps: () => update({ timestamps: !settings.timestamps }),
    focusSearch: () => searchInput.current?.focus(),
    download,
    follow: () => {
      onFollow();
      view.current?.focus();
    },
  });

  const unitOptions = useMemo(
    () =>
      [...units.items]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((u) => ({ value: u.name, detail: u.machineId ? hosts.get(u.machineId) : 'not placed' })),
    [units.items, hosts],
  );
  const machineOptions = useMemo(
    () =>
      [...machines.items]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((m) => ({ value: m.name, detail: m.life === 'up' ? m.ip : m.life })),
    [machines.items],
  );

  return (
    <Box
      component="section"
      aria-labelledby="page-title"
      sx={{
        p: 3,
        pb: 1,
        height: '100%',
        boxSizing: 'border-box',
        display: 'flex',
        flexDirection: 'column',
        gap: 1.5,
      }}
    >
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, flexWrap: 'wrap' }}>
        <Typography id="page-title" variant="h4" component="h1">
          Journal
        </Typography>
        {clusterName && <Typography color="text.secondary">{clusterName}</Typography>}
        <StatusChip status={queries ? status : undefined} />
        <LineCount model={model} />
      </Box>
      {!cluster && (
        <Alert severity="info">
          No cluster yet: create one on the Clusters page, then its journals show here.
        </Alert>
      )}
      {cluster && !running && (
        <Alert severity="info">
          Cluster {cluster.name} is {cluster.state}: what its machines wrote is shown; new lines follow once
          it runs.
        </Alert>
      )}
      {unknownMachines.length > 0 && (
        <Alert severity="warning">
          Cluster {clusterName} has no machine {unknownMachines.join(', ')}:{' '}
          {unknownMachines.length === 1 ? 'it is' : 'they are'} left out.
        </Alert>
      )}
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
        <SourcePicker
          label="Machines"
          allLabel="All machines"
          options={machineOptions}
          value={selection.machines}
          onChange={(m) => choose({ ...selection, machines: m })}
        />
        <SourcePicker
          label="Units"
          allLabel="All units and the machines' own lines"
          options={unitOptions}
          value={selection.units}
          onChange={(u) => choose({ ...selection, units: u })}
          freeSolo
        />
        <TextField
          select
          size="small"
          label="History"
          value={settings.history}
          onChange={(e) => update({ history: Number(e.target.value) })}
          sx={{ width: 150 }}
        >
          {HISTORY_CHOICES.map((n) => (
            <MenuItem key={n} value={n}>
              {n.toLocaleString()} lines
            </MenuItem>
          ))}
        </TextField>
        <CopyCommand command={command} />
      </Box>
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'flex-start', flexWrap: 'wrap' }}>
        <SearchBar
          query={query}
          onQuery={setQuery}
          regex={settings.regex}
          caseSensitive={settings.caseSensitive}
          filter={settings.filter}
          onRegex={(regex) => update({ regex })}
          onCase={(caseSensitive) => update({ caseSensitive })}
          onFilter={(filter) => update({ filter })}
          onNext={() => step(1)}
          onPrevious={() => step(-1)}
          error={preview.kind === 'error' ? preview.message : undefined}
          count={<MatchCount model={model} current={current} />}
          inputRef={searchInput}
        />
        <Box sx={{ flex: 1 }} />
        <SettingToggle
          title="Wrap long lines (W)"
          label="Wrap lines"
          on={settings.wrap}
          onToggle={() => update({ wrap: !settings.wrap })}
        >
          <WrapTextIcon fontSize="small" />
        </SettingToggle>
        <SettingToggle
          title="Show timestamps (T)"
          label="Show timestamps"
          on={settings.timestamps}
          onToggle={() => update({ timestamps: !settings.timestamps })}
        >
          <ScheduleIcon fontSize="small" />
        </SettingToggle>
        <SettingToggle
          title="Times in UTC rather than local time"
          label="Times in UTC"
          on={settings.utc}
          onToggle={() => update({ utc: !settings.utc })}
          sx={{ fontSize: 12, px: 1 }}
        >
          UTC
        </SettingToggle>
        <Tooltip title={model.filtering ? 'Download the matching lines' : 'Download these lines'}>
          <IconButton
            aria-label="Download the lines shown as a text file"
            onClick={download}
            sx={{ mt: 0.25 }}
          >
            <DownloadIcon />
          </IconButton>
        </Tooltip>
      </Box>
      <Legend model={model} />
      <JournalView
        ref={view}
        model={model}
        wrap={settings.wrap}
        timestamps={settings.timestamps}
        utc={settings.utc}
        current={current}
        following={follow.following}
        pausedAt={follow.pausedAt}
        onPause={onPause}
        onFollow={onFollow}
        onRendered={onRendered}
      />
    </Box>
  );
}

/** The palette's journal actions: follow a unit's or a machine's journal, and the viewer's own. */
function useJournalActions(o: {
  units: UnitInfo[];
  machines: MachineInfo[];
  clusterArgs: string[];
  go: (sel: Selection) => void;
  toggleWrap: () => void;
  toggleTimestamps: () => void;
  focusSearch: () => void;
  download: () => void;
  follow: () => void;
}): void {
  const actions: AppAction[] = [
    {
      id: 'journal.search',
      title: 'Search the journal',
      section: 'App',
      shortcut: '/',
      perform: o.focusSearch,
    },
    {
      id: 'journal.wrap',
      title: 'Wrap journal lines on or off',
      section: 'App',
      shortcut: 'w',
      perform: o.toggleWrap,
    },
    {
      id: 'journal.timestamps',
      title: 'Journal timestamps on or off',
      section: 'App',
      shortcut: 't',
      perform: o.toggleTimestamps,
    },
    {
      id: 'journal.follow',
      title: 'Jump to the newest journal line and follow',
      section: 'App',
      perform: o.follow,
    },
    {
      id: 'journal.download',
      title: 'Download the journal lines shown',
      section: 'App',
      perform: o.download,
    },
    {
      id: 'journal.all',
      title: 'Follow the journal of every machine and unit',
      section: 'Units',
      perform: () => o.go({ machines: [], units: [] }),
      flotctl: flotctl('journal', '-f', ...o.clusterArgs),
    },
  ];
  for (const u of o.units)
    actions.push({
      id: `journal.unit.${u.name}`,
      title: `Follow journal of ${u.name}`,
      section: 'Units',
      keywords: 'logs tail',
      perform: () => o.go({ machines: [], units: [u.name] }),
      flotctl: flotctl('journal', '-f', ...o.clusterArgs, u.name),
    });
  for (const m of o.machines)
    actions.push({
      id: `journal.machine.${m.id}`,
      title: `Follow journal of machine ${m.name}`,
      section: 'Machines',
      keywords: 'logs tail',
      perform: () => o.go({ machines: [m.name], units: [] }),
      flotctl: flotctl('journal', '-f', ...o.clusterArgs, '--machine', m.name),
    });
  useRegisterActions(actions, [
    o.units.map((u) => u.name).join(','),
    o.machines.map((m) => `${m.id}:${m.name}`).join(','),
    o.clusterArgs.join(' '),
  ]);
}

/** One of the viewer's on/off settings as a toggle button with its tooltip. */
function SettingToggle({
  title,
  label,
  on,
  onToggle,
  sx,
  children,
}: {
  title: string;
  label: string;
  on: boolean;
  onToggle: () => void;
  sx?: SxProps<Theme>;
  children: ReactNode;
}) {
  return (
    <Tooltip title={title}>
      <ToggleButton
        value={label}
        size="small"
        selected={on}
        onChange={onToggle}
        aria-label={label}
        sx={[{ mt: 0.25 }, ...(Array.isArray(sx) ? sx : [sx])]}
      >
        {children}
      </ToggleButton>
    </Tooltip>
  );
}
