import { Box, Typography } from '@mui/material';
import type { Plan } from '../../../shared/api';
import { PlanSteps } from '../machines/PlanSteps';
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
      <PlanSteps plan={plan} names={names} what="change" blockedTitle="Cannot be placed" />
    </Box>
  );
}
