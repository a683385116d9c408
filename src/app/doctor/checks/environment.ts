/** The environment variables xacct reads: each malformed one is an error (every other command refuses to run). */
import { error } from '../../../core/doctor-report.js';
import { environmentProblems } from '../../../core/environment.js';
import type { DoctorCheck } from '../context.js';

export const environmentCheck: DoctorCheck = {
  name: 'environment',
  run: async (ctx) => environmentProblems(ctx.env).map(({ error: e }) => error('environment', e.message, e.hint ?? 'unset it')),
};
