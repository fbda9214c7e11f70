import { Box, Button, Chip, IconButton, Paper, Stack, TextField, Typography } from '@mui/material';
import AddIcon from '@mui/icons-material/Add';
import DeleteIcon from '@mui/icons-material/Delete';
import { useId, useState } from 'react';
import {
  hostnames,
  machineCount,
  machineDraft,
  withMachine,
  type MachineDraft,
  type PortDraft,
} from './draft';
import { RemoteHostsSection } from './RemoteHostsSection';
import { shownError, type StepProps } from './stepProps';
import { metadataEntryError, splitEntry } from './validate';

/** Per machine: fleet metadata (key=value chips) and ports forwarded to 127.0.0.1; then SSH hosts. */
export function MachinesStep(props: StepProps) {
  const hosts = hostnames(props.draft.prefix, machineCount(props.draft));
  return (
    <Stack spacing={2}>
      <Typography variant="body2" color="text.secondary">
        Metadata lets units pick machines (<code>MachineMetadata=role=web</code> in [X-Fleet]). A forwarded
        port makes a machine&apos;s port reachable on 127.0.0.1 of this computer.
      </Typography>
      {hosts.map((host, i) => (
        <MachineCard key={host} host={host} index={i} {...props} />
      ))}
      <RemoteHostsSection {...props} />
    </Stack>
  );
}

function MachineCard({ host, index, ...props }: StepProps & { host: string; index: number }) {
  const titleId = useId();
  const m = machineDraft(props.draft, index);
  const change = (f: (m: MachineDraft) => MachineDraft) => props.setDraft((d) => withMachine(d, index, f));
  return (
    <Paper variant="outlined" component="section" aria-labelledby={titleId} sx={{ p: 2 }}>
      <Typography id={titleId} variant="subtitle1" component="h2" sx={{ mb: 1 }}>
        {host}
      </Typography>
      <MetadataEditor
        host={host}
        metadata={m.metadata}
        problem={props.errors[`metadata-${index}`]}
        onChange={(metadata) => change((x) => ({ ...x, metadata }))}
      />
      <PortsEditor
        {...props}
        host={host}
        index={index}
        ports={m.ports}
        onChange={(ports) => change((x) => ({ ...x, ports }))}
      />
    </Paper>
  );
}

function MetadataEditor({
  host,
  metadata,
  problem,
  onChange,
}: {
  host: string;
  metadata: Record<string, string>;
  /** What is wrong with metadata already there (an import may bring bad values). */
  problem: string | undefined;
  onChange: (metadata: Record<string, string>) => void;
}) {
  const [entry, setEntry] = useState('');
  const [entryError, setEntryError] = useState<string>();
  const add = () => {
    const text = entry.trim();
    const bad = metadataEntryError(text, metadata);
    setEntryError(bad);
    if (bad) return;
    const [key, value] = splitEntry(text);
    onChange({ ...metadata, [key]: value });
    setEntry('');
  };
  const remove = (key: string) => {
    const next = { ...metadata };
    delete next[key];
    onChange(next);
  };
  return (
    <Box sx={{ mb: 2 }}>
      <Stack
        direction="row"
        role="group"
        aria-label={`Metadata of ${host}`}
        sx={{ gap: 1, flexWrap: 'wrap', mb: 1 }}
      >
        {Object.entries(metadata).map(([k, v]) => (
          <Chip key={k} label={`${k}=${v}`} onDelete={() => remove(k)} />
        ))}
      </Stack>
      {problem && (
        <Typography variant="caption" color="error" role="alert">
          {problem}
        </Typography>
      )}
      <Stack direction="row" sx={{ gap: 1, alignItems: 'flex-start' }}>
        <TextField
          size="small"
          label="Metadata key=value"
          placeholder="role=web"
          value={entry}
          onChange={(e) => {
            setEntry(e.target.value);
            setEntryError(undefined);
          }}
          onKeyDown={(e) => {
            // Enter adds the chip here instead of moving the wizard on.
            if (e.key === 'Enter') {
              e.preventDefault();
              add();
            }
          }}
          error={!!entryError}
          helperText={entryError ?? 'Enter adds it; a chip’s ✕ or Delete key removes it'}
        />
        <Button startIcon={<AddIcon />} onClick={add} aria-label={`Add metadata to ${host}`} sx={{ mt: 0.5 }}>
          Add
        </Button>
      </Stack>
    </Box>
  );
}

function PortsEditor({
  host,
  index,
  ports,
  onChange,
  ...props
}: StepProps & { host: string; index: number; ports: PortDraft[]; onChange: (ports: PortDraft[]) => void }) {
  const set = (j: number, port: PortDraft) => onChange(ports.map((p, k) => (k === j ? port : p)));
  return (
    <Box>
      <Typography variant="subtitle2" component="h3">
        Forwarded ports
      </Typography>
      {ports.map((p, j) => {
        const guestError = shownError(props, `port-${index}-${j}-guest`, p.guest);
        const hostError = shownError(props, `port-${index}-${j}-host`, p.host);
        return (
          <Stack
            key={j}
            direction="row"
            role="group"
            aria-label={`Forwarded port ${j + 1} of ${host}`}
            sx={{ gap: 1, alignItems: 'flex-start', mt: 1 }}
          >
            <TextField
              size="small"
              type="number"
              label="Guest port"
              value={p.guest}
              onChange={(e) => set(j, { ...p, guest: e.target.value })}
              error={!!guestError}
              helperText={guestError ?? `on ${host}`}
            />
            <Typography sx={{ pt: 1 }} aria-hidden>
              →
            </Typography>
            <TextField
              size="small"
              type="number"
              label="Host port"
              value={p.host}
              onChange={(e) => set(j, { ...p, host: e.target.value })}
              error={!!hostError}
              helperText={hostError ?? 'on 127.0.0.1'}
            />
            <IconButton
              aria-label={`Remove forwarded port ${j + 1} of ${host}`}
              onClick={() => onChange(ports.filter((_, k) => k !== j))}
            >
              <DeleteIcon />
            </IconButton>
          </Stack>
        );
      })}
      <Button
        startIcon={<AddIcon />}
        sx={{ mt: 1 }}
        onClick={() => onChange([...ports, { guest: '', host: '' }])}
        aria-label={`Add forwarded port to ${host}`}
      >
        Add forwarded port
      </Button>
    </Box>
  );
}
