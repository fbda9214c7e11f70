import { IconButton, Tooltip } from '@mui/material';
import TerminalIcon from '@mui/icons-material/Terminal';
import { useNotify } from '../../app/notify';
import { copyText } from '../../components/CopyCommand';

/** "Copy as etcdctl command": the same thing done from a terminal with Debian's etcdctl. */
export function EtcdctlCopy({ command }: { command: string }) {
  const notify = useNotify();
  // A put line carries the whole value; the name and tooltip show its start.
  const shown = command.length > 160 ? `${command.slice(0, 157)}…` : command;
  return (
    <Tooltip title={<code>{shown}</code>}>
      <IconButton
        size="small"
        aria-label={`Copy as etcdctl command: ${shown}`}
        onClick={(e) => {
          e.stopPropagation();
          void copyText(command).then(
            () => notify.info(`Copied: ${shown}`),
            (err: Error) => notify.error(err, 'Copy to the clipboard'),
          );
        }}
      >
        <TerminalIcon fontSize="inherit" />
      </IconButton>
    </Tooltip>
  );
}
