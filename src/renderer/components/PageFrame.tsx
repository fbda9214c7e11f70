import { Box, Breadcrumbs, Link, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import { Link as RouterLink } from 'react-router-dom';

/** Where a page's breadcrumb leads back to (a list above the page). */
export interface BackLink {
  to: string;
  label: string;
}

/** A page: an optional way back, the title, what it says next to it, actions at the right. */
export function PageFrame({
  title,
  aside,
  actions,
  back,
  fill = false,
  children,
}: {
  title: string;
  /** Short text beside the title (cluster, counts, states). */
  aside?: ReactNode;
  /** Buttons at the right of the title. */
  actions?: ReactNode;
  back?: BackLink;
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
          <Link component={RouterLink} to={back.to} underline="hover">
            {back.label}
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
