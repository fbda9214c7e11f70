import { Box, Paper, Typography } from '@mui/material';
import ConstructionIcon from '@mui/icons-material/Construction';
import type { PageDef } from '../app/pages';

/** A page whose feature has not landed yet: says what will come there. */
export function ComingPage({ page }: { page: PageDef }) {
  return (
    <Box component="section" aria-labelledby="page-title" sx={{ p: 3, maxWidth: 820 }}>
      <Typography id="page-title" variant="h4" component="h1" gutterBottom>
        {page.title}
      </Typography>
      <Paper variant="outlined" sx={{ p: 3, display: 'flex', gap: 2, alignItems: 'flex-start' }}>
        <ConstructionIcon color="action" aria-hidden />
        <Box>
          <Typography variant="subtitle1" component="h2" gutterBottom>
            Coming here
          </Typography>
          <Typography color="text.secondary">{page.coming}</Typography>
        </Box>
      </Paper>
    </Box>
  );
}
