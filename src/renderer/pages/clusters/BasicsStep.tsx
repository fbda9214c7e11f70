import { Stack, TextField, Typography } from '@mui/material';
import { machineCount, namesPreview } from './draft';
import { shownError, type StepProps } from './stepProps';

/** Name, number of machines and their host name prefix. */
export function BasicsStep(props: StepProps) {
  const { draft, setDraft, errors } = props;
  const nameError = shownError(props, 'name', draft.name);
  const machinesError = shownError(props, 'machines', draft.machines);
  const prefixError = shownError(props, 'prefix', draft.prefix);
  const n = machineCount(draft);
  return (
    <Stack spacing={3} sx={{ maxWidth: 480 }}>
      <TextField
        label="Cluster name"
        value={draft.name}
        autoFocus
        required
        onChange={(e) => setDraft((d) => ({ ...d, name: e.target.value.trim() }))}
        error={!!nameError}
        helperText={nameError ?? 'Lower-case letters, digits and dashes, e.g. demo'}
      />
      <TextField
        label="Number of machines"
        type="number"
        value={draft.machines}
        required
        onChange={(e) => setDraft((d) => ({ ...d, machines: e.target.value }))}
        error={!!machinesError}
        helperText={machinesError ?? 'Each machine is a container on the Docker host (1 to 50)'}
        slotProps={{ htmlInput: { min: 1, max: 50 } }}
      />
      <TextField
        label="Name prefix"
        value={draft.prefix}
        onChange={(e) => setDraft((d) => ({ ...d, prefix: e.target.value.trim() }))}
        error={!!prefixError}
        helperText={prefixError ?? 'Host names are the prefix and a number, as coreos-vagrant names its VMs'}
      />
      <Typography variant="body2" color="text.secondary" aria-live="polite">
        {n > 0 && !errors.prefix
          ? `${n === 1 ? 'The machine' : `The ${n} machines`}: ${namesPreview(draft.prefix, n)}`
          : ''}
      </Typography>
    </Stack>
  );
}
