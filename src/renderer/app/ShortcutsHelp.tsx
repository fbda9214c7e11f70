import {
  Dialog,
  DialogContent,
  DialogTitle,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material';
import { shortcutLabel, useActions } from '../actions/registry';

/** The `?` cheat sheet: every shortcut the app has right now, from the same registry that binds them. */
export function ShortcutsHelp({ open, onClose }: { open: boolean; onClose: () => void }) {
  const withKeys = useActions().filter((a) => a.shortcut);
  const sections = [...new Set(withKeys.map((a) => a.section))];
  return (
    <Dialog open={open} onClose={onClose} maxWidth="sm" fullWidth aria-labelledby="shortcuts-title">
      <DialogTitle id="shortcuts-title">Keyboard shortcuts</DialogTitle>
      <DialogContent>
        {sections.map((section) => (
          <Table key={section} size="small" aria-label={`${section} shortcuts`} sx={{ mb: 2 }}>
            <TableHead>
              <TableRow>
                <TableCell colSpan={2}>
                  <Typography variant="subtitle2" component="h3">
                    {section}
                  </Typography>
                </TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {withKeys
                .filter((a) => a.section === section)
                .map((a) => (
                  <TableRow key={a.id}>
                    <TableCell>{a.title}</TableCell>
                    <TableCell align="right">
                      <kbd>{shortcutLabel(a.shortcut!)}</kbd>
                    </TableCell>
                  </TableRow>
                ))}
            </TableBody>
          </Table>
        ))}
      </DialogContent>
    </Dialog>
  );
}
