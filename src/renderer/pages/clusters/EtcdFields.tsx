import { Box, Button, FormHelperText, IconButton, Stack, TextField, Typography } from '@mui/material';
import DeleteIcon from '@mui/icons-material/Delete';
import UploadFileIcon from '@mui/icons-material/UploadFile';
import { useId, useState } from 'react';
import { defaultEtcdPrefix, etcdPrefix, withEtcd, type PemFile } from './draft';
import { EtcdCheck } from './EtcdCheck';
import { shownError, type StepProps } from './stepProps';
import { pemError, pemFirstLine, type PemKind } from './validate';

const PEMS: { kind: PemKind; label: string; help: string }[] = [
  {
    kind: 'caCert',
    label: 'CA certificate',
    help: "The CA that signed the etcd servers' certificates (leave it out for a CA this computer trusts)",
  },
  { kind: 'cert', label: 'Client certificate', help: 'For etcd servers that ask clients for a certificate' },
  { kind: 'key', label: 'Client key', help: "The client certificate's private key" },
];

/** An existing etcd: endpoints, key prefix, TLS files, user and password, and a connection test. */
export function EtcdFields(props: StepProps) {
  const { draft, setDraft } = props;
  const e = draft.etcd;
  const prefix = etcdPrefix(draft);
  const fallback = defaultEtcdPrefix(draft.name);
  const endpointsError = shownError(props, 'etcd-endpoints', e.endpoints);
  const prefixError = shownError(props, 'etcd-prefix', prefix);
  const usernameError = shownError(props, 'etcd-username', e.username);
  const passwordError = shownError(props, 'etcd-password', e.password);
  return (
    <Stack spacing={2}>
      <TextField
        label="Endpoints"
        multiline
        minRows={2}
        required
        value={e.endpoints}
        placeholder={'https://10.0.0.5:2379\nhttps://10.0.0.6:2379'}
        onChange={(ev) => setDraft((d) => withEtcd(d, { endpoints: ev.target.value }))}
        error={!!endpointsError}
        helperText={
          endpointsError ??
          "The etcd members' client URLs (http or https, host and port), one per line or comma separated"
        }
        slotProps={{ htmlInput: { spellCheck: false } }}
      />
      <Stack direction="row" sx={{ gap: 2, alignItems: 'flex-start' }}>
        <TextField
          label="Key prefix"
          value={prefix}
          sx={{ flex: 1 }}
          onChange={(ev) => setDraft((d) => withEtcd(d, { prefix: ev.target.value.trim() }))}
          error={!!prefixError}
          helperText={
            prefixError ??
            'Every key of this cluster lives under it (it starts and ends with /). Several clusters can share one etcd, each under its own prefix.'
          }
          slotProps={{ htmlInput: { spellCheck: false } }}
        />
        {prefix !== fallback && (
          <Button sx={{ mt: 1 }} onClick={() => setDraft((d) => withEtcd(d, { prefix: null }))}>
            Use the default ({fallback})
          </Button>
        )}
      </Stack>
      {PEMS.map((p) => (
        <PemPicker
          key={p.kind}
          label={p.label}
          help={p.help}
          kind={p.kind}
          value={e[p.kind]}
          problem={props.attempted || e[p.kind] ? props.errors[`etcd-${p.kind}`] : undefined}
          onChange={(file) => setDraft((d) => withEtcd(d, { [p.kind]: file }))}
        />
      ))}
      <Stack direction="row" sx={{ gap: 2, alignItems: 'flex-start', flexWrap: 'wrap' }}>
        <TextField
          label="User name"
          value={e.username}
          autoComplete="off"
          onChange={(ev) => setDraft((d) => withEtcd(d, { username: ev.target.value }))}
          error={!!usernameError}
          helperText={usernameError ?? 'For etcd with authentication enabled (optional)'}
        />
        <TextField
          label="Password"
          type="password"
          value={e.password}
          autoComplete="new-password"
          onChange={(ev) => setDraft((d) => withEtcd(d, { password: ev.target.value }))}
          error={!!passwordError}
          helperText={passwordError ?? 'Kept by Flotilla with the cluster; never on a command line'}
        />
      </Stack>
      <EtcdCheck draft={draft} errors={props.errors} />
    </Stack>
  );
}

/** A PEM file chosen from disk: its text is read here and sent; its name and first line are shown. */
function PemPicker({
  label,
  help,
  kind,
  value,
  problem,
  onChange,
}: {
  label: string;
  help: string;
  kind: PemKind;
  value: PemFile | null;
  /** What the step's checks say about it. */
  problem: string | undefined;
  onChange: (file: PemFile | null) => void;
}) {
  const labelId = useId();
  const helpId = useId();
  // A file that is not what it should be is refused when chosen: the draft only holds PEM texts.
  const [refused, setRefused] = useState<string>();
  const error = refused ?? problem;
  return (
    <Box role="group" aria-labelledby={labelId} aria-describedby={helpId}>
      <Typography id={labelId} variant="body2" sx={{ fontWeight: 500 }}>
        {label} <span style={{ fontWeight: 400 }}>(optional)</span>
      </Typography>
      <Stack direction="row" sx={{ gap: 1, alignItems: 'center', flexWrap: 'wrap', mt: 0.5 }}>
        <Button variant="outlined" size="small" component="label" startIcon={<UploadFileIcon />}>
          Choose file
          <input
            type="file"
            hidden
            aria-label={label}
            accept=".pem,.crt,.cer,.key,text/plain"
            onChange={(ev) => {
              const file = ev.target.files?.[0];
              ev.target.value = '';
              if (!file) return;
              void file.text().then((text) => {
                const bad = pemError(kind, text);
                setRefused(bad && `${file.name}: ${bad}`);
                if (!bad) onChange({ text, file: file.name });
              });
            }}
          />
        </Button>
        {value ? (
          <>
            <Typography variant="body2" component="span" sx={{ fontFamily: 'monospace' }}>
              {value.file}
            </Typography>
            <Typography
              variant="body2"
              component="span"
              color="text.secondary"
              sx={{ fontFamily: 'monospace', fontSize: 12 }}
            >
              {pemFirstLine(value.text)}
            </Typography>
            <IconButton size="small" aria-label={`Remove ${label}`} onClick={() => onChange(null)}>
              <DeleteIcon fontSize="small" />
            </IconButton>
          </>
        ) : (
          <Typography variant="body2" color="text.secondary" component="span">
            none chosen
          </Typography>
        )}
      </Stack>
      <FormHelperText id={helpId} error={!!error}>
        {error ?? help}
      </FormHelperText>
    </Box>
  );
}
