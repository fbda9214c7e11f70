import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  TextField,
} from '@mui/material';
import { useState } from 'react';

/**
 * Asks for the cluster's name before destroying it: everything it made goes (containers, network,
 * files, units), so the button waits until the name is typed.
 */
export function DestroyDialog({
  name,
  onCancel,
  onDestroy,
}: {
  name: string;
  onCancel: () => void;
  onDestroy: () => void;
}) {
  const [typed, setTyped] = useState('');
  const matches = typed === name;
  return (
    <Dialog open onClose={onCancel} aria-labelledby="destroy-title" aria-describedby="destroy-text">
      <DialogTitle id="destroy-title">Destroy cluster {name}?</DialogTitle>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (matches) onDestroy();
        }}
      >
        <DialogContent>
          <DialogContentText id="destroy-text" sx={{ mb: 2 }}>
            Its machines, units, KV data, network and files are removed. This cannot be undone.
          </DialogContentText>
          <TextField
            autoFocus
            fullWidth
            label="Type the cluster name to confirm"
            placeholder={name}
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            slotProps={{ htmlInput: { autoComplete: 'off', spellCheck: false } }}
          />
        </DialogContent>
        <DialogActions>
          <Button onClick={onCancel}>Cancel</Button>
          <Button type="submit" color="error" variant="contained" disabled={!matches}>
            Destroy
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
