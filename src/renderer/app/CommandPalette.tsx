import { Box, Dialog, Typography } from '@mui/material';
import { Command } from 'cmdk';
import { useState } from 'react';
import { shortcutLabel, useActions, type AppAction } from '../actions/registry';

const SECTIONS: AppAction['section'][] = ['Navigate', 'Clusters', 'Machines', 'Units', 'KV', 'App'];

/** Ctrl/Cmd+K: every page and action, found by typing (cmdk does the matching and the listbox). */
export function CommandPalette({ open, onClose }: { open: boolean; onClose: () => void }) {
  const actions = useActions();
  const [query, setQuery] = useState('');
  const close = () => {
    setQuery('');
    onClose();
  };
  return (
    <Dialog
      open={open}
      onClose={close}
      fullWidth
      maxWidth="sm"
      slotProps={{
        paper: { 'aria-label': 'Command palette', sx: { position: 'absolute', top: '12vh', m: 0 } },
      }}
    >
      <Box
        sx={{
          '& [cmdk-input]': {
            width: '100%',
            border: 0,
            borderBottom: 1,
            borderColor: 'divider',
            outline: 'none',
            p: 2,
            font: 'inherit',
            fontSize: 16,
            bgcolor: 'transparent',
            color: 'text.primary',
          },
          '& [cmdk-list]': { maxHeight: '50vh', overflow: 'auto', p: 1 },
          '& [cmdk-group-heading]': {
            px: 1,
            pt: 1,
            pb: 0.5,
            fontSize: 12,
            color: 'text.secondary',
            textTransform: 'uppercase',
            letterSpacing: 0.5,
          },
          '& [cmdk-item]': {
            display: 'flex',
            alignItems: 'center',
            gap: 2,
            px: 1.5,
            py: 1,
            borderRadius: 1,
            cursor: 'pointer',
          },
          '& [cmdk-item][data-selected="true"]': { bgcolor: 'action.selected' },
          '& [cmdk-empty]': { p: 2, color: 'text.secondary' },
        }}
      >
        <Command label="Command palette" loop>
          <Command.Input
            autoFocus
            value={query}
            onValueChange={setQuery}
            placeholder="Type a page or an action…"
          />
          <Command.List>
            <Command.Empty>Nothing matches “{query}”.</Command.Empty>
            {SECTIONS.map((section) => {
              const items = actions.filter((a) => a.section === section && a.id !== 'app.palette');
              if (items.length === 0) return null;
              return (
                <Command.Group key={section} heading={section}>
                  {items.map((a) => (
                    <Command.Item
                      key={a.id}
                      value={`${a.title} ${a.id}`}
                      keywords={a.keywords ? a.keywords.split(' ') : []}
                      onSelect={() => {
                        close();
                        a.perform();
                      }}
                    >
                      <Box sx={{ flex: 1, minWidth: 0 }}>
                        <Typography variant="body2">{a.title}</Typography>
                        {a.flotctl && (
                          <Typography variant="caption" color="text.secondary" component="code" noWrap>
                            {a.flotctl}
                          </Typography>
                        )}
                      </Box>
                      {a.shortcut && (
                        <Typography variant="caption" color="text.secondary" component="kbd">
                          {shortcutLabel(a.shortcut)}
                        </Typography>
                      )}
                    </Command.Item>
                  ))}
                </Command.Group>
              );
            })}
          </Command.List>
        </Command>
      </Box>
    </Dialog>
  );
}
