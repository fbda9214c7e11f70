import { Alert, Box, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import type { BlockedReason, Plan } from '../../../shared/api';
import { hostOf, withHostNames, type HostNames } from '../machines/verdicts';

/**
 * What the scheduler says a change would do, in host names: where the unit would run, what
 * stops and starts, and what could not be placed with each machine ruled out and why.
 */
export function PlanView({ plan, unit, names }: { plan: Plan; unit: string; names: HostNames }) {
  const hosts = plan.starts.filter((s) => s.unit === unit).map((s) => hostOf(names, s.machineId));
  const blocked = plan.blocked.find((b) => b.unit === unit);
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1 }}>
      {!plan.valid && (
        <Alert severity="error">
          The scheduler refuses this change:
          <Box component="ul" sx={{ m: 0, pl: 2 }}>
            {plan.problems.map((p) => (
              <li key={p}>{withHostNames(p, names)}</li>
            ))}
          </Box>
        </Alert>
      )}
      {plan.valid && (
        <Typography>
          {hosts.length > 0 ? (
            <>
              {unit} would run on <strong>{hosts.join(', ')}</strong>.
            </>
          ) : blocked ? (
            <>
              {unit} cannot be placed: {withHostNames(blocked.reason.message, names)}
            </>
          ) : (
            <>{unit} would stay where it is; nothing about it starts.</>
          )}
        </Typography>
      )}
      <Steps title="Stops" empty="Nothing stops." steps={plan.stops} names={names} />
      <Steps title="Starts" empty="Nothing starts." steps={plan.starts} names={names} />
      {plan.blocked.length > 0 && (
        <Section title="Cannot be placed">
          {plan.blocked.map((b) => (
            <li key={b.unit}>
              <strong>{b.unit}</strong>: {withHostNames(b.reason.message, names)}
              <RuledOut reason={b.reason} names={names} />
            </li>
          ))}
        </Section>
      )}
    </Box>
  );
}

/** Every machine a constraint ruled out, and why. */
export function RuledOut({ reason, names }: { reason: BlockedReason; names: HostNames }) {
  if (reason.ruledOut.length === 0) return null;
  return (
    <Box component="ul" sx={{ m: 0, pl: 2.5 }}>
      {reason.ruledOut.map((r) => (
        <li key={`${r.machineId}|${r.constraint}`}>
          {hostOf(names, r.machineId)} — {r.constraint}: {withHostNames(r.detail, names)}
        </li>
      ))}
    </Box>
  );
}

function Steps({
  title,
  empty,
  steps,
  names,
}: {
  title: string;
  empty: string;
  steps: Plan['stops'];
  names: HostNames;
}) {
  return (
    <Section title={title}>
      {steps.length === 0 ? (
        <li>{empty}</li>
      ) : (
        steps.map((s) => (
          <li key={`${s.unit}|${s.machineId}`}>
            <strong>{s.unit}</strong> on <strong>{hostOf(names, s.machineId)}</strong>
            {s.reason && ` — ${withHostNames(s.reason, names)}`}
          </li>
        ))
      )}
    </Section>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Box component="section" aria-label={title}>
      <Typography variant="subtitle2" component="h3">
        {title}
      </Typography>
      <Box component="ul" sx={{ m: 0, pl: 2.5 }}>
        {children}
      </Box>
    </Box>
  );
}
