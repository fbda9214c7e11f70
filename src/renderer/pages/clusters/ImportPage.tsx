import {
  Alert,
  Box,
  Button,
  Link,
  List,
  ListItem,
  ListItemIcon,
  ListItemText,
  Paper,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import ErrorIcon from '@mui/icons-material/Error';
import UploadFileIcon from '@mui/icons-material/UploadFile';
import WarningIcon from '@mui/icons-material/Warning';
import { useMemo, useState, type ReactNode } from 'react';
import { Link as RouterLink, useNavigate } from 'react-router-dom';
import { importVagrant, type VagrantImport } from '../../../shared/cloudconfig';
import { useDraft } from './DraftContext';
import { draftFromVagrant, namesPreview } from './draft';
import { keySummary } from './AccessStep';

interface FileText {
  text: string;
  /** The file it was read from; null when pasted. */
  file: string | null;
}

const EMPTY: FileText = { text: '', file: null };

/** A file picker (named `label` for assistive tech and tests) plus a text area to paste into. */
function FileInput({
  label,
  pasteLabel,
  value,
  onChange,
}: {
  label: 'config.rb' | 'user-data';
  pasteLabel: string;
  value: FileText;
  onChange: (v: FileText) => void;
}) {
  return (
    <Paper variant="outlined" sx={{ p: 2, flex: 1, minWidth: 320 }}>
      <Typography variant="h6" component="h2" gutterBottom>
        {label}
      </Typography>
      <Stack direction="row" sx={{ gap: 1, alignItems: 'center', mb: 2 }}>
        <Button variant="outlined" component="label" startIcon={<UploadFileIcon />}>
          Choose file
          <input
            type="file"
            hidden
            aria-label={label}
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) void file.text().then((text) => onChange({ text, file: file.name }));
            }}
          />
        </Button>
        <Typography variant="body2" color="text.secondary">
          {value.file ?? (value.text ? 'pasted' : 'none chosen')}
        </Typography>
      </Stack>
      <TextField
        label={pasteLabel}
        multiline
        fullWidth
        minRows={6}
        maxRows={16}
        value={value.text}
        onChange={(e) => onChange({ text: e.target.value, file: null })}
        slotProps={{ htmlInput: { spellCheck: false, style: { fontFamily: 'monospace', fontSize: 13 } } }}
      />
    </Paper>
  );
}

function Row({ setting, children }: { setting: string; children: ReactNode }) {
  return (
    <TableRow>
      <TableCell component="th" scope="row" sx={{ whiteSpace: 'nowrap', verticalAlign: 'top' }}>
        {setting}
      </TableCell>
      <TableCell>{children}</TableCell>
    </TableRow>
  );
}

/** What an import read, setting by setting, as the wizard will take it. */
function ReadSummary({
  read,
  hasConfigRb,
  hasUserData,
}: {
  read: VagrantImport;
  hasConfigRb: boolean;
  hasUserData: boolean;
}) {
  const none = <Typography color="text.secondary">none</Typography>;
  return (
    <Table size="small" aria-label="What was read">
      <TableBody>
        {hasConfigRb && (
          <>
            <Row setting="$num_instances">
              {read.numInstances} machine{read.numInstances === 1 ? '' : 's'}
            </Row>
            <Row setting="$update_channel">{read.channel}</Row>
            <Row setting="$instance_name_prefix">
              {read.prefix} ({namesPreview(read.prefix, read.numInstances)})
            </Row>
            <Row setting="$forwarded_ports">
              {read.forwardedPorts.length
                ? read.forwardedPorts.map((p) => `${p.guest} → ${p.host}`).join(', ') +
                  ` (guest → 127.0.0.1 of this computer, on ${read.prefix}-01)`
                : none}
            </Row>
            {read.exposeDockerTcp !== undefined && (
              <Row setting="$expose_docker_tcp">
                {read.exposeDockerTcp} — not carried over: units&apos; containers run on this computer&apos;s
                Docker engine
              </Row>
            )}
            {(read.vm.memory !== undefined || read.vm.cpus !== undefined) && (
              <Row setting="VM size">
                {[read.vm.memory && `${read.vm.memory} MB`, read.vm.cpus && `${read.vm.cpus} CPU`]
                  .filter(Boolean)
                  .join(', ')}{' '}
                — not carried over: machines are containers
              </Row>
            )}
          </>
        )}
        {hasUserData && (
          <>
            <Row setting="fleet metadata">
              {Object.keys(read.metadata).length
                ? `${Object.entries(read.metadata)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(', ')} (on every machine)`
                : none}
            </Row>
            <Row setting="units">{read.units.length ? read.units.join(', ') : none}</Row>
            <Row setting="ssh_authorized_keys">
              {read.sshAuthorizedKeys.length
                ? read.sshAuthorizedKeys.map((k) => (
                    <Box key={k} sx={{ fontFamily: 'monospace', fontSize: 13 }}>
                      {keySummary(k)}
                    </Box>
                  ))
                : none}
            </Row>
          </>
        )}
      </TableBody>
    </Table>
  );
}

/**
 * Import of a coreos-vagrant project: reads its config.rb and user-data, shows what is carried over
 * and what is not, and opens the wizard filled in.
 */
export function ImportPage() {
  const navigate = useNavigate();
  const { setDraft } = useDraft();
  const [configRb, setConfigRb] = useState<FileText>(EMPTY);
  const [userData, setUserData] = useState<FileText>(EMPTY);
  const hasConfigRb = configRb.text.trim() !== '';
  const hasUserData = userData.text.trim() !== '';
  const read = useMemo(
    () =>
      importVagrant({
        ...(hasConfigRb ? { configRb: configRb.text } : {}),
        ...(hasUserData ? { userData: userData.text } : {}),
      }),
    [configRb.text, userData.text, hasConfigRb, hasUserData],
  );
  // The wizard boots every machine with the user-data: it has to read cleanly.
  const userDataErrors = read.diagnostics.filter(
    (d) => d.file === 'user-data' && d.severity === 'error',
  ).length;

  return (
    <Box sx={{ p: 3 }}>
      <Typography id="page-title" variant="h4" component="h1" gutterBottom>
        Import from coreos-vagrant
      </Typography>
      <Typography color="text.secondary" sx={{ mb: 2, maxWidth: 760 }}>
        Give the <code>config.rb</code> and the <code>user-data</code> of a coreos-vagrant checkout. Flotilla
        reads the settings it can carry over, says what it leaves out, and opens the new-cluster wizard filled
        in.{' '}
        <Link component={RouterLink} to="/clusters">
          Back to the clusters
        </Link>
      </Typography>
      <Stack direction="row" sx={{ gap: 2, flexWrap: 'wrap', mb: 3 }}>
        <FileInput
          label="config.rb"
          pasteLabel="Or paste the Ruby settings"
          value={configRb}
          onChange={setConfigRb}
        />
        <FileInput
          label="user-data"
          pasteLabel="Or paste the cloud-config"
          value={userData}
          onChange={setUserData}
        />
      </Stack>
      {(hasConfigRb || hasUserData) && (
        <Stack spacing={2}>
          <Typography variant="h6" component="h2">
            What was read
          </Typography>
          <ReadSummary read={read} hasConfigRb={hasConfigRb} hasUserData={hasUserData} />
          <Typography variant="h6" component="h2" id="import-diagnostics">
            Not carried over, and problems
          </Typography>
          {read.diagnostics.length === 0 ? (
            <Typography color="text.secondary">Nothing: every setting is carried over.</Typography>
          ) : (
            <List dense aria-labelledby="import-diagnostics">
              {read.diagnostics.map((d, i) => (
                <ListItem key={i}>
                  <ListItemIcon sx={{ minWidth: 32 }}>
                    {d.severity === 'error' ? (
                      <ErrorIcon color="error" fontSize="small" titleAccess="Error" />
                    ) : (
                      <WarningIcon color="warning" fontSize="small" titleAccess="Warning" />
                    )}
                  </ListItemIcon>
                  <ListItemText primary={`${d.file} line ${d.line}: ${d.message}`} />
                </ListItem>
              ))}
            </List>
          )}
          {userDataErrors > 0 && (
            <Alert severity="error">
              The user-data has {userDataErrors} error{userDataErrors === 1 ? '' : 's'}: every machine would
              boot with it, so fix {userDataErrors === 1 ? 'it' : 'them'} first (or clear the user-data).
            </Alert>
          )}
          <Box>
            <Button
              variant="contained"
              disabled={userDataErrors > 0}
              onClick={() => {
                setDraft(draftFromVagrant(read, userData.file ?? 'user-data'));
                navigate('/clusters/new');
              }}
            >
              Continue in the wizard
            </Button>
          </Box>
        </Stack>
      )}
    </Box>
  );
}
