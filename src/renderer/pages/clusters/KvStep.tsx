import { Alert, Button, Stack, TextField, Typography } from '@mui/material';
import { defaultMembers, hostnames, machineCount, membersText } from './draft';
import { shownError, type StepProps } from './stepProps';
import { kvAdvice } from './validate';

/** How many machines host a KV member, and what that means when machines fail. */
export function KvStep(props: StepProps) {
  const { draft, setDraft } = props;
  const machines = machineCount(draft);
  const text = membersText(draft);
  const error = shownError(props, 'members', text);
  const members = Number(text);
  const advice = props.errors.members ? undefined : kvAdvice(members);
  const fallback = defaultMembers(machines);
  const hosts = hostnames(draft.prefix, machines);
  return (
    <Stack spacing={2} sx={{ maxWidth: 560 }}>
      <Typography variant="body2" color="text.secondary">
        The KV store (etcd-compatible) holds the cluster&apos;s state. Its members replicate it with Raft: a
        majority must be up for the cluster to work.
      </Typography>
      <Stack direction="row" sx={{ gap: 2, alignItems: 'flex-start' }}>
        <TextField
          label="KV members"
          type="number"
          value={text}
          onChange={(e) => setDraft((d) => ({ ...d, members: e.target.value }))}
          error={!!error}
          helperText={
            error ??
            (advice
              ? `${advice.tolerance}. Members run on ${members === 1 ? hosts[0] : `${hosts[0]} … ${hosts[members - 1]}`}.`
              : ' ')
          }
          slotProps={{ htmlInput: { min: 1, max: Math.min(7, machines) } }}
        />
        {draft.members !== null && Number(draft.members) !== fallback && (
          <Button sx={{ mt: 1 }} onClick={() => setDraft((d) => ({ ...d, members: null }))}>
            Use the default ({fallback})
          </Button>
        )}
      </Stack>
      {advice?.warnings.map((w) => (
        <Alert key={w} severity="warning">
          {w}
        </Alert>
      ))}
    </Stack>
  );
}
