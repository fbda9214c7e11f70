import { Box, IconButton, Stack, Tooltip } from '@mui/material';
import TerminalIcon from '@mui/icons-material/Terminal';
import { useNotify } from '../app/notify';

/** "Copy as flotctl command": puts the command line of an action on the clipboard. */
export function CopyCommand({ command, size = 'small' }: { command: string; size?: 'small' | 'medium' }) {
  const notify = useNotify();
  return (
    <Tooltip title={<code>{command}</code>}>
      <IconButton
        size={size}
        aria-label={`Copy as flotctl command: ${command}`}
        onClick={(e) => {
          e.stopPropagation();
          void copyText(command).then(
            () => notify.info(`Copied: ${command}`),
            (err: Error) => notify.error(err, 'Copy to the clipboard'),
          );
        }}
      >
        <TerminalIcon fontSize="inherit" />
      </IconButton>
    </Tooltip>
  );
}

/** The async clipboard where allowed (secure contexts), else the selection-and-copy fallback. */
export async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('The browser refused to copy');
}

/** A whole command line shown as code, with its copy button: "the same from a terminal". */
export function CommandLine({ command, size = 'small' }: { command: string; size?: 'small' | 'medium' }) {
  return (
    <Stack direction="row" sx={{ gap: 1, alignItems: 'center' }}>
      <Box
        component="code"
        sx={{ flex: 1, p: 1, bgcolor: 'action.hover', borderRadius: 1, fontSize: 13, wordBreak: 'break-all' }}
      >
        {command}
      </Box>
      <CopyCommand command={command} size={size} />
    </Stack>
  );
}
