import { Typography } from '@mui/material';

/** Placeholder while the page is being built (issue 8). */
export function UnitsPage() {
  return (
    <Typography variant="h4" component="h1" sx={{ p: 3 }}>
      Units
    </Typography>
  );
}
