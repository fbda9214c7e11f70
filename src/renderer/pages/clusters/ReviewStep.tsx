import {
  Alert,
  Box,
  Button,
  Chip,
  CircularProgress,
  List,
  ListItemButton,
  ListItemIcon,
  ListItemText,
  Stack,
  Tab,
  Tabs,
  Typography,
} from '@mui/material';
import DownloadIcon from '@mui/icons-material/Download';
import ErrorIcon from '@mui/icons-material/Error';
import WarningIcon from '@mui/icons-material/Warning';
import { useEffect, useId, useRef, type Ref } from 'react';
import { CodeEditor, type CodeEditorHandle } from '../../components/CodeEditor';
import { CommandLine } from '../../components/CopyCommand';
import { describeError } from '../../app/notify';
import {
  PASSWORD_FILE,
  cloudConfigFile,
  createCommand,
  editedConfigs,
  remoteCommands,
  type Draft,
} from './draft';
import { editConfig, kvSummary, remoteSummary, type MachineConfig } from './review';
import type { StepProps } from './stepProps';

/** Where to put the cursor: a machine's config and a line in it (from a refused create). */
export interface ConfigLocation {
  host: string;
  line: number;
  column: number;
}

export interface ReviewStepProps extends Pick<StepProps, 'draft' | 'setDraft'> {
  /** Undefined while the addresses are being worked out. */
  configs: MachineConfig[] | undefined;
  /** Why the addresses could not be had. */
  addressError: unknown;
  onRetry: () => void;
  tab: string;
  onTab: (host: string) => void;
  /** A line to show, once; the wizard clears it by passing a new object or null. */
  reveal: ConfigLocation | null;
}

/** Saves text as a file through the browser's download. */
function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/yaml' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  // Revoked later: the download reads the URL after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * The cloud-config each machine will boot with, one tab per machine, editable and checked as it is
 * typed; plus the flotctl command that does the same.
 */
export function ReviewStep({
  draft,
  setDraft,
  configs,
  addressError,
  onRetry,
  tab,
  onTab,
  reveal,
}: ReviewStepProps) {
  const editor = useRef<CodeEditorHandle>(null);
  const baseId = useId();
  useEffect(() => {
    if (reveal && reveal.host === tab) editor.current?.revealLine(reveal.line, reveal.column);
  }, [reveal, tab]);

  if (addressError !== undefined) {
    const { message, hint } = describeError(addressError);
    return (
      <Alert severity="error" action={<Button onClick={onRetry}>Retry</Button>}>
        Could not work out the machines&apos; addresses: {message}
        {hint ? ` — ${hint}` : ''}
      </Alert>
    );
  }
  if (!configs) {
    return (
      <Stack direction="row" sx={{ gap: 2, alignItems: 'center' }} role="status">
        <CircularProgress size={20} aria-hidden />
        <Typography>Working out the machines&apos; addresses…</Typography>
      </Stack>
    );
  }
  const current = configs.find((m) => m.host === tab) ?? configs[0];
  if (!current) return null;
  const edited = editedConfigs(draft);
  const tabId = (host: string) => `${baseId}-tab-${host}`;
  const panelId = `${baseId}-panel`;
  return (
    <Stack spacing={2}>
      <Typography variant="body2">
        <strong>KV: </strong>
        {kvSummary(draft)}
      </Typography>
      {draft.remotes.length > 0 && (
        <Typography variant="body2">
          <strong>Remote hosts: </strong>
          {remoteSummary(draft)}
        </Typography>
      )}
      {draft.userData && (
        <Alert
          severity="info"
          action={<Button onClick={() => setDraft((d) => ({ ...d, userData: null }))}>Leave it out</Button>}
        >
          Every machine boots with the user-data from {draft.userData.file}, Flotilla&apos;s settings merged
          over it.
        </Alert>
      )}
      {Object.keys(edited).length > 0 && (
        <Alert severity="info">
          Edited cloud-configs are used as written: changes on the other steps no longer reach them. Reset to
          generated to take them up.
        </Alert>
      )}
      <Tabs
        value={current.host}
        onChange={(_e, host: string) => onTab(host)}
        variant="scrollable"
        scrollButtons="auto"
        aria-label="Machines"
      >
        {configs.map((m) => (
          <Tab
            key={m.host}
            value={m.host}
            id={tabId(m.host)}
            aria-controls={panelId}
            label={
              <Stack direction="row" sx={{ gap: 0.5, alignItems: 'center' }}>
                <span>{m.host}</span>
                {m.edited && <Chip size="small" label="edited" />}
                {m.errors > 0 && (
                  <Chip size="small" color="error" label={`${m.errors} error${m.errors === 1 ? '' : 's'}`} />
                )}
              </Stack>
            }
          />
        ))}
      </Tabs>
      <Box role="tabpanel" id={panelId} aria-labelledby={tabId(current.host)}>
        <MachinePanel
          key={current.host}
          machine={current}
          editorRef={editor}
          onEdit={(text) => setDraft((d) => editConfig(d, current.host, text, current.generated))}
          onReveal={(line, column) => editor.current?.revealLine(line, column)}
        />
      </Box>
      <ReviewCommand draft={draft} edited={edited} />
    </Stack>
  );
}

function MachinePanel({
  machine,
  editorRef,
  onEdit,
  onReveal,
}: {
  machine: MachineConfig;
  editorRef: Ref<CodeEditorHandle>;
  onEdit: (text: string) => void;
  onReveal: (line: number, column: number) => void;
}) {
  const { host } = machine;
  return (
    <Stack spacing={1}>
      {machine.problem && <Alert severity="error">{machine.problem}</Alert>}
      <Stack direction="row" sx={{ gap: 1, alignItems: 'center', minHeight: 36 }}>
        <Typography variant="body2" color="text.secondary" sx={{ flex: 1 }}>
          {machine.edited
            ? `Edited: ${host} boots with this cloud-config as written.`
            : `Generated for ${host}, with its address substituted. Edit it to change what ${host} boots with.`}
        </Typography>
        {machine.edited && machine.generated !== undefined && (
          <Button onClick={() => onEdit(machine.generated as string)}>Reset to generated</Button>
        )}
      </Stack>
      <CodeEditor
        ref={editorRef}
        label={`cloud-config of ${host}`}
        language="yaml"
        value={machine.text}
        diagnostics={machine.diagnostics}
        onChange={onEdit}
      />
      <Typography variant="subtitle2" component="h2" id={`problems-${host}`}>
        Problems
      </Typography>
      {machine.diagnostics.length === 0 ? (
        <Typography variant="body2" color="text.secondary">
          None: {host}&apos;s cloud-config reads cleanly.
        </Typography>
      ) : (
        <List dense aria-labelledby={`problems-${host}`} disablePadding>
          {machine.diagnostics.map((d, i) => (
            <ListItemButton key={i} onClick={() => onReveal(d.line, d.column)}>
              <ListItemIcon sx={{ minWidth: 32 }}>
                {d.severity === 'error' ? (
                  <ErrorIcon color="error" fontSize="small" titleAccess="Error" />
                ) : (
                  <WarningIcon color="warning" fontSize="small" titleAccess="Warning" />
                )}
              </ListItemIcon>
              <ListItemText primary={`Line ${d.line}, column ${d.column}: ${d.message}`} />
            </ListItemButton>
          ))}
        </List>
      )}
    </Stack>
  );
}

/** The flotctl line for the draft, and what it needs besides (files for edited configs, the password). */
function ReviewCommand({ draft, edited }: { draft: Draft; edited: Record<string, string> }) {
  const command = createCommand(draft);
  const remotes = remoteCommands(draft);
  const hosts = Object.keys(edited);
  return (
    <Stack spacing={1}>
      <Typography variant="subtitle2" component="h2">
        The same from a terminal
      </Typography>
      <CommandLine command={command} size="medium" />
      {remotes.length > 0 && (
        <>
          <Typography variant="body2">Then each remote host:</Typography>
          {remotes.map((line) => (
            <CommandLine key={line} command={line} size="medium" />
          ))}
        </>
      )}
      {command.includes(`--etcd-password-file ${PASSWORD_FILE}`) && (
        <Typography variant="caption" color="text.secondary">
          The etcd password is not part of the command: put it in a file only you can read and name that file
          in place of {PASSWORD_FILE}.
        </Typography>
      )}
      {hosts.length > 0 && (
        <Box>
          <Button
            variant="outlined"
            startIcon={<DownloadIcon />}
            onClick={() => hosts.forEach((host) => download(cloudConfigFile(host), edited[host] as string))}
          >
            Download cloud-configs
          </Button>
          <Typography variant="caption" color="text.secondary" sx={{ ml: 1 }}>
            {hosts.map(cloudConfigFile).join(', ')}, which the command names
          </Typography>
        </Box>
      )}
    </Stack>
  );
}
