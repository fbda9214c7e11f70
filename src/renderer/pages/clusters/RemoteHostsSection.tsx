import { Box, Button, Chip, IconButton, List, ListItem, Paper, Stack, Typography } from '@mui/material';
import AddIcon from '@mui/icons-material/Add';
import DeleteIcon from '@mui/icons-material/Delete';
import { useId, useState } from 'react';
import { AddRemoteDialog } from '../../remote/AddRemoteDialog';
import { nextMachineName, parseMetadata, sshEndpoint } from '../../remote/remote-form';
import { hostnames, machineCount, remoteNames } from './draft';
import type { StepProps } from './stepProps';

/**
 * The Machines step's SSH hosts: each checked in the remote-host dialog (key compared and
 * trusted, Docker usable) and kept in the draft; they join once the local machines are up.
 */
export function RemoteHostsSection(props: StepProps) {
  const { draft, setDraft } = props;
  const titleId = useId();
  const [adding, setAdding] = useState(false);
  const names = remoteNames(draft);
  const taken = [...hostnames(draft.prefix, machineCount(draft)), ...names];
  return (
    <Paper variant="outlined" component="section" aria-labelledby={titleId} sx={{ p: 2 }}>
      <Typography id={titleId} variant="subtitle1" component="h2">
        Remote hosts (SSH)
      </Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
        Hosts with Docker reached over SSH join as machines once the local ones are up. They host no KV
        member.
      </Typography>
      {draft.remotes.length > 0 && (
        <List dense disablePadding aria-labelledby={titleId}>
          {draft.remotes.map((r, i) => {
            const name = names[i] ?? '';
            const ssh = sshEndpoint(r.form);
            const metadata = parseMetadata(r.form.metadata);
            const problem = props.errors[`remote-${i}`];
            return (
              <ListItem
                key={`${ssh.host}:${ssh.port}:${ssh.dockerSocket}`}
                divider
                secondaryAction={
                  <IconButton
                    edge="end"
                    aria-label={`Remove remote host ${name}`}
                    onClick={() => setDraft((d) => ({ ...d, remotes: d.remotes.filter((_, k) => k !== i) }))}
                  >
                    <DeleteIcon />
                  </IconButton>
                }
              >
                <Stack spacing={0.5} sx={{ minWidth: 0 }}>
                  <Typography variant="body2">
                    <strong>{name}</strong> — {ssh.user}@{ssh.host}:{ssh.port}
                    {ssh.jump ? ` via ${ssh.jump.user}@${ssh.jump.host}:${ssh.jump.port}` : ''}
                  </Typography>
                  <Typography variant="caption" color="text.secondary" sx={{ wordBreak: 'break-all' }}>
                    {r.docker}; host key <code>{r.fingerprint}</code>
                    {r.accept ? ' (trusted here: written to known_hosts when the cluster is created)' : ''}
                  </Typography>
                  {'metadata' in metadata && Object.keys(metadata.metadata).length > 0 && (
                    <Box sx={{ display: 'flex', gap: 0.5, flexWrap: 'wrap' }}>
                      {Object.entries(metadata.metadata).map(([k, v]) => (
                        <Chip key={k} size="small" label={`${k}=${v}`} />
                      ))}
                    </Box>
                  )}
                  {problem && (
                    <Typography variant="caption" color="error" role="alert">
                      {problem}
                    </Typography>
                  )}
                </Stack>
              </ListItem>
            );
          })}
        </List>
      )}
      <Button startIcon={<AddIcon />} sx={{ mt: 1 }} onClick={() => setAdding(true)}>
        Add a remote host…
      </Button>
      {adding && (
        <AddRemoteDialog
          purpose={{
            kind: 'plan',
            onPlanned: (plan) => {
              setDraft((d) => ({ ...d, remotes: [...d.remotes, plan] }));
              setAdding(false);
            },
          }}
          clusterArgs={['--cluster', draft.name || 'NAME']}
          taken={taken}
          defaultName={nextMachineName(taken.map((name) => ({ name })))}
          onClose={() => setAdding(false)}
        />
      )}
    </Paper>
  );
}
