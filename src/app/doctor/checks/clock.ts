/** This computer's clock against STS's, measured by the sources check's GetCallerIdentity calls. */
import { clockFinding } from '../../../core/doctor-checks.js';
import { warning } from '../../../core/doctor-report.js';
import type { DoctorCheck } from '../context.js';
import { sourceProbesFact } from './sources.js';

export const clockCheck: DoctorCheck = {
  name: 'clock',
  run: async (ctx) => {
    const probes = await ctx.fact(sourceProbesFact);
    const measured = probes.find((p) => p.skewSeconds !== undefined);
    if (measured) return [clockFinding(measured.skewSeconds!, `STS (${measured.endpoint})`)];
    const why = probes.find((p) => p.noClock)?.noClock ?? (probes.length > 0 ? 'no source could ask STS' : 'no source to ask STS with');
    return [warning('clock', `not compared with STS: ${why}`)];
  },
};
