import { Box, IconButton, TextField, ToggleButton, Tooltip, Typography } from '@mui/material';
import KeyboardArrowUpIcon from '@mui/icons-material/KeyboardArrowUp';
import KeyboardArrowDownIcon from '@mui/icons-material/KeyboardArrowDown';
import FilterListIcon from '@mui/icons-material/FilterList';
import type { Ref } from 'react';

export interface SearchBarProps {
  query: string;
  onQuery(q: string): void;
  regex: boolean;
  caseSensitive: boolean;
  filter: boolean;
  onRegex(v: boolean): void;
  onCase(v: boolean): void;
  onFilter(v: boolean): void;
  onNext(): void;
  onPrevious(): void;
  /** Why the query cannot be used (a bad regular expression). */
  error: string | undefined;
  /** "3 of 120" or "120 matches"; the count follows new lines. */
  count: React.ReactNode;
  inputRef?: Ref<HTMLInputElement>;
}

/** Search with highlight: plain or regex, case or not, Enter/Shift+Enter to step, or filter. */
export function SearchBar(p: SearchBarProps) {
  return (
    <Box sx={{ display: 'flex', alignItems: 'flex-start', gap: 0.5, flexWrap: 'wrap' }}>
      <TextField
        size="small"
        label="Search"
        value={p.query}
        onChange={(e) => p.onQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            if (e.shiftKey) p.onPrevious();
            else p.onNext();
          } else if (e.key === 'Escape' && p.query) {
            e.preventDefault();
            p.onQuery('');
          }
        }}
        error={p.error !== undefined}
        helperText={p.error}
        inputRef={p.inputRef}
        sx={{ width: 300 }}
        slotProps={{
          htmlInput: { spellCheck: false, 'aria-describedby': 'journal-search-count' },
          formHelperText: { role: 'alert' },
          input: {
            endAdornment: (
              <Box sx={{ display: 'flex', gap: 0.25 }}>
                <Tooltip title="Regular expression">
                  <ToggleButton
                    value="regex"
                    size="small"
                    selected={p.regex}
                    onChange={() => p.onRegex(!p.regex)}
                    aria-label="Regular expression"
                    sx={{ py: 0, px: 0.75, fontFamily: 'monospace', border: 0 }}
                  >
                    .*
                  </ToggleButton>
                </Tooltip>
                <Tooltip title="Match case">
                  <ToggleButton
                    value="case"
                    size="small"
                    selected={p.caseSensitive}
                    onChange={() => p.onCase(!p.caseSensitive)}
                    aria-label="Match case"
                    sx={{ py: 0, px: 0.75, border: 0, textTransform: 'none' }}
                  >
                    Aa
                  </ToggleButton>
                </Tooltip>
              </Box>
            ),
          },
        }}
      />
      <Typography
        id="journal-search-count"
        variant="body2"
        color="text.secondary"
        sx={{ minWidth: 96, alignSelf: 'center', textAlign: 'center' }}
      >
        {p.count}
      </Typography>
      <Tooltip title="Previous match (Shift+Enter)">
        <span>
          <IconButton
            aria-label="Previous match"
            onClick={p.onPrevious}
            disabled={!p.query}
            sx={{ mt: 0.25 }}
          >
            <KeyboardArrowUpIcon />
          </IconButton>
        </span>
      </Tooltip>
      <Tooltip title="Next match (Enter)">
        <span>
          <IconButton aria-label="Next match" onClick={p.onNext} disabled={!p.query} sx={{ mt: 0.25 }}>
            <KeyboardArrowDownIcon />
          </IconButton>
        </span>
      </Tooltip>
      <Tooltip title="Show only the lines that match">
        <ToggleButton
          value="filter"
          size="small"
          selected={p.filter}
          onChange={() => p.onFilter(!p.filter)}
          aria-label="Show only matching lines"
          sx={{ mt: 0.25, textTransform: 'none', gap: 0.5 }}
        >
          <FilterListIcon fontSize="small" />
          Filter
        </ToggleButton>
      </Tooltip>
    </Box>
  );
}
