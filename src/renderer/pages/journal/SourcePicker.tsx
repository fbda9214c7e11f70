import { Autocomplete, Box, TextField } from '@mui/material';

export interface PickerOption {
  value: string;
  /** Said after the name: where a unit runs, a machine's address. */
  detail?: string;
}

/** A multi-select of machines or units; nothing chosen means all of them. */
export function SourcePicker({
  label,
  allLabel,
  options,
  value,
  onChange,
  freeSolo = false,
}: {
  label: string;
  allLabel: string;
  options: PickerOption[];
  value: string[];
  onChange: (v: string[]) => void;
  /** Names not in the list are allowed (units that are gone still have journals). */
  freeSolo?: boolean;
}) {
  const details = new Map(options.map((o) => [o.value, o.detail]));
  return (
    <Autocomplete
      multiple
      size="small"
      freeSolo={freeSolo}
      autoHighlight
      options={options.map((o) => o.value)}
      value={value}
      onChange={(_e, v) => onChange([...new Set(v.map((s) => s.trim()).filter(Boolean))])}
      filterSelectedOptions
      limitTags={3}
      sx={{ minWidth: 220, maxWidth: 480, flex: '1 1 220px' }}
      renderOption={(props, option) => {
        const { key, ...rest } = props as typeof props & { key: string };
        const detail = details.get(option);
        return (
          <Box component="li" key={key} {...rest}>
            {option}
            {detail && (
              <Box component="span" sx={{ color: 'text.secondary', ml: 1, fontSize: '0.85em' }}>
                {detail}
              </Box>
            )}
          </Box>
        );
      }}
      renderInput={(params) => (
        <TextField {...params} label={label} placeholder={value.length === 0 ? allLabel : undefined} />
      )}
    />
  );
}
