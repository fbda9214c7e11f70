import { Alert, Box, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import type { BlockedReason, Plan } from '../../../shared/api';
import { hostOf, withHostNames, type HostNames } from './verdicts';

/**
 * A plan's body in host names, shared by the board's move dialog and the unit editor: why the
 * scheduler refuses, what stops and starts where, and what cannot be placed with every machine
 * ruled out and why.
 */
export function PlanSteps({
  plan,
  names,
  what,
  blockedTitle,
}: {
  plan: Plan;
  names: HostNames;
  /** "move" or "change", for "The scheduler refuses this …". */
  what: string;
  blockedTitle: string;
}) {
  return (
    <>
      {!plan.valid && (
        <Alert severity="error" sx={{ mb: 1 }}>
          The scheduler refuses this {what}:
          <Box component="ul" sx={{ m: 0, pl: 2 }}>
            {plan.problems.map((p) => (
              <li key={p}>{withHostNames(p, names)}</li>
            ))}
          </Box>
        </Alert>
      )}
      <Steps title="Stops" empty="Nothing stops." steps={plan.stops} names={names} />
      <Steps title="Starts" empty="Nothing starts." steps={plan.starts} names={names} />
      {plan.blocked.length > 0 && (
        <Section title={blockedTitle}>
          {plan.blocked.map((b) => (
            <li key={b.unit}>
              <strong>{b.unit}</strong>: {withHostNames(b.reason.message, names)}
              <RuledOut reason={b.reason} names={names} />
            </li>
          ))}
        </Section>
      )}
    </>
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
    <Box component="section" aria-label={title} sx={{ mt: 1 }}>
      <Typography variant="subtitle2" component="h3">
        {title}
      </Typography>
      <Box component="ul" sx={{ m: 0, pl: 2.5 }}>
        {children}
      </Box>
    </Box>
  );
}
