import {
  Alert,
  Button,
  IconButton,
  List,
  ListItem,
  ListItemText,
  Stack,
  TextField,
  Typography,
} from '@mui/material';
import DeleteIcon from '@mui/icons-material/Delete';
import UploadFileIcon from '@mui/icons-material/UploadFile';
import { useState } from 'react';
import type { SshKey } from './draft';
import type { StepProps } from './stepProps';
import { sshKeyError } from './validate';

/** "ssh-ed25519 AAAAC3…mH4x you@laptop": enough of a key to tell it from the others. */
export function keySummary(key: string): string {
  const [type = '', body = '', ...comment] = key.trim().split(/\s+/);
  const short = body.length > 16 ? `${body.slice(0, 8)}…${body.slice(-6)}` : body;
  return [type, short, ...comment].join(' ');
}

/**
 * The keys in `text` (one per line) added to `keys`, or the first problem: which line is not a
 * public key, or that nothing new was given.
 */
export function addKeys(keys: SshKey[], text: string, file: string): { keys: SshKey[] } | { error: string } {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length === 0) return { error: 'Paste a public key, or load a .pub file' };
  const added: SshKey[] = [];
  for (const [i, line] of lines.entries()) {
    const bad = sshKeyError(line);
    if (bad) return { error: lines.length > 1 ? `Line ${i + 1}: ${bad}` : bad };
    if (keys.some((k) => k.key === line) || added.some((k) => k.key === line)) continue;
    added.push({ key: line, file });
  }
  if (added.length === 0) return { error: 'This key is in the list already' };
  return { keys: [...keys, ...added] };
}

/** SSH public keys for the core user of every machine: pasted or loaded from .pub files. */
export function AccessStep({ draft, setDraft, errors }: StepProps) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string>();
  const add = (input: string, file: string) => {
    const result = addKeys(draft.sshKeys, input, file);
    if ('error' in result) {
      setError(result.error);
      return false;
    }
    setDraft((d) => ({ ...d, sshKeys: result.keys }));
    setError(undefined);
    return true;
  };
  return (
    <Stack spacing={2} sx={{ maxWidth: 720 }}>
      <Typography variant="body2" color="text.secondary">
        These keys may log in as <code>core</code> on every machine (cloud-config{' '}
        <code>ssh_authorized_keys</code>
        ). Optional: <code>flotctl ssh</code> works without them.
      </Typography>
      {draft.sshKeys.length > 0 && (
        <List dense aria-label="SSH keys">
          {draft.sshKeys.map((k, i) => (
            <ListItem
              key={k.key}
              secondaryAction={
                <IconButton
                  edge="end"
                  aria-label={`Remove key ${keySummary(k.key)}`}
                  onClick={() =>
                    setDraft((d) => ({ ...d, sshKeys: d.sshKeys.filter((x) => x.key !== k.key) }))
                  }
                >
                  <DeleteIcon />
                </IconButton>
              }
            >
              <ListItemText
                primary={keySummary(k.key)}
                secondary={errors[`key-${i}`] ?? k.file}
                slotProps={{
                  primary: { sx: { fontFamily: 'monospace', wordBreak: 'break-all' } },
                  secondary: errors[`key-${i}`] ? { color: 'error' } : {},
                }}
              />
            </ListItem>
          ))}
        </List>
      )}
      <TextField
        label="SSH public key"
        multiline
        minRows={2}
        value={text}
        placeholder="ssh-ed25519 AAAA… you@host"
        onChange={(e) => {
          setText(e.target.value);
          setError(undefined);
        }}
        error={!!error}
        helperText={error ?? 'The contents of a .pub file; several keys, one per line'}
        slotProps={{ htmlInput: { spellCheck: false } }}
      />
      <Stack direction="row" sx={{ gap: 1 }}>
        <Button
          variant="outlined"
          onClick={() => {
            if (add(text, `ssh-key-${draft.sshKeys.length + 1}.pub`)) setText('');
          }}
        >
          Add key
        </Button>
        <Button variant="outlined" component="label" startIcon={<UploadFileIcon />}>
          Load .pub file
          <input
            type="file"
            accept=".pub,text/plain"
            hidden
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) void file.text().then((content) => add(content, file.name));
            }}
          />
        </Button>
      </Stack>
      {draft.sshKeys.length === 0 && (
        <Alert severity="info">
          No keys: machines take no SSH logins from outside (this is fine to start).
        </Alert>
      )}
    </Stack>
  );
}
