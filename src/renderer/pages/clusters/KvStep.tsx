import {
  Alert,
  Button,
  FormControl,
  FormControlLabel,
  FormLabel,
  Radio,
  RadioGroup,
  Stack,
  Switch,
  TextField,
  Typography,
} from '@mui/material';
import { useId } from 'react';
import { defaultMembers, hostnames, machineCount, membersText, type KvChoice } from './draft';
import { EtcdFields } from './EtcdFields';
import { shownError, type StepProps } from './stepProps';
import { kvAdvice } from './validate';

/** Where the cluster keeps its state: embedded KV members (with TLS or not), or an existing etcd. */
export function KvStep(props: StepProps) {
  const { draft, setDraft } = props;
  const labelId = useId();
  return (
    <Stack spacing={2} sx={{ maxWidth: 640 }}>
      <Typography variant="body2" color="text.secondary">
        The KV store (etcd-compatible) holds the cluster&apos;s state. Its members replicate it with Raft: a
        majority must be up for the cluster to work.
      </Typography>
      <FormControl>
        <FormLabel id={labelId}>Where the cluster keeps its state</FormLabel>
        <Typography variant="body2" color="text.secondary">
          Embedded members run on the cluster&apos;s own machines. An existing etcd (v3) keeps the state
          elsewhere: no member runs here, and the cluster outlives its machines.
        </Typography>
        <RadioGroup
          aria-labelledby={labelId}
          value={draft.kv}
          onChange={(e) => setDraft((d) => ({ ...d, kv: e.target.value as KvChoice }))}
        >
          <FormControlLabel value="embedded" control={<Radio />} label="Embedded members" />
          <FormControlLabel value="external" control={<Radio />} label="An existing etcd cluster" />
        </RadioGroup>
      </FormControl>
      {draft.kv === 'embedded' ? <EmbeddedKv {...props} /> : <EtcdFields {...props} />}
    </Stack>
  );
}

/** How many machines host a KV member, what that means when machines fail, and TLS. */
function EmbeddedKv(props: StepProps) {
  const { draft, setDraft } = props;
  const machines = machineCount(draft);
  const text = membersText(draft);
  const error = shownError(props, 'members', text);
  const members = Number(text);
  const advice = props.errors.members ? undefined : kvAdvice(members);
  const fallback = defaultMembers(machines);
  const hosts = hostnames(draft.prefix, machines);
  return (
    <Stack spacing={2}>
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
      <Stack>
        <FormControlLabel
          control={
            <Switch
              checked={draft.tls}
              onChange={(e) => setDraft((d) => ({ ...d, tls: e.target.checked }))}
            />
          }
          label="Secure with TLS (client certificates)"
        />
        <Typography variant="body2" color="text.secondary">
          A CA made for this cluster signs the members&apos; and clients&apos; certificates: members talk over
          TLS and the client ports take only clients with a certificate. etcdctl then needs{' '}
          <code>--cacert</code>, <code>--cert</code> and <code>--key</code> (the KV page shows them).
        </Typography>
      </Stack>
    </Stack>
  );
}
