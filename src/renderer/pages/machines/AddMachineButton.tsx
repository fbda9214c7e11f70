import { Button, ListItemText, Menu, MenuItem } from '@mui/material';
import AddIcon from '@mui/icons-material/Add';
import ArrowDropDownIcon from '@mui/icons-material/ArrowDropDown';
import { useId, useState } from 'react';

/** "Add machine ▾" in the page header: the kinds of machine a cluster can take. */
export function AddMachineButton({ disabled, onRemote }: { disabled: boolean; onRemote(): void }) {
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const menuId = useId();
  return (
    <>
      <Button
        variant="outlined"
        startIcon={<AddIcon />}
        endIcon={<ArrowDropDownIcon />}
        disabled={disabled}
        aria-haspopup="menu"
        aria-controls={anchor ? menuId : undefined}
        aria-expanded={anchor ? true : undefined}
        onClick={(e) => setAnchor(e.currentTarget)}
      >
        Add machine
      </Button>
      {anchor && (
        <Menu id={menuId} anchorEl={anchor} open onClose={() => setAnchor(null)}>
          <MenuItem
            onClick={() => {
              setAnchor(null);
              onRemote();
            }}
          >
            <ListItemText primary="Remote host (SSH)…" secondary="A host with Docker, reached over SSH" />
          </MenuItem>
        </Menu>
      )}
    </>
  );
}
