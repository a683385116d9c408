// Kept in step with package.json by test/integration/help.test.ts.
export const VERSION = '0.1.0';
