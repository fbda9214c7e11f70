import { Box, Breadcrumbs, Link, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import { Link as RouterLink } from 'react-router-dom';

/** A Units page: a way back to the list (below the list itself), the title, what it says next to it. */
export function PageFrame({
  title,
  aside,
  actions,
  back = true,
  fill = false,
  children,
}: {
  title: string;
  /** Short text beside the title (cluster, counts, states). */
  aside?: ReactNode;
  /** Buttons at the right of the title. */
  actions?: ReactNode;
  back?: boolean;
  /** Fill the height (the table scrolls inside); otherwise the page scrolls. */
  fill?: boolean;
  children: ReactNode;
}) {
  return (
    <Box
      component="section"
      aria-labelledby="page-title"
      sx={{
        p: 3,
        pb: fill ? 1 : 3,
        boxSizing: 'border-box',
        display: 'flex',
        flexDirection: 'column',
        gap: 2,
        ...(fill ? { height: '100%' } : {}),
      }}
    >
      {back && (
        <Breadcrumbs aria-label="Breadcrumb">
          <Link component={RouterLink} to="/units" underline="hover">
            Units
          </Link>
          <Typography color="text.primary">{title}</Typography>
        </Breadcrumbs>
      )}
      <Box sx={{ display: 'flex', alignItems: 'baseline', gap: 2, flexWrap: 'wrap' }}>
        <Typography id="page-title" variant="h4" component="h1" sx={{ wordBreak: 'break-all' }}>
          {title}
        </Typography>
        {aside && <Typography color="text.secondary">{aside}</Typography>}
        <Box sx={{ flex: 1 }} />
        {actions}
      </Box>
      {children}
    </Box>
  );
}
