import { Box, Button, Collapse, Stack, TextField } from '@mui/material';
import ExpandLessIcon from '@mui/icons-material/ExpandLess';
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import { useId, useState } from 'react';
import type { RemoteErrors, RemoteForm } from './remote-form';

/** The remote host's fields: where it is, how to log in, what to call it; the socket under Advanced. */
export function RemoteFields({
  form,
  errors,
  attempted,
  namePlaceholder,
  onChange,
}: {
  form: RemoteForm;
  errors: RemoteErrors;
  /** Connect was pressed: show every error, empty fields' too. */
  attempted: boolean;
  namePlaceholder: string;
  onChange(patch: Partial<RemoteForm>): void;
}) {
  const advancedId = useId();
  const [advancedOpen, setAdvancedOpen] = useState(false);
  // A problem under Advanced opens it: the person must see what to fix.
  const open = advancedOpen || (attempted && !!(errors.dockerSocket || errors.passphrase));
  const shown = (field: keyof RemoteForm) => (attempted || form[field] !== '' ? errors[field] : undefined);
  const field = (name: keyof RemoteForm, helper: string) => ({
    value: form[name],
    onChange: (e: { target: { value: string } }) => onChange({ [name]: e.target.value }),
    error: !!shown(name),
    helperText: shown(name) ?? helper,
    slotProps: { htmlInput: { spellCheck: false, autoCapitalize: 'off' } },
  });
  return (
    <Stack spacing={2}>
      <Stack direction="row" sx={{ gap: 2, alignItems: 'flex-start' }}>
        <TextField
          label="Host"
          required
          autoFocus
          sx={{ flex: 1 }}
          placeholder="10.0.0.21 or docker1.example.com"
          {...field('host', 'Its name or address, as ssh takes it')}
        />
        <TextField label="Port" required type="number" sx={{ width: 110 }} {...field('port', 'SSH port')} />
      </Stack>
      <TextField
        label="User"
        required
        placeholder="core"
        {...field('user', 'Who to log in as; needs access to Docker there')}
      />
      <TextField
        label="Identity file"
        placeholder="/home/you/.ssh/id_ed25519"
        {...field(
          'identityFile',
          'A private key file on the computer running Flotilla. Empty: the keys of your ssh-agent.',
        )}
      />
      <TextField
        label="Jump host"
        placeholder="admin@bastion.example.com:22"
        {...field('jump', 'Optional: a bastion to go through (ssh -J), user@host:port')}
      />
      <Stack direction="row" sx={{ gap: 2, alignItems: 'flex-start' }}>
        <TextField
          label="Machine name"
          sx={{ flex: 1 }}
          placeholder={namePlaceholder}
          {...field('name', `Optional: its host name in the cluster (${namePlaceholder} if left empty)`)}
        />
        <TextField
          label="Metadata"
          sx={{ flex: 1 }}
          placeholder="role=db, disk=ssd"
          {...field('metadata', 'Optional: key=value, comma separated')}
        />
      </Stack>
      <Box>
        <Button
          size="small"
          aria-expanded={open}
          aria-controls={open ? advancedId : undefined}
          onClick={() => setAdvancedOpen(!open)}
          startIcon={open ? <ExpandLessIcon /> : <ExpandMoreIcon />}
        >
          Advanced
        </Button>
        <Collapse in={open} unmountOnExit>
          <Stack spacing={2} id={advancedId} sx={{ pt: 1.5 }}>
            <TextField
              label="Docker socket"
              {...field('dockerSocket', "The Docker engine's socket on that host")}
            />
            <TextField
              label="Key passphrase"
              type="password"
              autoComplete="off"
              {...field('passphrase', 'For an encrypted identity file')}
            />
          </Stack>
        </Collapse>
      </Box>
    </Stack>
  );
}
